#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace cagescreen::molecules {

/// Tabulated data of one element.
struct Element {
  int Z;                 ///< atomic number
  const char* symbol;    ///< "He"
  const char* name;      ///< "helium"
  double mass;           ///< standard (conventional) atomic weight, Da
  double covalent_radius;  ///< Å, single-bond covalent radius
  double vdw_radius;       ///< Å, van der Waals radius
};

/// Highest atomic number with tabulated data (Kr).
inline constexpr int max_Z = 36;

/// Data for atomic number Z (1..max_Z); throws std::out_of_range otherwise.
const Element& element(int Z);

/// Looks up a symbol ("c", "C", "Zn", "ZN") or an atomic number given as text ("6");
/// std::nullopt when unknown.
std::optional<int> find_element(std::string_view text);

}  // namespace cagescreen::molecules
