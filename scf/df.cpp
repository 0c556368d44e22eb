#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "molecules/error.hpp"
#include "scf/detail/integral_store.hpp"
#include "scf/detail/libint.hpp"
#include "scf/jk.hpp"
#include "scf/tolerances.hpp"

namespace cagescreen::scf {

namespace {
using Eigen::MatrixXd;
using libint2::BraKet;
using libint2::Operator;

/// Start of column n in the packed lower triangle (LAPACK 'L' order: column by column, each from
/// the diagonal down), so that one column of a symmetric matrix is one contiguous run.
inline std::size_t packed_column(std::size_t n, std::size_t nbf) { return n * nbf - n * (n - 1) / 2; }

/// [begin, end) of chunk `c` of `n` items split into `parts` nearly equal chunks.
inline std::pair<Eigen::Index, Eigen::Index> chunk(Eigen::Index n, int parts, int c) {
  const Eigen::Index base = n / parts, extra = n % parts;
  const Eigen::Index begin = c * base + std::min<Eigen::Index>(c, extra);
  return {begin, begin + base + (c < extra ? 1 : 0)};
}
/// D = Σ_k s_k W_k W_kᵀ (s_k = ±1) up to `cut` per element. A positive semidefinite D (every SCF
/// density) takes a pivoted Cholesky factorisation, O(nbf · rank²); an indefinite one (a density
/// difference), found by the residual check, its eigenvectors, O(nbf³).
void factor(const MatrixXd& D, std::vector<MatrixXd>& W, std::vector<double>& sign) {
  constexpr double cut = tolerance::fitting_density_factor;
  const Eigen::Index n = D.rows();
  W.clear();
  sign.clear();
  {
    MatrixXd L(n, std::min<Eigen::Index>(n, 64));
    Eigen::VectorXd diag = D.diagonal();
    Eigen::Index r = 0;
    bool semidefinite = true;
    while (r < n) {
      Eigen::Index p;
      const double d = diag.maxCoeff(&p);
      if (d <= cut) break;
      if (r == L.cols()) L.conservativeResize(n, std::min<Eigen::Index>(n, 2 * L.cols()));
      L.col(r) = (D.col(p) - L.leftCols(r) * L.row(p).head(r).transpose()) / std::sqrt(d);
      diag -= L.col(r).cwiseAbs2();
      ++r;
    }
    if (diag.minCoeff() < -cut) semidefinite = false;
    if (semidefinite && r > 0) {
      const MatrixXd residual = D - L.leftCols(r) * L.leftCols(r).transpose();
      semidefinite = residual.cwiseAbs().maxCoeff() <= 10 * cut;
    }
    if (semidefinite) {
      if (r > 0) {
        W.push_back(L.leftCols(r));
        sign.push_back(1.0);
      }
      return;
    }
  }
  Eigen::SelfAdjointEigenSolver<MatrixXd> es(D);
  const auto& lambda = es.eigenvalues();
  for (double s : {1.0, -1.0}) {
    std::vector<Eigen::Index> keep;
    for (Eigen::Index i = 0; i < lambda.size(); ++i)
      if (s * lambda(i) > cut) keep.push_back(i);
    if (keep.empty()) continue;
    MatrixXd w(n, static_cast<Eigen::Index>(keep.size()));
    for (std::size_t k = 0; k < keep.size(); ++k)
      w.col(k) = es.eigenvectors().col(keep[k]) * std::sqrt(std::abs(lambda(keep[k])));
    W.push_back(std::move(w));
    sign.push_back(s);
  }
}
}  // namespace

struct DensityFittedJK::Impl {
  int nbf = 0, naux = 0, nthreads = 1;
  std::size_t npf = 0;  // packed pairs nbf(nbf+1)/2
  detail::IntegralStore store;  // B's memory, on huge pages: first-touching 1 GiB of small pages
                                // took seconds on the development VM
  Eigen::Map<MatrixXd> B{nullptr, 0, 0};  // npf × naux: column Q is B^Q in packed lower-triangle order
  MatrixXd L;                              // Cholesky factor of the metric, V = L Lᵀ
  BasisSet aux_basis;
  double setup_seconds = 0.0;

