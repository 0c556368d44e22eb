#pragma once
#include <array>
#include <string>
#include <vector>

#include "molecules/molecule.hpp"
#include "scf/wavefunction.hpp"

namespace cagescreen::descriptors {

/// A regular grid in Gaussian cube layout: point (i, j, k) = origin + i·axes[0] + j·axes[1] +
/// k·axes[2], k running fastest. Bohr.
struct CubeGrid {
  std::array<double, 3> origin{};
  std::array<std::array<double, 3>, 3> axes{};
  std::array<int, 3> n{};

  std::size_t size() const { return std::size_t(n[0]) * n[1] * n[2]; }
  std::vector<std::array<double, 3>> points() const;
  /// An axis-aligned box around the molecule: `padding` beyond the outermost nuclei on every
  /// side, `spacing` between points (both Bohr).
  static CubeGrid around(const molecules::Molecule& mol, double spacing, double padding);
};

/// A cube file's content.
struct Cube {
  std::string comment1, comment2;
  CubeGrid grid;
  std::vector<molecules::Atom> atoms;
  std::vector<double> values;  ///< size() values, k fastest
};

/// Writes a Gaussian cube file (Bohr units, 6 values per line, %13.5E as Gaussian writes them).
void write_cube(const std::string& path, const Cube& cube);
/// Reads a Gaussian cube file (single data set, Bohr or Angstrom axes); errors name the file
/// and the line.
Cube read_cube(const std::string& path);

/// Values on points for cube files: the total density ρ (e/Bohr³), an orbital (spin 0 = α,
/// 1 = β; 0-based index), or the electrostatic potential (Hartree/e).
std::vector<double> density_at(const scf::Wavefunction& wfn, const std::vector<std::array<double, 3>>& points);
std::vector<double> orbital_at(const scf::Wavefunction& wfn, int spin, int index,
                               const std::vector<std::array<double, 3>>& points);
std::vector<double> esp_at(const scf::Wavefunction& wfn, const std::vector<std::array<double, 3>>& points);

}  // namespace cagescreen::descriptors
