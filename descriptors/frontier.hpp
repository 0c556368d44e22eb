#pragma once
#include "scf/wavefunction.hpp"

namespace cagescreen::descriptors {

/// Frontier orbital energies, Hartree. For open shells HOMO is the highest occupied spin
/// orbital of either spin and LUMO the lowest unoccupied one.
struct Frontier {
  double homo = 0.0;
  double lumo = 0.0;
  double gap = 0.0;   ///< lumo − homo
  bool has_lumo = false;  ///< false when the basis has no virtual orbitals
  int homo_spin = 0, homo_index = -1;  ///< where they are: spin (0 α, 1 β) and 0-based orbital
  int lumo_spin = 0, lumo_index = -1;  ///< (α when both spins tie, as for closed shells)
};

Frontier frontier_orbitals(const scf::Wavefunction& wfn);

}  // namespace cagescreen::descriptors
