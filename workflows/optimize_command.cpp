#include "workflows/optimize_command.hpp"

#include <omp.h>

#include <chrono>
#include <fstream>
#include <iomanip>
#include <functional>
#include <iostream>
#include <sstream>

#include "molecules/error.hpp"
#include "molecules/generator.hpp"
#include "molecules/io.hpp"
#include "molecules/species.hpp"
#include "molecules/text.hpp"
#include "molecules/units.hpp"
#include "scf/basis.hpp"
#include "scf/gradient.hpp"
#include "scf/optimizer.hpp"
#include "scf/scf.hpp"
#include "scf/xc.hpp"
#include "scf/xtb.hpp"
#include "workflows/cli.hpp"
#include "workflows/qcschema.hpp"

namespace cagescreen::workflows {

namespace {

std::string file_stem(const std::string& name) {
  std::string s;
  for (char ch : name) s += std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == ',' || ch == '.' ? ch : '_';
  return s.empty() ? "molecule" : s;
}

}  // namespace

Preoptimization preoptimize_xtb(molecules::Molecule& mol, const scf::OptimizerSettings& settings, std::ostream* log) {
  scf::Gfn2Xtb xtb(mol);
  auto objective = [&](const molecules::Molecule& m) {
    try {
      const auto r = xtb.compute(m);
      return scf::EnergyGradient{r.energy, r.gradient};
    } catch (const scf::XtbFailed& e) {
      throw NotConverged(e.what());  // exit 3, a "not converged" failure in campaigns
    }
  };
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
    const auto g = scf::scf_gradient(wfn, settings.grid, settings.threads);
    if (log)
      *log << std::fixed << std::setprecision(2) << "      SCF " << wfn.convergence.iterations << " iterations "
              << wfn.seconds << " s; gradient " << g.seconds << " s (one-electron " << g.one_electron_seconds
           << ", two-electron " << g.two_electron_seconds << ", xc " << g.xc_seconds << ")\n"
           << std::defaultfloat;
    return {wfn.energies.total, g.total};
  }
};

}  // namespace

ScfOptimization optimize_scf(molecules::Molecule& mol, const scf::ScfSettings& scf_settings, const std::string& basis,
                             scf::ShellType shell_type, const scf::OptimizerSettings& settings, std::ostream* log) {
  const auto t0 = std::chrono::steady_clock::now();
  if (const std::string why = scf::gradient_unsupported(scf_settings.method); !why.empty())
    throw InputError("geometry optimisation: " + why);
  ScfObjective objective;
  auto& st = objective.settings;
  st = scf_settings;
  st.on_iteration = nullptr;
  // Gradients differentiate four-index integrals; energies converged past the forces' needs
  // (psi4 tightens its SCF for gradients the same way).
  st.scf_type = scf::ScfType::Conventional;
  st.e_convergence = std::min(st.e_convergence, 1e-10);
  st.d_convergence = std::min(st.d_convergence, 1e-8);
  st.max_iterations = std::max(st.max_iterations, 200);
  objective.basis = basis;
  objective.shell_type = shell_type;
  objective.log = log;
  const auto b = scf::build_basis(mol, basis, shell_type);  // validates early
  if (const std::string why = scf::gradient_basis_unsupported(b); !why.empty()) throw InputError(why);
  if (log) {
    *log << "   optimisation at " << st.method << "/" << b.name << " (" << scf::to_string(b.shell_type) << ", " << b.nbf
         << " functions), reference " << scf::to_string(st.reference) << ", four-index integrals";
    if (!scf::Functional::from_name(st.method).is_hf())
      *log << ", grid " << st.grid.name << " (" << st.grid.radial << " x " << st.grid.angular << ")";
    *log << "; SCF e_convergence " << st.e_convergence << ", d_convergence " << st.d_convergence
         << "; analytic gradients\n";
  }
  const auto res = scf::optimize(mol, std::ref(objective), settings, log);
  mol = res.molecule;
  ScfOptimization o;
  o.method = st.method;
  o.basis = b.name;
  o.energy = res.energy;
  o.steps = static_cast<int>(res.steps.size());
  o.evaluations = res.evaluations;
  o.scf_iterations = objective.scf_iterations;
  o.converged = res.converged;
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return o;
}

