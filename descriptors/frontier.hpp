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
};

Frontier frontier_orbitals(const scf::Wavefunction& wfn);

}  // namespace cagescreen::descriptors
