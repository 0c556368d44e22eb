// `cagescreen redox`: ionisation energy, electron affinity and redox potentials of one molecule by
// ΔSCF in the gas phase or a continuum solvent (docs/redox.md).
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/parse.hpp"
#include "molecules/species.hpp"
#include "molecules/text.hpp"
#include "molecules/units.hpp"
#include "scf/basis.hpp"
#include "scf/gradient.hpp"
#include "workflows/commands/command.hpp"
#include "workflows/exit_codes.hpp"
#include "workflows/optimization.hpp"
#include "workflows/output_paths.hpp"
#include "workflows/qcschema.hpp"
#include "workflows/redox.hpp"
#include "workflows/validators.hpp"

namespace cagescreen::workflows {

namespace {

struct RedoxOptions {
  std::string input;
  LevelOfTheory level = [] {
    LevelOfTheory l;
    l.method = "b3lyp";
    return l;
  }();
  std::optional<int> charge, multiplicity;
  bool adiabatic = false;
  std::string thermal = "none";
  double temperature = 298.15;
  bool no_gas_phase = false;
  std::string relax = "xtb+dft";
  std::string processes = "both";
  std::string she = "4.44";
  std::string window = "-0.76,1.8";
  double ph = 7.0;
  int threads = 0;
  std::string json_file;
  bool quiet = false;
  bool verbose = false;
};

/// --she: iupac (4.44 V), 4.44, 4.28 or another value between 4.0 and 5.0 V.
double parse_she(const std::string& text) {
  const std::string t = lower(text);
  if (t == "iupac") return electrode::she_absolute_iupac;
  const auto v = parse_real(t);
  if (!v || !(*v >= 4.0 && *v <= 5.0))
    throw InputError("--she " + in_quotes(text) + ": the absolute SHE potential in V, 4.44 (IUPAC), 4.28 or a value in [4, 5]");
  return *v;
}

/// --window LOW,HIGH in V vs SHE, LOW < HIGH.
std::pair<double, double> parse_window(const std::string& text) {
  const auto comma = text.find(',');
  const auto lo = comma == std::string::npos ? std::nullopt : parse_real(text.substr(0, comma));
  const auto hi = comma == std::string::npos ? std::nullopt : parse_real(text.substr(comma + 1));
  if (!lo || !hi || !(*lo < *hi) || std::abs(*lo) > 10 || std::abs(*hi) > 10)
    throw InputError("--window " + in_quotes(text) + ": give LOW,HIGH in V vs SHE with LOW < HIGH, e.g. -0.76,1.8");
  return {*lo, *hi};
}

std::string signed_charge(int q) { return q > 0 ? "+" + std::to_string(q) : std::to_string(q); }

void print_states(std::ostream& out, const RedoxResult& r) {
  out << "   " << std::left << std::setw(8) << "state" << std::right << std::setw(6) << "charge" << std::setw(6) << "mult"
      << "  " << std::left << std::setw(6) << "ref" << std::setw(8) << "<S^2>" << std::setw(36) << "geometry"
      << std::right << std::setw(19) << "E(gas) / Eh";
  if (r.solvated) out << std::setw(23) << "E(solution) / Eh";
  out << "   stability\n";
  for (const auto& s : r.states) {
    std::ostringstream s2;
    if (s.reference == scf::Reference::UHF) s2 << std::fixed << std::setprecision(4) << s.s_squared;
    else s2 << "-";
    const auto& st = s.stability;
    const std::string stab = st.mode == scf::StabilityMode::Off ? "not checked"
                             : !st.checked                      ? "unchecked"
                             : st.stable                        ? "stable"
                                                                : "UNSTABLE";
    out << "   " << std::left << std::setw(8) << s.label << std::right << std::setw(6) << signed_charge(s.charge)
        << std::setw(6) << s.multiplicity << "  " << std::left << std::setw(6) << scf::to_string(s.reference)
        << std::setw(8) << s2.str() << std::setw(36) << s.geometry << std::right << std::fixed << std::setprecision(10)
        << std::setw(19);
    if (std::isnan(s.gas_energy)) out << "-";
    else out << s.gas_energy;
    if (r.solvated) out << std::setw(23) << s.energy;
    out << "   " << stab << "\n";
  }
  bool header = false;
  for (const auto& s : r.states) {
    if (!s.thermal) continue;
    const auto& t = *s.thermal;
    if (!header)
      out << "\n   RRHO at " << std::setprecision(2) << t.temperature << " K, 1 atm:  state    ZPE / Eh   H - E / Eh"
          << "   S / (cal/mol/K)   G - E / Eh   sigma  imaginary\n";
    header = true;
    out << "   " << std::setw(35) << s.label << std::setprecision(6) << std::setw(12) << t.zpe << std::setw(13)
        << t.enthalpy << std::setprecision(3) << std::setw(18)
        << t.entropy * units::hartree_in_kcal_per_mol * 1000.0 << std::setprecision(6) << std::setw(13) << t.gibbs
        << std::setw(7) << t.symmetry_number << std::setw(11) << (s.vibrations ? s.vibrations->imaginary : 0) << "\n";
  }
}

void print_potentials(std::ostream& out, const RedoxResult& r, std::pair<double, double> window, double ph) {
  const double ev = units::hartree_in_ev;
  auto line = [&](const char* name, double gas, double sol) {
    if (std::isnan(gas) && std::isnan(sol)) return;
    out << "   " << std::left << std::setw(32) << name << std::right << std::fixed << std::setprecision(3);
    if (!std::isnan(gas)) out << "gas " << std::setw(8) << gas * ev << " eV";
    if (!std::isnan(sol)) out << (std::isnan(gas) ? "" : "   ") << (r.solvated ? r.solvent : std::string("gas")) << " "
                              << std::setw(8) << sol * ev << " eV";
    out << "\n";
  };
  out << "\n";
  line("Vertical ionisation energy", r.ip_vertical_gas, r.ip_vertical_solution);
  line("Vertical electron affinity", r.ea_vertical_gas, r.ea_vertical_solution);
  const bool thermal = std::any_of(r.states.begin(), r.states.end(), [](const RedoxState& s) { return s.thermal.has_value(); });
  line(thermal ? "Adiabatic IP (free energy)" : "Adiabatic ionisation energy", RedoxResult::none, r.ip_adiabatic);
  line(thermal ? "Adiabatic EA (free energy)" : "Adiabatic electron affinity", RedoxResult::none,
       r.ea_adiabatic);
  out << "\n   Potentials (" << r.potentials_from << "; absolute SHE " << std::setprecision(2) << r.she_absolute
      << " V), V:\n"
      << "                    vs SHE  vs Zn2+/Zn   vs Li+/Li\n";
  auto pot = [&](const char* name, double e) {
    if (std::isnan(e)) return;
    out << "   " << std::left << std::setw(14) << name << std::right << std::setprecision(3) << std::setw(9) << e
        << std::setw(12) << e - electrode::zn_vs_she << std::setw(12) << e - electrode::li_vs_she << "\n";
  };
  pot("E_ox", r.oxidation_potential);
  pot("E_red", r.reduction_potential);
  if (!std::isnan(r.window())) out << "   " << std::left << std::setw(14) << "window" << std::right << std::setw(9)
                                   << r.window() << "\n";
  const auto v = judge(r, window.first, window.second);
  out << std::setprecision(2) << "\n   Window " << window.first << " .. " << window.second << " V vs SHE: "
      << (v.stable() ? "stable" : "NOT stable");
  if (!std::isnan(v.reduction_margin))
    out << " (reduction " << (v.reduction_stable ? "" : "at ") << std::showpos << v.reduction_margin << std::noshowpos
        << " V " << (v.reduction_stable ? "below the low end" : "above it: reduced");
  if (!std::isnan(v.oxidation_margin))
    out << (std::isnan(v.reduction_margin) ? " (" : "; ") << "oxidation " << std::showpos << v.oxidation_margin
        << std::noshowpos << " V " << (v.oxidation_stable ? "above the high end" : "below it: oxidised");
  out << (std::isnan(v.reduction_margin) && std::isnan(v.oxidation_margin) ? "" : ")") << "\n";
  const double h2 = electrode::h2_evolution(ph), o2 = electrode::o2_evolution(ph);
  const auto w = judge(r, h2, o2);
  out << "   Water at pH " << ph << ": H2 evolution " << h2 << " V, O2 evolution " << o2 << " V vs SHE: "
      << (w.stable() ? "the molecule is stable inside water's window"
                     : !w.reduction_stable && !w.oxidation_stable ? "reduced and oxidised inside water's window"
                     : !w.reduction_stable                        ? "reduced before water is"
                                                                  : "oxidised before water is")
      << "\n";
}

nlohmann::json redox_json(const RedoxResult& r, const LevelOfTheory& level, std::pair<double, double> window, double ph) {
  using nlohmann::json;
  auto number = [](double x) { return std::isnan(x) ? json(nullptr) : json(x); };
  const double ev = units::hartree_in_ev;
  json states = json::array();
  for (const auto& s : r.states) {
    json atoms = json::array();
    for (const auto& a : s.molecule.atoms)
      atoms.push_back({molecules::element(a.Z).symbol, a.r[0], a.r[1], a.r[2]});
    states.push_back({{"label", s.label},
                      {"molecular_charge", s.charge},
                      {"molecular_multiplicity", s.multiplicity},
                      {"reference", scf::to_string(s.reference)},
                      {"geometry_source", s.geometry},
                      {"relaxed", s.relaxed},
                      {"atoms_bohr", atoms},
                      {"energy", number(s.energy)},
                      {"gas_energy", number(s.gas_energy)},
                      {"s_squared", s.reference == scf::Reference::UHF ? json(s.s_squared) : json(nullptr)},
                      {"stability_checked", s.stability.checked},
                      {"stable", s.stability.checked ? json(s.stability.stable) : json(nullptr)},
                      {"stability_lowest_eh", number(s.stability.lowest())},
                      {"scf_iterations", s.iterations},
                      {"seconds", s.seconds}});
    if (s.thermal) {
      const auto& t = *s.thermal;
      states.back()["thermal"] = {{"temperature_k", t.temperature},
                                  {"pressure_pa", t.pressure},
                                  {"symmetry_number", t.symmetry_number},
                                  {"zpe_eh", t.zpe},
                                  {"thermal_energy_eh", t.thermal_energy},
                                  {"enthalpy_correction_eh", t.enthalpy},
                                  {"entropy_eh_per_k", t.entropy},
                                  {"gibbs_correction_eh", t.gibbs},
                                  {"imaginary_modes", s.vibrations ? s.vibrations->imaginary : 0},
                                  {"wavenumbers_cm", s.vibrations ? json(s.vibrations->wavenumbers) : json::array()}};
    }
  }
  const auto v = judge(r, window.first, window.second);
  return {{"schema_name", "cagescreen_redox"},
          {"schema_version", 1},
          {"provenance", {{"creator", "cagescreen"}, {"version", version_string()}}},
          {"model", {{"method", level.method}, {"basis", level.basis}}},
          {"solvent", r.solvated ? json(r.solvent) : json(nullptr)},
          {"states", states},
          {"energies_ev",
           {{"ip_vertical_gas", number(r.ip_vertical_gas * ev)},
            {"ea_vertical_gas", number(r.ea_vertical_gas * ev)},
            {"ip_vertical_solution", number(r.ip_vertical_solution * ev)},
            {"ea_vertical_solution", number(r.ea_vertical_solution * ev)},
            {"ip_adiabatic", number(r.ip_adiabatic * ev)},
            {"ea_adiabatic", number(r.ea_adiabatic * ev)}}},
          {"potentials",
           {{"from", r.potentials_from},
            {"she_absolute_v", r.she_absolute},
            {"oxidation_potential_v_she", number(r.oxidation_potential)},
            {"reduction_potential_v_she", number(r.reduction_potential)},
            {"oxidation_potential_v_zn", number(r.oxidation_potential - electrode::zn_vs_she)},
            {"reduction_potential_v_zn", number(r.reduction_potential - electrode::zn_vs_she)},
            {"oxidation_potential_v_li", number(r.oxidation_potential - electrode::li_vs_she)},
            {"reduction_potential_v_li", number(r.reduction_potential - electrode::li_vs_she)},
            {"electrochemical_window_v", number(r.window())}}},
          {"verdict",
           {{"window_v_she", {window.first, window.second}},
            {"stable", v.stable()},
            {"reduction_margin_v", number(v.reduction_margin)},
            {"oxidation_margin_v", number(v.oxidation_margin)},
            {"ph", ph},
            {"h2_evolution_v_she", electrode::h2_evolution(ph)},
            {"o2_evolution_v_she", electrode::o2_evolution(ph)}}},
          {"seconds", r.seconds}};
}

int redox_command(const RedoxOptions& opt) {
  const double she = parse_she(opt.she);
  const auto window = parse_window(opt.window);
  if (!(opt.ph >= 0 && opt.ph <= 14)) throw InputError("--ph must be between 0 and 14");
  RedoxSettings rs;
  rs.she_absolute = she;
  const std::string processes = lower(opt.processes);
  if (processes != "both" && processes != "oxidation" && processes != "reduction")
    throw InputError("--processes " + in_quotes(opt.processes) + ": use both, oxidation or reduction");
  rs.oxidation = processes != "reduction";
  rs.reduction = processes != "oxidation";
  rs.adiabatic = opt.adiabatic;
  const std::string thermal = lower(opt.thermal);
  if (thermal != "none" && thermal != "xtb" && thermal != "scf")
    throw InputError("--thermal " + in_quotes(opt.thermal) + ": use none, xtb or scf");
  rs.thermal = thermal == "xtb"   ? RedoxSettings::Thermal::Xtb
               : thermal == "scf" ? RedoxSettings::Thermal::Scf
                                  : RedoxSettings::Thermal::None;
  rs.temperature = opt.temperature;  // (compute_redox checks --thermal against --adiabatic and the method)
  rs.gas_phase = !opt.no_gas_phase;
  const auto relax = parse_preopt(lower(opt.relax));
  if (!relax || (!relax->xtb && !relax->scf))
    throw InputError("--relax " + in_quotes(opt.relax) + ": use xtb, dft or xtb+dft");
  rs.relax = *relax;
  check_level(opt.level);
  const auto preopt = *parse_preopt(lower(opt.level.optimize));
  if (rs.adiabatic && rs.relax.scf)
    if (const std::string why = scf::gradient_unsupported(scf::Functional::from_name(opt.level.method), opt.level.method);
        !why.empty())
      throw InputError("--relax " + opt.relax + ": " + why);
  molecules::Molecule mol = molecules::resolve_input(opt.input, opt.charge, opt.multiplicity);
  molecules::check_distances(mol, opt.input);
  scf::ScfSettings st = scf_settings(opt.level, mol);
  const int threads = opt.threads > 0 ? opt.threads : omp_get_max_threads();
  omp_set_num_threads(threads);
  st.threads = threads;
  rs.threads = threads;
  scf::check_settings(mol, st);
  const auto basis = scf::build_basis(mol, opt.level.basis, scf::parse_shell_type(opt.level.shell_type));
  if ((rs.adiabatic && rs.relax.scf) || preopt.scf)
    if (const std::string why = scf::gradient_basis_unsupported(basis); !why.empty()) throw InputError("--relax: " + why);
  check_output_file(opt.json_file, "--json");
  if (!opt.quiet) rs.log = &std::cerr;
  if (opt.verbose)
    rs.on_iteration = [](const scf::IterationRecord& r) {
      char line[160];
      std::snprintf(line, sizeof line, "@iter %3d  %20.10f  %14.6e  %12.4e  %12.4e  %6.2f  %s\n", r.iteration,
                    r.energy, r.delta_e, r.rms_gradient, r.max_gradient, r.seconds, r.step.c_str());
      std::cerr << line;
    };

  std::cerr << "cagescreen " << version_string() << "  redox  threads " << threads << "\n   molecule " << mol.name
            << " " << mol.formula() << "  charge " << mol.charge << "  multiplicity " << mol.multiplicity
            << "\n   level " << opt.level.method << "/" << basis.name
            << (st.solvation.enabled() ? "  solvent " + st.solvation.solvent.name + " (" + scf::to_string(st.solvation.model) + ")"
                                       : std::string("  gas phase"))
            << (rs.adiabatic ? "  adiabatic (relax " + lower(opt.relax) + ")" : std::string("  vertical")) << "\n";
  if (preopt.xtb) preoptimize_xtb(mol, scf::OptimizerSettings{}, nullptr);
  if (preopt.scf) {
    scf::ScfSettings o = st;
    o.reference = mol.multiplicity == 1 ? scf::Reference::RHF : scf::Reference::UHF;
    const auto r = optimize_scf(mol, o, opt.level.basis, scf::parse_shell_type(opt.level.shell_type),
                                scf::OptimizerSettings{}, nullptr);
    if (!r.converged) throw NotConverged("--preopt " + opt.level.optimize + ": the optimisation did not converge");
  }
  const RedoxResult r = compute_redox(mol, opt.level, st, rs);

  std::cout << "\n== Redox: " << mol.name << " (" << mol.formula() << "), " << opt.level.method << "/" << basis.name
            << ", " << (r.solvated ? r.solvent : std::string("gas phase")) << "\n\n";
  print_states(std::cout, r);
  print_potentials(std::cout, r, window, opt.ph);
  if (!opt.json_file.empty()) {
    std::ofstream out(opt.json_file);
    if (!out) throw InputError(opt.json_file + ": cannot write JSON output");
    out << redox_json(r, opt.level, window, opt.ph).dump(1) << "\n";
  }
  for (const auto& s : r.states)
    if (s.stability.mode == scf::StabilityMode::Follow && !s.stability.stable)
      throw Unstable("redox: the " + s.label + " is not a stable SCF state: " + s.stability.message);
  std::cerr << "cagescreen: normal termination, wall time " << std::fixed << std::setprecision(2) << r.seconds << " s\n";
  return exit_ok;
}

}  // namespace

Command add_redox_command(CLI::App& app) {
  auto opt = std::make_shared<RedoxOptions>();
  auto* c = app.add_subcommand("redox", "ionisation energy, electron affinity and redox potentials by delta-SCF (docs/redox.md)");
  c->add_option("input", opt->input, "XYZ or QCSchema JSON file, built-in species or cage derivative")->required();
  add_level_options(*c, opt->level);
  c->add_option("--charge", opt->charge, "total charge of the reference state (overrides the file)")->check(integer_in(-1000, 1000));
  c->add_option("--multiplicity", opt->multiplicity, "its spin multiplicity (overrides the file)")->check(integer_in(1, 1000));
  c->add_flag("--adiabatic", opt->adiabatic, "also relax every state (--relax) and use adiabatic values for the potentials");
  c->add_flag("--no-gas-phase", opt->no_gas_phase,
              "in a solvent, skip the gas-phase SCFs (no gas-phase IP/EA; as campaigns run it)");
  c->add_option("--thermal", opt->thermal,
                "thermal and zero-point corrections of the adiabatic values: none, xtb (GFN2-xTB Hessians) or scf (the level's own, 6N gradients per state)")
      ->capture_default_str();
  c->add_option("--temperature", opt->temperature, "temperature of the thermal corrections, K")
      ->capture_default_str()
      ->check(real_in(1, 5000));
  c->add_option("--relax", opt->relax, "how --adiabatic relaxes the states: xtb, dft or xtb+dft")->capture_default_str();
  c->add_option("--processes", opt->processes, "both, oxidation (cation only) or reduction (anion only)")->capture_default_str();
  c->add_option("--she", opt->she, "absolute potential of the standard hydrogen electrode, V: 4.44 (IUPAC) or 4.28")
      ->capture_default_str();
  c->add_option("--window", opt->window, "electrochemical window to judge against, LOW,HIGH in V vs SHE (default: Zn plating to a typical aqueous cathode)")
      ->capture_default_str();
  c->add_option("--ph", opt->ph, "pH of the electrolyte for water's H2/O2 evolution lines")->capture_default_str()->check(real_in(0, 14));
  c->add_option("--threads", opt->threads, "OpenMP threads (0: all cores)")->capture_default_str()->check(integer_in(0, 1024));
  c->add_option("--json", opt->json_file, "write the states and potentials as JSON (docs/output.md)");
  c->add_flag("--quiet", opt->quiet, "no per-state progress lines");
  c->add_flag("--verbose", opt->verbose, "also every SCF iteration");
  return {c, [opt] { return redox_command(*opt); }};
}

}  // namespace cagescreen::workflows
