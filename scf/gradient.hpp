#pragma once
// Analytic nuclear gradients of RHF, UHF, RKS and UKS energies (LDA, GGA and global hybrids):
//
//   dE/dR = Σ D dH/dR − Σ W dS/dR + ½ Σ Γ d(μν|λσ)/dR + dExc/dR + dVnn/dR
//
// with D the total density, W the energy-weighted density Σσ Cσ diag(nσ εσ) Cσᵀ and Γ the
// two-particle density of the determinant (Coulomb minus the exact-exchange fraction). The
// one-electron derivative integrals are our own (McMurchie–Davidson; Debian's libint2 has no
// one-body derivatives beyond s functions), the two-electron ones libint2's first derivatives
// (up to libint_max_l_derivative(), g with Debian's libint2), the XC term is integrated on the SCF grid without grid-weight derivatives
// (as psi4 1.3.2 does).
#include <Eigen/Dense>
#include <string>

#include "molecules/molecule.hpp"
#include "scf/basis.hpp"
#include "scf/functional.hpp"
#include "scf/wavefunction.hpp"

namespace cagescreen::scf {

/// The parts of a nuclear gradient, each (natoms × 3) in Eh/Bohr; total is their sum.
struct Gradient {
  Eigen::MatrixXd nuclear_repulsion;
  Eigen::MatrixXd core_hamiltonian;  ///< Σ D dH/dR (kinetic and nuclear attraction)
  Eigen::MatrixXd overlap;           ///< −Σ W dS/dR
  Eigen::MatrixXd two_electron;      ///< Coulomb and exact exchange
  Eigen::MatrixXd xc;                ///< exchange-correlation (zero for HF)
  Eigen::MatrixXd solvation;         ///< continuum solvent and SMD's CDS term (zero in the gas phase)
  Eigen::MatrixXd total;
  double seconds = 0.0;  ///< wall time, all terms
  double one_electron_seconds = 0.0, two_electron_seconds = 0.0, xc_seconds = 0.0;
};

/// Gradient of a converged SCF at the level it was computed at (wfn.level: functional, and for
/// DFT the grid of the final iterations, on which the XC gradient is integrated).
/// Throws InputError for what it cannot differentiate: density-fitted wavefunctions (scf_type
/// df), meta-GGA and range-separated functionals, shells beyond libint2's derivative limit.
Gradient scf_gradient(const Wavefunction& wfn, int threads = 0);

/// The continuum solvent's part of the gradient of a solvated SCF at its converged density:
/// qᵀ dV/dR (the cavity points riding on their spheres, the nuclei, the basis-function centres),
/// (1/2f) qᵀ (dA/dR) q (the points' Gaussian interactions and their switching), and SMD's
/// G_CDS. natoms × 3, Eh/Bohr.
Eigen::MatrixXd solvation_gradient(const Wavefunction& wfn, int threads = 0);

/// Whether scf_gradient can differentiate functional `f` ("" when it can, else why not, naming it
/// `label`, by default its name).
std::string gradient_unsupported(const Functional& f, const std::string& label = "");

/// Whether scf_gradient can differentiate in `basis` ("" when it can, else why not): its shells
/// must be within libint2's first-derivative ERIs (libint_max_l_derivative).
std::string gradient_basis_unsupported(const BasisSet& basis);

/// d/dR of Σ_A<B Z_A Z_B / R_AB.
Eigen::MatrixXd nuclear_repulsion_gradient(const molecules::Molecule& mol);

/// Σμν Pμν dSμν/dR for a symmetric P (basis functions move with their atoms).
Eigen::MatrixXd overlap_gradient(const BasisSet& basis, const molecules::Molecule& mol, const Eigen::MatrixXd& P);

/// Σμν Pμν d(T + V)μν/dR for a symmetric P, V the attraction of the point nuclei of `mol`
/// (including the derivative with respect to the nuclei themselves).
Eigen::MatrixXd core_hamiltonian_gradient(const BasisSet& basis, const molecules::Molecule& mol,
                                          const Eigen::MatrixXd& P);

/// ½ Σ Γμνλσ d(μν|λσ)/dR with Γ = Dμν Dλσ − x Σσ Dσμλ Dσνσ, D = Dα + Dβ, for spin densities
/// Dα, Dβ and exact-exchange fraction x.
Eigen::MatrixXd two_electron_gradient(const BasisSet& basis, const molecules::Molecule& mol, const Eigen::MatrixXd& Da,
                                      const Eigen::MatrixXd& Db, double exact_exchange, int threads = 0);

}  // namespace cagescreen::scf
