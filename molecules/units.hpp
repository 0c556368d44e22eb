#pragma once
/// Physical constants and unit conversions (CODATA 2018). Everything inside cagescreen is in
/// atomic units (Bohr, Hartree); convert only when reading input or writing output.
namespace cagescreen::units {

/// Bohr radius in Angstrom (CODATA 2018: 0.529177210903(80) Å).
inline constexpr double bohr_in_angstrom = 0.529177210903;
inline constexpr double angstrom_in_bohr = 1.0 / bohr_in_angstrom;
/// Hartree energy in eV (CODATA 2018: 27.211386245988(53) eV).
inline constexpr double hartree_in_ev = 27.211386245988;
/// Hartree in kcal/mol (CODATA 2018 Hartree in J times Avogadro / 4184).
inline constexpr double hartree_in_kcal_per_mol = 627.5094740631;
/// Boltzmann constant in Hartree per kelvin (CODATA 2018 k_B / E_h).
inline constexpr double boltzmann_hartree_per_kelvin = 3.1668115634556e-6;
/// Atomic unit of electric dipole moment (e·a0) in Debye.
inline constexpr double au_dipole_in_debye = 2.541746473;

}  // namespace cagescreen::units