  Impl(const BasisSet& basis, const BasisSet& aux, int threads) : aux_basis(aux) {
    const auto t0 = std::chrono::steady_clock::now();
    nthreads = threads > 0 ? threads : omp_get_max_threads();
    nbf = basis.nbf;
    naux = aux.nbf;
    npf = std::size_t(nbf) * (nbf + 1) / 2;
    const auto obs = detail::to_libint(basis);
    const auto dfbs = detail::to_libint(aux);
    const int max_l = std::max(basis.max_l, aux.max_l);
    const int max_nprim = std::max(basis.max_nprim, aux.max_nprim);
    const auto unit = libint2::Shell::unit();

    // Two-centre metric V_PQ = (P|Q).
    MatrixXd V(naux, naux);
    {
      // The bra-ket type goes to the constructor: its angular-momentum check depends on it
      // (three-centre integrals reach higher L than four-centre ones).
      libint2::Engine prototype(Operator::coulomb, max_nprim, max_l, 0, 0.0, libint2::default_params(Operator::coulomb),
                                BraKet::xs_xs);
      std::vector<libint2::Engine> engines(nthreads, prototype);
      const int na = static_cast<int>(dfbs.size());
#pragma omp parallel for num_threads(nthreads) schedule(dynamic)
      for (int p = 0; p < na; ++p) {
        auto& engine = engines[omp_get_thread_num()];
        const auto& buf = engine.results();
        for (int q = 0; q <= p; ++q) {
          engine.compute2<Operator::coulomb, BraKet::xs_xs, 0>(dfbs[p], unit, dfbs[q], unit);
          const int np = dfbs[p].size(), nq = dfbs[q].size();
          const int op = aux.offsets[p], oq = aux.offsets[q];
          for (int i = 0; i < np; ++i)
            for (int j = 0; j < nq; ++j) {
              const double v = buf[0] ? buf[0][i * nq + j] : 0.0;
              V(op + i, oq + j) = v;
              V(oq + j, op + i) = v;
            }
        }
      }
    }
    Eigen::LLT<MatrixXd> llt(V);
    if (llt.info() != Eigen::Success)
      throw InputError("auxiliary basis '" + aux.name +
                       "': the Coulomb metric is not positive definite (linearly dependent fitting functions)");
    L = llt.matrixL();
    if (L.diagonal().minCoeff() < tolerance::fitting_metric_pivot * L.diagonal().maxCoeff())
      throw InputError("auxiliary basis '" + aux.name + "': the Coulomb metric is nearly singular");

    // Three-centre integrals (P|pq), p ≥ q, into column P; then B = (P|pq) L⁻ᵀ row by row.
    if (!store.allocate(npf * std::size_t(naux))) throw std::bad_alloc();
    new (&B) Eigen::Map<MatrixXd>(store.data(), static_cast<Eigen::Index>(npf), naux);
    {
      libint2::Engine prototype(Operator::coulomb, max_nprim, max_l, 0, tolerance::fitting_integrals, libint2::default_params(Operator::coulomb),
                                BraKet::xs_xx);
      std::vector<libint2::Engine> engines(nthreads, prototype);
      const int na = static_cast<int>(dfbs.size()), ns = static_cast<int>(obs.size());
      // Primitive-pair data of every orbital shell pair, computed once instead of in every call
      // (it took half of the three-centre time); pairs with no significant primitive pair vanish.
      std::vector<std::pair<int, int>> pairs;
      for (int s1 = 0; s1 < ns; ++s1)
        for (int s2 = 0; s2 <= s1; ++s2) pairs.push_back({s1, s2});
      std::vector<libint2::ShellPair> kets(pairs.size());
      const double ln_prec = std::log(tolerance::fitting_integrals);
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 16)
      for (std::size_t k = 0; k < pairs.size(); ++k) kets[k].init(obs[pairs[k].first], obs[pairs[k].second], ln_prec);
#pragma omp parallel for num_threads(nthreads) schedule(dynamic)
      for (int p = 0; p < na; ++p) {
        auto& engine = engines[omp_get_thread_num()];
        const auto& buf = engine.results();
        const int np = dfbs[p].size(), op = aux.offsets[p];
        // The bra's pair data too: libint2 expects both pairs or none (it asserts so in builds
        // with assertions, e.g. the sanitizer build).
        libint2::ShellPair bra;
        bra.init(dfbs[p], unit, ln_prec);
        for (std::size_t k = 0; k < pairs.size(); ++k) {
          const auto [s1, s2] = pairs[k];
          const double* ints = nullptr;
          if (!kets[k].primpairs.empty()) {
            engine.compute2<Operator::coulomb, BraKet::xs_xx, 0>(dfbs[p], unit, obs[s1], obs[s2], &bra, &kets[k]);
            ints = buf[0];
          }
          const int n1 = obs[s1].size(), n2 = obs[s2].size();
          const int o1 = basis.offsets[s1], o2 = basis.offsets[s2];
          for (int i = 0; i < np; ++i) {
            double* col = B.col(op + i).data();
            const double* v = ints ? ints + std::size_t(i) * n1 * n2 : nullptr;
            for (int f1 = 0; f1 < n1; ++f1)
              for (int f2 = 0; f2 < n2; ++f2) {
                const int m = o1 + f1, n = o2 + f2;  // m ≥ n except within a diagonal block
                if (m < n) continue;
                col[packed_column(n, nbf) + (m - n)] = v ? v[f1 * n2 + f2] : 0.0;
              }
          }
        }
      }
    }
    const auto Lt = L.transpose();
#pragma omp parallel num_threads(nthreads)
    {
      const auto [r0, r1] = chunk(B.rows(), omp_get_num_threads(), omp_get_thread_num());
      auto rows = B.middleRows(r0, r1 - r0);
      Lt.triangularView<Eigen::Upper>().solveInPlace<Eigen::OnTheRight>(rows);
    }
    setup_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  /// The densities packed as B's rows, off-diagonal elements doubled.
  MatrixXd pack(const std::vector<MatrixXd>& D) const {
    const int nd = static_cast<int>(D.size());
    MatrixXd Dp(static_cast<Eigen::Index>(npf), nd);
    for (int d = 0; d < nd; ++d)
      for (int n = 0; n < nbf; ++n) {
        const std::size_t c = packed_column(n, nbf);
        Dp(c, d) = D[d](n, n);
        for (int m = n + 1; m < nbf; ++m) Dp(c + (m - n), d) = D[d](m, n) + D[d](n, m);
      }
    return Dp;
  }

