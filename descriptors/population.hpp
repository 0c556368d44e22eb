#pragma once
#include <array>
#include <cmath>
#include <vector>

#include "scf/wavefunction.hpp"

namespace cagescreen::descriptors {

/// Atomic charges (e) from the density matrix, per atom in input order. Spin populations
/// (Nα − Nβ per atom) are filled for UHF/UKS only.
struct Populations {
  std::vector<double> mulliken;       ///< Z_A − Σ_{μ∈A} (DS)_μμ
  std::vector<double> lowdin;         ///< Z_A − Σ_{μ∈A} (S^½ D S^½)_μμ
  std::vector<double> mulliken_spin;  ///< Σ_{μ∈A} ((Dα − Dβ)S)_μμ
  std::vector<double> lowdin_spin;
};

Populations population_analysis(const scf::Wavefunction& wfn);

/// Electric multipole moments of nuclei plus electrons, atomic units, about `origin`.
struct Multipoles {
  std::array<double, 3> origin{};      ///< Bohr: the centre of nuclear charge
  std::array<double, 3> dipole{};      ///< e·a0
  std::array<double, 6> quadrupole{};  ///< e·a0², Cartesian second moments xx, xy, xz, yy, yz, zz (not traceless)

  /// |μ|, e·a0.
  double dipole_norm() const { return std::hypot(dipole[0], dipole[1], dipole[2]); }
};

/// Moments about the centre of nuclear charge (where the dipole of a charged species is
/// conventionally referred; for neutral species the dipole does not depend on the origin).
Multipoles multipole_moments(const scf::Wavefunction& wfn);

}  // namespace cagescreen::descriptors
