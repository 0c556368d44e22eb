#pragma once
// Private to scf/: what builds the parts of a Fock matrix (J/K, XC, the continuum's coupling to
// the electrons), shared by the SCF iterations (scf.cpp) and the orbital-Hessian products of the
// stability analysis (stability.cpp), so that both see the same integrals at the same level.
#include <Eigen/Dense>
#include <array>
#include <memory>
#include <vector>

#include "molecules/molecule.hpp"
#include "scf/basis.hpp"
#include "scf/integrals.hpp"
#include "scf/jk.hpp"
#include "scf/scf.hpp"
#include "scf/xc.hpp"

namespace cagescreen::scf::detail {

/// What builds the two-electron and XC parts of the Fock matrix.
/// Shared pointers: the parts may come from (and stay in) ScfSettings::shared.
struct FockBuilders {
  std::shared_ptr<JKBuilder> jk;
  std::shared_ptr<FourIndexJK> jk_lr;  ///< erf-attenuated exchange of range-separated hybrids
  std::shared_ptr<XCIntegrator> xc;
  std::shared_ptr<XCIntegrator> xc_early;  ///< coarse grid of the first iterations (ScfSettings::coarse_grid_until)
};

/// The builders of `settings` for this molecule and basis (density fitting when asked, or by
/// default for DFT when the fitted tensor fits the budget). Records the integral mode, grid and
/// fitting details in wfn. `with_xc` false: J/K builders only (the stability analysis brings its
/// own kernel integrator and needs no SCF grid).
FockBuilders make_builders(const molecules::Molecule& mol, const BasisSet& basis, const ScfSettings& settings,
                           Wavefunction& wfn, bool with_xc = true);

/// The XC integrator of `functional` on `grid` (spin-polarised or not), from settings.shared when
/// it holds one for this geometry and basis, else built (and kept there).
std::shared_ptr<XCIntegrator> xc_integrator(const molecules::Molecule& mol, const BasisSet& basis,
                                            const ScfSettings& settings, const GridSpec& grid, bool polarized);

/// The continuum's coupling to the electrons at the cavity points: the potential of a density
/// there and the potential-energy matrix of charges sitting there. With a density-fitted J/K
/// builder both go through the fitted density (consistent with the fitted J; the exact ones cost
/// about 30× more per SCF iteration), else McMurchie–Davidson integrals over the orbital basis.
class SurfaceCoupling {
 public:
  /// `fitted` (may be null) must outlive this object.
  SurfaceCoupling(const BasisSet& basis, const molecules::Molecule& mol,
                  const std::vector<std::array<double, 3>>& points, const DensityFittedJK* fitted, int threads);
  /// V(s_k) of the total density D, with the nuclei's potential when `with_nuclei` (a density
  /// change's potential is without).
  Eigen::VectorXd potential(const Eigen::MatrixXd& D, bool with_nuclei = true) const;
  /// Whether potential and operator go through the fitted density.
  bool fitted() const { return fitted_ != nullptr; }
  /// V(s_k) of D (with the nuclei) from the orbital basis, fitted or not.
  Eigen::VectorXd exact_potential(const Eigen::MatrixXd& D) const;
  /// −Σ_k q_k ⟨μ|1/|r − s_k||ν⟩, the electrons' potential energy in the charges' field.
  Eigen::MatrixXd charge_operator(const Eigen::VectorXd& q) const;

 private:
  const BasisSet& basis_;
  const molecules::Molecule& mol_;
  std::vector<std::array<double, 3>> points_;
  const DensityFittedJK* fitted_;
  int threads_;
  Eigen::MatrixXd fitting_potentials_;  ///< ∫ χ_P / |r − s_k|, points × fitting functions
  Eigen::VectorXd nuclear_;             ///< Σ_A Z_A / |s_k − R_A|
  std::unique_ptr<PointChargeOperator> exact_;
};

}  // namespace cagescreen::scf::detail
