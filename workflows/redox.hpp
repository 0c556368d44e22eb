#pragma once
// Redox potentials by ΔSCF (docs/redox.md): the energies of a molecule and of its cation and
// anion, vertical (at the neutral's geometry) or adiabatic (each state relaxed), in the gas phase
// and in a continuum solvent, turned into ionisation energies, electron affinities and electrode
// potentials against the standard hydrogen electrode, as the Electrolyte Genome screens
// (Qu et al., Comput. Mater. Sci. 103, 56 (2015)).
#include <functional>
#include <iosfwd>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "molecules/molecule.hpp"
#include "scf/scf.hpp"
#include "workflows/thermo.hpp"
#include "scf/stability.hpp"
#include "workflows/level.hpp"

namespace cagescreen::workflows {

/// Electrode potentials, V. The absolute potential of the standard hydrogen electrode turns a free
/// energy of oxidation into a potential: E(vs SHE) = ΔG_ox/F − E_abs(SHE).
namespace electrode {
/// IUPAC's recommended absolute SHE potential (Trasatti, Pure Appl. Chem. 58, 955 (1986)).
inline constexpr double she_absolute_iupac = 4.44;
/// The value from the solvation free energy of the proton with the cluster-pair approximation
/// (Isse & Gennaro, J. Phys. Chem. B 114, 7894 (2010)): 4.28 V.
inline constexpr double she_absolute_isse_gennaro = 4.28;
/// Standard potentials vs SHE (CRC Handbook): Zn2+/Zn −0.76 V, Li+/Li −3.04 V.
inline constexpr double zn_vs_she = -0.76;
inline constexpr double li_vs_she = -3.04;
/// Water's stability window at 25 °C against SHE: H2 evolution at −0.0592 pH V, O2 evolution at
/// 1.229 − 0.0592 pH V (Nernst slope RT ln10 / F = 0.05916 V).
inline constexpr double nernst_slope = 0.05916;
inline constexpr double o2_evolution_ph0 = 1.229;
inline double h2_evolution(double ph) { return -nernst_slope * ph; }
inline double o2_evolution(double ph) { return o2_evolution_ph0 - nernst_slope * ph; }
}  // namespace electrode

/// Which ions and geometries a redox calculation computes.
struct RedoxSettings {
  bool oxidation = true;   ///< the cation (charge q+1)
  bool reduction = true;   ///< the anion (charge q−1)
  bool adiabatic = false;  ///< relax every state (`relax`) and compute adiabatic values too
  Preopt relax{true, true};  ///< how states are relaxed: GFN2-xTB, then the level's own method
  /// In a solvent, also converge every state in the gas phase first (gas-phase IP and EA; the
  /// solvated SCF then starts from it, as `run` does). Off: straight into the solvent, from the
  /// neutral's solvated orbitals for the ions (campaigns, where only potentials in solution count).
  bool gas_phase = true;
  double she_absolute = electrode::she_absolute_iupac;  ///< V
  /// Thermal and zero-point corrections of the adiabatic values (off by default): RRHO free
  /// energies from a finite-difference Hessian at each relaxed geometry, of GFN2-xTB (gas phase,
  /// 6N xtb gradients) or of the level's own method in its medium (6N SCF gradients).
  enum class Thermal { None, Xtb, Scf } thermal = Thermal::None;
  double temperature = 298.15;  ///< K, for the thermal corrections
  int threads = 1;
  std::ostream* log = nullptr;  ///< progress lines (nullptr: quiet)
  std::function<void(const scf::IterationRecord&)> on_iteration;  ///< every SCF iteration (logging)
};

/// Multiplicity of the ion made by adding or removing one electron from a state of multiplicity
/// m: a doublet from a singlet, else one lower (the electron leaves or pairs the open shell).
int ion_multiplicity(int neutral_multiplicity);

/// One SCF state of the calculation.
struct RedoxState {
  std::string label;           ///< "neutral", "cation", "anion"
  int charge = 0, multiplicity = 1;
  std::string geometry;        ///< where its geometry comes from: "input", "neutral (vertical)", "relaxed ..."
  bool relaxed = false;        ///< at its own optimised geometry
  molecules::Molecule molecule;
  scf::Reference reference = scf::Reference::RHF;
  double energy = 0.0;         ///< Eh: in solution when the level has a solvent, else the gas phase
  double gas_energy = std::numeric_limits<double>::quiet_NaN();  ///< Eh, same geometry
  double s_squared = 0.0;      ///< ⟨S²⟩ of the final state (0 for RHF)
  bool converged = false;
  scf::StabilityRecord stability;
  int iterations = 0;          ///< SCF iterations, gas phase and solution
  double seconds = 0.0;        ///< SCFs, stability analysis and optimisation of this state
  /// RRHO thermochemistry at its relaxed geometry (RedoxSettings::thermal), with its frequencies.
  std::optional<Thermochemistry> thermal;
  std::optional<Vibrations> vibrations;
  /// energy + the free-energy correction when there is one (what the adiabatic values use).
  double free_energy() const { return energy + (thermal ? thermal->gibbs : 0.0); }
};

/// The states and the quantities derived from them. Energies in Hartree, potentials in V vs SHE;
/// NaN where a quantity was not computed.
struct RedoxResult {
  static constexpr double none = std::numeric_limits<double>::quiet_NaN();
  std::vector<RedoxState> states;  ///< neutral first; then cation and anion at the neutral's geometry; then relaxed ones
  bool solvated = false;
  std::string solvent;             ///< solvent name and model, e.g. "water (SMD)"
  double she_absolute = electrode::she_absolute_iupac;
  /// Ionisation energy E(cation) − E(neutral) and electron affinity E(neutral) − E(anion), Eh.
  double ip_vertical_gas = none, ea_vertical_gas = none;
  double ip_vertical_solution = none, ea_vertical_solution = none;
  double ip_adiabatic = none, ea_adiabatic = none;  ///< in the level's medium (solvent if any)
  /// Potentials from the adiabatic values when computed, else the vertical ones, in solution when
  /// the level has a solvent: E_ox = ΔG_ox/F − E_abs(SHE), E_red = −ΔG_red/F − E_abs(SHE).
  double oxidation_potential = none, reduction_potential = none;
  std::string potentials_from;     ///< "adiabatic, water (SMD)", "vertical, gas phase", ...
  double seconds = 0.0;

