#pragma once
// Harmonic frequencies from a finite-difference Hessian and ideal-gas rigid-rotor harmonic-
// oscillator (RRHO) thermochemistry: the thermal and zero-point corrections of `redox --thermal`
// (docs/redox.md). The same formulas as psi4's thermo() (McQuarrie, Statistical Mechanics):
// translations at the standard pressure, rigid rotor with the rotational symmetry number, every
// real mode a harmonic oscillator (no quasi-RRHO treatment of low modes), electronic entropy
// k ln(2S+1). Masses are the standard atomic weights of molecules/elements (natural abundance;
// psi4, Gaussian and xtb use the most abundant isotope by default).
#include <Eigen/Dense>
#include <functional>
#include <string>
#include <vector>

#include "molecules/molecule.hpp"
#include "scf/optimizer.hpp"

namespace cagescreen::workflows {

/// The Hessian (3N × 3N, Eh/Bohr²) by central differences of the gradient with displacements of
/// `step` Bohr along each Cartesian coordinate (6N gradients), symmetrised.
Eigen::MatrixXd finite_difference_hessian(const molecules::Molecule& mol,
                                          const std::function<scf::EnergyGradient(const molecules::Molecule&)>& f,
                                          double step = 0.005);

/// Normal modes of a Hessian with translations and rotations projected out.
struct Vibrations {
  std::vector<double> wavenumbers;  ///< cm⁻¹, ascending; imaginary modes as negative numbers
  int imaginary = 0;                ///< modes below −20 cm⁻¹ (smaller ones count as numerical noise)
  bool linear = false;
};

/// Harmonic analysis of `hessian` (Cartesian, Eh/Bohr²) at the geometry of `mol`: mass-weighted,
/// the translations and rotations about the centre of mass removed exactly (3N − 6 modes, 3N − 5
/// for linear molecules).
Vibrations harmonic_analysis(const molecules::Molecule& mol, const Eigen::MatrixXd& hessian);

/// The rotational symmetry number σ: the number of proper rotations that map the nuclei onto
/// themselves (H2O 2, NH3 3, CH4 12, benzene 12; linear: 2 with a centre of inversion, else 1).
/// Positions within `tolerance` Bohr count as the same.
int rotational_symmetry_number(const molecules::Molecule& mol, double tolerance = 0.05);

/// RRHO thermochemistry of an ideal gas at `temperature` (K) and `pressure` (Pa), per molecule,
/// atomic units. Imaginary modes are left out (and counted in Vibrations).
struct Thermochemistry {
  double temperature = 298.15, pressure = 101325.0;
  int symmetry_number = 1;
  double zpe = 0.0;          ///< Σ ω/2, Eh
  double thermal_energy = 0.0;  ///< E(T) − E_el: ZPE + vibrational, rotational, translational energy
  double enthalpy = 0.0;     ///< thermal_energy + kT
  double entropy = 0.0;      ///< Eh/K (electronic + translational + rotational + vibrational)
  double s_electronic = 0.0, s_translational = 0.0, s_rotational = 0.0, s_vibrational = 0.0;  ///< Eh/K
  double gibbs = 0.0;        ///< enthalpy − T·entropy: add to the electronic energy for G
};

Thermochemistry rrho(const molecules::Molecule& mol, const Vibrations& vib, double temperature = 298.15,
                     double pressure = 101325.0);

}  // namespace cagescreen::workflows
