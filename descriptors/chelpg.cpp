#include "descriptors/chelpg.hpp"

#include <Eigen/Dense>
#include <cmath>

#include "descriptors/population.hpp"
#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/units.hpp"
#include "scf/integrals.hpp"

namespace cagescreen::descriptors {
namespace {

double chelpg_radius(int Z) {  // Bohr
  double a = molecules::element(Z).vdw_radius;
  if (Z == 1) a = 1.45;
  if (Z == 6) a = 1.50;
  if (Z == 7 || Z == 8) a = 1.70;
  return a * units::angstrom_in_bohr;
}

}  // namespace

std::vector<std::array<double, 3>> chelpg_points(const molecules::Molecule& mol, double spacing, double extent) {
  std::array<double, 3> lo{1e300, 1e300, 1e300}, hi{-1e300, -1e300, -1e300};
  for (const auto& a : mol.atoms)
    for (int d = 0; d < 3; ++d) lo[d] = std::min(lo[d], a.r[d] - extent), hi[d] = std::max(hi[d], a.r[d] + extent);
  std::array<int, 3> n{};
  for (int d = 0; d < 3; ++d) n[d] = static_cast<int>(std::floor((hi[d] - lo[d]) / spacing)) + 1;
  std::vector<double> radius;
  for (const auto& a : mol.atoms) radius.push_back(chelpg_radius(a.Z));
  std::vector<std::array<double, 3>> pts;
  for (int i = 0; i < n[0]; ++i)
    for (int j = 0; j < n[1]; ++j)
      for (int k = 0; k < n[2]; ++k) {
        const std::array<double, 3> p{lo[0] + i * spacing, lo[1] + j * spacing, lo[2] + k * spacing};
        bool inside = false, near = false;
        for (std::size_t a = 0; a < mol.atoms.size(); ++a) {
          const auto& c = mol.atoms[a].r;
          const double r = std::hypot(p[0] - c[0], p[1] - c[1], p[2] - c[2]);
          inside = inside || r < radius[a];
          near = near || r <= extent;
        }
        if (near && !inside) pts.push_back(p);
      }
  return pts;
}

std::vector<double> fit_charges(const molecules::Molecule& mol, const std::vector<std::array<double, 3>>& points,
                                const std::vector<double>& V, double total_charge,
                                const std::optional<DipoleConstraint>& dipole) {
  const int na = static_cast<int>(mol.atoms.size());
  const int nc = 1 + (dipole ? 3 : 0);
  if (points.size() < static_cast<std::size_t>(na))
    throw InputError("charge fitting: fewer fitting points than atoms");
  // Normal equations A q = b with A_AB = Σ_k 1/(r_kA r_kB), b_A = Σ_k V_k/r_kA, bordered by the
  // constraint rows (KKT system).
  Eigen::MatrixXd K = Eigen::MatrixXd::Zero(na + nc, na + nc);
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(na + nc);
  Eigen::VectorXd inv(na);
  for (std::size_t k = 0; k < points.size(); ++k) {
    for (int a = 0; a < na; ++a) {
      const auto& r = mol.atoms[a].r;
      inv(a) = 1.0 / std::hypot(points[k][0] - r[0], points[k][1] - r[1], points[k][2] - r[2]);
    }
    K.topLeftCorner(na, na).noalias() += inv * inv.transpose();
    rhs.head(na) += V[k] * inv;
  }
  for (int a = 0; a < na; ++a) {
    K(na, a) = K(a, na) = 1.0;
    if (dipole)
      for (int d = 0; d < 3; ++d) K(na + 1 + d, a) = K(a, na + 1 + d) = mol.atoms[a].r[d] - dipole->origin[d];
  }
  rhs(na) = total_charge;
  if (dipole)
    for (int d = 0; d < 3; ++d) rhs(na + 1 + d) = dipole->dipole[d];
  // A rank-revealing solve (redundant dipole rows for planar or
  // linear molecules have zero rows and right-hand sides).
  const Eigen::VectorXd x = K.completeOrthogonalDecomposition().solve(rhs);
  return std::vector<double>(x.data(), x.data() + na);
}

ChelpgResult chelpg_charges(const scf::Wavefunction& wfn, int threads) {
  ChelpgResult out;
  const auto& mol = wfn.molecule;
  const auto pts = chelpg_points(mol);
  const Eigen::VectorXd V = scf::electrostatic_potential(wfn.basis, mol, wfn.total_density(), pts, threads);
  const auto mp = multipole_moments(wfn);
  out.charges = fit_charges(mol, pts, std::vector<double>(V.data(), V.data() + V.size()), mol.charge,
                            DipoleConstraint{mp.origin, mp.dipole});
  out.points = pts.size();
  double ss = 0.0;
  for (std::size_t k = 0; k < pts.size(); ++k) {
    double v = 0.0;
    for (std::size_t a = 0; a < mol.atoms.size(); ++a)
      v += out.charges[a] / std::hypot(pts[k][0] - mol.atoms[a].r[0], pts[k][1] - mol.atoms[a].r[1],
                                       pts[k][2] - mol.atoms[a].r[2]);
    ss += (v - V(k)) * (v - V(k));
  }
  out.rms = std::sqrt(ss / std::max<std::size_t>(pts.size(), 1));
  return out;
}

}  // namespace cagescreen::descriptors
