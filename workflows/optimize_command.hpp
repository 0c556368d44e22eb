#pragma once
#include <iosfwd>
#include <optional>
#include <string>

#include "molecules/molecule.hpp"
#include "scf/basis.hpp"
#include "scf/optimizer.hpp"
#include "scf/scf.hpp"
#include "workflows/qcschema.hpp"

namespace cagescreen::workflows {

/// `cagescreen optimize`: geometry optimisation (docs/optimize.md).
struct OptimizeCommand {
  std::string input;              ///< file, built-in species or cage derivative
  std::string method = "gfn2-xtb";  ///< gfn2-xtb, hf or a functional (LDA, GGA, global hybrid)
  std::string basis = "6-31g*";     ///< SCF methods
  std::string shell_type = "auto";
  std::string reference = "auto";
  std::string grid = "default";
  std::string preopt = "none";      ///< SCF methods: none or xtb (GFN2-xTB first)
  std::optional<int> charge, multiplicity;
  int max_steps = 100;
  std::string convergence = "normal";  ///< normal, tight or verytight (Gaussian's criteria)
  std::string output;             ///< XYZ of the final geometry (default: NAME.opt.xyz)
  std::string trajectory;         ///< multi-frame XYZ of every step (default: NAME.trj.xyz)
  int threads = 0;
};

/// Relaxes `mol` in place with GFN2-xTB and the optimiser (`settings`), writing the step table to
/// `log`; returns the final xtb energy and gap, and whether the bond graph survived.
Preoptimization preoptimize_xtb(molecules::Molecule& mol, const scf::OptimizerSettings& settings, std::ostream* log);

/// Optimises `mol` in place at the SCF level of `scf_settings` (method, reference, grid, threads)
/// in `basis` with analytic gradients: four-index integrals, SCF converged to 1e-10 Eh and 1e-8.
/// Throws InputError for methods without gradients, NotConverged when an SCF fails.
ScfOptimization optimize_scf(molecules::Molecule& mol, const scf::ScfSettings& scf_settings, const std::string& basis,
                             scf::ShellType shell_type, const scf::OptimizerSettings& settings, std::ostream* log);

/// Optimises, prints the step table to standard error and the final energy to standard output,
/// writes the final geometry and the trajectory. Exit 3 after max_steps without convergence.
int optimize_command(const OptimizeCommand& command);

}  // namespace cagescreen::workflows
