#pragma once
#include <vector>

#include "scf/wavefunction.hpp"

namespace cagescreen::descriptors {

/// Hirshfeld charges (Theor. Chim. Acta 44, 129 (1977)): q_A = Z_A − ∫ w_A ρ, with
/// w_A = ρ⁰_A / Σ_B ρ⁰_B from spherically averaged free neutral atoms in their ground-state
/// multiplicity, computed by our own engine at the wavefunction's level (method, basis, shell
/// type, grid); integrated on the `fine` molecular grid.
struct HirshfeldResult {
  std::vector<double> charges;  ///< e, per atom in input order
  double electrons = 0.0;       ///< ∫ρ on the integration grid (a check: N)
};

HirshfeldResult hirshfeld_charges(const scf::Wavefunction& wfn);

/// Ground-state spin multiplicity of the free neutral atom (Hund's rules; H–Kr). Throws InputError
/// beyond Kr.
int atomic_ground_multiplicity(int Z);

}  // namespace cagescreen::descriptors
