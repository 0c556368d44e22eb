#pragma once
#include <array>
#include <optional>
#include <string>
#include <vector>

namespace cagescreen::molecules {

/// A nucleus: atomic number (element: basis set, radii) and position in Bohr. A pseudo-atom (a
/// pseudo-hydrogen cap of a cluster) carries its own nuclear charge; otherwise the charge is Z.
struct Atom {
  int Z = 0;
  std::array<double, 3> r{};  ///< Bohr
  std::optional<double> nuclear_charge;  ///< only for pseudo-atoms: a charge other than Z

  /// The charge of the nucleus (e): nuclear_charge if set, else Z.
  double charge() const { return nuclear_charge.value_or(static_cast<double>(Z)); }
};

/// A molecule as given by the user: atoms in input order (never reordered), total charge,
/// spin multiplicity 2S+1, and a name for reports.
struct Molecule {
  std::vector<Atom> atoms;
  int charge = 0;
  int multiplicity = 0;  ///< 2S+1; 0 until set: then the lowest the electron count allows
  std::string name;

  /// Sum of nuclear charges minus the total charge (rounded; check_charge_multiplicity refuses a
  /// sum of fractional pseudo-atom charges that is not a whole number).
  int n_electrons() const;
  /// Sum of nuclear charges, e.
  double nuclear_charge() const;
  /// Number of alpha and beta electrons implied by charge and multiplicity (n_alpha >= n_beta).
  int n_alpha() const;
  int n_beta() const;
  /// Nuclear repulsion energy, Hartree.
  double nuclear_repulsion() const;
  /// Hill-order formula, e.g. "C2H12B10".
  std::string formula() const;
};

/// Throws InputError (message prefixed with `where`) when the electron count cannot have this
/// charge and multiplicity: no electrons left, multiplicity < 1, parity mismatch, or more
/// unpaired electrons than electrons.
void check_charge_multiplicity(const Molecule& mol, const std::string& where);

/// Sets an unset multiplicity (0) to the lowest the electron count allows (1 or 2), then checks
/// charge and multiplicity (see check_charge_multiplicity).
void finalize_spin(Molecule& mol, const std::string& where);

/// Throws InputError when two atoms are closer than `min_distance_angstrom`; `line_of(i)` gives the
/// input line of atom i for the message (0 when unknown).
void check_distances(const Molecule& mol, const std::string& where,
                     const std::vector<int>& lines = {}, double min_distance_angstrom = 0.1);

}  // namespace cagescreen::molecules
