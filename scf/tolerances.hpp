#pragma once
// The engine's numerical settings in one place: the SCF defaults every command and the campaign
// manifest start from, and the screening thresholds of integrals, density fitting, DFT grids and
// the SAD guess (as psi4 documents INTS_TOLERANCE, DFT_BASIS_TOLERANCE, ...). A threshold that
// changes results is a setting (ScfSettings); these are the ones that only trade time for
// precision far below the convergence thresholds.
#include <cstddef>

namespace cagescreen::scf {

/// Defaults of ScfSettings, `cagescreen run`, `optimize` and the manifest's [level].
namespace defaults {
inline constexpr double e_convergence = 1e-8;  ///< |ΔE|, Eh (psi4's energy default)
inline constexpr double d_convergence = 1e-6;  ///< RMS orbital gradient
inline constexpr int max_iterations = 100;
inline constexpr double memory_mib = 2048;     ///< in-core integral budget
inline constexpr const char* basis = "6-31g*";
inline constexpr const char* grid = "default";  ///< DFT grid level (scf::parse_grid)
}  // namespace defaults

/// Ranges of the convergence settings accepted everywhere (scf::check_convergence, the command
/// line, the manifest): beyond them an SCF either cannot converge in double precision or stops
/// before it means anything.
namespace limits {
inline constexpr double e_convergence_min = 1e-14, e_convergence_max = 1e-2;  ///< Eh
inline constexpr double d_convergence_min = 1e-12, d_convergence_max = 1e-1;
inline constexpr int max_iterations_min = 1, max_iterations_max = 10000;
}  // namespace limits

namespace tolerance {
/// Schwarz bound below which a shell quartet is skipped (psi4 INTS_TOLERANCE 1e-12).
inline constexpr double schwarz = 1e-12;
/// Density-weighted screening target per quartet of direct builds, Eh.
inline constexpr double integral_precision = 1e-14;
/// Precision of libint2's three-centre engines and primitive-pair cut-off in density fitting.
inline constexpr double fitting_integrals = 1e-15;
/// Density fitting: elements of a density below this are dropped from its factorisation.
inline constexpr double fitting_density_factor = 1e-10;
/// Density fitting: the Coulomb metric counts as nearly singular when its smallest Cholesky pivot
/// is below this fraction of the largest.
inline constexpr double fitting_metric_pivot = 1e-7;
/// DFT grids: points whose weight is below this are dropped.
inline constexpr double grid_weight = 1e-15;
/// DFT: basis functions below this (value and gradient) on a whole batch are dropped (psi4's
/// DFT_BASIS_TOLERANCE): at 1e-8 the o-carborane B3LYP/def2-SVP energy moves by 1e-9 Eh from
/// 1e-10 and the products shrink by 15%.
inline constexpr double basis_value = 1e-8;
/// DFT: a shell's extent is the radius beyond which it is below this (XC energy, potential and
/// gradient).
inline constexpr double shell_extent = 1e-10;
/// The same for basis-function values on arbitrary points (scf::basis_values: densities and
/// orbitals of cube files).
inline constexpr double shell_extent_values = 1e-12;
/// SAD guess: the atomic SCF stops when the energy changes by less than sad_energy (Eh) and the
/// orbital gradient norm is below sad_gradient; its J/K screening target.
inline constexpr double sad_energy = 1e-9;
inline constexpr double sad_gradient = 1e-6;
inline constexpr double sad_integral_precision = 1e-12;
/// SAD guess: orbital energies closer than this (Eh) share their electrons (spherical averaging).
inline constexpr double sad_degenerate = 1e-5;
}  // namespace tolerance

}  // namespace cagescreen::scf
