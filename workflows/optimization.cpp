#include "workflows/optimization.hpp"

#include <chrono>
#include <iomanip>
#include <iostream>

#include "molecules/error.hpp"
#include "molecules/generator.hpp"
#include "molecules/io.hpp"
#include "molecules/units.hpp"
#include "scf/basis.hpp"
#include "scf/gradient.hpp"
#include "scf/xtb.hpp"

namespace cagescreen::workflows {

Preoptimization preoptimize_xtb(molecules::Molecule& mol, const scf::OptimizerSettings& settings, std::ostream* log) {
  scf::Gfn2Xtb xtb(mol);
  const auto objective = xtb_objective(mol);
  const auto bonds_before = molecules::bonds(mol);
  const auto res = scf::optimize(mol, objective, settings, log);
  const auto last = xtb.compute(res.molecule);  // evaluated already: cannot fail
  Preoptimization po;
  po.energy = last.energy;
  po.gap_ev = last.gap() * units::hartree_in_ev;
  po.steps = static_cast<int>(res.steps.size());
  po.converged = res.converged;
  const auto bonds_after = molecules::bonds(res.molecule);
  po.bonds_changed = bonds_after != bonds_before;
  if (po.bonds_changed && log)
    *log << "warning: the bond graph changed during the GFN2-xTB optimisation (" << bonds_before.size()
         << " bonds before, " << bonds_after.size() << " after): check the structure\n";
  mol = res.molecule;
  return po;
}

namespace {

/// Energy and analytic gradient of an SCF method at each geometry (four-index integrals: the
/// gradient differentiates them). Throws NotConverged when an SCF does not converge.
struct ScfObjective {
  scf::ScfSettings settings;
  std::string basis;
  scf::ShellType shell_type;
  std::ostream* log = nullptr;
  int scf_iterations = 0;

  scf::EnergyGradient operator()(const molecules::Molecule& m) {
    const auto b = scf::build_basis(m, basis, shell_type);
    auto wfn = scf::run_scf(m, b, settings);
    if (!wfn.convergence.converged && !settings.guess_density.empty()) {  // retry from the level's own guess (SAD or core)
      settings.guess_density.clear();
      wfn = scf::run_scf(m, b, settings);
    }
    // The next geometry starts from this density (psi4 and ORCA do the same between steps).
    settings.guess_density = {wfn.alpha.D};
    if (wfn.reference == scf::Reference::UHF) settings.guess_density.push_back(wfn.beta.D);
    if (!wfn.convergence.converged)
      throw NotConverged("the SCF did not converge at an optimisation step (" + wfn.convergence.message + ")");
    scf_iterations += wfn.convergence.iterations;
    const auto g = scf::scf_gradient(wfn, settings.threads);
    if (log)
      *log << std::fixed << std::setprecision(2) << "      SCF " << wfn.convergence.iterations << " iterations "
              << wfn.seconds << " s; gradient " << g.seconds << " s (one-electron " << g.one_electron_seconds
           << ", two-electron " << g.two_electron_seconds << ", xc " << g.xc_seconds << ")\n"
           << std::defaultfloat;
    return {wfn.energies.total, g.total};
  }
};

/// The objective of `scf_settings` for analytic gradients: four-index integrals, energies
/// converged past the forces' needs (psi4 tightens its SCF for gradients the same way).
ScfObjective make_objective(const scf::ScfSettings& scf_settings, const std::string& basis, scf::ShellType shell_type) {
  ScfObjective objective;
  auto& st = objective.settings;
  st = scf_settings;
  st.on_iteration = nullptr;
  st.scf_type = scf::ScfType::Conventional;
  st.e_convergence = std::min(st.e_convergence, 1e-10);
  st.d_convergence = std::min(st.d_convergence, 1e-8);
  st.max_iterations = std::max(st.max_iterations, 200);
  objective.basis = basis;
  objective.shell_type = shell_type;
  return objective;
}

}  // namespace

scf::Objective scf_objective(const scf::ScfSettings& scf_settings, const std::string& basis, scf::ShellType shell_type) {
  if (const std::string why = scf::gradient_unsupported(scf_settings.functional); !why.empty())
    throw InputError("analytic gradients: " + why);
  return make_objective(scf_settings, basis, shell_type);
}

scf::Objective xtb_objective(const molecules::Molecule& mol) {
  auto xtb = std::make_shared<scf::Gfn2Xtb>(mol);
  return [xtb](const molecules::Molecule& m) {
    try {
      const auto r = xtb->compute(m);
      return scf::EnergyGradient{r.energy, r.gradient};
    } catch (const scf::XtbFailed& e) {
      throw NotConverged(e.what());  // exit 3, a "not converged" failure in campaigns
    }
  };
}

ScfOptimization optimize_scf(molecules::Molecule& mol, const scf::ScfSettings& scf_settings, const std::string& basis,
                             scf::ShellType shell_type, const scf::OptimizerSettings& settings, std::ostream* log) {
  const auto t0 = std::chrono::steady_clock::now();
  if (const std::string why = scf::gradient_unsupported(scf_settings.functional); !why.empty())
    throw InputError("geometry optimisation: " + why);
  ScfObjective objective = make_objective(scf_settings, basis, shell_type);
  const auto& st = objective.settings;
  objective.log = log;
  const auto b = scf::build_basis(mol, basis, shell_type);  // validates early
  if (const std::string why = scf::gradient_basis_unsupported(b); !why.empty()) throw InputError(why);
  if (log) {
    *log << "   optimisation at " << st.functional.name << "/" << b.name << " (" << scf::to_string(b.shell_type) << ", " << b.nbf
         << " functions), reference " << scf::to_string(st.reference) << ", four-index integrals";
    if (!st.functional.is_hf())
      *log << ", grid " << st.grid.name << " (" << st.grid.radial << " x " << st.grid.angular << ")";
    *log << "; SCF e_convergence " << st.e_convergence << ", d_convergence " << st.d_convergence
         << "; analytic gradients\n";
  }
  const auto res = scf::optimize(mol, std::ref(objective), settings, log);
  mol = res.molecule;
  ScfOptimization o;
  o.method = st.functional.name;
  o.basis = b.name;
  o.energy = res.energy;
  o.steps = static_cast<int>(res.steps.size());
  o.evaluations = res.evaluations;
  o.scf_iterations = objective.scf_iterations;
  o.converged = res.converged;
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return o;
}

}  // namespace cagescreen::workflows
