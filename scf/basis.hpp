#pragma once
#include <array>
#include <map>
#include <string>
#include <vector>

#include "molecules/molecule.hpp"

namespace cagescreen::scf {

/// How the angular part of d and higher shells is represented.
enum class ShellType {
  Auto,       ///< the basis set's convention (see docs/basis-sets.md)
  Spherical,  ///< pure (5D 7F ...)
  Cartesian,  ///< Cartesian everywhere (6D 10F ...)
  Pople6D7F,  ///< Gaussian's default for Pople sets: Cartesian d, spherical f and higher
};

/// Parses "auto", "spherical"/"pure", "cartesian", "6d7f"; throws InputError otherwise.
ShellType parse_shell_type(const std::string& text);
std::string to_string(ShellType t);

/// A contracted Gaussian shell on a centre. Coefficients refer to unnormalised primitives as
/// read from the file; the integral layer normalises them.
struct Shell {
  int l = 0;
  bool pure = true;
  std::vector<double> exponents;     ///< a0^-2
  std::vector<double> coefficients;  ///< one per exponent
  std::array<double, 3> center{};    ///< Bohr
  int atom = -1;                     ///< index into Molecule::atoms

  /// Number of basis functions: 2l+1 (pure) or (l+1)(l+2)/2 (Cartesian).
  int size() const { return pure ? 2 * l + 1 : (l + 1) * (l + 2) / 2; }
};

/// An orbital basis for one molecule: shells in atom order, functions numbered shell by shell.
struct BasisSet {
  std::string name;                ///< as resolved, e.g. "6-31g*"
  ShellType shell_type = ShellType::Auto;  ///< resolved convention (never Auto)
  std::vector<Shell> shells;
  std::vector<int> offsets;        ///< first function of each shell
  int nbf = 0;                     ///< number of basis functions
  int max_l = 0;
  int max_nprim = 0;

  /// Function index -> atom index.
  std::vector<int> function_atoms() const;
};

/// One element's shells as stored in a basis file (centre and pure flag not yet set).
struct ElementBasis {
  std::vector<Shell> shells;
};

/// A parsed Gaussian94/Psi4 .gbs file.
struct BasisFile {
  std::string path;
  bool spherical_header = true;  ///< the file's "spherical"/"cartesian" header (spherical if none)
  std::map<int, ElementBasis> elements;  ///< by atomic number
  std::map<int, int> ecp_electrons;      ///< core electrons replaced by an ECP, by atomic number
};

/// Parses .gbs/.g94 text: comments (! or #), blank lines, **** separators, Fortran D exponents,
/// SP (and L) shells, scale factors, an optional cartesian/spherical header. Errors name
/// `source` and the line.
BasisFile parse_gbs(const std::string& text, const std::string& source);

/// Maps a basis name (case-insensitive, with the usual aliases such as 6-31G(d) = 6-31G*) or a
/// path to a .gbs/.g94 file to the file to read. Throws InputError listing the known names.
std::string resolve_basis_path(const std::string& name);

/// Names of the shipped basis sets (data/basis), canonical spelling.
std::vector<std::string> available_basis_sets();

/// Builds the basis for a molecule. Throws InputError when an element is missing or when an
/// angular momentum exceeds what the installed libint2 supports.
BasisSet build_basis(const molecules::Molecule& mol, const std::string& name,
                     ShellType type = ShellType::Auto);

/// Highest angular momentum the installed libint2 computes electron-repulsion integrals for.
int libint_max_l();

/// Highest angular momentum of libint2's first-derivative ERIs (−1 if it has none).
int libint_max_l_derivative();

/// An auxiliary (fitting) basis for density fitting: always spherical; angular momentum up to
/// what libint2 computes three-centre integrals for (`libint_max_l_fitting`).
BasisSet build_fitting_basis(const molecules::Molecule& mol, const std::string& name);
int libint_max_l_fitting();

}  // namespace cagescreen::scf