int optimize_command(const OptimizeCommand& command) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string method = lower(command.method);
  const bool xtb = method == "gfn2-xtb" || method == "xtb";
  if (!xtb) {
    const std::string why = scf::gradient_unsupported(method);  // also rejects unknown names
    if (!why.empty()) throw InputError("--method " + why);
  }
  const std::string preopt = lower(command.preopt);
  if (preopt != "none" && preopt != "xtb") throw InputError("--preopt '" + command.preopt + "': use none or xtb");
  if (command.max_steps < 1 || command.max_steps > 10000)
    throw InputError("--max-steps " + std::to_string(command.max_steps) + " must be between 1 and 10000");
  if (command.threads < 0 || command.threads > 1024)
    throw InputError("--threads " + std::to_string(command.threads) + " must be between 0 (all cores) and 1024");
  if (command.threads > 0) omp_set_num_threads(command.threads);
  molecules::Molecule mol = molecules::resolve_input(command.input, command.charge, command.multiplicity);
  molecules::check_distances(mol, command.input);
  const std::string stem = file_stem(mol.name);
  scf::OptimizerSettings settings;
  settings.max_steps = command.max_steps;
  set_convergence(settings, lower(command.convergence));
  settings.trajectory = command.trajectory.empty() ? stem + ".trj.xyz" : command.trajectory;
  const std::string output = command.output.empty() ? stem + ".opt.xyz" : command.output;
  double final_energy = 0.0;
  bool converged = false;
  int steps = 0;
  std::ostringstream summary;

  auto criteria = [&](const scf::OptimizerSettings& s) {
    std::cerr << "   optimizer RFO, Lindh model Hessian, BFGS  max steps " << s.max_steps
              << "\n   converged when max force < " << s.max_force << ", rms force < " << s.rms_force
              << " Eh/Bohr, max step < " << s.max_step << ", rms step < " << s.rms_step << " Bohr\n";
  };
  std::cerr << "cagescreen " << version_string() << "  optimize  threads " << omp_get_max_threads() << "\n"
            << "   molecule " << mol.name << " " << mol.formula() << "  charge " << mol.charge << "  multiplicity "
            << mol.multiplicity << "  atoms " << mol.atoms.size() << "\n";
  if (xtb) {
    std::cerr << "   method GFN2-xTB (libxtb " << scf::xtb_version() << ")\n";
    criteria(settings);
    const Preoptimization po = preoptimize_xtb(mol, settings, &std::cerr);
    final_energy = po.energy;
    converged = po.converged;
    steps = po.steps;
    summary << std::fixed << std::setprecision(10) << "   GFN2-xTB energy " << po.energy << " Eh  gap "
            << std::setprecision(4) << po.gap_ev << " eV\n";
  } else {
    scf::ScfSettings st;
    st.method = method;
    st.grid = scf::parse_grid(command.grid);
    st.reference = lower(command.reference) == "auto"
                       ? (mol.multiplicity == 1 ? scf::Reference::RHF : scf::Reference::UHF)
                       : scf::parse_reference(lower(command.reference));
    st.threads = omp_get_max_threads();
    const auto shell_type = scf::parse_shell_type(command.shell_type);
    // The basis (names, elements, derivative limit) and the reference are checked before any
    // xtb pre-optimisation.
    if (const std::string why = scf::gradient_basis_unsupported(scf::build_basis(mol, command.basis, shell_type));
        !why.empty())
      throw InputError("--basis: " + why);
    scf::check_reference(mol, st.reference);
    if (preopt == "xtb") {
      std::cerr << "   pre-optimisation: GFN2-xTB (libxtb " << scf::xtb_version() << "), normal criteria\n";
      scf::OptimizerSettings pre;
      pre.max_steps = command.max_steps;
      const Preoptimization po = preoptimize_xtb(mol, pre, &std::cerr);
      std::cerr << std::fixed << std::setprecision(10) << "   GFN2-xTB energy " << po.energy << " Eh after " << po.steps
                << " steps" << (po.converged ? "" : " (NOT converged: continuing from the last geometry)") << "\n"
                << std::defaultfloat;
    }
    criteria(settings);
    const ScfOptimization o = optimize_scf(mol, st, command.basis, shell_type, settings, &std::cerr);
    final_energy = o.energy;
    converged = o.converged;
    steps = o.steps;
    summary << std::fixed << std::setprecision(1) << "   " << o.evaluations << " energy+gradient evaluations, "
            << o.scf_iterations << " SCF iterations, " << o.seconds << " s\n";
  }
  {
    std::ofstream out(output);
    write_xyz(mol, out);
    if (!out) throw InputError(output + ": cannot write");
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << summary.str() << "   " << (converged ? "converged" : "NOT converged") << " after " << steps
            << " steps\n"
            << "   geometry " << output << "  trajectory " << settings.trajectory << "\n"
            << std::fixed << std::setprecision(10) << "FINAL OPTIMIZED ENERGY " << final_energy << "\n";
  if (!converged) {
    std::cerr << "cagescreen: error: the optimisation did not converge in " << settings.max_steps
              << " steps (last geometry in " << output << "; raise --max-steps or start from it)\n";
    return exit_not_converged;
  }
  std::cerr << "cagescreen: normal termination, wall time " << std::fixed << std::setprecision(2) << seconds << " s\n";
  return exit_ok;
}

}  // namespace cagescreen::workflows
