#pragma once
#include <Eigen/Dense>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "molecules/molecule.hpp"
#include "scf/basis.hpp"
#include "scf/functional.hpp"
#include "scf/grid.hpp"
#include "scf/wavefunction.hpp"
#include "scf/tolerances.hpp"

namespace cagescreen::scf {

enum class Guess { Core, SAD };

/// How Coulomb and exchange are built (psi4's scf_type).
enum class ScfType {
  Auto,          ///< df for DFT, conv for Hartree–Fock
  Conventional,  ///< four-index integrals, in core as far as the memory allows, else direct
  DF,            ///< density fitting: RI-J for pure functionals, RI-JK for HF and hybrids
};
ScfType parse_scf_type(const std::string& text);  ///< auto, conv (pk, direct), df; else InputError
std::string to_string(ScfType t);
Guess parse_guess(const std::string& text);
std::string to_string(Guess g);
Reference parse_reference(const std::string& text);

/// J/K builders and DFT grids that calculations on one geometry share: the gas-phase and solvated
/// SCFs of a job, the three states of a vertical redox calculation, the stability analysis after
/// an SCF (PySCF keeps `mf._eri` and `mf.grids` on the object for the same reason). Each part is
/// keyed by everything it depends on (geometry, basis, integral settings; functional, grid and spin
/// polarisation for the XC integrators) and built on first use; a new geometry drops the old one's
/// parts, so an optimisation holds one geometry's integrals at a time. One calculation at a time:
/// not for concurrent use.
class SharedBuilders {
 public:
  SharedBuilders();
  ~SharedBuilders();
  SharedBuilders(const SharedBuilders&) = delete;
  SharedBuilders& operator=(const SharedBuilders&) = delete;
  /// Parts built and parts reused so far (tests, logs).
  int built() const;
  int reused() const;
  struct Impl;
  std::unique_ptr<Impl> impl;
};

/// SCF settings; every field has a default and a unit.
struct ScfSettings {
  Functional functional = Functional::hf();  ///< hf or a functional (Functional::from_name)
  GridSpec grid;                 ///< DFT integration grid
  Reference reference = Reference::RHF;
  Guess guess = Guess::SAD;
  double e_convergence = defaults::e_convergence;  ///< |ΔE| threshold, Hartree
  double d_convergence = defaults::d_convergence;  ///< RMS orbital gradient threshold
  int max_iterations = defaults::max_iterations;
  int diis_vectors = 8;          ///< DIIS/EDIIS subspace size
  double ediis_above = 0.1;      ///< use EDIIS while the max orbital gradient is above this
  /// First stage of the convergence ladder: 0 (E)DIIS, 1 EDIIS with damping, 2 level shift 0.5 Eh,
  /// 3 level shift 1.5 Eh. Later stages start when the gradient has not halved for 12 iterations.
  int ladder_start = 0;
  ScfType scf_type = ScfType::Auto;
  /// Fitting basis for density fitting; empty: def2-universal-jkfit (also for the Coulomb-only
  /// fitting of pure functionals: def2-universal-jfit's error exceeded 1e-5 Eh per atom).
  std::string fitting_basis;
  /// DFT: iterate on the coarse grid until the RMS orbital gradient falls below this, then on
  /// `grid` (0: `grid` from the start). Convergence is only ever declared on `grid`, so the final
  /// energy does not change (o-carborane B3LYP/def2-SVP: 1e-10 Eh, 16% less XC time at 1e-3;
  /// switching at 1e-4 or 1e-5 cost more iterations than it saved).
  double coarse_grid_until = 1e-3;
  double schwarz_threshold = tolerance::schwarz;  ///< integral screening (see JKSettings)
  double integral_precision = tolerance::integral_precision;  ///< density-weighted screening target per quartet (Eh)
  int full_rebuild_every = 8;    ///< incremental Fock builds, full rebuild every N iterations
  std::size_t memory_bytes = static_cast<std::size_t>(defaults::memory_mib) << 20;  ///< in-core integral budget
  double linear_dependency = 1e-7;   ///< drop overlap eigenvalues below this
  int threads = 0;               ///< 0: all available
  /// Start from these per-spin densities (Dα, Dβ; one for RHF) instead of `guess`, e.g. the
  /// previous geometry's in an optimisation (same basis layout). Ignored if the sizes differ.
  std::vector<Eigen::MatrixXd> guess_density;
  /// Continuum solvent (model None: gas phase).
  SolvationSettings solvation;
  /// Called after every iteration (logging).
  std::function<void(const IterationRecord&)> on_iteration;
  /// Builders shared with other calculations on this geometry (null: every SCF and stability
  /// analysis builds its own). Copies of the settings share the cache.
  std::shared_ptr<SharedBuilders> shared;
};

/// Throws InputError when a restricted reference is asked for an open-shell molecule.
void check_reference(const molecules::Molecule& mol, Reference reference);

/// Runs RHF or UHF. Never throws for non-convergence: check result.convergence.converged.
/// Throws InputError for impossible settings (e.g. RHF with an open shell).
/// Throws InputError unless the thresholds and the iteration limit are within scf::limits
/// (finite: NaN and infinities fail).
void check_convergence(double e_convergence, double d_convergence, int max_iterations);

/// Everything run_scf checks before any work: the reference against the spin, charge and
/// multiplicity, check_convergence, ladder and DIIS settings; and, when the SCF will be
/// density-fitted, that the fitting basis exists and covers every element (run_scf leaves that to
/// the fitting itself). Throws InputError. `run`, `optimize` and `--dry-run` call it before a
/// pre-optimisation.
void check_settings(const molecules::Molecule& mol, const ScfSettings& settings);

Wavefunction run_scf(const molecules::Molecule& mol, const BasisSet& basis, const ScfSettings& settings);

/// run_scf, and in a continuum solvent first the gas phase at the same level (its energy in
/// wfn.solvation.gas_energy), then the solvated SCF from the gas-phase density, as NWChem's COSMO
/// does: ΔG_elec = E(solution) − E(gas) includes the solute's polarisation.
Wavefunction run_scf_with_gas_phase(const molecules::Molecule& mol, const BasisSet& basis, const ScfSettings& settings);

/// Superposition of spherically averaged atomic densities (fractional-occupation atomic RHF in the
/// molecule's basis): the (nbf × nbf) total density of the guess.
Eigen::MatrixXd sad_density(const molecules::Molecule& mol, const BasisSet& basis, const ScfSettings& settings);

}  // namespace cagescreen::scf
