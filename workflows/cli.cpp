#include "workflows/cli.hpp"

#include <omp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "descriptors/cube.hpp"
#include "descriptors/frontier.hpp"
#include "descriptors/chelpg.hpp"
#include "descriptors/hirshfeld.hpp"
#include "descriptors/molden.hpp"
#include "descriptors/population.hpp"
#include "descriptors/surface.hpp"
#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/generator.hpp"
#include "molecules/text.hpp"
#include "molecules/species.hpp"
#include "molecules/units.hpp"
#include "scf/integrals.hpp"
#include "scf/scf.hpp"
#include "scf/gradient.hpp"
#include "scf/xc.hpp"
#include "workflows/campaign.hpp"
#include "workflows/crystal_commands.hpp"
#include "workflows/generate_command.hpp"
#include "workflows/optimize_command.hpp"
#include "scf/xtb.hpp"
#include "workflows/qcschema.hpp"
#include "workflows/report.hpp"
#include "workflows/store.hpp"
#include "workflows/validate.hpp"

namespace cagescreen::workflows {
namespace {

struct RunOptions {
  std::string input;
  std::string method = "hf";
  std::string basis = "6-31g*";
  std::string shell_type = "auto";
  std::string reference = "auto";
  std::string guess = "sad";
  std::string grid = "default";
  std::optional<int> charge, multiplicity;
  int threads = 0;
  std::string json_file;
  std::string molden_file;
  std::string cube_list;        // comma-separated: density, esp, homo, lumo, or a 1-based orbital number
  double cube_spacing = 0.2;    // Angstrom
  double cube_padding = 4.0;    // Angstrom
  std::string cube_prefix;      // default: the molecule's name
  std::string descriptors = "charges,frontier,dipole";
  bool surface = false;         // adds "surface" to the descriptors
  double surface_spacing = 0.25;  // Bohr
  double e_convergence = 1e-8, d_convergence = 1e-6;
  int max_iterations = 100;
  double memory_mib = 2048;
  double memory_limit_mib = 0;  // 0: none
  int scf_ladder = 0;
  std::string scf_type = "auto";
  std::string fitting_basis;
  bool allow_unconverged = false;
  std::string preopt = "none";  // none or xtb: GFN2-xTB geometry before the SCF
  bool dry_run = false;
  bool quiet = false;
};

/// Thrown when a calculation cannot fit in --memory-limit (exit code 4).
struct OutOfMemory : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Resident memory of this process, MiB.
double resident_mib() {
  std::ifstream in("/proc/self/statm");
  long pages = 0, resident = 0;
  in >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

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

void print_summary(std::ostream& out, const scf::Wavefunction& wfn, const DescriptorSelection& sel,
                   const descriptors::EspSurface* surface, const std::vector<double>* hirshfeld,
                   const std::vector<double>* chelpg) {
  const auto fr = descriptors::frontier_orbitals(wfn);
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
  if (!wfn.dft.grid.empty())
    out << "   Exchange-correlation energy" << std::setw(22) << e.xc << " Eh\n";
  out << "   Total energy               " << std::setw(22) << e.total << " Eh\n";
  if (!wfn.dft.grid.empty())
    out << std::setprecision(6) << "   Grid " << wfn.dft.grid << ": " << wfn.dft.points << " points, "
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
  fit << std::setprecision(2) << "density fitting with " << wfn.fitting_basis << " (" << wfn.fitting_functions
      << " functions, built in " << wfn.fitting_seconds << " s)";
  out << "   Integrals: " << (wfn.scf_type == "df" ? fit.str() : std::string("four-index"))
      << ", " << (wfn.integral_bytes >> 20) << " MiB in memory" << (wfn.scf_type_note.empty() ? "" : " (" + wfn.scf_type_note + ")")
      << "\n";
  if (wfn.reference == scf::Reference::UHF)
    out << "   <S^2>                      " << std::setw(22) << std::setprecision(6) << wfn.s_squared() << "\n";

  auto orbitals = [&](const scf::SpinOrbitals& so, const char* label) {
    out << "\n   " << label << " orbital energies around the gap (Eh, eV):\n";
    const int n = so.n_occupied;
    const int lo = std::max(0, n - 5), hi = std::min<int>(static_cast<int>(so.energies.size()), n + 5);
    for (int i = lo; i < hi; ++i) {
      const char* tag = i == n - 1 ? "HOMO" : i == n ? "LUMO" : "";
      out << "   " << std::setw(5) << i + 1 << (i < n ? " occ " : " vir ") << std::setw(14)
          << std::setprecision(6) << so.energies(i) << std::setw(12) << std::setprecision(4)
          << so.energies(i) * units::hartree_in_ev << "  " << tag << "\n";
    }
  };
  if (wfn.reference == scf::Reference::RHF) {
    orbitals(wfn.alpha, "Occupied and virtual");
  } else {
    orbitals(wfn.alpha, "Alpha");
    orbitals(wfn.beta, "Beta");
  }
  if (sel.frontier) {
    out << std::setprecision(4) << "\n   HOMO " << fr.homo * units::hartree_in_ev << " eV";
    if (fr.has_lumo)
      out << "   LUMO " << fr.lumo * units::hartree_in_ev << " eV   gap " << fr.gap * units::hartree_in_ev
          << " eV";
    out << "\n";
  }
  const auto mp = descriptors::multipole_moments(wfn);
  if (sel.charges || hirshfeld || chelpg) {
    const auto pop = descriptors::population_analysis(wfn);
    const bool open = !pop.mulliken_spin.empty();
    out << "\n   Atomic charges (e)" << (open ? " and spin populations" : "") << ":\n"
        << "      #  atom    Mulliken      Lowdin" << (hirshfeld ? "   Hirshfeld" : "") << (chelpg ? "      CHELPG" : "")
        << (open ? "   Mulliken spin" : "") << "\n";
    for (std::size_t a = 0; a < wfn.molecule.atoms.size(); ++a) {
      out << "   " << std::setw(4) << a + 1 << "  " << std::left << std::setw(4)
          << molecules::element(wfn.molecule.atoms[a].Z).symbol << std::right << std::setprecision(5) << std::setw(12)
          << pop.mulliken[a] << std::setw(12) << pop.lowdin[a];
      if (hirshfeld) out << std::setw(12) << (*hirshfeld)[a];
      if (chelpg) out << std::setw(12) << (*chelpg)[a];
      if (open) out << std::setw(16) << pop.mulliken_spin[a];
      out << "\n";
    }
  }
  if (sel.dipole)
    out << std::setprecision(4) << "   Dipole moment " << mp.dipole_norm() * units::au_dipole_in_debye << " D  ("
        << mp.dipole[0] * units::au_dipole_in_debye << ", " << mp.dipole[1] * units::au_dipole_in_debye << ", "
        << mp.dipole[2] * units::au_dipole_in_debye << ") D about the centre of nuclear charge\n";
  if (surface) print_surface(out, *surface, wfn.molecule);
  if (fr.homo > 0)
    out << "\n   warning: the HOMO is above zero: the highest electrons are not bound in this isolated "
           "species (typical of gas-phase anions); treat its orbital energies with care\n";
  out << "\n" << std::setprecision(10) << "FINAL SINGLE POINT ENERGY " << e.total << "\n";
}

void write_failure(const std::string& path, const char* type, const std::string& message);

int run(const RunOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto functional = scf::Functional::from_name(opt.method);  // validates the name early
  molecules::Molecule mol = molecules::resolve_input(opt.input, opt.charge, opt.multiplicity);
  const std::string preopt = lower(opt.preopt);
  if (preopt != "none" && preopt != "xtb" && preopt != "dft" && preopt != "xtb+dft")
    throw InputError("--preopt '" + opt.preopt + "': use none, xtb, dft or xtb+dft");
  const bool optimize_here = preopt == "dft" || preopt == "xtb+dft";
  if (optimize_here)
    if (const std::string why = scf::gradient_unsupported(opt.method); !why.empty())
      throw InputError("--preopt " + preopt + ": " + why);
  scf::ScfSettings st;
  st.method = opt.method;
  st.grid = scf::parse_grid(opt.grid);
  st.reference = lower(opt.reference) == "auto" ? (mol.multiplicity == 1 ? scf::Reference::RHF : scf::Reference::UHF)
                                                : scf::parse_reference(lower(opt.reference));
  st.guess = scf::parse_guess(lower(opt.guess));
  st.e_convergence = opt.e_convergence;
  st.d_convergence = opt.d_convergence;
  st.max_iterations = opt.max_iterations;
  if (opt.scf_ladder < 0 || opt.scf_ladder > 3) throw InputError("--scf-ladder must be 0, 1, 2 or 3");
  st.ladder_start = opt.scf_ladder;
  st.scf_type = scf::parse_scf_type(lower(opt.scf_type));
  st.fitting_basis = opt.fitting_basis;
  if (!(opt.memory_mib >= 0 && opt.memory_mib <= 1 << 24))
    throw InputError("--memory " + std::to_string(opt.memory_mib) + " must be between 0 and 16777216 MiB");
  if (opt.threads < 0 || opt.threads > 1024)
    throw InputError("--threads " + std::to_string(opt.threads) + " must be between 0 (all cores) and 1024");
  st.memory_bytes = static_cast<std::size_t>(opt.memory_mib * 1024.0 * 1024.0);
  const int threads = opt.threads > 0 ? opt.threads : omp_get_max_threads();
  omp_set_num_threads(threads);
  st.threads = threads;
  // Everything that can be checked is checked before any optimisation: the basis (names, elements,
  // angular momentum, derivative limit), the memory limit, cube, descriptor and Molden requests.
  // The basis size does not depend on the geometry, so the working-set estimate holds after it;
  // the program's resident size is measured before libxtb or the gradient code allocate.
  const auto shell_type = scf::parse_shell_type(opt.shell_type);
  auto basis = scf::build_basis(mol, opt.basis, shell_type);
  scf::check_reference(mol, st.reference);
  if (optimize_here)
    if (const std::string why = scf::gradient_basis_unsupported(basis); !why.empty())
      throw InputError("--preopt " + preopt + ": " + why);
  if (opt.memory_limit_mib < 0) throw InputError("--memory-limit must not be negative");
  if (opt.memory_limit_mib > 0) {
    // Checked before the SCF: fail at once rather than after hours. The in-core budget shrinks to fit.
    const bool surface_asked = opt.surface || lower(opt.descriptors).find("surface") != std::string::npos ||
                               lower(opt.descriptors) == "all";
    const double program = resident_mib();
    const double working = working_set_mib(basis.nbf, st.reference == scf::Reference::UHF, threads, surface_asked);
    if (program + working > opt.memory_limit_mib) {
      std::ostringstream m;
      m << std::fixed << std::setprecision(0) << "needs about " << program + working << " MiB (" << program
        << " MiB program, " << working << " MiB working set for " << basis.nbf << " basis functions), over the memory limit of "
        << opt.memory_limit_mib << " MiB";
      throw OutOfMemory(m.str());
    }
    const double room = opt.memory_limit_mib - program - working;
    st.memory_bytes = std::min(st.memory_bytes, static_cast<std::size_t>(room * 1024.0 * 1024.0));
  }
  std::vector<std::string> cubes;
  {
    std::stringstream ss(opt.cube_list);
    std::string item;
    while (std::getline(ss, item, ',')) {
      item = lower(item);
      if (item.empty()) continue;
      const bool number = std::all_of(item.begin(), item.end(), ::isdigit);
      if (item != "density" && item != "esp" && item != "homo" && item != "lumo" && !(number && std::stoi(item) > 0))
        throw InputError("--cube: '" + item + "' must be density, esp, homo, lumo or a 1-based orbital number");
      cubes.push_back(item);
    }
    if (!cubes.empty() && !(opt.cube_spacing > 0 && opt.cube_padding >= 0))
      throw InputError("--cube-spacing must be positive and --cube-padding not negative");
  }
  auto selection = parse_descriptors(opt.descriptors);
  selection.surface = selection.surface || opt.surface;
  descriptors::SurfaceSettings surface_settings;
  surface_settings.spacing = opt.surface_spacing;
  surface_settings.threads = threads;
  if (!(opt.surface_spacing >= 0.05 && opt.surface_spacing <= 1.0))
    throw InputError("--surface-spacing must be between 0.05 and 1 Bohr");
  if (!opt.molden_file.empty() && basis.max_l > 4)
    throw InputError("--molden: Molden files hold shells up to g (L=4); basis '" + basis.name + "' has L=" +
                     std::to_string(basis.max_l));

  std::optional<Preoptimization> preoptimization;
  std::optional<ScfOptimization> optimization;
  try {
    if ((preopt == "xtb" || preopt == "xtb+dft") && !opt.dry_run) {
      std::cerr << "   pre-optimisation: GFN2-xTB (libxtb " << scf::xtb_version() << "), Gaussian's normal criteria\n";
      preoptimization = preoptimize_xtb(mol, scf::OptimizerSettings{}, opt.quiet ? nullptr : &std::cerr);
      std::cerr << std::fixed << std::setprecision(10) << "   GFN2-xTB energy " << preoptimization->energy
                << " Eh  gap " << std::setprecision(4) << preoptimization->gap_ev << " eV  "
                << (preoptimization->converged ? "converged" : "NOT converged (SCF at the last geometry)") << " after "
                << preoptimization->steps << " steps\n" << std::defaultfloat;
    }
    if (optimize_here && !opt.dry_run) {
      // The level's own method and basis, with analytic gradients; the final SCF and the
      // descriptors below run at the optimised geometry (with the level's scf_type).
      optimization = optimize_scf(mol, st, opt.basis, shell_type, scf::OptimizerSettings{},
                                  opt.quiet ? nullptr : &std::cerr);
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
  if (preoptimization || optimization) basis = scf::build_basis(mol, opt.basis, shell_type);

  std::cerr << "cagescreen " << version_string() << "  libint2 " << scf::libint_version() << "  threads "
            << threads << "\n";
  std::cerr << "   molecule " << mol.name << " " << mol.formula() << "  charge " << mol.charge
            << "  multiplicity " << mol.multiplicity << "  electrons " << mol.n_electrons() << "\n";
  std::cerr << "   method " << opt.method << "  reference " << scf::to_string(st.reference) << "  basis "
            << basis.name << " (" << scf::to_string(basis.shell_type) << ", " << basis.nbf
            << " functions, " << basis.shells.size() << " shells)\n";
  if (!functional.is_hf())
    std::cerr << "   functional " << functional.name << " (libxc " << scf::libxc_version() << ", exact exchange "
              << functional.exact_exchange << ")  grid " << st.grid.name << " (" << st.grid.radial << " x "
              << st.grid.angular << (st.grid.prune ? ", pruned" : "") << ")\n";
  std::cerr << "   guess " << scf::to_string(st.guess) << "  e_convergence " << st.e_convergence
            << "  d_convergence " << st.d_convergence << "  max_iterations " << st.max_iterations
            << "  memory " << opt.memory_mib << " MiB  scf_type " << scf::to_string(st.scf_type)
            << (st.fitting_basis.empty() ? "" : "  fitting basis " + st.fitting_basis) << "\n";
  if (opt.dry_run) return exit_ok;

  if (!opt.quiet) {
    std::cerr << "@iter        energy (Eh)           delta E      rms grad      max grad     s    step\n";
    st.on_iteration = [](const scf::IterationRecord& r) {
      char line[160];
      std::snprintf(line, sizeof line, "@iter %3d  %20.10f  %14.6e  %12.4e  %12.4e  %6.2f  %s\n", r.iteration,
                    r.energy, r.delta_e, r.rms_gradient, r.max_gradient, r.seconds, r.step.c_str());
      std::cerr << line;
    };
  }
  const auto wfn = scf::run_scf(mol, basis, st);

  RunInfo info;
  info.threads = threads;
  info.settings = st;
  info.descriptors = selection;
  info.surface_settings = surface_settings;
  if (preoptimization) info.preoptimization = &*preoptimization;
  if (optimization) info.optimization = &*optimization;
  std::optional<descriptors::EspSurface> surface;
  if (selection.surface && wfn.convergence.converged) {
    surface = descriptors::esp_surface(wfn, surface_settings);
    info.surface = &*surface;
  }
  std::vector<double> hirshfeld;
  if (selection.hirshfeld && wfn.convergence.converged) {
    hirshfeld = descriptors::hirshfeld_charges(wfn).charges;
    info.hirshfeld = &hirshfeld;
  }
  std::vector<double> chelpg;
  if (selection.chelpg && wfn.convergence.converged) {
    chelpg = descriptors::chelpg_charges(wfn, threads).charges;
    info.chelpg = &chelpg;
  }
  info.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    info.peak_memory_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;  // kB on Linux
  }
  if (!opt.json_file.empty()) {
    std::ofstream out(opt.json_file);
    if (!out) throw InputError(opt.json_file + ": cannot write JSON output");
    out << atomic_result(wfn, info).dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  if (!opt.molden_file.empty()) descriptors::write_molden(wfn, opt.molden_file);
  if (!cubes.empty()) {
    descriptors::Cube c;
    c.grid = descriptors::CubeGrid::around(wfn.molecule, opt.cube_spacing * units::angstrom_in_bohr,
                                           opt.cube_padding * units::angstrom_in_bohr);
    c.atoms = wfn.molecule.atoms;
    const auto points = c.grid.points();
    const std::string prefix = opt.cube_prefix.empty() ? (mol.name.empty() ? "cagescreen" : mol.name) : opt.cube_prefix;
    for (const auto& kind : cubes) {
      c.comment1 = wfn.molecule.name + " " + wfn.method + "/" + wfn.basis.name + ": " + kind + " (cagescreen)";
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
          const auto fr = descriptors::frontier_orbitals(wfn);
          spin = kind == "homo" ? fr.homo_spin : fr.lumo_spin;
          index = kind == "homo" ? fr.homo_index : fr.lumo_index;
          if (index < 0) throw InputError("--cube " + kind + ": this calculation has no such orbital");
        } else {
          index = std::stoi(kind) - 1;
        }
        c.comment2 = std::string("orbital ") + std::to_string(index + 1) + (spin ? " beta" : " alpha") +
                     ", bohr^-3/2";
        c.values = descriptors::orbital_at(wfn, spin, index, points);
      }
      const auto path = prefix + "." + kind + ".cube";
      descriptors::write_cube(path, c);
      std::cerr << "cagescreen: wrote " << path << " (" << c.grid.n[0] << " x " << c.grid.n[1] << " x " << c.grid.n[2]
                << " points)\n";
    }
  }
  print_summary(std::cout, wfn, selection, info.surface, info.hirshfeld, info.chelpg);
  if (!wfn.convergence.converged) {
    std::ostringstream msg;
    msg << "SCF not converged after " << wfn.convergence.iterations << " iterations; last iterations:";
    const auto& h = wfn.convergence.history;
    for (size_t i = h.size() > 3 ? h.size() - 3 : 0; i < h.size(); ++i)
      msg << " [" << h[i].iteration << ": E=" << std::setprecision(10) << h[i].energy << " dE=" << std::scientific
          << std::setprecision(2) << h[i].delta_e << " grad=" << h[i].rms_gradient << std::fixed << "]";
    if (opt.allow_unconverged) {
      std::cerr << "warning: " << msg.str() << " (continuing: --allow-unconverged)\n";
    } else {
      throw NotConverged(msg.str());
    }
  }
  std::cerr << "cagescreen: normal termination, wall time " << std::fixed << std::setprecision(2)
            << info.wall_seconds << " s, peak memory " << std::setprecision(0) << info.peak_memory_mib << " MiB\n";
  return exit_ok;
}

int list_species() {
  std::cout << std::left << std::setw(14) << "name" << std::setw(12) << "formula" << std::setw(8) << "charge"
            << std::setw(14) << "multiplicity"
            << "description\n";
  for (const auto& s : molecules::builtin_species()) {
    const auto mol = molecules::load_species(s);
    std::cout << std::left << std::setw(14) << s.name << std::setw(12) << mol.formula() << std::setw(8)
              << mol.charge << std::setw(14) << mol.multiplicity << s.description << "\n";
  }
  return exit_ok;
}

int list_functionals() {
  for (const auto& [name, description] : scf::Functional::builtin())
    std::cout << std::left << std::setw(12) << name << description << "\n";
  return exit_ok;
}

int list_basis_sets() {
  for (const auto& n : scf::available_basis_sets()) std::cout << n << "\n";
  return exit_ok;
}

int show_results(const std::string& folder, const std::string& format, const std::string& where,
                 const std::string& level) {
  const std::string fmt = lower(format);
  if (fmt != "table" && fmt != "csv" && fmt != "json")
    throw InputError("--format '" + format + "': use table, csv or json");
  const std::filesystem::path path = std::filesystem::is_directory(folder)
                                         ? std::filesystem::path(folder) / "results.sqlite"
                                         : std::filesystem::path(folder);
  const Store store(path, false, true);
  const auto rows = store.rows(level, where);
  if (fmt == "csv") std::cout << rows_csv(rows);
  else if (fmt == "json") std::cout << rows_json(rows).dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  else print_rows(std::cout, rows);
  return exit_ok;
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

}  // namespace

int main_cli(int argc, char** argv) {
  CLI::App app{"cagescreen: quantum-chemical screening of cage clusters"};
  app.set_version_flag("--version", version_string());
  app.require_subcommand(1);

  RunOptions opt;
  auto* run_cmd = app.add_subcommand("run", "SCF energy of one molecule (file or built-in name)");
  run_cmd->add_option("input", opt.input, "XYZ or QCSchema JSON file, or a built-in species name")->required();
  run_cmd->add_option("--method", opt.method, "hf or a functional (cagescreen functionals)")->capture_default_str();
  run_cmd->add_option("--grid", opt.grid, "DFT grid: coarse, default, fine, ultrafine or R,A")->capture_default_str();
  run_cmd->add_option("--basis", opt.basis, "basis set name or .gbs file")->capture_default_str();
  run_cmd->add_option("--shell-type", opt.shell_type, "auto, spherical, cartesian or 6d7f")->capture_default_str();
  run_cmd->add_option("--reference", opt.reference, "auto (rhf for singlets, else uhf), rhf or uhf")
      ->capture_default_str();
  run_cmd->add_option("--guess", opt.guess, "sad or core")->capture_default_str();
  run_cmd->add_option("--charge", opt.charge, "total charge (overrides the file)");
  run_cmd->add_option("--multiplicity", opt.multiplicity, "spin multiplicity 2S+1 (overrides the file)");
  run_cmd->add_option("--threads", opt.threads, "OpenMP threads (0: all cores)")->capture_default_str();
  run_cmd->add_option("--json", opt.json_file, "write a QCSchema AtomicResult to this file");
  run_cmd->add_option("--molden", opt.molden_file, "write the orbitals in Molden format to this file");
  run_cmd->add_option("--cube", opt.cube_list, "cube files: density, esp, homo, lumo or orbital numbers, comma-separated");
  run_cmd->add_option("--cube-spacing", opt.cube_spacing, "cube grid spacing, Angstrom")->capture_default_str();
  run_cmd->add_option("--cube-padding", opt.cube_padding, "cube margin beyond the nuclei, Angstrom")->capture_default_str();
  run_cmd->add_option("--cube-prefix", opt.cube_prefix, "cube file names: PREFIX.KIND.cube (default: molecule name)");
  run_cmd->add_option("--descriptors", opt.descriptors, "all or a list of charges, frontier, dipole, surface, hirshfeld, chelpg")
      ->capture_default_str();
  run_cmd->add_flag("--surface", opt.surface, "ESP surface analysis (same as adding surface to --descriptors)");
  run_cmd->add_option("--surface-spacing", opt.surface_spacing, "surface analysis grid spacing, Bohr")
      ->capture_default_str();
  run_cmd->add_option("--e-convergence", opt.e_convergence, "energy change threshold, Eh")->capture_default_str();
  run_cmd->add_option("--d-convergence", opt.d_convergence, "RMS orbital gradient threshold")
      ->capture_default_str();
  run_cmd->add_option("--max-iterations", opt.max_iterations, "SCF iteration limit")->capture_default_str();
  run_cmd->add_option("--scf-type", opt.scf_type,
                      "auto (df for DFT, conv for HF), df (density fitting) or conv (four-index integrals)")
      ->capture_default_str();
  run_cmd->add_option("--fitting-basis", opt.fitting_basis,
                      "auxiliary basis for df (default def2-universal-jkfit)");
  run_cmd->add_option("--memory", opt.memory_mib, "in-core budget for integrals, then DFT grid values, MiB")->capture_default_str();
  run_cmd->add_option("--memory-limit", opt.memory_limit_mib,
                      "fail (exit 4) rather than exceed this much resident memory, MiB (0: no limit)")
      ->capture_default_str();
  run_cmd->add_option("--scf-ladder", opt.scf_ladder,
                      "first convergence-ladder stage: 0 DIIS, 1 damping, 2 level shift 0.5, 3 level shift 1.5")
      ->capture_default_str();
  run_cmd->add_flag("--allow-unconverged", opt.allow_unconverged, "exit 0 even if the SCF does not converge");
  run_cmd->add_option("--preopt", opt.preopt, "none, xtb (GFN2-xTB), dft (this method and basis, analytic gradients) or xtb+dft: optimise the geometry before the SCF")
      ->capture_default_str();
  run_cmd->add_flag("--dry-run", opt.dry_run, "print the resolved settings and stop");
  run_cmd->add_flag("--quiet", opt.quiet, "no per-iteration log");

  std::string manifest_file;
  ScreenOptions screen_opt;
  auto* screen_cmd = app.add_subcommand("screen", "run a screening campaign from a TOML manifest (docs/campaigns.md)");
  screen_cmd->add_option("manifest", manifest_file, "campaign manifest (TOML)")->required();
  screen_cmd->add_option("--jobs", screen_opt.jobs, "candidates at a time (0: one per core)")->capture_default_str();
  screen_cmd->add_option("--threads-per-job", screen_opt.threads_per_job,
                         "OpenMP threads per candidate (0: the cores shared among running jobs)")
      ->capture_default_str();
  screen_cmd->add_flag("--resume", screen_opt.resume, "continue: skip candidates already done with the same inputs");
  screen_cmd->add_flag("--retry-failed", screen_opt.retry_failed, "with --resume: run failed candidates again");
  screen_cmd->add_option("--output", screen_opt.output, "output folder (overrides the manifest's 'output')");

  std::string results_folder, results_format = "table", results_where, results_level;
  auto* results_cmd = app.add_subcommand("results", "print or export a campaign's results store");
  results_cmd->add_option("folder", results_folder, "campaign output folder (or its results.sqlite)")->required();
  results_cmd->add_option("--format", results_format, "table, csv or json")->capture_default_str();
  results_cmd->add_option("--where", results_where, "SQL condition on the columns, e.g. \"status = 'done' AND gap_ev > 7\"");
  results_cmd->add_option("--level", results_level, "only this level of theory (e.g. b3lyp/6-31g*/grid=default)");

  std::string validate_set;
  ValidateOptions validate_opt;
  auto* validate_cmd = app.add_subcommand("validate", "reproduce a reference set of published values (docs/validation.md)");
  validate_cmd->add_option("set", validate_set, "a shipped set (qm9-sample, seed-paper, psi4-crosscheck) or a folder")
      ->required();
  validate_cmd->add_option("--method", validate_opt.method, "run at this method instead of the set's own (not like for like)");
  validate_cmd->add_option("--basis", validate_opt.basis, "run with this basis set instead of the set's own");
  validate_cmd->add_option("--grid", validate_opt.grid, "run on this DFT grid instead of the set's own");
  validate_cmd->add_option("--jobs", validate_opt.jobs, "molecules at a time (0: one per core)")->capture_default_str();
  validate_cmd->add_option("--threads-per-job", validate_opt.threads_per_job, "OpenMP threads per molecule (0: shared)")
      ->capture_default_str();
  validate_cmd->add_option("--output", validate_opt.output, "output folder (default: validation/SET)");

  CrystalCommand crystal_cmd;
  auto* crystal_sub = app.add_subcommand("crystal", "space group, Wyckoff positions and site symmetries of a crystal (spglib)");
  crystal_sub->add_option("crystal", crystal_cmd.input, "CIF or POSCAR file, or a built-in crystal name");
  crystal_sub->add_flag("--list", crystal_cmd.list, "list the built-in crystals");
  crystal_sub->add_option("--symprec", crystal_cmd.symprec_angstrom, "symmetry tolerance, Angstrom")->capture_default_str();
  crystal_sub->add_option("--json", crystal_cmd.json_file, "write the symmetry report as JSON");
  crystal_sub->add_option("--primitive", crystal_cmd.primitive_file, "write spglib's primitive cell (POSCAR)");
  crystal_sub->add_option("--conventional", crystal_cmd.conventional_file,
                          "write spglib's conventional standard cell (POSCAR)");

  std::string cluster_input, cluster_output, cluster_terminate = "none";
  molecules::ClusterOptions cluster_opt;
  auto* cluster_sub = app.add_subcommand("cluster", "cut a cluster of whole units from a crystal (docs/crystals.md)");
  cluster_sub->add_option("crystal", cluster_input, "CIF or POSCAR file, or a built-in crystal name")->required();
  cluster_sub->add_option("--center", cluster_opt.center,
                          "atom number, site label, Wyckoff position, element, or fractional x,y,z (default: the first metal atom)");
  cluster_sub->add_option("--radius", cluster_opt.radius_angstrom, "radius around the centre, Angstrom")
      ->capture_default_str();
  cluster_sub->add_flag("--stoichiometric", cluster_opt.stoichiometric,
                        "add or remove whole units nearest the sphere until the formal charge is --charge (default 0)");
  cluster_sub->add_option("--charge", cluster_opt.charge, "total charge of the cluster (default: its formal charge)");
  cluster_sub->add_option("--terminate", cluster_terminate, "cap dangling bonds: none, h, oh or pseudo")->capture_default_str();
  cluster_sub->add_option("--symprec", cluster_opt.symprec_angstrom, "symmetry tolerance, Angstrom")->capture_default_str();
  cluster_sub->add_option("--output,-o", cluster_output, "XYZ file to write (default: standard output)");

  GenerateCommand generate_cmd;
  std::string generate_count = "1";
  auto* generate_sub = app.add_subcommand(
      "generate", "cage derivatives from a notation (o-carborane:9,12-F2) or all symmetry-distinct ones (docs/generator.md)");
  generate_sub->add_option("input", generate_cmd.inputs, "cages or derivatives, e.g. o-carborane or m-carborane:1-CH3");
  generate_sub->add_option("--substituents,-s", generate_cmd.substituents,
                           "enumerate derivatives with these groups (comma-separated: F,Cl,Br,CH3,CF3,OH,NH2,CN,SH,C6H5)")
      ->delimiter(',');
  generate_sub->add_option("--count", generate_count, "groups per derivative when enumerating: N or MIN-MAX")
      ->capture_default_str();
  generate_sub->add_option("--sites", generate_cmd.sites, "vertices to substitute: all, boron or carbon")->capture_default_str();
  generate_sub->add_option("--output,-o", generate_cmd.output, "folder for one XYZ file per derivative");
  generate_sub->add_flag("--cages", generate_cmd.list_cages, "list the cage templates");

  OptimizeCommand optimize_cmd;
  auto* optimize_sub =
      app.add_subcommand("optimize", "geometry optimisation with GFN2-xTB, HF or DFT (docs/optimize.md)");
  optimize_sub->add_option("input", optimize_cmd.input, "XYZ or QCSchema JSON file, built-in species or cage derivative")
      ->required();
  optimize_sub->add_option("--method", optimize_cmd.method, "gfn2-xtb, hf or a functional (LDA, GGA, global hybrid)")
      ->capture_default_str();
  optimize_sub->add_option("--basis", optimize_cmd.basis, "basis set of HF/DFT (cagescreen basis lists them)")
      ->capture_default_str();
  optimize_sub->add_option("--shell-type", optimize_cmd.shell_type, "auto, spherical, cartesian or 6d7f")
      ->capture_default_str();
  optimize_sub->add_option("--reference", optimize_cmd.reference, "auto, rhf or uhf")->capture_default_str();
  optimize_sub->add_option("--grid", optimize_cmd.grid, "DFT grid: coarse, default, fine, ultrafine or R,A")
      ->capture_default_str();
  optimize_sub->add_option("--preopt", optimize_cmd.preopt, "none or xtb: GFN2-xTB before HF/DFT")
      ->capture_default_str();
  optimize_sub->add_option("--charge", optimize_cmd.charge, "total charge (overrides the file)");
  optimize_sub->add_option("--multiplicity", optimize_cmd.multiplicity, "spin multiplicity 2S+1 (overrides the file)");
  optimize_sub->add_option("--max-steps", optimize_cmd.max_steps, "optimisation step limit")->capture_default_str();
  optimize_sub->add_option("--convergence", optimize_cmd.convergence, "normal, tight or verytight (Gaussian's criteria)")
      ->capture_default_str();
  optimize_sub->add_option("--output,-o", optimize_cmd.output, "XYZ file of the final geometry (default NAME.opt.xyz)");
  optimize_sub->add_option("--trajectory", optimize_cmd.trajectory, "multi-frame XYZ of every step (default NAME.trj.xyz)");
  optimize_sub->add_option("--threads", optimize_cmd.threads, "OpenMP threads (0: all cores)")->capture_default_str();

  app.add_subcommand("species", "list the built-in species");
  app.add_subcommand("basis", "list the shipped basis sets");
  app.add_subcommand("functionals", "list the exchange-correlation functionals");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "cagescreen: error: " << e.what() << " (try --help)\n";
    return exit_bad_input;
  }

  try {
    if (app.got_subcommand("species")) return list_species();
    if (app.got_subcommand("basis")) return list_basis_sets();
    if (app.got_subcommand("functionals")) return list_functionals();
    if (app.got_subcommand("screen")) return screen(read_manifest(manifest_file), screen_opt);
    if (app.got_subcommand("validate")) {
      for (auto* s : {&validate_opt.method, &validate_opt.basis, &validate_opt.grid}) *s = lower(*s);
      return validate(load_reference_set(validate_set), validate_opt);
    }
    if (app.got_subcommand("crystal")) return crystal_command(crystal_cmd);
    if (app.got_subcommand("optimize")) return optimize_command(optimize_cmd);
    if (app.got_subcommand("generate")) {
      const auto range = molecules::parse_count_range(generate_count);
      if (!range) throw InputError("--count '" + generate_count + "': use N or MIN-MAX, e.g. 1-2");
      std::tie(generate_cmd.min_count, generate_cmd.max_count) = *range;
      return generate_command(generate_cmd);
    }
    if (app.got_subcommand("cluster")) {
      const auto t = molecules::parse_termination(lower(cluster_terminate));
      if (!t) throw InputError("--terminate '" + cluster_terminate + "': use none, h, oh or pseudo");
      cluster_opt.terminate = *t;
      return cluster_command(cluster_input, cluster_opt, cluster_output);
    }
    if (app.got_subcommand("results")) return show_results(results_folder, results_format, results_where, results_level);
    return run(opt);
  } catch (const InputError& e) {
    write_failure(opt.json_file, "input_error", e.what());
    std::cerr << "cagescreen: error: " << e.what() << "\n";
    return exit_bad_input;
  } catch (const NotConverged& e) {
    std::cerr << "cagescreen: error: " << e.what() << "\n";
    return exit_not_converged;
  } catch (const OutOfMemory& e) {
    write_failure(opt.json_file, "memory_error", e.what());
    std::cerr << "cagescreen: error: out of memory: " << e.what() << "\n";
    return exit_out_of_memory;
  } catch (const std::bad_alloc&) {
    write_failure(opt.json_file, "memory_error", "memory allocation failed");
    std::cerr << "cagescreen: error: out of memory: a memory allocation failed\n";
    return exit_out_of_memory;
  } catch (const std::exception& e) {
    write_failure(opt.json_file, "internal_error", e.what());
    std::cerr << "cagescreen: internal error: " << e.what() << "\n";
    return exit_failure;
  }
}

}  // namespace cagescreen::workflows
