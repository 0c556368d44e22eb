#pragma once
#include <array>
#include <optional>
#include <string>
#include <vector>

namespace cagescreen::molecules {

using Vec3 = std::array<double, 3>;
/// 3×3 matrix stored by rows.
using Mat3 = std::array<Vec3, 3>;

/// One atom of a unit cell: atomic number, fractional coordinates in [0, 1), the label the file
/// gave it ("Zn1"; element symbol plus a counter when the file has none) and the input line it
/// came from (0 for generated symmetry copies and built-ins).
struct CrystalSite {
  int Z = 0;
  Vec3 frac{};
  std::string label;
  int line = 0;
};

/// A periodic crystal: lattice vectors a, b, c as the rows of `cell` (Bohr) and every atom of the
/// cell (symmetry already applied). Atoms keep the order the file produced them in.
struct Crystal {
  Mat3 cell{};  ///< rows a, b, c; Bohr
  std::vector<CrystalSite> sites;
  std::string name;
  std::string source;  ///< file path or "built-in NAME"

  /// Cartesian position (Bohr) of fractional coordinates f: r = f0 a + f1 b + f2 c.
  Vec3 cartesian(const Vec3& f) const;
  /// Fractional coordinates of a Cartesian position (Bohr).
  Vec3 fractional(const Vec3& r) const;
  /// Cell volume, Bohr³.
  double volume() const;
  /// Hill-order formula of the cell content, e.g. "O2Zn2".
  std::string formula() const;
};

/// Parses a VASP 5 POSCAR/CONTCAR (element-symbol line required; Direct or Cartesian coordinates;
/// a negative scale is the cell volume in Å³; selective-dynamics flags are ignored).
/// Throws InputError "source:line: problem".
Crystal parse_poscar(const std::string& text, const std::string& source);

/// Parses the first data block of a CIF: _cell_length_* and _cell_angle_* (required), the
/// _atom_site_ loop with fractional coordinates (type symbol or label, occupancy 1 only), and the
/// symmetry as explicit operations (_space_group_symop_operation_xyz or
/// _symmetry_equiv_pos_as_xyz), a Hall symbol, a Hermann–Mauguin name or an International Tables
/// number (first setting in spglib's table). Symmetry copies closer than 0.02 Å to an atom
/// already present are merged. Throws InputError naming file, line and problem for partial
/// occupancy, a missing cell, Cartesian-only sites, unknown elements and unreadable numbers.
Crystal parse_cif(const std::string& text, const std::string& source);

/// Reads a crystal file: *.cif as CIF, anything else (POSCAR, CONTCAR, *.vasp, *.poscar) as POSCAR.
Crystal read_crystal_file(const std::string& path);

/// A built-in crystal structure, shipped as a CIF under data/crystals/ (sources in its README).
struct BuiltinCrystal {
  std::string name;
  std::vector<std::string> aliases;
  std::string file;
  std::string description;
};

/// All built-in crystals, in the order `cagescreen crystal --list` prints them.
const std::vector<BuiltinCrystal>& builtin_crystals();

/// Finds a built-in crystal by name or alias (case-insensitive).
std::optional<BuiltinCrystal> find_crystal(const std::string& name);

/// Resolves a command-line CRYSTAL: an existing file, otherwise a built-in name. Throws InputError.
Crystal resolve_crystal(const std::string& input);

/// Throws InputError when two atoms of the periodic crystal (any images) are closer than
/// `min_distance_angstrom` (naming the two atoms by label), or when the cell holds more than
/// 5000 atoms.
void check_crystal_distances(const Crystal& crystal, double min_distance_angstrom = 0.5);

/// Writes a VASP 5 POSCAR (Direct coordinates, Å, atoms grouped by element in order of first
/// appearance).
std::string write_poscar(const Crystal& crystal);

}  // namespace cagescreen::molecules
