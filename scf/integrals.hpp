#pragma once
#include <Eigen/Dense>
#include <array>
#include <memory>
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
/// (nbf × nbf) potential energy of an electron in the field of point charges (q, position in
/// Bohr): ⟨μ| −Σ q/|r − R| |ν⟩, Hartree (nuclear_matrix's operator with arbitrary charges).
Eigen::MatrixXd point_charge_matrix(const BasisSet& basis, const std::vector<std::pair<double, std::array<double, 3>>>& charges);
/// Core Hamiltonian H = T + V.
Eigen::MatrixXd core_hamiltonian(const BasisSet& basis, const molecules::Molecule& mol);

/// Multipole integrals about `origin` (Bohr): S, then ⟨μ|x|ν⟩, y, z, then xx, xy, xz, yy, yz, zz
/// (coordinates relative to the origin; positions, not charges: electrons contribute −Tr[D M]).
std::vector<Eigen::MatrixXd> multipole_matrices(const BasisSet& basis, const std::array<double, 3>& origin);

/// Molecular electrostatic potential (Hartree/e) of nuclei plus electrons (total density D) at
/// points (Bohr), by McMurchie–Davidson: built once per density (Hermite expansion of every
/// primitive pair contracted with D; pairs below 1e-15 dropped), then one Boys function and one
/// Hermite recursion per primitive pair and point. OpenMP over points.
class ElectrostaticPotential {
 public:
  ElectrostaticPotential(const BasisSet& basis, const molecules::Molecule& mol, const Eigen::MatrixXd& D);
  Eigen::VectorXd operator()(const std::vector<std::array<double, 3>>& points, int threads = 0) const;
  /// ∇V (points × 3, Eh/(e·Bohr)), the gradient of the potential with respect to the point.
  Eigen::MatrixXd gradient(const std::vector<std::array<double, 3>>& points, int threads = 0) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

/// ∂/∂R of Σ_i q_i V_el(s_i), V_el(s) = −Σ_μν D_μν ⟨μ|1/|r − s||ν⟩, with respect to the centres of the
/// basis functions (natoms × 3, by Shell::atom) at fixed points s_i: the basis-function part of a
/// continuum solvent's gradient. McMurchie–Davidson with ∂φ_a/∂A_x = 2α φ_{a+1x} − a_x φ_{a−1x}.
Eigen::MatrixXd point_charge_basis_gradient(const BasisSet& basis, int natoms, const Eigen::MatrixXd& D,
                                            const std::vector<std::array<double, 3>>& points, const Eigen::VectorXd& q,
                                            int threads = 0);

/// The electrons' potential energy in point charges at fixed positions, −Σ_i q_i ⟨μ|1/|r − s_i||ν⟩,
/// for charges that change while the positions stay (a solvent's surface charges in the SCF): the
/// transpose of ElectrostaticPotential's McMurchie–Davidson scheme, one Hermite recursion per
/// primitive pair and point, the same cost as evaluating the potential at the points.
class PointChargeOperator {
 public:
  PointChargeOperator(const BasisSet& basis, std::vector<std::array<double, 3>> points);
  Eigen::MatrixXd operator()(const Eigen::VectorXd& charges, int threads = 0) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

/// Coulomb potentials of single basis functions at points: A(k, μ) = ∫ χ_μ(r) / |r − C_k| dr
/// (points × functions), by McMurchie–Davidson. Meant for one-centre fitting bases, whose fitted
/// densities then have the potential A·d at the points.
Eigen::MatrixXd function_potentials(const BasisSet& basis, const std::vector<std::array<double, 3>>& points,
                                    int threads = 0);

/// ElectrostaticPotential(basis, mol, D)(points, threads).
Eigen::VectorXd electrostatic_potential(const BasisSet& basis, const molecules::Molecule& mol, const Eigen::MatrixXd& D,
                                        const std::vector<std::array<double, 3>>& points, int threads = 0);


/// Version string of the libint2 library in use.
const char* libint_version();

}  // namespace cagescreen::scf
