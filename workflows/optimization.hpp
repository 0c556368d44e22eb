#pragma once
// Geometry optimisation steps shared by `run --preopt`, `optimize` and campaigns: GFN2-xTB
// pre-optimisation and HF/DFT optimisation on analytic gradients (docs/optimize.md).
#include <iosfwd>
#include <string>

#include "molecules/molecule.hpp"
#include "scf/basis.hpp"
#include "scf/optimizer.hpp"
#include "scf/scf.hpp"

namespace cagescreen::workflows {

/// A GFN2-xTB pre-optimisation that ran before the SCF (run --preopt xtb).
struct Preoptimization {
  double energy = 0.0;  ///< GFN2-xTB energy at the final geometry, Eh
  double gap_ev = 0.0;  ///< GFN2-xTB HOMO-LUMO gap, eV
  int steps = 0;
  bool converged = false;
  bool bonds_changed = false;  ///< the bond graph (covalent radii) differs from the input's
};

/// An HF/DFT geometry optimisation that ran before the final SCF (run --preopt dft or xtb+dft).
struct ScfOptimization {
  std::string method, basis;
  double energy = 0.0;  ///< at the final geometry, Eh (four-index integrals)
  int steps = 0;
  int evaluations = 0;  ///< energy + gradient calls
  int scf_iterations = 0;
  double seconds = 0.0;
  bool converged = false;
};

/// Energy and analytic gradient at each geometry as optimize_scf evaluates them (four-index
/// integrals, SCF converged to 1e-10 Eh and 1e-8, each SCF starting from the previous density).
/// Throws InputError for methods without gradients; the objective throws NotConverged.
scf::Objective scf_objective(const scf::ScfSettings& scf_settings, const std::string& basis, scf::ShellType shell_type);

/// GFN2-xTB energy and gradient at each geometry of `mol`'s atoms (charge and spin fixed).
scf::Objective xtb_objective(const molecules::Molecule& mol);

/// Relaxes `mol` in place with GFN2-xTB and the optimiser (`settings`), writing the step table to
/// `log`; returns the final xtb energy and gap, and whether the bond graph survived.
Preoptimization preoptimize_xtb(molecules::Molecule& mol, const scf::OptimizerSettings& settings, std::ostream* log);

/// Optimises `mol` in place at the SCF level of `scf_settings` (method, reference, grid, threads)
/// in `basis` with analytic gradients: four-index integrals, SCF converged to 1e-10 Eh and 1e-8.
/// Throws InputError for methods without gradients, NotConverged when an SCF fails.
ScfOptimization optimize_scf(molecules::Molecule& mol, const scf::ScfSettings& scf_settings, const std::string& basis,
                             scf::ShellType shell_type, const scf::OptimizerSettings& settings, std::ostream* log);

}  // namespace cagescreen::workflows
