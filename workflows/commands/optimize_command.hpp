#pragma once
#include <optional>
#include <string>

#include "scf/solvation.hpp"

#include "scf/tolerances.hpp"


namespace cagescreen::workflows {

/// `cagescreen optimize`: geometry optimisation (docs/optimize.md).
struct OptimizeCommand {
  std::string input;              ///< file, built-in species or cage derivative
  std::string method = "gfn2-xtb";  ///< gfn2-xtb, hf or a functional (LDA, GGA, global hybrid)
  std::string basis = scf::defaults::basis;  ///< SCF methods
  std::string shell_type = "auto";
  std::string reference = "auto";
  std::string grid = scf::defaults::grid;
  std::string preopt = "none";      ///< SCF methods: none or xtb (GFN2-xTB first)
  std::optional<int> charge, multiplicity;
  int max_steps = 100;
  std::string convergence = "normal";  ///< normal, tight or verytight (Gaussian's criteria)
  std::string output;             ///< XYZ of the final geometry (default: NAME.opt.xyz)
  std::string trajectory;         ///< multi-frame XYZ of every step (default: NAME.trj.xyz)
  int threads = 0;
  std::string solvent;              ///< continuum solvent of HF/DFT (docs/solvation.md)
  std::string solvation = "auto";   ///< auto, none, cpcm, cosmo, smd
  double epsilon = 0.0;             ///< dielectric constant replacing the solvent's
  int solvent_points = scf::SolvationSettings{}.points_per_sphere;
};

/// Optimises, prints the step table to standard error and the final energy to standard output,
/// writes the final geometry and the trajectory. Exit 3 after max_steps without convergence.
int optimize_command(const OptimizeCommand& command);

}  // namespace cagescreen::workflows
