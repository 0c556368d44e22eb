#pragma once
// The level of theory as the user writes it (method, basis, grid, ... as words), shared by the
// `run` command line and the campaign manifest: `run` registers its options from it, the
// campaign turns a manifest level back into the same options for each job, and its key names
// the results-store rows. The words are checked where they are read (manifest, run) and become
// typed values (scf::Functional, scf::GridSpec, scf::ScfSettings) before any work.
#include <optional>
#include <string>
#include <vector>

#include "scf/scf.hpp"
#include "scf/solvation.hpp"
#include "scf/wavefunction.hpp"
#include "scf/tolerances.hpp"

namespace CLI {
class App;
}

namespace cagescreen::workflows {

struct LevelOfTheory {
  std::string method = "b3lyp";      ///< hf or a functional (campaigns default to B3LYP, `run` to hf)
  std::string basis = scf::defaults::basis;
  std::string grid = scf::defaults::grid;
  std::string reference = "auto";    ///< auto (rhf for singlets, else uhf), rhf or uhf
  std::string shell_type = "auto";
  std::string scf_type = "auto";     ///< auto (df for DFT, conv for HF), df or conv
  std::string fitting_basis;         ///< auxiliary basis of df (empty: def2-universal-jkfit)
  std::string optimize = "none";     ///< none, xtb (GFN2-xTB), dft (the level's method) or xtb+dft
  std::string solvent;               ///< solvent name (empty: gas phase, unless `solvation` asks for one)
  std::string solvation = "auto";    ///< auto (smd when a solvent is named, else none), none, cpcm, cosmo, smd
  double epsilon = 0.0;              ///< dielectric constant replacing the solvent's (0: the solvent's)
  int solvent_points = scf::SolvationSettings{}.points_per_sphere;  ///< Lebedev points per cavity sphere
  /// SCF stability analysis: auto (check ions, open shells and species with a d-block metal),
  /// off, check or follow.
  std::string stability = "auto";
  int max_iterations = scf::defaults::max_iterations;
  double e_convergence = scf::defaults::e_convergence, d_convergence = scf::defaults::d_convergence;

  /// The results-store key, e.g. "b3lyp/6-31g*/grid=default": one row per candidate and key.
  std::string key() const;
};

/// How the geometry is optimised before the final SCF (`run --preopt`, the manifest's
/// `optimize`): none, xtb (GFN2-xTB), dft (the level's own method, analytic gradients) or xtb+dft.
struct Preopt {
  bool xtb = false;  ///< GFN2-xTB first
  bool scf = false;  ///< then the level's own method and basis
};
/// Parses none, xtb, dft or xtb+dft (lower case); empty for anything else.
std::optional<Preopt> parse_preopt(const std::string& text);

/// Checks every word and number of a level as `run` reads them (method, basis and fitting-basis
/// names or files, grid, reference, shell type, scf_type, optimize and whether the method has
/// gradients for it, iteration limit and thresholds): throws InputError naming the first problem.
/// `screen` (through the manifest) and `validate` call it before any job starts; `run` resolves
/// the same words into typed settings before any work.
void check_level(const LevelOfTheory& level);

/// The continuum solvent of a level: `solvation` auto means SMD when a solvent is named and the
/// gas phase otherwise; a model without a solvent (or ε) means water; `epsilon` replaces the
/// solvent's dielectric constant (a C-PCM or COSMO solvent given by ε alone is "custom"; SMD
/// needs a tabulated solvent for its CDS descriptors). Throws InputError.
scf::SolvationSettings solvation_settings(const LevelOfTheory& level);

/// The stability mode of a level for a molecule: `auto` is check for ions, open shells and
/// species with a d-block metal (where SCF states that are not minima are common) and off for
/// neutral closed-shell molecules of main-group elements. Throws InputError for an unknown word
/// or a meta-GGA with check/follow (no XC kernel).
scf::StabilityMode stability_mode(const LevelOfTheory& level, const molecules::Molecule& mol);
/// The SCF settings of a level for a molecule: functional, grid, reference (auto: RHF for
/// singlets, else UHF), convergence, integrals, fitting basis and solvent. Guess, threads, memory
/// and the convergence ladder keep their defaults. Throws InputError for a word it cannot read.
scf::ScfSettings scf_settings(const LevelOfTheory& level, const molecules::Molecule& mol);

/// Checks the level's `stability` word (and that the method has a kernel when it is not off).
void check_stability(const LevelOfTheory& level);

/// Registers the level's options (--method, --basis, --grid, --reference, --shell-type,
/// --scf-type, --fitting-basis, --preopt, --max-iterations, --e-convergence, --d-convergence) on
/// a subcommand, bound to `level`.
void add_level_options(CLI::App& command, LevelOfTheory& level);

/// The same options with the level's values, as a job's `cagescreen run` command line takes them.
std::vector<std::string> level_arguments(const LevelOfTheory& level);

}  // namespace cagescreen::workflows
