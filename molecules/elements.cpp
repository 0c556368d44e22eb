#include "molecules/elements.hpp"
#include "molecules/text.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <string>

namespace cagescreen::molecules {
namespace {

// Atomic weights: IUPAC standard atomic weights, abridged/conventional values
//   (Prohaska et al., Pure Appl. Chem. 94, 573 (2022), Table 2/3).
// Covalent radii: Cordero et al., Dalton Trans. 2832 (2008) (sp3 C; low-spin Mn, Fe, Co).
// van der Waals radii: Bondi, J. Phys. Chem. 68, 441 (1964) where given; Mantina et al.,
//   J. Phys. Chem. A 113, 5806 (2009) for Be, B, Al, Ca, Ge; Alvarez, Dalton Trans. 42, 8617
//   (2013) for Sc–Co.
constexpr std::array<Element, max_Z> table{{
    {1, "H", "hydrogen", 1.008, 0.31, 1.20},
    {2, "He", "helium", 4.0026, 0.28, 1.40},
    {3, "Li", "lithium", 6.94, 1.28, 1.82},
    {4, "Be", "beryllium", 9.0122, 0.96, 1.53},
    {5, "B", "boron", 10.81, 0.84, 1.92},
    {6, "C", "carbon", 12.011, 0.76, 1.70},
    {7, "N", "nitrogen", 14.007, 0.71, 1.55},
    {8, "O", "oxygen", 15.999, 0.66, 1.52},
    {9, "F", "fluorine", 18.998, 0.57, 1.47},
    {10, "Ne", "neon", 20.180, 0.58, 1.54},
    {11, "Na", "sodium", 22.990, 1.66, 2.27},
    {12, "Mg", "magnesium", 24.305, 1.41, 1.73},
    {13, "Al", "aluminium", 26.982, 1.21, 1.84},
    {14, "Si", "silicon", 28.085, 1.11, 2.10},
    {15, "P", "phosphorus", 30.974, 1.07, 1.80},
    {16, "S", "sulfur", 32.06, 1.05, 1.80},
    {17, "Cl", "chlorine", 35.45, 1.02, 1.75},
    {18, "Ar", "argon", 39.95, 1.06, 1.88},
    {19, "K", "potassium", 39.098, 2.03, 2.75},
    {20, "Ca", "calcium", 40.078, 1.76, 2.31},
    {21, "Sc", "scandium", 44.956, 1.70, 2.58},
    {22, "Ti", "titanium", 47.867, 1.60, 2.46},
    {23, "V", "vanadium", 50.942, 1.53, 2.42},
    {24, "Cr", "chromium", 51.996, 1.39, 2.45},
    {25, "Mn", "manganese", 54.938, 1.39, 2.45},
    {26, "Fe", "iron", 55.845, 1.32, 2.44},
    {27, "Co", "cobalt", 58.933, 1.26, 2.40},
    {28, "Ni", "nickel", 58.693, 1.24, 1.63},
    {29, "Cu", "copper", 63.546, 1.32, 1.40},
    {30, "Zn", "zinc", 65.38, 1.22, 1.39},
    {31, "Ga", "gallium", 69.723, 1.22, 1.87},
    {32, "Ge", "germanium", 72.630, 1.20, 2.11},
    {33, "As", "arsenic", 74.922, 1.19, 1.85},
    {34, "Se", "selenium", 78.971, 1.20, 1.90},
    {35, "Br", "bromine", 79.904, 1.20, 1.85},
    {36, "Kr", "krypton", 83.798, 1.16, 2.02},
}};

}  // namespace

const Element& element(int Z) {
  if (Z < 1 || Z > max_Z) throw std::out_of_range("no element data for Z = " + std::to_string(Z));
  return table[Z - 1];
}

std::optional<int> find_element(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(text[0]))) {
    int Z = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), Z);
    if (ec != std::errc() || end != text.data() + text.size() || Z < 1 || Z > max_Z)
      return std::nullopt;
    return Z;
  }
  std::string s = lower(std::string(text));
  s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  for (const auto& e : table)
    if (s == e.symbol) return e.Z;
  return std::nullopt;
}

}  // namespace cagescreen::molecules
