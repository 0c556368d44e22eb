// Nuclear gradient of the continuum-solvent terms of a converged solvated SCF (see gradient.hpp).
#include <omp.h>

#include <cmath>

#include "scf/gradient.hpp"
#include "scf/integrals.hpp"
#include "scf/smd.hpp"

namespace cagescreen::scf {

Eigen::MatrixXd solvation_gradient(const Wavefunction& wfn, int threads) {
  const auto& sv = wfn.solvation;
  const auto& mol = wfn.molecule;
  const auto& cav = sv.cavity;
  const auto& p = cav.points;
  const int natoms = static_cast<int>(mol.atoms.size());
  const int np = static_cast<int>(p.size());
  const Eigen::VectorXd& q = sv.charges;
  const double f = sv.dielectric_factor;
  const Eigen::MatrixXd D = wfn.total_density();
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(natoms, 3);

  // qᵀ dV/dR. (1) Each point rides on its atom's sphere: q_i ∇V(s_i) to that atom.
  const Eigen::MatrixXd field = ElectrostaticPotential(wfn.basis, mol, D).gradient(p, threads);
  for (int i = 0; i < np; ++i) g.row(cav.atom[i]) += q[i] * field.row(i);
  // (2) The nuclei at fixed points: ∂/∂R_A Z_A/|s − R_A| = Z_A (s − R_A)/|s − R_A|³.
  for (int A = 0; A < natoms; ++A) {
    const auto& R = mol.atoms[A].r;
    const double Z = mol.atoms[A].charge();
    for (int i = 0; i < np; ++i) {
      const double d[3] = {p[i][0] - R[0], p[i][1] - R[1], p[i][2] - R[2]};
      const double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
      const double w = q[i] * Z / (r2 * std::sqrt(r2));
      for (int x = 0; x < 3; ++x) g(A, x) += w * d[x];
    }
  }
  // (3) The basis functions' centres at fixed points.
  g += point_charge_basis_gradient(wfn.basis, natoms, D, p, q, threads);

  // (1/2f) qᵀ (dA/dR) q. Off the diagonal A_ij = erf(ζ_ij r_ij)/r_ij between points of
  // different atoms (points of one sphere keep their distances).
  const int nthreads = threads > 0 ? threads : omp_get_max_threads();
  std::vector<Eigen::MatrixXd> part(nthreads, Eigen::MatrixXd::Zero(natoms, 3));
  const Eigen::VectorXd& z = cav.zeta;
#pragma omp parallel num_threads(nthreads)
  {
    Eigen::MatrixXd& gt = part[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 16)
    for (int i = 0; i < np; ++i) {
      for (int j = 0; j < i; ++j) {
        if (cav.atom[i] == cav.atom[j]) continue;
        const double d[3] = {p[i][0] - p[j][0], p[i][1] - p[j][1], p[i][2] - p[j][2]};
        const double r = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        const double zij = z[i] * z[j] / std::sqrt(z[i] * z[i] + z[j] * z[j]);
        const double dA = (2.0 * zij / std::sqrt(M_PI) * std::exp(-zij * zij * r * r) * r - std::erf(zij * r)) / (r * r);
        const double w = q[i] * q[j] * dA / (f * r);  // 2 · (1/2f), both orders
        for (int x = 0; x < 3; ++x) {
          gt(cav.atom[i], x) += w * d[x];
          gt(cav.atom[j], x) -= w * d[x];
        }
      }
      // Diagonal A_ii = ζ_i √(2/π) / F_i through the switching F_i = Π_J s_J(|s_i − R_J|).
      const int I = cav.atom[i];
      const double Fi = cav.switching[i];
      const double c = -q[i] * q[i] / (2.0 * f) * z[i] * std::sqrt(2.0 / M_PI) / (Fi * Fi);
      for (int J = 0; J < natoms; ++J) {
        if (J == I) continue;
        const auto& R = mol.atoms[J].r;
        const double d[3] = {p[i][0] - R[0], p[i][1] - R[1], p[i][2] - R[2]};
        const double r = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        const double RJ = sv.radii[J], zi = z[i];
        const double sJ = 1.0 - 0.5 * (std::erf(zi * (RJ - r)) + std::erf(zi * (RJ + r)));
        const double dsJ = zi / std::sqrt(M_PI) *
                           (std::exp(-zi * zi * (RJ - r) * (RJ - r)) - std::exp(-zi * zi * (RJ + r) * (RJ + r)));
        if (sJ <= 0.0) continue;
        const double w = c * Fi / sJ * dsJ / r;  // dF_i/ds_i along d; R_J moves the other way
        for (int x = 0; x < 3; ++x) {
          gt(I, x) += w * d[x];
          gt(J, x) -= w * d[x];
        }
      }
    }
  }
  for (const auto& pt : part) g += pt;
  if (sv.settings.model == SolvationModel::SMD) g += smd_cds(mol, sv.settings.solvent, true).gradient;
  return g;
}

}  // namespace cagescreen::scf
