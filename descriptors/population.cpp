#include "descriptors/population.hpp"

#include <Eigen/Eigenvalues>

#include "scf/integrals.hpp"

namespace cagescreen::descriptors {

using Eigen::MatrixXd;

namespace {

/// Σ over each atom's functions of diag(M).
std::vector<double> per_atom(const scf::Wavefunction& wfn, const Eigen::VectorXd& diag) {
  std::vector<double> out(wfn.molecule.atoms.size(), 0.0);
  const auto atom_of = wfn.basis.function_atoms();
  for (int m = 0; m < diag.size(); ++m) out[atom_of[m]] += diag(m);
  return out;
}

}  // namespace

Populations population_analysis(const scf::Wavefunction& wfn) {
  Populations p;
  const MatrixXd D = wfn.total_density();
  Eigen::SelfAdjointEigenSolver<MatrixXd> es(wfn.S);
  const MatrixXd Shalf = es.eigenvectors() * es.eigenvalues().cwiseSqrt().asDiagonal() * es.eigenvectors().transpose();
  auto mulliken = [&](const MatrixXd& P) { return per_atom(wfn, (P * wfn.S).diagonal()); };
  auto lowdin = [&](const MatrixXd& P) { return per_atom(wfn, (Shalf * P * Shalf).diagonal()); };
  p.mulliken = mulliken(D);
  p.lowdin = lowdin(D);
  for (std::size_t a = 0; a < wfn.molecule.atoms.size(); ++a) {
    p.mulliken[a] = wfn.molecule.atoms[a].charge() - p.mulliken[a];
    p.lowdin[a] = wfn.molecule.atoms[a].charge() - p.lowdin[a];
  }
  if (wfn.reference == scf::Reference::UHF) {
    const MatrixXd Ds = wfn.alpha.D - wfn.beta.D;
    p.mulliken_spin = mulliken(Ds);
    p.lowdin_spin = lowdin(Ds);
  }
  return p;
}

Multipoles multipole_moments(const scf::Wavefunction& wfn) {
  Multipoles m;
  double ztot = 0.0;
  for (const auto& a : wfn.molecule.atoms) {
    ztot += a.charge();
    for (int k = 0; k < 3; ++k) m.origin[k] += a.charge() * a.r[k];
  }
  for (int k = 0; k < 3; ++k) m.origin[k] /= ztot;
  const auto M = scf::multipole_matrices(wfn.basis, m.origin);
  const MatrixXd D = wfn.total_density();
  auto electronic = [&](int k) { return -(D.array() * M[k].array()).sum(); };
  for (int k = 0; k < 3; ++k) m.dipole[k] = electronic(1 + k);
  for (int k = 0; k < 6; ++k) m.quadrupole[k] = electronic(4 + k);
  static const int pair[6][2] = {{0, 0}, {0, 1}, {0, 2}, {1, 1}, {1, 2}, {2, 2}};
  for (const auto& a : wfn.molecule.atoms) {
    const double d[3] = {a.r[0] - m.origin[0], a.r[1] - m.origin[1], a.r[2] - m.origin[2]};
    for (int k = 0; k < 3; ++k) m.dipole[k] += a.charge() * d[k];
    for (int k = 0; k < 6; ++k) m.quadrupole[k] += a.charge() * d[pair[k][0]] * d[pair[k][1]];
  }
  return m;
}

}  // namespace cagescreen::descriptors
