#pragma once
#include <Eigen/Dense>
#include <array>
#include <vector>

#include "molecules/molecule.hpp"
#include "scf/basis.hpp"

namespace cagescreen::scf {

/// (nbf × nbf) overlap matrix S.
Eigen::MatrixXd overlap_matrix(const BasisSet& basis);
/// (nbf × nbf) kinetic energy matrix T, Hartree.
Eigen::MatrixXd kinetic_matrix(const BasisSet& basis);
/// (nbf × nbf) nuclear attraction matrix V for point nuclei of `mol`, Hartree.
Eigen::MatrixXd nuclear_matrix(const BasisSet& basis, const molecules::Molecule& mol);
/// Core Hamiltonian H = T + V.
Eigen::MatrixXd core_hamiltonian(const BasisSet& basis, const molecules::Molecule& mol);

/// Multipole integrals about `origin` (Bohr): S, then ⟨μ|x|ν⟩, y, z, then xx, xy, xz, yy, yz, zz
/// (coordinates relative to the origin; positions, not charges: electrons contribute −Tr[D M]).
std::vector<Eigen::MatrixXd> multipole_matrices(const BasisSet& basis, const std::array<double, 3>& origin);

/// Version string of the libint2 library in use.
const char* libint_version();

}  // namespace cagescreen::scf
