#pragma once
// Slow, independent implementations that the tests check the fast ones against. Not for
// production code (nothing outside tests/ includes this header).
#include <Eigen/Dense>
#include <array>
#include <vector>

#include "molecules/molecule.hpp"
#include "scf/basis.hpp"

namespace cagescreen::scf {

/// J and K from the full (nbf^4) integral list, no symmetry, no screening. Small molecules only.
void naive_jk(const BasisSet& basis, const Eigen::MatrixXd& D, Eigen::MatrixXd& J, Eigen::MatrixXd& K);

/// The electrostatic potential of ElectrostaticPotential from libint2's nuclear-attraction
/// integrals, one point charge per point (shell pairs whose |D| times Gaussian-product prefactor
/// is below 1e-14 skipped).
Eigen::VectorXd electrostatic_potential_libint(const BasisSet& basis, const molecules::Molecule& mol,
                                               const Eigen::MatrixXd& D, const std::vector<std::array<double, 3>>& points,
                                               int threads = 0);

/// function_potentials from libint2's nuclear-attraction integrals of each function with a unit
/// s function, one point charge per point.
Eigen::MatrixXd function_potentials_libint(const BasisSet& basis, const std::vector<std::array<double, 3>>& points);

}  // namespace cagescreen::scf
