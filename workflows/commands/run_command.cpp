#include "workflows/commands/run_command.hpp"

#include <omp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "descriptors/cube.hpp"
#include "descriptors/descriptor_set.hpp"
#include "descriptors/molden.hpp"
#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/parse.hpp"
#include "molecules/species.hpp"
#include "molecules/text.hpp"
#include "molecules/units.hpp"
#include "scf/gradient.hpp"
#include "scf/integrals.hpp"
#include "scf/scf.hpp"
#include "scf/stability.hpp"
#include "scf/xc.hpp"
#include "scf/xtb.hpp"
#include "workflows/commands/command.hpp"
#include "workflows/validators.hpp"
#include "workflows/exit_codes.hpp"
#include "workflows/optimization.hpp"
#include "workflows/output_paths.hpp"
#include "workflows/process.hpp"
#include "workflows/qcschema.hpp"

namespace cagescreen::workflows {
namespace {

/// Memory a calculation needs beyond the program and the in-core integrals, MiB: Fock, density and
/// DIIS matrices (about 40 n x n, twice for UHF), per-thread J/K buffers, DFT grid batches and the
/// surface-analysis lattice, plus a fixed allowance.
double working_set_mib(int nbf, bool unrestricted, int threads, bool surface) {
  const double n2 = 8.0 * nbf * nbf / (1024.0 * 1024.0);
  return n2 * ((unrestricted ? 80 : 40) + 4.0 * threads) + (surface ? 64.0 : 0.0) + 32.0;
}

void print_surface(std::ostream& out, const descriptors::EspSurface& surf, const molecules::Molecule& mol) {
  const auto& s = surf.stats;
  const double kcal = units::hartree_in_kcal_per_mol, a2 = units::bohr_in_angstrom * units::bohr_in_angstrom;
  auto atom = [&](int i) { return molecules::element(mol.atoms[i].Z).symbol + std::to_string(i + 1); };
  out << std::setprecision(2) << "\n   ESP on the rho = 0.001 surface (" << surf.mesh.vertices.size() << " vertices, "
      << surf.seconds_total << " s):\n"
      << "      Vs,max " << std::setw(8) << s.vs_max * kcal << " kcal/mol near " << atom(s.vs_max_atom) << "    Vs,min "
      << std::setw(8) << s.vs_min * kcal << " kcal/mol near " << atom(s.vs_min_atom) << "\n"
      << "      area " << s.area * a2 << " A^2 (positive " << s.positive_area * a2 << ", negative "
      << s.negative_area * a2 << ")   volume " << s.volume * a2 * units::bohr_in_angstrom << " A^3\n"
      << "      mean " << s.average * kcal << " (+ " << s.average_positive * kcal << ", - " << s.average_negative * kcal
      << ") kcal/mol   sigma2 tot " << s.sigma2_total * kcal * kcal << " (+ " << s.sigma2_positive * kcal * kcal
      << ", - " << s.sigma2_negative * kcal * kcal << ") (kcal/mol)^2\n"
      << std::setprecision(4) << "      nu " << s.nu << "   Pi " << std::setprecision(2) << s.pi * kcal << " kcal/mol   "
      << s.maxima.size() << " local maxima, " << s.minima.size() << " local minima\n";
}

/// Header, energy components, grid, timings and integral mode of the summary.
/// The stability analysis: lowest eigenvalues per block, the follows, the verdict.
void print_stability(std::ostream& out, const scf::StabilityRecord& s) {
  if (s.mode == scf::StabilityMode::Off) return;
  out << "\n   Stability analysis (" << scf::to_string(s.mode) << "): lowest orbital-Hessian eigenvalues, Eh\n";
  for (const auto& f : s.follows)
    out << "     followed " << f.kind << " instability (eigenvalue " << std::setprecision(6) << f.eigenvalue
        << "): energy " << std::setprecision(10) << f.energy_before << " -> " << f.energy_after << " Eh (lowered by "
        << std::setprecision(6) << (f.energy_before - f.energy_after) * units::hartree_in_kcal_per_mol
        << " kcal/mol)\n";
  for (const auto& r : s.roots) {
    out << "     " << std::left << std::setw(10) << r.kind << std::right << std::setprecision(6);
    for (double e : r.eigenvalues) out << std::setw(12) << e;
    out << (r.converged ? "" : "  (not converged)") << "\n";
  }
  out << "   " << (s.stable ? "The state is stable" : s.checked ? "The state is UNSTABLE" : "The state is unchecked");
  if (!s.message.empty()) out << ": " << s.message;
  out << " (" << s.fock_builds << " Fock builds, " << s.hessian_products << " trial vectors, " << std::setprecision(2)
      << s.seconds << " s)\n";
}

/// The continuum solvent: model, cavity, and the free energies of solvation (kcal/mol, 1 M gas
/// to 1 M solution).
void print_solvation(std::ostream& out, const scf::Wavefunction& wfn) {
  const auto& s = wfn.solvation;
  const double kcal = units::hartree_in_kcal_per_mol;
  const double a2 = units::bohr_in_angstrom * units::bohr_in_angstrom;
  out << std::setprecision(4) << "\n   Solvent " << s.settings.solvent.name << " (" << scf::to_string(s.settings.model)
      << ", epsilon " << s.settings.solvent.epsilon << ", f(epsilon) " << std::setprecision(6) << s.dielectric_factor
      << ")  cavity " << s.cavity.points.size() << " points, area " << std::setprecision(2)
      << s.cavity.total_area() * a2 << " A^2, volume " << s.cavity.volume * a2 * units::bohr_in_angstrom
      << " A^3, surface charge " << std::setprecision(4) << s.charges.sum() << " e\n";
  out << std::setprecision(10);
  if (s.has_gas_energy()) {
    const double elec = s.electrostatic(wfn.energies);
    out << "   Gas-phase energy           " << std::setw(22) << s.gas_energy << " Eh"
        << (s.gas_converged ? "" : "  (gas phase NOT CONVERGED)") << "\n";
    out << std::setprecision(4) << "   dG_elec (solution - gas)   " << std::setw(16) << elec * kcal << " kcal/mol\n";
    if (s.settings.model == scf::SolvationModel::SMD) {
      out << "   G_CDS                      " << std::setw(16) << wfn.energies.cds * kcal << " kcal/mol  (SASA "
          << std::setprecision(2) << s.sasa * a2 << " A^2)\n" << std::setprecision(4);
      out << "   dG_solv (1 M -> 1 M)       " << std::setw(16) << s.free_energy(wfn.energies) * kcal
          << " kcal/mol\n";
    }
    out << std::setprecision(10);
  }
}

void print_energies(std::ostream& out, const scf::Wavefunction& wfn) {
  const auto& e = wfn.energies;
  out << std::fixed;
  out << "\n== " << wfn.molecule.name << " (" << wfn.molecule.formula() << ", charge " << wfn.molecule.charge
      << ", multiplicity " << wfn.molecule.multiplicity << ")  " << scf::to_string(wfn.reference) << "/"
      << wfn.basis.name << " [" << scf::to_string(wfn.basis.shell_type) << "], " << wfn.basis.nbf
      << " basis functions\n";
  out << (wfn.convergence.converged ? "   SCF converged" : "   SCF NOT CONVERGED") << " in "
      << wfn.convergence.iterations << " iterations (" << std::setprecision(2) << wfn.seconds << " s)\n\n";
  out << std::setprecision(10);
  out << "   Nuclear repulsion energy   " << std::setw(22) << e.nuclear_repulsion << " Eh\n";
  out << "   One-electron energy        " << std::setw(22) << e.one_electron << " Eh\n";
  out << "   Two-electron energy        " << std::setw(22) << e.two_electron << " Eh\n";
  if (wfn.level.is_dft())
    out << "   Exchange-correlation energy" << std::setw(22) << e.xc << " Eh\n";
  if (wfn.solvation.enabled())
    out << "   Solvent polarisation energy" << std::setw(22) << e.solvation << " Eh\n";
  if (wfn.solvation.settings.model == scf::SolvationModel::SMD)
    out << "   SMD CDS free energy        " << std::setw(22) << e.cds << " Eh\n";
  out << "   Total energy               " << std::setw(22) << e.total << " Eh\n";
  if (wfn.solvation.enabled()) print_solvation(out, wfn);
  print_stability(out, wfn.stability);
  if (wfn.level.grid)
    out << std::setprecision(6) << "   Grid " << wfn.level.grid->name << ": " << wfn.dft.points << " points, "
        << "integrated electrons " << wfn.dft.electrons << " (error " << std::scientific << std::setprecision(2)
        << wfn.dft.electrons - wfn.molecule.n_electrons() << std::fixed << ")\n"
        << std::setprecision(2) << "   Timings: J/K " << wfn.dft.jk_seconds << " s, XC " << wfn.dft.xc_seconds
        << " s over " << wfn.convergence.iterations << " iterations (XC/JK "
        << (wfn.dft.jk_seconds > 0 ? wfn.dft.xc_seconds / wfn.dft.jk_seconds : 0.0) << ")\n"
        << std::setprecision(10);
  else
    out << std::setprecision(4) << "   Timings: J/K " << wfn.dft.jk_seconds << " s over " << wfn.convergence.iterations
        << " iterations\n"
        << std::setprecision(10);
  std::ostringstream fit;
  fit << std::setprecision(2) << "density fitting with " << wfn.level.fitting_basis << " (" << wfn.fitting_functions
      << " functions, built in " << wfn.fitting_seconds << " s)";
  out << "   Integrals: " << (wfn.level.integrals == scf::Integrals::DensityFitted ? fit.str() : std::string("four-index"))
      << ", " << (wfn.integral_bytes >> 20) << " MiB in memory"
      << (wfn.integrals_note.empty() ? "" : " (" + wfn.integrals_note + ")") << "\n";
  if (wfn.reference == scf::Reference::UHF)
    out << "   <S^2>                      " << std::setw(22) << std::setprecision(6) << wfn.s_squared() << "\n";
}

void print_orbitals(std::ostream& out, const scf::SpinOrbitals& so, const char* label) {
  out << "\n   " << label << " orbital energies around the gap (Eh, eV):\n";
  const int n = so.n_occupied;
  const int lo = std::max(0, n - 5), hi = std::min<int>(static_cast<int>(so.energies.size()), n + 5);
  for (int i = lo; i < hi; ++i) {
    const char* tag = i == n - 1 ? "HOMO" : i == n ? "LUMO" : "";
    out << "   " << std::setw(5) << i + 1 << (i < n ? " occ " : " vir ") << std::setw(14) << std::setprecision(6)
        << so.energies(i) << std::setw(12) << std::setprecision(4) << so.energies(i) * units::hartree_in_ev << "  "
        << tag << "\n";
  }
}

void print_charges(std::ostream& out, const molecules::Molecule& mol, const descriptors::DescriptorSet& d) {
  const auto& pop = d.populations;
  const bool open = !pop.mulliken_spin.empty();
  out << "\n   Atomic charges (e)" << (open ? " and spin populations" : "") << ":\n"
      << "      #  atom    Mulliken      Lowdin" << (d.hirshfeld ? "   Hirshfeld" : "") << (d.chelpg ? "      CHELPG" : "")
      << (open ? "   Mulliken spin" : "") << "\n";
  for (std::size_t a = 0; a < mol.atoms.size(); ++a) {
    out << "   " << std::setw(4) << a + 1 << "  " << std::left << std::setw(4) << molecules::element(mol.atoms[a].Z).symbol
        << std::right << std::setprecision(5) << std::setw(12) << pop.mulliken[a] << std::setw(12) << pop.lowdin[a];
    if (d.hirshfeld) out << std::setw(12) << (*d.hirshfeld)[a];
    if (d.chelpg) out << std::setw(12) << (*d.chelpg)[a];
    if (open) out << std::setw(16) << pop.mulliken_spin[a];
    out << "\n";
  }
}

/// The summary on standard output, ending with FINAL SINGLE POINT ENERGY.
void print_summary(std::ostream& out, const scf::Wavefunction& wfn, const descriptors::DescriptorSet& d) {
  print_energies(out, wfn);
  if (wfn.reference == scf::Reference::RHF) {
    print_orbitals(out, wfn.alpha, "Occupied and virtual");
  } else {
    print_orbitals(out, wfn.alpha, "Alpha");
    print_orbitals(out, wfn.beta, "Beta");
  }
  const auto& fr = d.frontier;
  if (d.request.frontier) {
    out << std::setprecision(4) << "\n   HOMO " << fr.homo * units::hartree_in_ev << " eV";
    if (fr.has_lumo)
      out << "   LUMO " << fr.lumo * units::hartree_in_ev << " eV   gap " << fr.gap * units::hartree_in_ev << " eV";
    out << "\n";
  }
  if (d.request.charges || d.hirshfeld || d.chelpg) print_charges(out, wfn.molecule, d);
  const auto& mp = d.multipoles;
  if (d.request.dipole)
    out << std::setprecision(4) << "   Dipole moment " << mp.dipole_norm() * units::au_dipole_in_debye << " D  ("
        << mp.dipole[0] * units::au_dipole_in_debye << ", " << mp.dipole[1] * units::au_dipole_in_debye << ", "
        << mp.dipole[2] * units::au_dipole_in_debye << ") D about the centre of nuclear charge\n";
  if (d.surface) print_surface(out, *d.surface, wfn.molecule);
  if (const auto& h = d.hydrophobicity) {
    const double kcal = units::hartree_in_kcal_per_mol;
    out << std::setprecision(2) << "\n   Hydrophobicity (SMD, 1 M -> 1 M, " << h->temperature << " K): dG_solv water "
        << h->water * kcal << " kcal/mol, 1-octanol " << h->octanol * kcal << " kcal/mol, log P(octanol/water) "
        << h->log_p() << "\n";
  }
  if (d.homo_above_zero() && wfn.solvation.enabled())
    out << "\n   warning: the HOMO is above zero even in the solvent: the highest electrons are not bound\n";
  else if (d.homo_above_zero())
    out << "\n   warning: the HOMO is above zero: the highest electrons are not bound in this isolated "
           "species (typical of gas-phase anions); treat its orbital energies with care\n";
  out << "\n" << std::setprecision(10) << "FINAL SINGLE POINT ENERGY " << wfn.energies.total << "\n";
}

/// Writes the QCSchema failure record if a JSON file was asked for; never throws.
void write_failure(const std::string& path, const char* type, const std::string& message) {
  if (path.empty()) return;
  try {
    std::ofstream(path) << failed_result(type, message).dump(1, ' ', false, nlohmann::json::error_handler_t::replace)
                        << "\n";
  } catch (...) {
  }
}

/// --cube: density, esp, homo, lumo or 1-based orbital numbers.
std::vector<std::string> parse_cubes(const RunOptions& opt) {
  std::vector<std::string> cubes;
  std::stringstream ss(opt.cube_list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = lower(item);
    if (item.empty()) continue;
    if (item != "density" && item != "esp" && item != "homo" && item != "lumo" && !parse_integer_in(item, 1, 1000000))
      throw InputError("--cube: " + in_quotes(item) + " must be density, esp, homo, lumo or a 1-based orbital number");
    cubes.push_back(item);
  }
  if (!cubes.empty() && !(opt.cube_spacing > 0 && opt.cube_padding >= 0))
    throw InputError("--cube-spacing must be positive and --cube-padding not negative");
  return cubes;
}

/// PREFIX.KIND.cube (the prefix defaults to the molecule's name).
std::string cube_path(const RunOptions& opt, const molecules::Molecule& mol, const std::string& kind) {
  const std::string prefix = !opt.cube_prefix.empty() ? opt.cube_prefix : mol.name.empty() ? "cagescreen" : mol.name;
  return prefix + "." + kind + ".cube";
}

/// Everything `run` checks and resolves before any work: checked in this order, so that the first
/// problem is the one reported, and before any pre-optimisation.
struct RunPlan {
  molecules::Molecule mol;
  scf::ScfSettings settings;
  scf::ShellType shell_type = scf::ShellType::Auto;
  scf::BasisSet basis;
  std::string preopt;  ///< as given, lower case (for messages)
  Preopt optimize;     ///< GFN2-xTB and/or the level's own method before the SCF
  std::vector<std::string> cubes;
  descriptors::DescriptorRequest descriptors;
  scf::StabilitySettings stability;
  int threads = 1;
};

/// SMD free energies of solvation in water and 1-octanol at the run's level and geometry. The run's
/// own SCFs serve where they can (its gas phase, and its solvated state when that is SMD in one of
/// the two); the others start from the run's density. Empty when one of them does not converge.
std::optional<descriptors::Hydrophobicity> hydrophobicity(const RunPlan& plan, const scf::ScfSettings& st,
                                                          const scf::Wavefunction& wfn) {
  const auto& sv = wfn.solvation;
  const double gas = sv.enabled() ? sv.gas_energy : wfn.energies.total;
  auto free_energy = [&](const char* name) -> std::optional<double> {
    if (sv.settings.model == scf::SolvationModel::SMD && sv.settings.solvent.name == name)
      return sv.free_energy(wfn.energies);
    scf::ScfSettings s = st;
    s.solvation = scf::SolvationSettings{};
    s.solvation.model = scf::SolvationModel::SMD;
    s.solvation.solvent = scf::find_solvent(name);
    if (st.solvation.enabled()) s.solvation.points_per_sphere = st.solvation.points_per_sphere;
    s.guess_density = {wfn.alpha.D};
    if (wfn.reference == scf::Reference::UHF) s.guess_density.push_back(wfn.beta.D);
    s.on_iteration = nullptr;
    const auto w = scf::run_scf(plan.mol, plan.basis, s);
    if (!w.convergence.converged) {
      std::cerr << "warning: the SCF in " << name << " did not converge: no hydrophobicity descriptors\n";
      return std::nullopt;
    }
    return w.energies.total - gas;
  };
  const auto water = free_energy("water");
  if (!water) return std::nullopt;
  const auto octanol = free_energy("1-octanol");
  if (!octanol) return std::nullopt;
  descriptors::Hydrophobicity h;
  h.water = *water;
  h.octanol = *octanol;
  return h;
}

scf::ScfSettings scf_settings(const RunOptions& opt, const molecules::Molecule& mol) {
  scf::ScfSettings st = workflows::scf_settings(opt.level, mol);
  st.guess = scf::parse_guess(lower(opt.guess));
  if (opt.scf_ladder < 0 || opt.scf_ladder > 3) throw InputError("--scf-ladder must be 0, 1, 2 or 3");
  st.ladder_start = opt.scf_ladder;
  if (!(opt.memory_mib >= 0 && opt.memory_mib <= 1 << 24))
    throw InputError("--memory " + std::to_string(opt.memory_mib) + " must be between 0 and 16777216 MiB");
  if (opt.threads < 0 || opt.threads > 1024)
    throw InputError("--threads " + std::to_string(opt.threads) + " must be between 0 (all cores) and 1024");
  st.memory_bytes = static_cast<std::size_t>(opt.memory_mib * 1024.0 * 1024.0);
  return st;
}

/// --memory-limit: fail at once (before the SCF) rather than after hours; the in-core budget
/// shrinks to fit. The basis size does not depend on the geometry, so the estimate holds after a
/// pre-optimisation; the program's resident size is measured before libxtb or the gradient code
/// allocate.
void apply_memory_limit(const RunOptions& opt, RunPlan& plan) {
  if (opt.memory_limit_mib < 0) throw InputError("--memory-limit must not be negative");
  if (!(opt.memory_limit_mib > 0)) return;  // (NaN too)
  const bool surface_asked = opt.surface || lower(opt.descriptors).find("surface") != std::string::npos ||
                             lower(opt.descriptors) == "all";
  const double program = resident_mib();
  const double working =
      working_set_mib(plan.basis.nbf, plan.settings.reference == scf::Reference::UHF, plan.threads, surface_asked);
  if (program + working > opt.memory_limit_mib) {
    std::ostringstream m;
    m << std::fixed << std::setprecision(0) << "needs about " << program + working << " MiB (" << program
      << " MiB program, " << working << " MiB working set for " << plan.basis.nbf
      << " basis functions), over the memory limit of " << opt.memory_limit_mib << " MiB";
    throw OutOfMemory(m.str());
  }
  const double room = opt.memory_limit_mib - program - working;
  plan.settings.memory_bytes = std::min(plan.settings.memory_bytes, static_cast<std::size_t>(room * 1024.0 * 1024.0));
}

RunPlan plan_run(const RunOptions& opt) {
  RunPlan plan;
  const auto functional = scf::Functional::from_name(opt.level.method);  // validates the name early
  plan.mol = molecules::resolve_input(opt.input, opt.charge, opt.multiplicity);
  plan.preopt = lower(opt.level.optimize);
  const std::string& preopt = plan.preopt;
  const auto optimize = parse_preopt(preopt);
  if (!optimize) throw InputError("--preopt '" + opt.level.optimize + "': use none, xtb, dft or xtb+dft");
  plan.optimize = *optimize;
  if (plan.optimize.scf)
    if (const std::string why = scf::gradient_unsupported(functional, opt.level.method); !why.empty())
      throw InputError("--preopt " + preopt + ": " + why);
  plan.settings = scf_settings(opt, plan.mol);
  plan.stability.mode = stability_mode(opt.level, plan.mol);

  scf::check_settings(plan.mol, plan.settings);
  plan.threads = opt.threads > 0 ? opt.threads : omp_get_max_threads();
  omp_set_num_threads(plan.threads);
  plan.settings.threads = plan.threads;
  // The basis (names, elements, angular momentum, derivative limit), the memory limit, cube,
  // descriptor and Molden requests: all before any optimisation.
  plan.shell_type = scf::parse_shell_type(opt.level.shell_type);
  plan.basis = scf::build_basis(plan.mol, opt.level.basis, plan.shell_type);
  if (plan.optimize.scf)
    if (const std::string why = scf::gradient_basis_unsupported(plan.basis); !why.empty())
      throw InputError("--preopt " + preopt + ": " + why);
  apply_memory_limit(opt, plan);
  plan.cubes = parse_cubes(opt);
  for (const auto& kind : plan.cubes)
    if (const auto n = parse_integer(kind); n && *n > plan.basis.nbf)
      throw InputError("--cube " + kind + ": there are " + std::to_string(plan.basis.nbf) + " orbitals (" +
                       std::to_string(plan.basis.nbf) + " basis functions)");
  // Output files: checked now, not after the SCF.
  check_output_file(opt.json_file, "--json");
  check_output_file(opt.molden_file, "--molden");
  for (const auto& kind : plan.cubes) check_output_file(cube_path(opt, plan.mol, kind), "--cube");
  plan.descriptors = descriptors::parse_descriptor_request(opt.descriptors);
  plan.descriptors.surface = plan.descriptors.surface || opt.surface;
  if (opt.no_gas_phase && plan.descriptors.hydrophobicity)
    throw InputError("--no-gas-phase: the hydrophobicity descriptors need the gas-phase energy");
  plan.descriptors.surface_settings.spacing = opt.surface_spacing;
  plan.descriptors.surface_settings.threads = plan.threads;
  plan.descriptors.threads = plan.threads;
  if (!(opt.surface_spacing >= 0.05 && opt.surface_spacing <= 1.0))
    throw InputError("--surface-spacing must be between 0.05 and 1 Bohr");
  if (!opt.molden_file.empty() && plan.basis.max_l > 4)
    throw InputError("--molden: Molden files hold shells up to g (L=4); basis '" + plan.basis.name + "' has L=" +
                     std::to_string(plan.basis.max_l));
  return plan;
}

/// --preopt: GFN2-xTB and/or the level's own method with analytic gradients; the final SCF and
/// the descriptors run at the optimised geometry (with the level's scf_type).
void preoptimize(const RunOptions& opt, RunPlan& plan, std::optional<Preoptimization>& preoptimization,
                 std::optional<ScfOptimization>& optimization) {
  if (opt.dry_run) return;
  std::ostream* log = opt.quiet ? nullptr : &std::cerr;
  try {
    if (plan.optimize.xtb) {
      std::cerr << "   pre-optimisation: GFN2-xTB (libxtb " << scf::xtb_version() << "), Gaussian's normal criteria\n";
      preoptimization = preoptimize_xtb(plan.mol, scf::OptimizerSettings{}, log);
      std::cerr << std::fixed << std::setprecision(10) << "   GFN2-xTB energy " << preoptimization->energy
                << " Eh  gap " << std::setprecision(4) << preoptimization->gap_ev << " eV  "
                << (preoptimization->converged ? "converged" : "NOT converged (SCF at the last geometry)") << " after "
                << preoptimization->steps << " steps\n" << std::defaultfloat;
    }
    if (plan.optimize.scf) {
      optimization = optimize_scf(plan.mol, plan.settings, opt.level.basis, plan.shell_type, scf::OptimizerSettings{}, log);
      optimization->method = opt.level.method;  // as the user spelt it
      std::cerr << std::fixed << std::setprecision(10) << "   " << optimization->method << "/" << optimization->basis
                << " optimisation: energy " << optimization->energy << " Eh, "
                << (optimization->converged ? "converged" : "NOT converged (SCF at the last geometry)") << " after "
                << optimization->steps << " steps\n" << std::defaultfloat;
    }
  } catch (const NotConverged& e) {
    // An SCF or xtb step of the pre-optimisation failed: the failure record says so.
    write_failure(opt.json_file, "convergence_error", std::string("pre-optimisation: ") + e.what());
    throw;
  }
  if (preoptimization || optimization) plan.basis = scf::build_basis(plan.mol, opt.level.basis, plan.shell_type);
}

void log_settings(const RunOptions& opt, const RunPlan& plan) {
  const auto& st = plan.settings;
  const auto& mol = plan.mol;
  std::cerr << "cagescreen " << version_string() << "  libint2 " << scf::libint_version() << "  threads "
            << plan.threads << "\n";
  std::cerr << "   molecule " << mol.name << " " << mol.formula() << "  charge " << mol.charge << "  multiplicity "
            << mol.multiplicity << "  electrons " << mol.n_electrons() << "\n";
  std::cerr << "   method " << opt.level.method << "  reference " << scf::to_string(st.reference) << "  basis "
            << plan.basis.name << " (" << scf::to_string(plan.basis.shell_type) << ", " << plan.basis.nbf
            << " functions, " << plan.basis.shells.size() << " shells)\n";
  if (!st.functional.is_hf())
    std::cerr << "   functional " << st.functional.name << " (libxc " << scf::libxc_version() << ", exact exchange "
              << st.functional.exact_exchange << ")  grid " << st.grid.name << " (" << st.grid.radial << " x "
              << st.grid.angular << (st.grid.prune ? ", pruned" : "") << ")\n";
  std::cerr << "   guess " << scf::to_string(st.guess) << "  e_convergence " << st.e_convergence
            << "  d_convergence " << st.d_convergence << "  max_iterations " << st.max_iterations << "  memory "
            << opt.memory_mib << " MiB  scf_type " << scf::to_string(st.scf_type)
            << (st.fitting_basis.empty() ? "" : "  fitting basis " + st.fitting_basis) << "\n";
}

void write_cubes(const RunOptions& opt, const RunPlan& plan, const scf::Wavefunction& wfn,
                 const descriptors::DescriptorSet& d) {
  if (plan.cubes.empty()) return;
  descriptors::Cube c;
  c.grid = descriptors::CubeGrid::around(wfn.molecule, opt.cube_spacing * units::angstrom_in_bohr,
                                         opt.cube_padding * units::angstrom_in_bohr);
  c.atoms = wfn.molecule.atoms;
  const auto points = c.grid.points();
  for (const auto& kind : plan.cubes) {
    c.comment1 = wfn.molecule.name + " " + wfn.level.method() + "/" + wfn.basis.name + ": " + kind + " (cagescreen)";
    if (kind == "density") {
      c.comment2 = "total electron density, e/bohr^3";
      c.values = descriptors::density_at(wfn, points);
    } else if (kind == "esp") {
      c.comment2 = "electrostatic potential, hartree/e";
      c.values = descriptors::esp_at(wfn, points);
    } else {
      // homo/lumo: of the spin that holds it (α for closed shells); a number: α orbital, 1-based.
      int spin = 0, index = -1;
      if (kind == "homo" || kind == "lumo") {
        spin = kind == "homo" ? d.frontier.homo_spin : d.frontier.lumo_spin;
        index = kind == "homo" ? d.frontier.homo_index : d.frontier.lumo_index;
        if (index < 0) throw InputError("--cube " + kind + ": this calculation has no such orbital");
      } else {
        index = static_cast<int>(*parse_integer(kind)) - 1;
        if (index >= static_cast<int>(wfn.alpha.energies.size()))
          throw InputError("--cube " + kind + ": there are only " + std::to_string(wfn.alpha.energies.size()) + " orbitals");
      }
      c.comment2 = std::string("orbital ") + std::to_string(index + 1) + (spin ? " beta" : " alpha") + ", bohr^-3/2";
      c.values = descriptors::orbital_at(wfn, spin, index, points);
    }
    const auto path = cube_path(opt, plan.mol, kind);
    descriptors::write_cube(path, c);
    std::cerr << "cagescreen: wrote " << path << " (" << c.grid.n[0] << " x " << c.grid.n[1] << " x " << c.grid.n[2]
              << " points)\n";
  }
}

/// Throws NotConverged (with the last iterations) unless the SCF converged or --allow-unconverged.
void check_converged(const RunOptions& opt, const scf::Wavefunction& wfn) {
  if (wfn.convergence.converged) return;
  std::ostringstream msg;
  msg << "SCF not converged after " << wfn.convergence.iterations << " iterations; last iterations:";
  const auto& h = wfn.convergence.history;
  for (size_t i = h.size() > 3 ? h.size() - 3 : 0; i < h.size(); ++i)
    msg << " [" << h[i].iteration << ": E=" << std::setprecision(10) << h[i].energy << " dE=" << std::scientific
        << std::setprecision(2) << h[i].delta_e << " grad=" << h[i].rms_gradient << std::fixed << "]";
  if (!opt.allow_unconverged) throw NotConverged(msg.str());
  std::cerr << "warning: " << msg.str() << " (continuing: --allow-unconverged)\n";
}

int run_checked(const RunOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  RunPlan plan = plan_run(opt);
  std::optional<Preoptimization> preoptimization;
  std::optional<ScfOptimization> optimization;
  preoptimize(opt, plan, preoptimization, optimization);
  log_settings(opt, plan);
  if (opt.dry_run) return exit_ok;

  scf::ScfSettings st = plan.settings;
  if (!opt.quiet) {
    std::cerr << "@iter        energy (Eh)           delta E      rms grad      max grad     s    step\n";
    st.on_iteration = [](const scf::IterationRecord& r) {
      char line[160];
      std::snprintf(line, sizeof line, "@iter %3d  %20.10f  %14.6e  %12.4e  %12.4e  %6.2f  %s\n", r.iteration,
                    r.energy, r.delta_e, r.rms_gradient, r.max_gradient, r.seconds, r.step.c_str());
      std::cerr << line;
    };
  }
  scf::Wavefunction wfn = opt.no_gas_phase ? scf::run_scf(plan.mol, plan.basis, st)
                                           : scf::run_scf_with_gas_phase(plan.mol, plan.basis, st);
  if (plan.stability.mode != scf::StabilityMode::Off && wfn.convergence.converged) {
    if (!opt.quiet) std::cerr << "cagescreen: stability analysis (" << scf::to_string(plan.stability.mode) << ")\n";
    wfn = scf::stabilise(std::move(wfn), st, plan.stability);
  }
  auto descriptors = descriptors::compute_descriptors(wfn, plan.descriptors);
  if (plan.descriptors.hydrophobicity && wfn.convergence.converged) descriptors.hydrophobicity = hydrophobicity(plan, st, wfn);

  RunInfo info;
  info.threads = plan.threads;
  info.settings = st;
  if (preoptimization) info.preoptimization = &*preoptimization;
  if (optimization) info.optimization = &*optimization;
  info.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  info.peak_memory_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;  // kB on Linux
  if (!opt.json_file.empty()) {
    std::ofstream out(opt.json_file);
    if (!out) throw InputError(opt.json_file + ": cannot write JSON output");
    out << atomic_result(wfn, descriptors, info).dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  if (!opt.molden_file.empty()) descriptors::write_molden(wfn, opt.molden_file);
  write_cubes(opt, plan, wfn, descriptors);
  print_summary(std::cout, wfn, descriptors);
  check_converged(opt, wfn);
  if (plan.stability.mode == scf::StabilityMode::Follow && !wfn.stability.stable)
    throw Unstable("--stability follow: " + wfn.stability.message);
  std::cerr << "cagescreen: normal termination, wall time " << std::fixed << std::setprecision(2)
            << info.wall_seconds << " s, peak memory " << std::setprecision(0) << info.peak_memory_mib << " MiB\n";
  return exit_ok;
}

}  // namespace

int run_command(const RunOptions& opt) {
  try {
    return run_checked(opt);
  } catch (const InputError& e) {
    write_failure(opt.json_file, "input_error", e.what());
    throw;
  } catch (const NotConverged&) {
    throw;
  } catch (const Unstable&) {
    throw;
  } catch (const OutOfMemory& e) {
    write_failure(opt.json_file, "memory_error", e.what());
    throw;
  } catch (const std::bad_alloc&) {
    write_failure(opt.json_file, "memory_error", "memory allocation failed");
    throw;
  } catch (const std::exception& e) {
    write_failure(opt.json_file, "internal_error", e.what());
    throw;
  }
}

Command add_run_command(CLI::App& app) {
  auto opt = std::make_shared<RunOptions>();
  auto* run = app.add_subcommand("run", "SCF energy of one molecule (file or built-in name)");
  run->add_option("input", opt->input, "XYZ or QCSchema JSON file, or a built-in species name")->required();
  add_level_options(*run, opt->level);
  run->add_option("--guess", opt->guess, "sad or core")->capture_default_str();
  run->add_option("--charge", opt->charge, "total charge (overrides the file)")->check(integer_in(-1000, 1000));
  run->add_option("--multiplicity", opt->multiplicity, "spin multiplicity 2S+1 (overrides the file)")->check(integer_in(1, 1000));
  run->add_option("--threads", opt->threads, "OpenMP threads (0: all cores)")->capture_default_str()->check(integer_in(0, 1024));
  run->add_option("--json", opt->json_file, "write a QCSchema AtomicResult to this file");
  run->add_option("--molden", opt->molden_file, "write the orbitals in Molden format to this file");
  run->add_option("--cube", opt->cube_list, "cube files: density, esp, homo, lumo or orbital numbers, comma-separated");
  run->add_option("--cube-spacing", opt->cube_spacing, "cube grid spacing, Angstrom")->capture_default_str()->check(real_in(0.01, 2.0));
  run->add_option("--cube-padding", opt->cube_padding, "cube margin beyond the nuclei, Angstrom")->capture_default_str()->check(real_in(0.0, 50.0));
  run->add_option("--cube-prefix", opt->cube_prefix, "cube file names: PREFIX.KIND.cube (default: molecule name)");
  run->add_option("--descriptors", opt->descriptors, "all or a list of charges, frontier, dipole, surface, hirshfeld, chelpg, hydrophobicity "
                 "(SMD in water and 1-octanol: two more SCFs)")
      ->capture_default_str();
  run->add_flag("--surface", opt->surface, "ESP surface analysis (same as adding surface to --descriptors)");
  run->add_option("--surface-spacing", opt->surface_spacing, "surface analysis grid spacing, Bohr")->capture_default_str()->check(real_in(0.05, 1.0));
  run->add_option("--memory", opt->memory_mib, "in-core budget for integrals, then DFT grid values, MiB")
      ->capture_default_str()
      ->check(real_in(0, 16777216));
  run->add_option("--memory-limit", opt->memory_limit_mib,
                  "fail (exit 4) rather than exceed this much resident memory, MiB (0: no limit)")
      ->capture_default_str()
      ->check(real_in(0, 16777216));
  run->add_option("--scf-ladder", opt->scf_ladder,
                  "first convergence-ladder stage: 0 DIIS, 1 damping, 2 level shift 0.5, 3 level shift 1.5")
      ->capture_default_str()
      ->check(integer_in(0, 3));
  run->add_flag("--no-gas-phase", opt->no_gas_phase,
                "in a solvent, converge straight in the solvent (no gas-phase SCF first, so no dG_solv)");
  run->add_flag("--allow-unconverged", opt->allow_unconverged, "exit 0 even if the SCF does not converge");
  run->add_flag("--dry-run", opt->dry_run, "print the resolved settings and stop");
  run->add_flag("--quiet", opt->quiet, "no per-iteration log");
  return {run, [opt] { return run_command(*opt); }};
}

}  // namespace cagescreen::workflows
