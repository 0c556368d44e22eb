#include "workflows/commands/optimize_command.hpp"

#include <memory>

#include "workflows/commands/command.hpp"
#include "workflows/output_paths.hpp"
#include "workflows/validators.hpp"
#include "workflows/level.hpp"
#include "workflows/optimization.hpp"

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
#include "workflows/exit_codes.hpp"
#include "workflows/qcschema.hpp"

namespace cagescreen::workflows {

namespace {

std::string file_stem(const std::string& name) {
  const std::string s = safe_file_name(name, "-,.");
  return s.empty() ? "molecule" : s;
}

}  // namespace

int optimize_command(const OptimizeCommand& command) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string method = lower(command.method);
  const bool xtb = method == "gfn2-xtb" || method == "xtb";
  if (!xtb) {
    const std::string why = scf::gradient_unsupported(scf::Functional::from_name(method));  // also rejects unknown names
    if (!why.empty()) throw InputError("--method " + why);
  }
  const auto preopt = parse_preopt(lower(command.preopt));
  if (!preopt || preopt->scf) throw InputError("--preopt '" + command.preopt + "': use none or xtb");
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
  check_output_file(output, "--output");
  check_output_file(settings.trajectory, "--trajectory");
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
    if (!command.solvent.empty() || command.epsilon > 0 || (lower(command.solvation) != "auto" && lower(command.solvation) != "none"))
      throw InputError("--solvent: the continuum solvent is for HF and DFT (--method); GFN2-xTB runs in the gas phase");
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
    st.functional = scf::Functional::from_name(method);
    st.grid = scf::parse_grid(command.grid);
    st.reference = lower(command.reference) == "auto"
                       ? (mol.multiplicity == 1 ? scf::Reference::RHF : scf::Reference::UHF)
                       : scf::parse_reference(lower(command.reference));
    st.threads = omp_get_max_threads();
    LevelOfTheory level;
    level.solvent = command.solvent;
    level.solvation = command.solvation;
    level.epsilon = command.epsilon;
    level.solvent_points = command.solvent_points;
    st.solvation = solvation_settings(level);
    const auto shell_type = scf::parse_shell_type(command.shell_type);
    // The basis (names, elements, derivative limit) and the reference are checked before any
    // xtb pre-optimisation.
    if (const std::string why = scf::gradient_basis_unsupported(scf::build_basis(mol, command.basis, shell_type));
        !why.empty())
      throw InputError("--basis: " + why);
    scf::check_settings(mol, st);  // the same checks as `run` before any work
    if (preopt->xtb) {
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

Command add_optimize_command(CLI::App& app) {
  auto c = std::make_shared<OptimizeCommand>();
  auto* sub = app.add_subcommand("optimize", "geometry optimisation with GFN2-xTB, HF or DFT (docs/optimize.md)");
  sub->add_option("input", c->input, "XYZ or QCSchema JSON file, built-in species or cage derivative")->required();
  sub->add_option("--method", c->method, "gfn2-xtb, hf or a functional (LDA, GGA, global hybrid)")->capture_default_str();
  sub->add_option("--basis", c->basis, "basis set of HF/DFT (cagescreen basis lists them)")->capture_default_str();
  sub->add_option("--shell-type", c->shell_type, "auto, spherical, cartesian or 6d7f")->capture_default_str();
  sub->add_option("--reference", c->reference, "auto, rhf or uhf")->capture_default_str();
  sub->add_option("--grid", c->grid, "DFT grid: coarse, default, fine, ultrafine or R,A (R radial points in 10..500, A a Lebedev size 6..5810 such as 302 or 590), optionally followed by :psi4")->capture_default_str();
  sub->add_option("--preopt", c->preopt, "none or xtb: GFN2-xTB before HF/DFT")->capture_default_str();
  sub->add_option("--charge", c->charge, "total charge (overrides the file)")->check(integer_in(-1000, 1000));
  sub->add_option("--multiplicity", c->multiplicity, "spin multiplicity 2S+1 (overrides the file)")->check(integer_in(1, 1000));
  sub->add_option("--max-steps", c->max_steps, "optimisation step limit")->capture_default_str()->check(integer_in(1, 10000));
  sub->add_option("--convergence", c->convergence, "normal, tight or verytight (Gaussian's criteria)")
      ->capture_default_str();
  sub->add_option("--output,-o", c->output, "XYZ file of the final geometry (default NAME.opt.xyz)");
  sub->add_option("--trajectory", c->trajectory, "multi-frame XYZ of every step (default NAME.trj.xyz)");
  sub->add_option("--threads", c->threads, "OpenMP threads (0: all cores)")->capture_default_str()->check(integer_in(0, 1024));
  sub->add_option("--solvent", c->solvent, "continuum solvent of HF/DFT (cagescreen solvents); SMD unless --solvation says otherwise");
  sub->add_option("--solvation", c->solvation, "auto, none, cpcm, cosmo or smd")->capture_default_str();
  sub->add_option("--epsilon", c->epsilon, "dielectric constant replacing the solvent's")->check(real_in(1.0, 1e4, true));
  sub->add_option("--solvent-points", c->solvent_points, "Lebedev points per cavity sphere")->capture_default_str();
  return {sub, [c] { return optimize_command(*c); }};
}

}  // namespace cagescreen::workflows
