#pragma once
#include <Eigen/Dense>
#include <string>
#include <vector>

#include "molecules/molecule.hpp"
#include "scf/basis.hpp"

namespace cagescreen::scf {

enum class Reference { RHF, UHF };
std::string to_string(Reference r);

/// Energy components, Hartree. total = nuclear_repulsion + one_electron + two_electron + xc.
struct Energies {
  double nuclear_repulsion = 0.0;
  double one_electron = 0.0;  ///< Σσ Tr[Dσ H]
  double two_electron = 0.0;  ///< ½ Σσ Tr[Dσ (J − a Kσ)], a the exact-exchange fraction
  double xc = 0.0;            ///< DFT exchange-correlation energy (0 for HF)
  double total = 0.0;
};

/// DFT details of a run (empty for HF).
struct DftRecord {
  std::string grid;              ///< level name or R,A
  int radial = 0, angular = 0;
  std::size_t points = 0;        ///< grid points after dropping negligible weights
  double electrons = 0.0;        ///< ∫ρ on the grid at convergence
  double exact_exchange = 0.0;   ///< fraction of exact exchange
  double xc_seconds = 0.0;       ///< time in the XC build, all iterations
  double jk_seconds = 0.0;       ///< time in the J/K build, all iterations
};

/// Orbitals of one spin: (nbf × nmo) coefficients, energies (Hartree, ascending), occupations
/// (0 or 1 per spin orbital) and the (nbf × nbf) density Dσ = C diag(n) Cᵀ (trace with S = Nσ).
struct SpinOrbitals {
  Eigen::MatrixXd C;
  Eigen::VectorXd energies;
  Eigen::VectorXd occupations;
  Eigen::MatrixXd D;
  int n_occupied = 0;
};

/// One SCF iteration as logged.
struct IterationRecord {
  int iteration = 0;
  double energy = 0.0;    ///< Hartree
  double delta_e = 0.0;   ///< Hartree, change from the previous iteration
  double rms_gradient = 0.0;  ///< RMS of the orbital gradient X^T(FDS − SDF)X
  double max_gradient = 0.0;
  double seconds = 0.0;   ///< wall time of this iteration
  std::string step;       ///< "diis", "ediis", "damped", "shifted", ...
};

/// How the SCF went.
struct ConvergenceRecord {
  bool converged = false;
  int iterations = 0;
  double e_convergence = 0.0;  ///< thresholds used
  double d_convergence = 0.0;
  std::vector<IterationRecord> history;
  std::string message;  ///< why it stopped
};

/// Result of an SCF calculation: everything later stages need, as a value.
struct Wavefunction {
  molecules::Molecule molecule;
  BasisSet basis;
  Reference reference = Reference::RHF;
  std::string method = "hf";
  Energies energies;
  SpinOrbitals alpha;  ///< for RHF, alpha and beta are identical
  SpinOrbitals beta;
  Eigen::MatrixXd S;  ///< overlap, kept for analyses
  ConvergenceRecord convergence;
  DftRecord dft;
  std::string scf_type = "conv";  ///< how J and K were built: "conv" or "df"
  std::string fitting_basis;      ///< auxiliary basis of "df"
  std::string scf_type_note;      ///< why auto chose conv over df, if it did
  std::size_t integral_bytes = 0; ///< four-index integrals or fitted tensor kept in memory
  int fitting_functions = 0;      ///< auxiliary functions of "df"
  double fitting_seconds = 0.0;   ///< building the fitted tensor (included in dft.jk_seconds)
  double seconds = 0.0;  ///< wall time of the SCF

  int n_alpha() const { return alpha.n_occupied; }
  int n_beta() const { return beta.n_occupied; }
  /// Total density Dα + Dβ.
  Eigen::MatrixXd total_density() const { return alpha.D + beta.D; }
  /// ⟨S²⟩ of the (U)HF determinant.
  double s_squared() const;
};

}  // namespace cagescreen::scf
