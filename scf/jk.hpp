#pragma once
#include <Eigen/Dense>
#include <cstddef>
#include <memory>
#include <vector>

#include "scf/basis.hpp"
#include "scf/tolerances.hpp"

namespace cagescreen::scf {

/// Settings of the four-index J/K builder. Every threshold is a documented setting.
struct JKSettings {
  /// Shell quartets whose Schwarz bound Q12·Q34 is below this are never computed.
  double schwarz_threshold = tolerance::schwarz;
  /// Bytes of memory for keeping integrals in core; pairs beyond the budget are recomputed
  /// every build (direct). 0 disables the cache.
  std::size_t memory_bytes = static_cast<std::size_t>(defaults::memory_mib) << 20;
  /// Density-weighted screening target per quartet, Eh: quartets whose Schwarz bound times the
  /// largest density element they touch is below it are skipped (and libint2 screens primitives
  /// at it).
  double precision = tolerance::integral_precision;
  /// OpenMP threads (0: omp_get_max_threads()).
  int threads = 0;
  /// Range separation: 0 for the Coulomb operator 1/r, ω > 0 for the long-range erf(ωr)/r
  /// (used for the long-range exchange of range-separated hybrids), in 1/Bohr.
  double omega = 0.0;
};

/// Builds Coulomb and exchange matrices for a list of symmetric densities:
///
///   J[D]_pq = Σ_rs (pq|rs) D_rs        K[D]_pq = Σ_rs (pr|qs) D_rs
class JKBuilder {
 public:
  virtual ~JKBuilder() = default;
  /// For each symmetric density D[i] (nbf × nbf) returns J[i] and, when want_k, K[i].
  virtual void compute(const std::vector<Eigen::MatrixXd>& D, std::vector<Eigen::MatrixXd>& J,
                       std::vector<Eigen::MatrixXd>& K, bool want_k) = 0;
  /// Bytes of integrals held in memory.
  virtual std::size_t cached_bytes() const = 0;
  /// Whether builds from density differences (ΔD) pay off: true for screened four-index builds,
  /// false for fitted ones, whose cost does not fall with ΔD.
  virtual bool incremental() const = 0;
};

/// Coulomb and exchange matrices from four-index electron-repulsion integrals:
///
///   J[D]_pq = Σ_rs (pq|rs) D_rs        K[D]_pq = Σ_rs (pr|qs) D_rs
///
/// over unique shell quartets (8-fold permutational symmetry), Schwarz screening with
/// density weighting: a quartet is skipped when Q12·Q34·max|D| over its six shell-pair blocks is
/// below the requested precision. Integrals of as many shell pairs as fit in the memory budget
/// are kept in core after the first build; the rest are recomputed (direct). OpenMP with one
/// libint2 engine and one accumulator per thread, reduced at the end.
class FourIndexJK final : public JKBuilder {
 public:
  FourIndexJK(const BasisSet& basis, JKSettings settings = {});
  ~FourIndexJK() override;
  FourIndexJK(const FourIndexJK&) = delete;
  FourIndexJK& operator=(const FourIndexJK&) = delete;

  /// For each symmetric density D[i] (nbf × nbf) returns J[i] and, when want_k, K[i].
  /// Linear in D, so an incremental build passes ΔD and adds the result.
  void compute(const std::vector<Eigen::MatrixXd>& D, std::vector<Eigen::MatrixXd>& J,
               std::vector<Eigen::MatrixXd>& K, bool want_k) override;

  /// Bytes held by the in-core integral store.
  std::size_t cached_bytes() const override;
  bool incremental() const override { return true; }
  /// Fraction of the significant quartets' integrals held in core (0..1).
  double cached_fraction() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Coulomb and exchange matrices by density fitting (resolution of the identity) in the Coulomb
/// metric, with an auxiliary basis `aux`:
///
///   (pq|rs) ≈ Σ_PQ (pq|P) [V⁻¹]_PQ (Q|rs),   V_PQ = (P|Q),   V = L Lᵀ (Cholesky)
///
/// The fitted three-index tensor B^Q_pq = Σ_P [L⁻¹]_QP (P|pq) is computed once and kept in memory
/// (one triangle of pq per Q: naux · nbf(nbf+1)/2 doubles, see `bytes_needed`). Then
///   J[D] = Σ_Q B^Q (Σ_rs B^Q_rs D_rs)                  (RI-J: two matrix-vector products)
///   K[D] = Σ_Q (B^Q W)(B^Q W)ᵀ  for D = W Wᵀ            (RI-K: O(naux · nbf² · rank D))
/// where W factors D through its eigenvectors (negative eigenvalues, as in damped or difference
/// densities, are subtracted as a second factor). OpenMP over auxiliary functions.
class DensityFittedJK final : public JKBuilder {
 public:
  /// Throws InputError when the metric is not positive definite (a linearly dependent auxiliary
  /// basis) and std::bad_alloc when the tensor does not fit in memory.
  DensityFittedJK(const BasisSet& basis, const BasisSet& aux, int threads = 0);
  ~DensityFittedJK() override;
  DensityFittedJK(const DensityFittedJK&) = delete;
  DensityFittedJK& operator=(const DensityFittedJK&) = delete;

  void compute(const std::vector<Eigen::MatrixXd>& D, std::vector<Eigen::MatrixXd>& J,
               std::vector<Eigen::MatrixXd>& K, bool want_k) override;
  std::size_t cached_bytes() const override;
  bool incremental() const override { return false; }
  /// Seconds spent on the three-index integrals and the metric, once.
  double setup_seconds() const;

  /// The fitting basis.
  const BasisSet& aux() const;
  /// Coefficients of the density of D fitted in the Coulomb metric, ρ̃ = Σ_P d_P χ_P with
  /// d = V⁻¹ (P|D) (the fit J uses): the potential of ρ̃ anywhere is that of the fitting functions.
  Eigen::VectorXd fit_density(const Eigen::MatrixXd& D) const;
  /// The one-electron operator whose D-derivative pairs with a linear function of d: for
  /// x_P = ∫ χ_P v (a potential v integrated against each fitting function) it returns
  /// Σ_PQ (pq|P) [V⁻¹]_PQ x_Q, the fitted approximation of ⟨p|v|q⟩ and the exact derivative of
  /// xᵀd with respect to D_pq.
  Eigen::MatrixXd fitted_operator(const Eigen::VectorXd& x) const;

  /// Bytes of the fitted tensor for these bases (to decide before building it).
  static std::size_t bytes_needed(const BasisSet& basis, const BasisSet& aux);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cagescreen::scf
