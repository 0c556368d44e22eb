#pragma once
// Geometry optimisation in Cartesian coordinates: Lindh's model Hessian (Lindh, Bernhardsson,
// Karlström, Malmqvist, Chem. Phys. Lett. 241, 423 (1995)) as the first Hessian, BFGS updates,
// rational-function (RFO) steps inside a trust radius, Gaussian's default convergence criteria.
#include <Eigen/Dense>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "molecules/molecule.hpp"

namespace cagescreen::scf {

/// Energy (Eh) and gradient ((natoms × 3), Eh/Bohr) at a geometry.
struct EnergyGradient {
  double energy = 0.0;
  Eigen::MatrixXd gradient;
};
using Objective = std::function<EnergyGradient(const molecules::Molecule&)>;

/// Convergence thresholds (Gaussian's defaults, atomic units) and step control.
struct OptimizerSettings {
  int max_steps = 100;
  double max_force = 4.5e-4;  ///< Eh/Bohr, largest gradient component
  double rms_force = 3.0e-4;
  double max_step = 1.8e-3;   ///< Bohr, largest component of the last step
  double rms_step = 1.2e-3;
  double trust_radius = 0.3;  ///< initial trust radius, Bohr (step norm)
  double max_trust_radius = 1.0;
  std::string trajectory;     ///< multi-frame XYZ file of every geometry ("" for none)
};

/// One optimisation step (the geometry it was taken at).
struct OptimizationStep {
  int step = 0;
  double energy = 0.0;
  double max_force = 0.0, rms_force = 0.0;  ///< of the gradient at this geometry
  double max_step = 0.0, rms_step = 0.0;    ///< of the step that led here (0 for the first)
  double trust_radius = 0.0;
  bool rejected = false;  ///< the energy rose: the step was undone and the trust radius cut
};

struct OptimizationResult {
  molecules::Molecule molecule;  ///< last accepted geometry
  double energy = 0.0;
  Eigen::MatrixXd gradient;
  bool converged = false;
  std::vector<OptimizationStep> steps;
  int evaluations = 0;  ///< energy + gradient calls
};

/// Lindh's model Hessian (3N × 3N, Eh/Bohr²) for the molecule: stretches, bends and torsions
/// over all atoms, each weighted by exp(α(r_ref² − r²)) of its bonds.
Eigen::MatrixXd lindh_hessian(const molecules::Molecule& mol);

/// Gaussian's criteria: "normal" (the defaults above), "tight" (forces 1.5e-5/1.0e-5, steps
/// 6.0e-5/4.0e-5) or "verytight" (2e-6/1e-6, 6e-6/4e-6); throws InputError for other names.
void set_convergence(OptimizerSettings& settings, const std::string& level);

/// Minimises `f` from `start`. Writes one line per step to `log` if given. Converged when max and
/// RMS force and max and RMS step are all below their thresholds, or the largest force is 100×
/// below its threshold. Returns unconverged after max_steps (the caller decides; the CLI exits 3).
OptimizationResult optimize(const molecules::Molecule& start, const Objective& f, const OptimizerSettings& settings,
                            std::ostream* log = nullptr);

}  // namespace cagescreen::scf