  const RedoxState* state(const std::string& label, bool relaxed) const;
  /// E_ox − E_red, V (NaN unless both were computed).
  double window() const { return oxidation_potential - reduction_potential; }
};

/// Potential (V vs SHE) of the couple whose oxidation free energy is `dg_oxidation` (Eh), i.e.
/// ΔG for A → A⁺ + e⁻ (or A⁻ → A + e⁻).
double potential_vs_she(double dg_oxidation, double she_absolute);

/// Computes the neutral, its cation and anion (`settings`) at the SCF level `scf` in `basis`
/// (`level` gives the words, for stability_mode and relaxation). The ions start from the neutral's
/// orbitals; ions get a stability check unless the level says stability off (auto checks every
/// ion; follow must be asked for: o-carborane's cation at B3LYP/6-31G* in water from the SAD
/// guess has a UHF->UHF eigenvalue of -0.0009 Eh, and following it did not reconverge in 100
/// iterations). Throws InputError
/// for impossible ions (no electrons left), NotConverged when an SCF or an optimisation fails
/// (naming the state).
RedoxResult compute_redox(const molecules::Molecule& mol, const LevelOfTheory& level, const scf::ScfSettings& scf,
                          const RedoxSettings& settings);

/// The results-store level key of a candidate's ion in a campaign's redox group: the level's key
/// with "/redox=cation" (delta_charge +1) or "/redox=anion" (−1).
std::string redox_level_key(const LevelOfTheory& level, int delta_charge);

/// The ion of `mol` with one electron less (delta_charge +1) or more (−1), multiplicity from
/// ion_multiplicity. Throws InputError (naming `mol`) when no electron is left.
molecules::Molecule ion_of(const molecules::Molecule& mol, int delta_charge);

/// Vertical values from the energies of the states (Eh, all in the same medium): what a campaign
/// derives from its neutral, cation and anion jobs. A missing ion leaves its values NaN.
RedoxResult redox_from_energies(double neutral, std::optional<double> cation, std::optional<double> anion,
                                double she_absolute = electrode::she_absolute_iupac);

/// A verdict against an electrochemical window [low, high] (V vs SHE): stable when the molecule
/// is neither reduced above `low` nor oxidised below `high`.
struct RedoxVerdict {
  bool reduction_stable = true, oxidation_stable = true;
  double reduction_margin = RedoxResult::none;  ///< low − E_red, V (positive: stable)
  double oxidation_margin = RedoxResult::none;  ///< E_ox − high, V
  bool stable() const { return reduction_stable && oxidation_stable; }
};
RedoxVerdict judge(const RedoxResult& r, double low, double high);

}  // namespace cagescreen::workflows
