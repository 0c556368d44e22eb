#include "workflows/redox.hpp"

#include <chrono>
#include <cmath>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "molecules/error.hpp"
#include "molecules/text.hpp"
#include "molecules/units.hpp"
#include "scf/basis.hpp"
#include "scf/gradient.hpp"
#include "scf/optimizer.hpp"
#include "workflows/optimization.hpp"

namespace cagescreen::workflows {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// The SCF settings of one state: the level's, with the reference its spin needs (a restricted
/// reference only for singlets, unless the level asks for UHF) and `guess` as the starting density.
scf::ScfSettings state_settings(const LevelOfTheory& level, const scf::ScfSettings& scf, const molecules::Molecule& mol,
                                const scf::Wavefunction* guess) {
  scf::ScfSettings st = scf;
  st.reference = mol.multiplicity == 1 && lower(level.reference) != "uhf" ? scf::Reference::RHF : scf::Reference::UHF;
  st.on_iteration = nullptr;
  st.guess_density.clear();
  if (guess) {
    // The neutral's densities, not its orbitals occupied for the ion's electron count: with the
    // extra electron put into one component of benzene's degenerate LUMO, the anion converged to
    // an unstable state 0.012 eV above (in C-PCM water) the one this guess reaches.
    if (st.reference == scf::Reference::RHF)
      st.guess_density = {0.5 * (guess->alpha.D + guess->beta.D)};
    else
      st.guess_density = {guess->alpha.D, guess->beta.D};
  }
  return st;
}

/// One SCF state: gas phase (and solution), the stability analysis the level asks for.
RedoxState compute_state(const std::string& label, const molecules::Molecule& mol, const std::string& geometry,
                         bool relaxed, const LevelOfTheory& level, const scf::ScfSettings& scf,
                         const scf::Wavefunction* guess, const RedoxSettings& settings, scf::Wavefunction* keep) {
  const auto t0 = std::chrono::steady_clock::now();
  RedoxState s;
  s.label = label;
  s.charge = mol.charge;
  s.multiplicity = mol.multiplicity;
  s.geometry = geometry;
  s.relaxed = relaxed;
  s.molecule = mol;
  scf::ScfSettings st = state_settings(level, scf, mol, guess);
  st.on_iteration = settings.on_iteration;
  s.reference = st.reference;
  const auto basis = scf::build_basis(mol, level.basis, scf::parse_shell_type(level.shell_type));
  scf::Wavefunction wfn = settings.gas_phase ? scf::run_scf_with_gas_phase(mol, basis, st) : scf::run_scf(mol, basis, st);
  if (!wfn.convergence.converged || (wfn.solvation.has_gas_energy() && !wfn.solvation.gas_converged))
    throw NotConverged("redox: the SCF of the " + label + " (charge " + std::to_string(mol.charge) +
                       ", multiplicity " + std::to_string(mol.multiplicity) + ", " + geometry +
                       ") did not converge: " + wfn.convergence.message);
  scf::StabilitySettings stability;
  stability.mode = stability_mode(level, mol);  // auto: every ion is checked
  if (stability.mode != scf::StabilityMode::Off) wfn = scf::stabilise(std::move(wfn), st, stability);
  // An ion started from the neutral's density can land in an unstable state (ethylene carbonate's
  // cation in C-PCM water: 5.4 mEh above the stable one its SAD guess reaches). Then converge it
  // again from the level's own guess and keep the lower state.
  if (guess && wfn.stability.checked && !wfn.stability.stable) {
    scf::ScfSettings fresh = st;
    fresh.guess_density.clear();
    // Straight into the level's medium: through the gas phase, ethylene carbonate's cation comes
    // back to the same unstable solvated state.
    scf::Wavefunction other = scf::run_scf(mol, basis, fresh);
    const bool usable = other.convergence.converged;
    if (usable) other = scf::stabilise(std::move(other), fresh, stability);
    if (settings.log)
      *settings.log << "   redox: the " << label << " from the neutral's density is unstable (lowest eigenvalue "
                    << wfn.stability.lowest() << " Eh); from the " << scf::to_string(st.guess) << " guess: "
                    << (usable ? std::to_string(other.energies.total) + " Eh, " +
                                     (other.stability.stable ? std::string("stable") : std::string("unstable"))
                               : std::string("not converged"))
                    << "\n";
    if (usable && other.energies.total < wfn.energies.total) {
      other.convergence.iterations += wfn.convergence.iterations;
      other.solvation.gas_energy = wfn.solvation.gas_energy;  // the gas phase keeps its own SCF
      other.solvation.gas_converged = wfn.solvation.gas_converged;
      other.solvation.gas_seconds = wfn.solvation.gas_seconds;
      wfn = std::move(other);
    }
  }
  s.energy = wfn.energies.total;
  s.gas_energy = !wfn.solvation.enabled() ? wfn.energies.total : wfn.solvation.gas_energy;  // NaN without gas phase
  s.s_squared = wfn.reference == scf::Reference::UHF ? wfn.s_squared() : 0.0;
  s.converged = wfn.convergence.converged;
  s.stability = wfn.stability;
  s.iterations = wfn.convergence.iterations;
  for (const auto& f : wfn.stability.follows) s.iterations += f.scf_iterations;
  s.seconds = seconds_since(t0);
  if (settings.log)
    *settings.log << "   redox: " << std::left << std::setw(8) << label << std::right << " charge " << std::setw(2)
                  << mol.charge << "  multiplicity " << mol.multiplicity << "  " << geometry << "  E "
                  << std::fixed << std::setprecision(10) << s.energy << " Eh  (" << s.iterations << " SCF iterations, "
                  << std::setprecision(1) << s.seconds << " s; stability " << s.stability.seconds << " s)\n"
                  << std::defaultfloat;
  if (keep) *keep = std::move(wfn);
  return s;
}

/// Relaxes a copy of `mol` as `settings.relax` says (GFN2-xTB, then the level's method in its
/// medium); returns the geometry and a description of its source.
std::pair<molecules::Molecule, std::string> relax(const molecules::Molecule& mol, const std::string& label,
                                                  const LevelOfTheory& level, const scf::ScfSettings& scf,
                                                  const RedoxSettings& settings) {
  molecules::Molecule m = mol;
  std::string how;
  if (settings.relax.xtb) {
    const auto po = preoptimize_xtb(m, scf::OptimizerSettings{}, nullptr);
    if (!po.converged) throw NotConverged("redox: the GFN2-xTB optimisation of the " + label + " did not converge");
    how = "gfn2-xtb";
  }
  if (settings.relax.scf) {
    scf::ScfSettings st = state_settings(level, scf, m, nullptr);
    const auto opt = optimize_scf(m, st, level.basis, scf::parse_shell_type(level.shell_type), scf::OptimizerSettings{},
                                  nullptr);
    if (!opt.converged)
      throw NotConverged("redox: the " + level.method + "/" + level.basis + " optimisation of the " + label +
                         " did not converge in " + std::to_string(opt.steps) + " steps");
    how += (how.empty() ? "" : "+") + level.method + "/" + level.basis;
  }
  return {m, "relaxed (" + how + ")"};
}

/// The RRHO free-energy correction of a relaxed state from a finite-difference Hessian at its
/// geometry (GFN2-xTB in the gas phase, or the level's method in its medium).
void thermal_correction(RedoxState& s, const LevelOfTheory& level, const scf::ScfSettings& scf,
                        const RedoxSettings& settings) {
  scf::Objective f;
  if (settings.thermal == RedoxSettings::Thermal::Xtb) {
    f = xtb_objective(s.molecule);
  } else {
    scf::ScfSettings st = state_settings(level, scf, s.molecule, nullptr);
    f = scf_objective(st, level.basis, scf::parse_shell_type(level.shell_type));
  }
  const auto vib = harmonic_analysis(s.molecule, finite_difference_hessian(s.molecule, f));
  s.vibrations = vib;
  s.thermal = rrho(s.molecule, vib, settings.temperature);
  if (settings.log) {
    *settings.log << "   redox: " << s.label << " (relaxed): " << vib.wavenumbers.size() << " modes, lowest "
                  << std::fixed << std::setprecision(1) << (vib.wavenumbers.empty() ? 0.0 : vib.wavenumbers.front())
                  << " cm-1; ZPE " << std::setprecision(6) << s.thermal->zpe << " Eh, G - E " << s.thermal->gibbs
                  << " Eh (symmetry number " << s.thermal->symmetry_number << ")\n"
                  << std::defaultfloat;
    if (vib.imaginary > 0)
      *settings.log << "warning: redox: the relaxed " << s.label << " has " << vib.imaginary
                    << " imaginary mode(s) in its Hessian: not a minimum; its thermal correction leaves them out\n";
  }
}

}  // namespace