  /// Σ_Q x_Q B^Q as a symmetric nbf × nbf matrix.
  MatrixXd expand(const Eigen::VectorXd& x) const {
    Eigen::VectorXd p(static_cast<Eigen::Index>(npf));
#pragma omp parallel num_threads(nthreads)
    {
      const auto [r0, r1] = chunk(B.rows(), omp_get_num_threads(), omp_get_thread_num());
      p.segment(r0, r1 - r0).noalias() = B.middleRows(r0, r1 - r0) * x;
    }
    MatrixXd M(nbf, nbf);
    for (int n = 0; n < nbf; ++n) {
      const std::size_t c = packed_column(n, nbf);
      for (int m = n; m < nbf; ++m) M(m, n) = M(n, m) = p(c + (m - n));
    }
    return M;
  }

  void coulomb(const std::vector<MatrixXd>& D, std::vector<MatrixXd>& J) const {
    const int nd = static_cast<int>(D.size());
    const MatrixXd Dp = pack(D);
    MatrixXd gamma(naux, nd), Jp(static_cast<Eigen::Index>(npf), nd);
#pragma omp parallel num_threads(nthreads)
    {
      const auto [q0, q1] = chunk(naux, omp_get_num_threads(), omp_get_thread_num());
      gamma.middleRows(q0, q1 - q0).noalias() = B.middleCols(q0, q1 - q0).transpose() * Dp;
#pragma omp barrier
      const auto [r0, r1] = chunk(B.rows(), omp_get_num_threads(), omp_get_thread_num());
      Jp.middleRows(r0, r1 - r0).noalias() = B.middleRows(r0, r1 - r0) * gamma;
    }
    J.assign(nd, MatrixXd(nbf, nbf));
    for (int d = 0; d < nd; ++d)
      for (int n = 0; n < nbf; ++n) {
        const std::size_t c = packed_column(n, nbf);
        for (int m = n; m < nbf; ++m) J[d](m, n) = J[d](n, m) = Jp(c + (m - n), d);
      }
  }

