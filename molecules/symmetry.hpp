#pragma once
#include <string>
#include <vector>

#include "molecules/crystal.hpp"

namespace cagescreen::molecules {

/// A space-group operation in the fractional coordinates of the analysed cell: f' = R f + t.
struct SpaceGroupOperation {
  std::array<std::array<int, 3>, 3> R{};
  Vec3 t{};
};

/// What spglib finds for a crystal (all per-atom arrays follow the input atom order).
struct SymmetryReport {
  double symprec_angstrom = 0;
  int number = 0;                  ///< International Tables number, 1..230
  int hall_number = 0;             ///< spglib's Hall number (setting), 1..530
  std::string international;       ///< short Hermann–Mauguin symbol, e.g. "P6_3mc"
  std::string hall_symbol;         ///< e.g. "P 6c -2c"
  std::string schoenflies;         ///< e.g. "C6v^4"
  std::string point_group;         ///< crystal class, international, e.g. "6mm"
  std::vector<SpaceGroupOperation> operations;  ///< in the input cell's fractional coordinates
  std::vector<char> wyckoff;                    ///< Wyckoff letter of each atom ('@' for alpha, Pmmm 8A)
  std::vector<int> multiplicity;                ///< of each atom's Wyckoff position (conventional cell)
  std::vector<std::string> site_symmetry;       ///< oriented site-symmetry symbol, e.g. "3m."
  std::vector<int> equivalent_atoms;            ///< index of the first symmetry-equivalent atom
  Crystal primitive;      ///< spglib's standardised primitive cell
  Crystal conventional;   ///< spglib's standardised conventional cell (idealised)
};

/// Runs spglib (space-group detection, Wyckoff positions, site symmetries, standardisation) with
/// the distance tolerance `symprec_angstrom` (pymatgen's default, 0.01 Å, suits literature
/// structures with three- or four-decimal coordinates). Throws InputError when spglib finds no
/// space group (for example atoms too close for the tolerance).
SymmetryReport analyse_symmetry(const Crystal& crystal, double symprec_angstrom = 0.01);

/// spglib's version, "2.0.2".
std::string spglib_version();

/// Schoenflies symbol of a crystallographic point group given in international notation
/// ("6mm" → "C6v", "m-3m" → "Oh"); the input when it is not one of the 32 classes.
std::string schoenflies_of_point_group(const std::string& international);

/// International symbol of the point group formed by integer rotations (fractional coordinates
/// of some lattice), as spglib names it ("3m", "1").
std::string point_group_of(const std::vector<std::array<std::array<int, 3>, 3>>& rotations);

}  // namespace cagescreen::molecules
