#pragma once
#include <Eigen/Dense>
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "molecules/molecule.hpp"
#include "scf/basis.hpp"
#include "scf/functional.hpp"
#include "scf/grid.hpp"

namespace cagescreen::scf {

/// libxc version string.
std::string libxc_version();

/// XC energy and potential for one density.
struct XCResult {
  double energy = 0.0;              ///< Exc, Hartree
  double electrons = 0.0;           ///< ∫ρ over the grid
  std::vector<Eigen::MatrixXd> V;   ///< per spin (one for unpolarised), (nbf × nbf)
};

/// Numerical integration of Exc and V^xc on a molecular grid. Points are processed in spatial
/// batches; each batch keeps only the shells whose extent reaches it, and the density and
/// potential are formed with matrix products over the batch's functions. OpenMP over batches.
class XCIntegrator {
 public:
  /// Basis-function values are recomputed in every build: on o-carborane B3LYP/def2-SVP keeping
  /// them (1.1 GiB) made the XC builds twice as slow (page faults and memory traffic) as
  /// recomputing them.
  XCIntegrator(const BasisSet& basis, const molecules::Molecule& mol, const Functional& f, const GridSpec& grid,
               bool polarized, int threads = 0);
  ~XCIntegrator();
  XCIntegrator(const XCIntegrator&) = delete;
  XCIntegrator& operator=(const XCIntegrator&) = delete;

  /// Unpolarised: D = {total density}. Polarised: D = {Dα, Dβ}.
  XCResult compute(const std::vector<Eigen::MatrixXd>& D) const;
  /// Nuclear gradient of Exc (natoms × 3, Eh/Bohr) for the densities D (as in compute): the basis
  /// functions move with their atoms, the grid does not (no grid-weight derivatives, as psi4
  /// 1.3.2). LDA and GGA functionals; throws InputError for meta-GGAs.
  Eigen::MatrixXd gradient(const std::vector<Eigen::MatrixXd>& D) const;
  std::size_t n_points() const;
  /// The XC kernel applied to density changes (linear response): for the ground-state spin
  /// densities D0 = {Dα, Dβ} and symmetric changes dD[k] = {δDα, δDβ}, returns
  /// δV[k] = {δVα, δVβ}, δVσ_μν = Σ_τ ∫∫ φμφν f_στ δρτ (with the gradient terms of GGAs), from
  /// libxc's second derivatives. Polarised integrators only (an RKS state is Dα = Dβ = D/2).
  /// Throws InputError for meta-GGAs and functionals without second derivatives in libxc.
  /// `beta_sign` ±1 says δDβ = ±δDα for every change (RKS singlet and triplet blocks: δDβ is
  /// not read, and only δVα is returned, the β one being ±δVα by symmetry); 0 the general case.
  /// The ground state's densities and derivatives on the grid are kept (23 doubles per point)
  /// for the next call with the same D0: a Davidson solver's later products skip them.
  std::vector<std::array<Eigen::MatrixXd, 2>> kernel(const std::array<Eigen::MatrixXd, 2>& D0,
                                                     const std::vector<std::array<Eigen::MatrixXd, 2>>& dD,
                                                     int beta_sign = 0) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Values of every basis function at `points` (Bohr): (npoints × nbf), OpenMP over chunks.
Eigen::MatrixXd basis_values(const BasisSet& basis, const std::vector<std::array<double, 3>>& points);

}  // namespace cagescreen::scf