  /// K[D] = Σ_Q B^Q D B^Q with D = Σ_k s_k W_k W_kᵀ (s_k = ±1).
  MatrixXd exchange(const MatrixXd& D) const {
    std::vector<MatrixXd> W;
    std::vector<double> sign;
    factor(D, W, sign);
    std::vector<MatrixXd> Kt(nthreads, MatrixXd::Zero(nbf, nbf));
#pragma omp parallel num_threads(nthreads)
    {
      MatrixXd& K = Kt[omp_get_thread_num()];
      MatrixXd M = MatrixXd::Zero(nbf, nbf);  // B^Q, lower triangle
      for (std::size_t f = 0; f < W.size(); ++f) {
        const int r = static_cast<int>(W[f].cols());
        // Several Q per rank update keeps the update a matrix-matrix product.
        const int batch = std::max(1, 256 / r);
        MatrixXd X(nbf, batch * r);
        int filled = 0;
#pragma omp for schedule(dynamic, 4)
        for (int Q = 0; Q < naux; ++Q) {
          const double* col = B.col(Q).data();
          for (int n = 0; n < nbf; ++n)
            std::copy(col + packed_column(n, nbf), col + packed_column(n, nbf) + (nbf - n), &M(n, n));
          X.middleCols(filled * r, r).noalias() = M.selfadjointView<Eigen::Lower>() * W[f];
          if (++filled == batch) {
            K.selfadjointView<Eigen::Lower>().rankUpdate(X, sign[f]);
            filled = 0;
          }
        }
        if (filled > 0) K.selfadjointView<Eigen::Lower>().rankUpdate(X.leftCols(filled * r), sign[f]);
      }
    }
    MatrixXd K = Kt[0];
    for (int t = 1; t < nthreads; ++t) K += Kt[t];
    K.triangularView<Eigen::StrictlyUpper>() = K.transpose();
    return K;
  }
};

DensityFittedJK::DensityFittedJK(const BasisSet& basis, const BasisSet& aux, int threads)
    : impl_(std::make_unique<Impl>(basis, aux, threads)) {}
DensityFittedJK::~DensityFittedJK() = default;

void DensityFittedJK::compute(const std::vector<Eigen::MatrixXd>& D, std::vector<Eigen::MatrixXd>& J,
                              std::vector<Eigen::MatrixXd>& K, bool want_k) {
  impl_->coulomb(D, J);
  K.clear();
  if (want_k)
    for (const auto& d : D) K.push_back(impl_->exchange(d));
}

std::size_t DensityFittedJK::cached_bytes() const { return impl_->B.size() * sizeof(double); }
double DensityFittedJK::setup_seconds() const { return impl_->setup_seconds; }
const BasisSet& DensityFittedJK::aux() const { return impl_->aux_basis; }

Eigen::VectorXd DensityFittedJK::fit_density(const Eigen::MatrixXd& D) const {
  // γ = L⁻¹ (P|D) = Bᵀ D, then d = L⁻ᵀ γ.
  Eigen::VectorXd d = impl_->B.transpose() * impl_->pack({D}).col(0);
  impl_->L.transpose().triangularView<Eigen::Upper>().solveInPlace(d);
  return d;
}

Eigen::MatrixXd DensityFittedJK::fitted_operator(const Eigen::VectorXd& x) const {
  // xᵀd = (L⁻¹x)ᵀ γ and γ_Q = Σ_pq B^Q_pq D_pq.
  Eigen::VectorXd y = x;
  impl_->L.triangularView<Eigen::Lower>().solveInPlace(y);
  return impl_->expand(y);
}

std::size_t DensityFittedJK::bytes_needed(const BasisSet& basis, const BasisSet& aux) {
  return std::size_t(basis.nbf) * (basis.nbf + 1) / 2 * std::size_t(aux.nbf) * sizeof(double);
}

}  // namespace cagescreen::scf
