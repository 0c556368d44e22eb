#pragma once
#include <optional>
#include <string>

#include "molecules/crystal.hpp"
#include "molecules/molecule.hpp"

namespace cagescreen::molecules {

/// How dangling bonds (a bond of the crystal from a cluster atom to an atom left out) are capped.
enum class Termination {
  none,      ///< leave them
  hydrogen,  ///< non-metal atoms: an H along each cut bond (O–H 0.97 Å, F–H 0.92 Å, ...); metals:
             ///< one hydride per missing neighbour (terminal along the bond, or bridging on the
             ///< neighbour's site when several cluster metals were bonded to it)
  hydroxyl,  ///< non-metal atoms: an H as for `hydrogen`; metals: one OH per missing neighbour,
             ///< the O on that neighbour's site and the H 0.97 Å further out
  pseudo,    ///< a pseudo-hydrogen on every cut bond (H basis, nuclear charge v/n of the missing
             ///< atom: its valence electrons over its coordination number, e.g. 1.5 for O and 0.5
             ///< for Zn in wurtzite), at the X–H length of `hydrogen`
};

/// Parses "none", "h", "oh", "pseudo" (also "hydrogen", "hydroxyl"); nullopt otherwise.
std::optional<Termination> parse_termination(const std::string& text);

/// What `cagescreen cluster` cuts.
struct ClusterOptions {
  /// Centre: "" (the first metal atom), a 1-based atom number of the cell as `cagescreen crystal`
  /// lists it, a site label ("Zn1"; its first copy), a Wyckoff position ("4f"; its first atom),
  /// an element symbol (its first atom), or
  /// fractional coordinates "x,y,z" (any point, e.g. a ring centre).
  std::string center;
  double radius_angstrom = 4.0;
  /// Adds or removes whole units (symmetry-equivalent sets first) nearest the sphere until the
  /// formal charge (caps included) is `charge` (0 unless given).
  bool stoichiometric = false;
  std::optional<int> charge;
  Termination terminate = Termination::none;
  double symprec_angstrom = 0.01;
};

/// A cluster cut from a crystal, centred at the origin.
struct Cluster {
  Molecule molecule;         ///< Bohr, centre at the origin; charge set, multiplicity lowest
  std::string center;        ///< e.g. "Zn1 (atom 1, Wyckoff 2b, site symmetry 3m.)"
  std::string site_symmetry; ///< oriented site-symmetry symbol of the centre ("3m.", "1" for a point)
  std::string point_group;   ///< Schoenflies symbol of the cut's symmetry (site operations it keeps)
  int units = 0;             ///< whole units (metal atoms and anion groups such as O, OH, SO4, H2O)
  int caps = 0;              ///< capping atoms or groups added
  std::optional<int> formal_charge;  ///< sum of formal charges (nullopt when an ion is unknown)
  /// The XYZ comment line: name, charge, multiplicity and the cut's key=value description.
  std::string comment() const;
  /// Crystal name and the settings of the cut.
  std::string crystal, description;
  double radius_angstrom = 0;
};

/// Cuts a cluster of whole units (metal atoms; connected groups of non-metal atoms such as O, F,
/// OH, H2O, SO4 or whole molecules) whose anchor (mean position of the non-hydrogen atoms) lies
/// within the radius of the centre. Formal charges (elements up to Kr): Li, Na, K +1; Be, Mg, Ca,
/// Zn +2; Al, Sc, Ga +3; O −2, F, Cl, Br −1, OH −1, H2O 0, SO4 −2, CO3 −2, NO3 −1, PO4 −3, S −2,
/// N −3, hydride −1 (and a few more groups); groups bonded to no metal are neutral molecules.
/// Metal–metal contacts connect the cluster but are never capped. Throws InputError when the
/// request cannot be met (no atoms, an extended covalent network, an unreachable charge, an
/// unknown ion with --stoichiometric, caps that collide).
Cluster carve_cluster(const Crystal& crystal, const ClusterOptions& options);

/// Writes the cluster as XYZ (Å) with `comment()` on the second line.
std::string cluster_xyz(const Cluster& cluster);

}  // namespace cagescreen::molecules
