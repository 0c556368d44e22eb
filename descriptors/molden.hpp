#pragma once
#include <ostream>
#include <string>

#include "scf/wavefunction.hpp"

namespace cagescreen::descriptors {

/// Writes the wavefunction in Molden format (atoms in Bohr, [GTO] with contraction coefficients
/// of normalised primitives scaled so each contracted function is normalised, [MO] for both
/// spins). Spherical shells are written in Molden's order (m = 0, +1, −1, +2, −2, ...) with [5D]
/// (and [9G]); 6D 7F sets are flagged [7F]; Cartesian functions are written in Molden's order
/// (d: xx yy zz xy xz yz, ...), every component normalised like x^l (as Gaussian, libint2 and
/// psi4's Molden writer have them).
void write_molden(const scf::Wavefunction& wfn, std::ostream& out);
void write_molden(const scf::Wavefunction& wfn, const std::string& path);

}  // namespace cagescreen::descriptors
