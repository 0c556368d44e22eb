#pragma once
#include <array>
#include <string>
#include <vector>

#include "molecules/molecule.hpp"

namespace cagescreen::scf {

/// Size of an atom-centred integration grid.
struct GridSpec {
  std::string name = "default";  ///< level name or "R,A"
  int radial = 75;               ///< radial points per atom (Treutler–Ahlrichs M4)
  int angular = 302;             ///< Lebedev–Laikov points in the valence region
  bool prune = true;             ///< fewer angular points near the nucleus
  int radial_light = 0;          ///< radial points for H and He (0: `radial`)
  int outer_angular = 0;         ///< angular points beyond 3.5 Gill–Johnson–Pople radii (0: `angular`)
  /// Psi4-compatible quadrature (the ":psi4" suffix): psi4's per-element radial scale, Becke's
  /// partition with Treutler's size adjustment (psi4 DFT_NUCLEAR_SCHEME TREUTLER), angular grids
  /// aligned with the principal axes of the nuclear charge, no pruning. For like-for-like checks
  /// against psi4; the default (SSF partition, lab-frame grids) is cheaper to build.
  bool psi4 = false;
};

/// Named levels (radial × angular): coarse 50×194 (H, He 35 radial; 110 angular far out),
/// default 75×302 (H, He 50 radial; 146 angular far out), fine 99×590, ultrafine 150×974 (all
/// pruned near the nucleus), or "R,A" (unpruned, e.g. "99,590"); either may end in ":psi4"
/// (GridSpec::psi4, always unpruned). Throws InputError.
GridSpec parse_grid(const std::string& text);

/// Lebedev–Laikov rule with n points from data/grids: (x, y, z, w) with Σw = 4π.
/// Throws InputError for sizes that are not shipped.
const std::vector<std::array<double, 4>>& lebedev(int n);

/// Shipped Lebedev sizes, ascending.
const std::vector<int>& lebedev_sizes();

/// A batch of nearby points (for screening basis functions by distance).
struct GridBatch {
  std::size_t begin = 0, end = 0;   ///< range in MolecularGrid::points
  std::array<double, 3> center{};   ///< centre of the batch's bounding box, Bohr
  double radius = 0.0;              ///< half-diagonal of the bounding box, Bohr
};

/// Molecular integration grid: points (Bohr) and weights including the Becke partition.
struct MolecularGrid {
  GridSpec spec;
  std::vector<std::array<double, 3>> points;
  std::vector<double> weights;
  std::vector<GridBatch> batches;
};

/// Atom-centred grid: Treutler–Ahlrichs M4 radial quadrature (α = 0.6, per-element ξ), Lebedev
/// angular grids (pruned near the nucleus, and far out for coarse and default), Stratmann–Scuseria–Frisch partition
/// weights, points with negligible weight dropped, spatial batches of at most
/// `max_batch` points.
MolecularGrid build_grid(const molecules::Molecule& mol, const GridSpec& spec, std::size_t max_batch = 256);

}  // namespace cagescreen::scf