int ion_multiplicity(int m) { return m == 1 ? 2 : m - 1; }

molecules::Molecule ion_of(const molecules::Molecule& mol, int delta_charge) {
  molecules::Molecule ion = mol;
  ion.charge += delta_charge;
  ion.multiplicity = ion_multiplicity(mol.multiplicity);
  molecules::check_charge_multiplicity(ion, std::string("redox: the ") + (delta_charge > 0 ? "cation" : "anion") +
                                                " of " + (mol.name.empty() ? "the molecule" : mol.name));
  return ion;
}

std::string redox_level_key(const LevelOfTheory& level, int delta_charge) {
  return level.key() + (delta_charge > 0 ? "/redox=cation" : "/redox=anion");
}

RedoxResult redox_from_energies(double neutral, std::optional<double> cation, std::optional<double> anion,
                                double she_absolute) {
  RedoxResult r;
  r.she_absolute = she_absolute;
  if (cation) r.ip_vertical_solution = *cation - neutral;
  if (anion) r.ea_vertical_solution = neutral - *anion;
  r.oxidation_potential = potential_vs_she(r.ip_vertical_solution, she_absolute);
  r.reduction_potential = potential_vs_she(r.ea_vertical_solution, she_absolute);
  r.potentials_from = "vertical";
  return r;
}

