#pragma once
#include <array>
#include <functional>
#include <string>
#include <vector>

#include "descriptors/cube.hpp"
#include "scf/wavefunction.hpp"

namespace cagescreen::descriptors {

/// Values of a scalar field at points (Bohr).
using Field = std::function<std::vector<double>(const std::vector<std::array<double, 3>>&)>;

/// A closed triangulated surface, triangles oriented outwards (counter-clockwise seen from outside).
struct Mesh {
  std::vector<std::array<double, 3>> vertices;  ///< Bohr
  std::vector<std::array<int, 3>> triangles;
  double area() const;    ///< Bohr²
  double volume() const;  ///< enclosed volume, Bohr³ (divergence theorem)
  /// Vertices sharing a triangle edge with each vertex.
  std::vector<std::vector<int>> neighbours() const;
};

/// The isosurface f = iso of a field sampled on `grid` (`values`, k fastest; f > iso inside) by
/// marching tetrahedra (six per cell, split along the cell's main diagonal, so neighbouring cells
/// agree). Edge crossings are first interpolated in ln f (exact for an exponential), then moved
/// onto the true isosurface of `field` along the edge by regula falsi when `field` is given.
Mesh isosurface(const CubeGrid& grid, const std::vector<double>& values, double iso, const Field& field = nullptr);

/// A local extremum of the ESP on the surface.
struct SurfaceExtremum {
  std::array<double, 3> position{};  ///< Bohr
  double value = 0.0;                ///< Hartree/e
  int nearest_atom = 0;              ///< 0-based
  bool maximum = true;
};

/// Quantitative molecular surface analysis (Lu & Chen, J. Mol. Graph. Model. 38, 314 (2012);
/// Politzer's GIPF descriptors). Facet values are the mean of their three vertices, and every
/// average and variance is area-weighted over facets (a surface integral, not a vertex count).
struct SurfaceStatistics {
  double area = 0.0, volume = 0.0;                  ///< Bohr², Bohr³
  double positive_area = 0.0, negative_area = 0.0;  ///< Bohr²
  double vs_max = 0.0, vs_min = 0.0;                ///< global extrema, Hartree/e
  int vs_max_atom = 0, vs_min_atom = 0;             ///< atom nearest to each (0-based)
  std::array<double, 3> vs_max_position{}, vs_min_position{};
  double average = 0.0, average_positive = 0.0, average_negative = 0.0;  ///< Hartree/e
  double sigma2_positive = 0.0, sigma2_negative = 0.0, sigma2_total = 0.0;  ///< (Hartree/e)²
  double nu = 0.0;  ///< balance of charges σ²+σ²−/σ²tot²
  double pi = 0.0;  ///< internal charge separation, mean |V − V̄|, Hartree/e
  std::vector<SurfaceExtremum> maxima, minima;  ///< local extrema, most extreme first
};

/// Settings of the ESP surface analysis.
struct SurfaceSettings {
  double isovalue = 0.001;  ///< e/Bohr³ (Bader's van der Waals surface)
  double spacing = 0.25;    ///< Bohr, marching-tetrahedra grid
  bool refine_extrema = true;  ///< move local extrema onto the exact surface maximum/minimum
  int threads = 0;
};

/// ESP surface of a molecule: the mesh, the ESP at its vertices and the statistics.
struct EspSurface {
  Mesh mesh;
  std::vector<double> esp;  ///< per vertex, Hartree/e
  SurfaceStatistics stats;
  double seconds_density = 0.0, seconds_esp = 0.0, seconds_total = 0.0;
};

/// Statistics of vertex values on a mesh, with local extrema (a vertex above/below all its
/// neighbours) located; atoms give the nearest-atom labels.
SurfaceStatistics surface_statistics(const Mesh& mesh, const std::vector<double>& values,
                                     const std::vector<molecules::Atom>& atoms);

/// The ρ = isovalue surface of the wavefunction's density with the ESP mapped on it. Extrema are
/// refined on the exact surface (projected gradient steps) and merged when they meet.
EspSurface esp_surface(const scf::Wavefunction& wfn, const SurfaceSettings& settings = {});

}  // namespace cagescreen::descriptors
