#pragma once
// One value with every descriptor of a wavefunction, computed once (compute_descriptors) and read
// by the summary, the QCSchema output, the campaign store and the ranking.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "descriptors/frontier.hpp"
#include "descriptors/population.hpp"
#include "descriptors/surface.hpp"
#include "scf/wavefunction.hpp"

namespace cagescreen::descriptors {

/// Which descriptors a run reports (`--descriptors`): charges (Mulliken, Löwdin), frontier
/// (HOMO/LUMO and conceptual DFT), dipole (and quadrupole), surface (ESP on the ρ = 0.001 surface),
/// hirshfeld (charges from free atoms at the same level), chelpg (ESP-fitted charges).
struct DescriptorRequest {
  bool charges = true, frontier = true, dipole = true, surface = false, hirshfeld = false, chelpg = false;
  /// SMD free energies of solvation in water and 1-octanol and log P: two more SCFs, which the
  /// caller runs (workflows), not compute_descriptors.
  bool hydrophobicity = false;
  SurfaceSettings surface_settings;  ///< for `surface`
  int threads = 0;                   ///< for chelpg (0: all)
};

/// Parses "all" or a comma-separated list of charges, frontier, dipole, surface, hirshfeld, chelpg,
/// hydrophobicity (case-insensitive) into the request's flags, all others off. Throws InputError.
DescriptorRequest parse_descriptor_request(const std::string& text);

/// Koopmans / conceptual-DFT indices (Parr, Szentpály, Liu, JACS 121, 1922 (1999)), Hartree:
/// IP = −ε_HOMO, EA = −ε_LUMO, μ = −(IP + EA)/2, η = IP − EA, ω = μ²/(2η).
struct ConceptualDft {
  double ionization_potential = 0.0;
  std::optional<double> electron_affinity, chemical_potential, hardness;  ///< when there is a LUMO
  std::optional<double> electrophilicity;                                  ///< when η > 0
};
ConceptualDft conceptual_dft(const Frontier& frontier);

/// HOMO and LUMO energies of one spin (Hartree); empty where the spin has no such orbital.
struct SpinFrontier {
  std::optional<double> homo, lumo;
};

/// Hydrophobicity from SMD at the run's level (1 M gas → 1 M solution, 298.15 K): ΔG_solv in water
/// (the hydration free energy) and in 1-octanol, Hartree, and
/// log P(octanol/water) = (ΔG_water − ΔG_octanol) / (RT ln 10).
struct Hydrophobicity {
  double water = 0.0, octanol = 0.0;
  double temperature = 298.15;  ///< K
  double log_p() const;
};

/// Everything cagescreen derives from one wavefunction. The frontier orbitals, populations and
/// multipoles are always computed (they are cheap and the output always carries some of them);
/// the surface, Hirshfeld and CHELPG analyses only when requested and the SCF converged.
struct DescriptorSet {
  DescriptorRequest request;
  Frontier frontier;
  ConceptualDft conceptual;
  std::array<SpinFrontier, 2> spin_frontier;  ///< α and β (unrestricted wavefunctions only)
  Populations populations;
  Multipoles multipoles;
  std::optional<EspSurface> surface;
  std::optional<std::vector<double>> hirshfeld;  ///< Hirshfeld charges, e
  std::optional<std::vector<double>> chelpg;     ///< CHELPG charges, e
  std::optional<Hydrophobicity> hydrophobicity;  ///< filled by the caller when requested

  /// The most positive Mulliken charge on a hydrogen atom (empty without hydrogens).
  std::optional<double> max_hydrogen_charge(const molecules::Molecule& mol) const;
  /// Whether the HOMO lies above zero (unbound electrons: typical of gas-phase anions).
  bool homo_above_zero() const { return frontier.homo > 0; }
};

/// Computes the descriptor set of `wfn` as `request` asks.
DescriptorSet compute_descriptors(const scf::Wavefunction& wfn, const DescriptorRequest& request);

}  // namespace cagescreen::descriptors
