#pragma once
// Candidate generator: closo cage templates with literature vertex numbering, substituents on
// vertices, a notation for derivatives ("o-carborane:9,12-F2"), IUPAC-like names, 3D structures,
// and enumeration of the symmetry-distinct derivatives of a cage (docs/generator.md).
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "molecules/molecule.hpp"

namespace cagescreen::molecules {

/// A closo cage. Vertex k (1-based locant) is index k-1 everywhere. Numbering follows the
/// chemical literature: vertex 1 at one apex, then ring by ring (o-carborane: C1, C2, B3–B12).
struct Cage {
  std::string name;                  ///< "o-carborane"
  std::vector<std::string> aliases;  ///< lower case
  std::string parent;                ///< IUPAC-like parent name, "1,2-dicarba-closo-dodecaborane(12)"
  std::string geometry;              ///< where the coordinates come from (for docs and logs)
  int charge = 0;
  std::vector<int> Z;                              ///< element per vertex (B or C)
  std::vector<std::array<double, 3>> position;     ///< vertex positions, Bohr
  std::vector<std::array<double, 3>> exo;          ///< unit vector of the exo (vertex–H) bond
  std::vector<double> exo_h;                       ///< vertex–H distance of the parent, Bohr
  std::vector<std::vector<int>> neighbours;        ///< cage edges, 0-based
  /// Vertex permutations that map the cage onto itself (graph automorphisms preserving the
  /// element of every vertex; they include the improper operations, so mirror images count as
  /// one candidate). symmetry[g][v] is the image of vertex v.
  std::vector<std::vector<int>> symmetry;
  int size() const { return static_cast<int>(Z.size()); }
};

/// All cage templates: o-, m-, p-carborane, [B12H12]2−, [CB11H12]−, 1,6-C2B4H6, 1,10-C2B8H10.
const std::vector<Cage>& cage_templates();

/// A cage by name or alias (case-insensitive), e.g. "o-carborane", "1,2-C2B10H12", "cb11h12".
std::optional<Cage> find_cage(const std::string& name);

/// A group that replaces the hydrogen on a vertex.
struct Substituent {
  std::string name;                  ///< formula as written in notations: "F", "CH3", "C6H5"
  std::vector<std::string> aliases;  ///< lower case: "me", "methyl"
  std::string prefix;                ///< substitutive prefix: "fluoro", "methyl"
  bool compound = false;             ///< multiplied with bis/tris and parentheses
};

/// The substituents the generator knows: H, F, Cl, Br, CH3, CF3, OH, NH2, CN, SH, C6H5.
const std::vector<Substituent>& substituent_list();
std::optional<Substituent> find_substituent(const std::string& name);

/// A cage with substituents on some vertices (the others keep their H).
struct Derivative {
  std::string cage;  ///< the cage's canonical name
  /// (vertex locant 1..n, substituent name), sorted by locant; no H entries.
  std::vector<std::pair<int, std::string>> groups;

  /// "o-carborane:1-CH3,9,12-F2": groups in order of their lowest locant; the parent cage alone
  /// is its name.
  std::string notation() const;
  /// IUPAC-like name: "1-methyl-9,12-difluoro-..." in alphabetical order of the prefixes, e.g.
  /// "9,12-difluoro-1,2-dicarba-closo-dodecaborane(12)".
  std::string iupac_name() const;
  bool operator==(const Derivative&) const = default;
};

/// Parses a notation: CAGE[:GROUPS], GROUPS a comma- (or semicolon-) separated list of
/// LOCANTS-GROUP items, a group being a substituent with an optional count ("9,12-F2",
/// "1,2-(CH3)2", "1-Me"). Throws InputError naming the notation and the problem.
Derivative parse_derivative(const std::string& text);

/// Whether `text` names a cage or a derivative (a cage name, optionally followed by ':').
bool is_derivative_notation(const std::string& text);

/// The symmetry-equivalent form with the lowest locants (what enumeration returns).
Derivative canonical(const Derivative& d);
/// The same for a derivative of `cage` (no template lookup).
Derivative canonical(const Derivative& d, const Cage& cage);

/// 3D structure (Bohr): the cage, H on unsubstituted vertices, each group along its vertex's exo
/// bond with tabulated bond lengths, polyatomic groups turned about that bond away from the other
/// atoms. Charge is the cage's; multiplicity 1. The name is the notation.
Molecule build_derivative(const Derivative& d);

/// "N" or "MIN-MAX" (whole string, numbers of at most two digits, MIN ≤ MAX); nullopt otherwise.
std::optional<std::pair<int, int>> parse_count_range(const std::string& text);

/// Enumeration canonicalises every raw substitution pattern (Σk C(m,k)·|S|^k); beyond this many
/// it refuses with InputError instead of running for hours.
inline constexpr double max_enumerated_patterns = 1e6;

/// Which vertices enumeration may substitute.
enum class Sites { All, Boron, Carbon };
std::optional<Sites> parse_sites(const std::string& text);

/// All symmetry-distinct derivatives of `cage` carrying between min_count and max_count groups
/// drawn from `substituents` (a vertex carries at most one), on the allowed sites; each in its
/// canonical form, sorted by count, then locants and groups.
std::vector<Derivative> enumerate_derivatives(const Cage& cage, const std::vector<std::string>& substituents,
                                              int min_count, int max_count, Sites sites = Sites::All);

/// Pairs of atoms bonded by covalent radii (distance < factor × (r_i + r_j)), i < j.
std::vector<std::pair<int, int>> bonds(const Molecule& mol, double factor = 1.25);

}  // namespace cagescreen::molecules
