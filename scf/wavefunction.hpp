#pragma once
#include <Eigen/Dense>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "molecules/molecule.hpp"
#include "scf/basis.hpp"
#include "scf/functional.hpp"
#include "scf/grid.hpp"
#include "scf/solvation.hpp"

namespace cagescreen::scf {

enum class Reference { RHF, UHF };
std::string to_string(Reference r);

/// How Coulomb and exchange were built.
enum class Integrals {
  FourIndex,      ///< four-index electron-repulsion integrals (in core or direct)
  DensityFitted,  ///< density fitting (RI-J, RI-JK)
};
/// QCSchema / psi4 `scf_type` spelling: "conv" or "df".
std::string to_string(Integrals i);

/// The level of theory a Wavefunction was computed at, as typed values (PySCF's mf.xc and
/// mf.grids, psi4's HF object holding its functional): later stages (gradient, descriptors,
/// output) derive everything from it and never re-parse a name. The reference (RHF/UHF) is
/// Wavefunction::reference.
struct Level {
  Functional functional = Functional::hf();  ///< hf or a DFT functional
  std::string basis;                          ///< basis set name as resolved
  ShellType shell_type = ShellType::Auto;     ///< resolved convention (never Auto after an SCF)
  std::optional<GridSpec> grid;               ///< DFT integration grid (empty for HF)
  Integrals integrals = Integrals::FourIndex;
  std::string fitting_basis;                  ///< auxiliary basis of DensityFitted

  bool is_dft() const { return !functional.is_hf(); }
  /// Method name as in QCSchema's model.method: "hf" or the functional's name.
  const std::string& method() const { return functional.name; }
};

/// Energy components, Hartree. total = nuclear_repulsion + one_electron + two_electron + xc +
/// solvation + cds: in a solvent, the free energy in solution that optimisers minimise.
struct Energies {
  double nuclear_repulsion = 0.0;
  double one_electron = 0.0;  ///< Σσ Tr[Dσ H]
  double two_electron = 0.0;  ///< ½ Σσ Tr[Dσ (J − a Kσ)], a the exact-exchange fraction
  double xc = 0.0;            ///< DFT exchange-correlation energy (0 for HF)
  double solvation = 0.0;     ///< continuum polarisation energy ½ qᵀV (0 in the gas phase)
  double cds = 0.0;           ///< SMD's cavity–dispersion–solvent-structure free energy (0 otherwise)
  double total = 0.0;
};

/// The continuum solvent of a run (model None in the gas phase). Energies in Hartree, cavity in
/// Bohr. The gas-phase energy is filled in by run_scf_with_gas_phase (the gas phase first, as
/// NWChem does); the polarisation energy and G_CDS are in the wavefunction's Energies.
struct SolvationRecord {
  SolvationSettings settings;      ///< model, solvent (with the ε used), points per sphere, radii
  std::vector<double> radii;       ///< cavity radius per atom, Bohr
  double dielectric_factor = 0.0;  ///< f(ε)
  Cavity cavity;                   ///< the discretised surface
  Eigen::VectorXd charges;         ///< converged surface charges, e (½ qᵀV is Energies::solvation)
  double seconds = 0.0;            ///< cavity, its factorisation and the per-iteration response
  /// Gas-phase SCF energy at the same geometry and level (NaN when not computed).
  double gas_energy = std::numeric_limits<double>::quiet_NaN();
  bool gas_converged = false;
  double gas_seconds = 0.0;
  double sasa = 0.0;               ///< SMD's solvent-accessible surface area, Bohr²
  bool enabled() const { return settings.enabled(); }
  bool has_gas_energy() const { return gas_energy == gas_energy; }
  /// ΔG_elec = E(solution) − G_CDS − E(gas), Hartree, from the wavefunction's energies.
  double electrostatic(const Energies& e) const { return e.total - e.cds - gas_energy; }
  /// ΔG_solv = ΔG_elec + G_CDS, Hartree (1 M gas → 1 M solution).
  double free_energy(const Energies& e) const { return e.total - gas_energy; }
};

/// DFT details of a run (empty for HF; the grid itself is Level::grid).
struct DftRecord {
  std::size_t points = 0;        ///< grid points after dropping negligible weights
  double electrons = 0.0;        ///< ∫ρ on the grid at convergence
  double exact_exchange = 0.0;   ///< fraction of exact exchange
  double xc_seconds = 0.0;       ///< time in the XC build, all iterations
  double jk_seconds = 0.0;       ///< time in the J/K build, all iterations
};

/// Whether the orbital Hessian of a converged SCF state was checked and what it showed
/// (scf/stability.hpp).
enum class StabilityMode {
  Off,     ///< not checked
  Check,   ///< lowest Hessian eigenvalues computed and reported
  Follow,  ///< and every instability followed to a lower state (bounded)
};
std::string to_string(StabilityMode m);
StabilityMode parse_stability_mode(const std::string& text);  ///< off, check, follow; else InputError

/// Lowest eigenvalues of one block of the real orbital Hessian (A + B).
struct StabilityRoots {
  std::string kind;                 ///< "RHF->RHF", "RHF->UHF" (external) or "UHF->UHF"
  std::vector<double> eigenvalues;  ///< Hartree, ascending
  bool converged = false;           ///< Davidson residuals within the tolerance, or the sign decided
  double residual = 0.0;            ///< residual norm of the lowest root
};

/// One step of following an instability: rotate along the lowest mode, reconverge.
struct FollowStep {
  std::string kind;            ///< the block the negative eigenvalue was in
  double eigenvalue = 0.0;     ///< Hartree
  double energy_before = 0.0;  ///< Hartree
  double energy_after = 0.0;
  int scf_iterations = 0;
};

struct StabilityRecord {
  StabilityMode mode = StabilityMode::Off;
  bool checked = false;  ///< the analysis ran (to the end) on the final state
  bool stable = false;   ///< every computed eigenvalue above the instability threshold
  std::vector<StabilityRoots> roots;  ///< of the final state
  std::vector<FollowStep> follows;
  int hessian_products = 0;  ///< trial vectors through the Fock response, all analyses
  int fock_builds = 0;       ///< J/K builds of those (one per batch of trial vectors)
  double seconds = 0.0;
  std::string message;  ///< why unstable or unchecked, in one line
  /// The lowest eigenvalue over every block (NaN when none was computed).
  double lowest() const;
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
  Level level;  ///< how it was made
  Reference reference = Reference::RHF;
  Energies energies;
  SpinOrbitals alpha;  ///< for RHF, alpha and beta are identical
  SpinOrbitals beta;
  Eigen::MatrixXd S;  ///< overlap, kept for analyses
  ConvergenceRecord convergence;
  DftRecord dft;
  SolvationRecord solvation;      ///< the continuum solvent, if any
  StabilityRecord stability;      ///< the orbital Hessian's lowest eigenvalues, if checked
  std::string integrals_note;     ///< why auto chose four-index integrals over density fitting, if it did
  std::size_t integral_bytes = 0; ///< four-index integrals or fitted tensor kept in memory
  int fitting_functions = 0;      ///< auxiliary functions of density fitting
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