double potential_vs_she(double dg_oxidation, double she_absolute) {
  return dg_oxidation * units::hartree_in_ev - she_absolute;
}

const RedoxState* RedoxResult::state(const std::string& label, bool relaxed) const {
  for (const auto& s : states)
    if (s.label == label && s.relaxed == relaxed) return &s;
  return nullptr;
}

RedoxResult compute_redox(const molecules::Molecule& mol, const LevelOfTheory& level, const scf::ScfSettings& scf,
                          const RedoxSettings& settings) {
  const auto t0 = std::chrono::steady_clock::now();
  if (settings.thermal != RedoxSettings::Thermal::None && !settings.adiabatic)
    throw InputError("redox: --thermal needs --adiabatic (thermal corrections are taken at each state's own minimum)");
  if (settings.thermal == RedoxSettings::Thermal::Scf)
    if (const std::string why = scf::gradient_unsupported(scf.functional, level.method); !why.empty())
      throw InputError("redox: --thermal scf: " + why);
  if (!(settings.temperature > 0 && settings.temperature < 1e4))
    throw InputError("redox: the temperature must be between 0 and 10000 K");
  RedoxResult r;
  r.she_absolute = settings.she_absolute;
  r.solvated = scf.solvation.enabled();
  if (r.solvated) r.solvent = scf.solvation.solvent.name + " (" + scf::to_string(scf.solvation.model) + ")";
  // Ions first checked (no electrons left, ...), then computed from the neutral's orbitals.
  std::optional<molecules::Molecule> cation, anion;
  if (settings.oxidation) cation = ion_of(mol, +1);
  if (settings.reduction) anion = ion_of(mol, -1);

  scf::Wavefunction neutral;
  r.states.push_back(compute_state("neutral", mol, "input", false, level, scf, nullptr, settings, &neutral));
  if (cation)
    r.states.push_back(compute_state("cation", *cation, "neutral's (vertical)", false, level, scf, &neutral, settings, nullptr));
  if (anion)
    r.states.push_back(compute_state("anion", *anion, "neutral's (vertical)", false, level, scf, &neutral, settings, nullptr));
  if (settings.adiabatic) {
    auto relaxed_state = [&](const std::string& label, const molecules::Molecule& m) {
      const auto t = std::chrono::steady_clock::now();
      auto [geometry, how] = relax(m, label, level, scf, settings);
      RedoxState s = compute_state(label, geometry, how, true, level, scf, &neutral, settings, nullptr);
      if (settings.thermal != RedoxSettings::Thermal::None) thermal_correction(s, level, scf, settings);
      s.seconds = seconds_since(t);
      r.states.push_back(std::move(s));
    };
    relaxed_state("neutral", mol);
    if (cation) relaxed_state("cation", *cation);
    if (anion) relaxed_state("anion", *anion);
  }

  auto difference = [&](const char* upper, const char* lower_state, bool relaxed, bool gas) {
    const RedoxState* a = r.state(upper, relaxed);
    const RedoxState* b = r.state(lower_state, relaxed);
    if (!a || !b) return RedoxResult::none;
    // Relaxed states carry their free-energy corrections when they were asked for.
    return gas ? a->gas_energy - b->gas_energy : a->free_energy() - b->free_energy();
  };
  r.ip_vertical_gas = difference("cation", "neutral", false, true);
  r.ea_vertical_gas = difference("neutral", "anion", false, true);
  if (r.solvated) {
    r.ip_vertical_solution = difference("cation", "neutral", false, false);
    r.ea_vertical_solution = difference("neutral", "anion", false, false);
  }
  if (settings.adiabatic) {
    r.ip_adiabatic = difference("cation", "neutral", true, false);
    r.ea_adiabatic = difference("neutral", "anion", true, false);
  }
  const double ip = settings.adiabatic ? r.ip_adiabatic : r.solvated ? r.ip_vertical_solution : r.ip_vertical_gas;
  const double ea = settings.adiabatic ? r.ea_adiabatic : r.solvated ? r.ea_vertical_solution : r.ea_vertical_gas;
  r.oxidation_potential = potential_vs_she(ip, settings.she_absolute);
  r.reduction_potential = potential_vs_she(ea, settings.she_absolute);
  r.potentials_from = std::string(settings.adiabatic ? "adiabatic" : "vertical") + ", " +
                      (r.solvated ? r.solvent : std::string("gas phase"));
  if (settings.adiabatic && settings.thermal != RedoxSettings::Thermal::None)
  {
    std::ostringstream t;
    t << ", RRHO free energies at " << settings.temperature << " K ("
      << (settings.thermal == RedoxSettings::Thermal::Xtb ? std::string("GFN2-xTB") : level.method) << " Hessians)";
    r.potentials_from += t.str();
  }
  r.seconds = seconds_since(t0);
  return r;
}

RedoxVerdict judge(const RedoxResult& r, double low, double high) {
  RedoxVerdict v;
  if (!std::isnan(r.reduction_potential)) {
    v.reduction_margin = low - r.reduction_potential;
    v.reduction_stable = v.reduction_margin > 0;
  }
  if (!std::isnan(r.oxidation_potential)) {
    v.oxidation_margin = r.oxidation_potential - high;
    v.oxidation_stable = v.oxidation_margin > 0;
  }
  return v;
}

}  // namespace cagescreen::workflows
