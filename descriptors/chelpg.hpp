#pragma once
#include <array>
#include <optional>
#include <vector>

#include "molecules/molecule.hpp"
#include "molecules/units.hpp"
#include "scf/wavefunction.hpp"

namespace cagescreen::descriptors {

/// CHELPG fitting points (Breneman & Wiberg, J. Comput. Chem. 11, 361 (1990)): a cubic lattice
/// of `spacing` (Bohr; 0.3 Å by default) over the box `extent` beyond the nuclei, keeping points
/// outside every atom's CHELPG radius and within `extent` (2.8 Å) of at least one nucleus.
/// Radii: H 1.45, C 1.50, N 1.70, O 1.70 Å (Breneman–Wiberg), other elements their
/// van der Waals radius from molecules/elements.
std::vector<std::array<double, 3>> chelpg_points(const molecules::Molecule& mol, double spacing = 0.3 * units::angstrom_in_bohr,
                                                 double extent = 2.8 * units::angstrom_in_bohr);

/// Atom-centred point charges fitted by least squares to potentials V at points (atomic units),
/// with Σq = total_charge exactly and, when given, the dipole Σ q_A (R_A − origin) = dipole
/// exactly (Lagrange multipliers; redundant constraints, e.g. out of plane for planar molecules,
/// are handled by a rank-revealing solve).
struct DipoleConstraint {
  std::array<double, 3> origin{}, dipole{};  ///< Bohr, e·Bohr
};
std::vector<double> fit_charges(const molecules::Molecule& mol, const std::vector<std::array<double, 3>>& points,
                                const std::vector<double>& V, double total_charge,
                                const std::optional<DipoleConstraint>& dipole);

/// CHELPG charges of a wavefunction with the total-charge and dipole constraints.
struct ChelpgResult {
  std::vector<double> charges;  ///< e, per atom in input order
  std::size_t points = 0;
  double rms = 0.0;             ///< RMS of (fit − ESP) over the points, Hartree/e
};
ChelpgResult chelpg_charges(const scf::Wavefunction& wfn, int threads = 0);

}  // namespace cagescreen::descriptors
