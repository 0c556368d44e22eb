#include "workflows/optimize_command.hpp"

#include <omp.h>

#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>

#include "molecules/error.hpp"
#include "molecules/generator.hpp"
#include "molecules/io.hpp"
#include "molecules/species.hpp"
#include "molecules/text.hpp"
#include "molecules/units.hpp"
#include "scf/optimizer.hpp"
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
    const auto r = xtb.compute(m);
    return scf::EnergyGradient{r.energy, r.gradient};
  };
  const auto bonds_before = molecules::bonds(mol);
  const auto res = scf::optimize(mol, objective, settings, log);
  const auto last = xtb.compute(res.molecule);
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

int optimize_command(const OptimizeCommand& command) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string method = lower(command.method);
  if (method != "gfn2-xtb" && method != "xtb")
    throw InputError("--method '" + command.method + "': optimize runs gfn2-xtb (SCF gradients come with issue 9)");
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

  std::cerr << "cagescreen " << version_string() << "  optimize  libxtb " << scf::xtb_version() << "  threads "
            << omp_get_max_threads() << "\n"
            << "   molecule " << mol.name << " " << mol.formula() << "  charge " << mol.charge << "  multiplicity "
            << mol.multiplicity << "  atoms " << mol.atoms.size() << "\n"
            << "   method GFN2-xTB  optimizer RFO, Lindh model Hessian, BFGS  max steps " << settings.max_steps
            << "\n   converged when max force < " << settings.max_force << ", rms force < " << settings.rms_force
            << " Eh/Bohr, max step < " << settings.max_step << ", rms step < " << settings.rms_step << " Bohr\n";
  const Preoptimization po = preoptimize_xtb(mol, settings, &std::cerr);
  {
    std::ofstream out(output);
    write_xyz(mol, out);
    if (!out) throw InputError(output + ": cannot write");
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << std::fixed << std::setprecision(10) << "   GFN2-xTB energy " << po.energy << " Eh  gap "
            << std::setprecision(4) << po.gap_ev << " eV\n"
            << "   " << (po.converged ? "converged" : "NOT converged") << " after " << po.steps << " steps\n"
            << "   geometry " << output << "  trajectory " << settings.trajectory << "\n"
            << std::setprecision(10) << "FINAL OPTIMIZED ENERGY " << po.energy << "\n";
  if (!po.converged) {
    std::cerr << "cagescreen: error: the optimisation did not converge in " << settings.max_steps
              << " steps (last geometry in " << output << "; raise --max-steps or start from it)\n";
    return exit_not_converged;
  }
  std::cerr << "cagescreen: normal termination, wall time " << std::fixed << std::setprecision(2) << seconds << " s\n";
  return exit_ok;
}

}  // namespace cagescreen::workflows
