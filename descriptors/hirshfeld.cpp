#include "descriptors/hirshfeld.hpp"

#include <cmath>
#include <map>

#include "descriptors/cube.hpp"
#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "scf/basis.hpp"
#include "scf/grid.hpp"
#include "scf/scf.hpp"

namespace cagescreen::descriptors {
namespace {

/// ln ρ⁰(r) of a free atom on a logarithmic radial grid, linearly interpolated in ln r.
struct RadialDensity {
  static constexpr double r_min = 1e-5, r_max = 30.0;
  static constexpr int n = 1200;
  std::vector<double> ln_rho;
  double at(double r) const {
    const double x = (std::log(std::max(r, r_min)) - std::log(r_min)) / (std::log(r_max) - std::log(r_min)) * (n - 1);
    if (x >= n - 1) {  // beyond the table: continue the last slope (exponential decay)
      const double slope = ln_rho[n - 1] - ln_rho[n - 2];
      return std::exp(ln_rho[n - 1] + slope * (x - (n - 1)));
    }
    const int i = static_cast<int>(x);
    const double t = x - i;
    return std::exp((1 - t) * ln_rho[i] + t * ln_rho[i + 1]);
  }
};

/// The free atom Z at the wavefunction's level, spherically averaged (Lebedev 302 per radius).
RadialDensity free_atom(int Z, const scf::Wavefunction& wfn) {
  molecules::Molecule atom;
  atom.atoms = {{Z, {0.0, 0.0, 0.0}}};
  atom.multiplicity = atomic_ground_multiplicity(Z);
  atom.name = molecules::element(Z).symbol;
  scf::ScfSettings st;
  st.functional = wfn.level.functional;
  if (wfn.level.grid) st.grid = *wfn.level.grid;
  st.reference = atom.multiplicity == 1 ? scf::Reference::RHF : scf::Reference::UHF;
  const auto basis = scf::build_basis(atom, wfn.basis.name, wfn.basis.shell_type);
  const auto awfn = scf::run_scf(atom, basis, st);
  if (!awfn.convergence.converged)
    throw InputError("Hirshfeld: the free " + atom.name + " atom (" + wfn.level.method() + "/" + wfn.basis.name +
                     ", multiplicity " + std::to_string(atom.multiplicity) + ") did not converge");
  const auto& ang = scf::lebedev(302);
  std::vector<std::array<double, 3>> pts;
  RadialDensity rd;
  for (int i = 0; i < RadialDensity::n; ++i) {
    const double r = RadialDensity::r_min *
                     std::pow(RadialDensity::r_max / RadialDensity::r_min, double(i) / (RadialDensity::n - 1));
    for (const auto& a : ang) pts.push_back({r * a[0], r * a[1], r * a[2]});
  }
  const auto v = density_at(awfn, pts);
  for (int i = 0; i < RadialDensity::n; ++i) {
    double s = 0.0;
    for (std::size_t k = 0; k < ang.size(); ++k) s += ang[k][3] * v[i * ang.size() + k];
    rd.ln_rho.push_back(std::log(std::max(s / (4.0 * M_PI), 1e-300)));
  }
  return rd;
}

}  // namespace

int atomic_ground_multiplicity(int Z) {
  static const int mult[] = {2, 1, 2, 1, 2, 3, 4, 3, 2, 1, 2, 1, 2, 3, 4, 3, 2, 1,
                             2, 1, 2, 3, 4, 7, 6, 5, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1};
  if (Z < 1 || Z > 36) throw InputError("Hirshfeld charges need free-atom ground states, known here for H-Kr only");
  return mult[Z - 1];
}

HirshfeldResult hirshfeld_charges(const scf::Wavefunction& wfn) {
  const auto& atoms = wfn.molecule.atoms;
  std::map<int, RadialDensity> free;
  for (const auto& a : atoms)
    if (!free.count(a.Z)) free.emplace(a.Z, free_atom(a.Z, wfn));
  std::vector<const RadialDensity*> atom_density;
  for (const auto& a : atoms) atom_density.push_back(&free.at(a.Z));
  const auto grid = scf::build_grid(wfn.molecule, scf::parse_grid("fine"));
  const auto rho = density_at(wfn, grid.points);
  HirshfeldResult out;
  std::vector<double> pop(atoms.size(), 0.0), w0(atoms.size());
  for (std::size_t p = 0; p < grid.points.size(); ++p) {
    const auto& r = grid.points[p];
    double sum = 0.0;
    for (std::size_t a = 0; a < atoms.size(); ++a) {
      w0[a] = atom_density[a]->at(std::hypot(r[0] - atoms[a].r[0], r[1] - atoms[a].r[1], r[2] - atoms[a].r[2]));
      sum += w0[a];
    }
    const double n = grid.weights[p] * rho[p];
    out.electrons += n;
    if (sum > 0)
      for (std::size_t a = 0; a < atoms.size(); ++a) pop[a] += n * w0[a] / sum;
  }
  for (std::size_t a = 0; a < atoms.size(); ++a) out.charges.push_back(atoms[a].charge() - pop[a]);
  return out;
}

}  // namespace cagescreen::descriptors
