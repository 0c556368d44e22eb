#include "scf/jk.hpp"
#include "scf/reference_implementations.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "scf/detail/integral_store.hpp"
#include "scf/detail/libint.hpp"

namespace cagescreen::scf {

namespace {
constexpr std::size_t not_cached = std::numeric_limits<std::size_t>::max();
using libint2::BraKet;
using libint2::Operator;
}  // namespace

// Adds one unique quartet's contributions. Matrices are addressed as row-major [row*nbf + col];
// only one triangle is written per permutation, the caller symmetrises.
template <bool WithK>
inline void accumulate(const double* __restrict ints, double deg, const double* __restrict Dd,
                       double* __restrict Jd, double* __restrict Kd, int nbf, int o1, int o2, int o3,
                       int o4, int n1, int n2, int n3, int n4) {
  for (int f1 = 0, f1234 = 0; f1 < n1; ++f1) {
    const int b1 = o1 + f1;
    const double* D1 = Dd + b1 * nbf;
    double* K1 = WithK ? Kd + b1 * nbf : nullptr;
    for (int f2 = 0; f2 < n2; ++f2) {
      const int b2 = o2 + f2;
      const double* D2 = Dd + b2 * nbf;
      double* K2 = WithK ? Kd + b2 * nbf : nullptr;
      const double D12 = D1[b2] * deg;
      double j12 = 0.0;
      for (int f3 = 0; f3 < n3; ++f3, f1234 += n4) {
        const int b3 = o3 + f3;
        const double* D3 = Dd + b3 * nbf + o4;
        double* J3 = Jd + b3 * nbf + o4;
        const double* v = ints + f1234;
        const double D13 = D1[b3] * deg, D23 = D2[b3] * deg;
        double k13 = 0.0, k23 = 0.0;
        for (int f4 = 0; f4 < n4; ++f4) {
          j12 += D3[f4] * v[f4];
          J3[f4] += D12 * v[f4];
          if constexpr (WithK) {
            k13 += D2[o4 + f4] * v[f4];
            k23 += D1[o4 + f4] * v[f4];
            K2[o4 + f4] += D13 * v[f4];
            K1[o4 + f4] += D23 * v[f4];
          }
        }
        if constexpr (WithK) {
          K1[b3] += k13 * deg;
          K2[b3] += k23 * deg;
        }
      }
      Jd[b1 * nbf + b2] += j12 * deg;
    }
  }
}


struct FourIndexJK::Impl {
  BasisSet basis;
  JKSettings settings;
  std::vector<libint2::Shell> shells;
  int nthreads = 1;
  Eigen::MatrixXd Q;  // Schwarz factors per shell pair: sqrt(max |(ab|ab)|)
  struct Pair {
    int s1, s2;
    double q;
  };
  std::vector<Pair> pairs;                 // significant pairs, s2 <= s1
  std::vector<std::size_t> cache_offset;   // per pair: start of its block, or not_cached
  detail::IntegralStore cache;
  bool cache_filled = false;
  std::size_t significant_doubles = 0;

  // One engine per thread, copied from a prototype built here in serial code: libint2's engine
  // constructor sets up shared Boys-function tables and must not run concurrently.
  std::vector<libint2::Engine> engines;

  Impl(const BasisSet& b, JKSettings s) : basis(b), settings(s), shells(detail::to_libint(b)) {
    nthreads = settings.threads > 0 ? settings.threads : omp_get_max_threads();
    libint2::Engine prototype(settings.omega > 0 ? Operator::erf_coulomb : Operator::coulomb, basis.max_nprim,
                              basis.max_l, 0);
    if (settings.omega > 0) prototype.set_params(settings.omega);
    engines.assign(nthreads, prototype);
    schwarz();
    plan_cache();
  }

  void schwarz() {
    const int ns = static_cast<int>(shells.size());
    Q = Eigen::MatrixXd::Zero(ns, ns);
#pragma omp parallel num_threads(nthreads)
    {
      auto& engine = engines[omp_get_thread_num()];
      engine.set_precision(0.0);  // Schwarz factors without primitive screening
      const auto& buf = engine.results();
#pragma omp for schedule(dynamic)
      for (int s1 = 0; s1 < ns; ++s1)
        for (int s2 = 0; s2 <= s1; ++s2) {
          eri(engine, s1, s2, s1, s2);
          double m = 0.0;
          if (buf[0]) {
            const int n12 = shells[s1].size() * shells[s2].size();
            for (int i = 0; i < n12 * n12; ++i) m = std::max(m, std::abs(buf[0][i]));
          }
          Q(s1, s2) = Q(s2, s1) = std::sqrt(m);
        }
    }
    const double qmax = Q.maxCoeff();
    for (int s1 = 0; s1 < ns; ++s1)
      for (int s2 = 0; s2 <= s1; ++s2)
        if (Q(s1, s2) * qmax >= settings.schwarz_threshold) pairs.push_back({s1, s2, Q(s1, s2)});
  }

  /// (s1 s2|s3 s4) with this builder's operator, into engine.results()[0].
  void eri(libint2::Engine& engine, int s1, int s2, int s3, int s4) const {
    if (settings.omega > 0)
      engine.compute2<Operator::erf_coulomb, BraKet::xx_xx, 0>(shells[s1], shells[s2], shells[s3], shells[s4]);
    else
      engine.compute2<Operator::coulomb, BraKet::xx_xx, 0>(shells[s1], shells[s2], shells[s3], shells[s4]);
  }

  std::size_t pair_size(const Pair& p) const { return shells[p.s1].size() * shells[p.s2].size(); }

  // Decides which pairs keep their quartets (q <= p) in core within the budget. Pairs whose
  // integrals are dearest to recompute per stored value go first: the cost of a quartet grows with
  // the number of bra primitive pairs, its storage with the number of functions.
  void plan_cache() {
    cache_offset.assign(pairs.size(), not_cached);
    const std::size_t budget = settings.memory_bytes / sizeof(double);
    std::vector<std::size_t> block(pairs.size(), 0);
    for (std::size_t p = 0; p < pairs.size(); ++p) {
      const std::size_t np = pair_size(pairs[p]);
      for (std::size_t q = 0; q <= p; ++q)
        if (pairs[p].q * pairs[q].q >= settings.schwarz_threshold) block[p] += np * pair_size(pairs[q]);
      significant_doubles += block[p];
    }
    auto cost_per_value = [&](std::size_t p) {
      return double(shells[pairs[p].s1].nprim() * shells[pairs[p].s2].nprim()) / double(pair_size(pairs[p]));
    };
    std::vector<std::size_t> order(pairs.size());
    for (std::size_t p = 0; p < order.size(); ++p) order[p] = p;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return cost_per_value(a) > cost_per_value(b); });
    std::size_t used = 0;
    for (std::size_t p : order)
      if (used + block[p] <= budget) {
        cache_offset[p] = used;
        used += block[p];
      }
    // Filled during the first build; without the memory, everything is computed directly.
    if (used > 0 && !cache.allocate(used)) cache_offset.assign(pairs.size(), not_cached);
  }

  void compute(const std::vector<Eigen::MatrixXd>& D, std::vector<Eigen::MatrixXd>& J,
               std::vector<Eigen::MatrixXd>& K, bool want_k) {
    const double precision = settings.precision;
    const int nd = static_cast<int>(D.size());
    const int nbf = basis.nbf;
    const int ns = static_cast<int>(shells.size());
    // Largest |D| per shell block over all densities, for density-weighted screening.
    Eigen::MatrixXd Dm = Eigen::MatrixXd::Zero(ns, ns);
    for (int s1 = 0; s1 < ns; ++s1)
      for (int s2 = 0; s2 < ns; ++s2) {
        double m = 0.0;
        for (int d = 0; d < nd; ++d)
          m = std::max(m, D[d].block(basis.offsets[s1], basis.offsets[s2], shells[s1].size(), shells[s2].size())
                              .cwiseAbs()
                              .maxCoeff());
        Dm(s1, s2) = m;
      }
    const bool fill = !cache.empty() && !cache_filled;
    // Per-thread accumulators, allocated here so that running out of memory is an ordinary
    // exception rather than a terminate() inside the parallel region.
    std::vector<std::vector<Eigen::MatrixXd>> Jt(nthreads), Kt(nthreads);
    for (int t = 0; t < nthreads; ++t) {
      Jt[t].assign(nd, Eigen::MatrixXd::Zero(nbf, nbf));
      if (want_k) Kt[t].assign(nd, Eigen::MatrixXd::Zero(nbf, nbf));
    }

#pragma omp parallel num_threads(nthreads)
    {
      const int tid = omp_get_thread_num();
      auto& Jl = Jt[tid];
      auto& Kl = Kt[tid];
      auto& engine = engines[tid];
      const auto& buf = engine.results();
      const double eps = std::numeric_limits<double>::epsilon();

#pragma omp for schedule(dynamic, 1)
      for (std::size_t p = 0; p < pairs.size(); ++p) {
        const int s1 = pairs[p].s1, s2 = pairs[p].s2;
        const int n1 = shells[s1].size(), n2 = shells[s2].size();
        const int o1 = basis.offsets[s1], o2 = basis.offsets[s2];
        const bool cached = cache_offset[p] != not_cached;
        double* ptr = cached ? cache.data() + cache_offset[p] : nullptr;
        for (std::size_t q = 0; q <= p; ++q) {
          const double q1234 = pairs[p].q * pairs[q].q;
          if (q1234 < settings.schwarz_threshold) continue;
          const int s3 = pairs[q].s1, s4 = pairs[q].s2;
          const int n3 = shells[s3].size(), n4 = shells[s4].size();
          const int o3 = basis.offsets[s3], o4 = basis.offsets[s4];
          const int n1234 = n1 * n2 * n3 * n4;
          double dmax = std::max(Dm(s1, s2), Dm(s3, s4));
          if (want_k)
            dmax = std::max({dmax, Dm(s1, s3), Dm(s1, s4), Dm(s2, s3), Dm(s2, s4)});
          const double* ints = nullptr;
          if (cached && !fill) {
            ints = ptr;
            ptr += n1234;
            if (q1234 * dmax < precision) continue;
          } else {
            // Quartets below the precision are skipped, except while filling the in-core store.
            if ((!fill || !cached) && q1234 * dmax < precision) continue;
            // Primitive screening at the target precision itself, not relative to max|D| (also
            // when filling the store): libint2's primitive estimates are not strict bounds, and
            // relative screening lets errors of incremental (ΔD) builds accumulate to 1e-9 Eh.
            engine.set_precision(std::max(eps, precision));
            eri(engine, s1, s2, s3, s4);
            ints = buf[0];
            if (cached) {  // first build: keep the integrals (zeros when libint2 screened them out)
              if (ints)
                std::copy(ints, ints + n1234, ptr);
              else
                std::fill(ptr, ptr + n1234, 0.0);
              ptr += n1234;
            }
            if (!ints) continue;
          }
          // Degeneracy of the unique quartet within the 8-fold permutational symmetry.
          const double deg = (s1 == s2 ? 1.0 : 2.0) * (s3 == s4 ? 1.0 : 2.0) * (p == q ? 1.0 : 2.0);
          for (int d = 0; d < nd; ++d) {
            if (want_k)
              accumulate<true>(ints, deg, D[d].data(), Jl[d].data(), Kl[d].data(), nbf, o1, o2, o3, o4, n1, n2, n3, n4);
            else
              accumulate<false>(ints, deg, D[d].data(), Jl[d].data(), nullptr, nbf, o1, o2, o3, o4, n1, n2, n3, n4);
          }
        }
      }
    }
    if (fill) cache_filled = true;

    // Reduce the per-thread accumulators and symmetrise: every unique quartet added its
    // degeneracy-weighted value to one triangle only, hence J = (A + Aᵀ)/4, K = (B + Bᵀ)/8.
    J.assign(nd, Eigen::MatrixXd::Zero(nbf, nbf));
    K.assign(want_k ? nd : 0, Eigen::MatrixXd::Zero(nbf, nbf));
    for (int d = 0; d < nd; ++d) {
      for (int t = 0; t < nthreads; ++t) {
        J[d] += Jt[t][d];
        if (want_k) K[d] += Kt[t][d];
      }
      J[d] = 0.25 * (J[d] + J[d].transpose()).eval();
      if (want_k) K[d] = 0.125 * (K[d] + K[d].transpose()).eval();
    }
  }
};

FourIndexJK::FourIndexJK(const BasisSet& basis, JKSettings settings)
    : impl_(std::make_unique<Impl>(basis, settings)) {}
FourIndexJK::~FourIndexJK() = default;

void FourIndexJK::compute(const std::vector<Eigen::MatrixXd>& D, std::vector<Eigen::MatrixXd>& J,
                          std::vector<Eigen::MatrixXd>& K, bool want_k) {
  impl_->compute(D, J, K, want_k);
}

std::size_t FourIndexJK::cached_bytes() const { return impl_->cache.size() * sizeof(double); }

double FourIndexJK::cached_fraction() const {
  return impl_->significant_doubles == 0 ? 1.0
                                         : double(impl_->cache.size()) / double(impl_->significant_doubles);
}


void naive_jk(const BasisSet& basis, const Eigen::MatrixXd& D, Eigen::MatrixXd& J, Eigen::MatrixXd& K) {
  const auto shells = detail::to_libint(basis);
  const int n = basis.nbf;
  std::vector<double> eri(static_cast<std::size_t>(n) * n * n * n, 0.0);
  libint2::Engine engine(Operator::coulomb, basis.max_nprim, basis.max_l, 0);
  engine.set_precision(0.0);
  const auto& buf = engine.results();
  const int ns = static_cast<int>(shells.size());
  for (int s1 = 0; s1 < ns; ++s1)
    for (int s2 = 0; s2 < ns; ++s2)
      for (int s3 = 0; s3 < ns; ++s3)
        for (int s4 = 0; s4 < ns; ++s4) {
          engine.compute(shells[s1], shells[s2], shells[s3], shells[s4]);
          if (!buf[0]) continue;
          int i = 0;
          for (int f1 = 0; f1 < int(shells[s1].size()); ++f1)
            for (int f2 = 0; f2 < int(shells[s2].size()); ++f2)
              for (int f3 = 0; f3 < int(shells[s3].size()); ++f3)
                for (int f4 = 0; f4 < int(shells[s4].size()); ++f4, ++i) {
                  const std::size_t a = basis.offsets[s1] + f1, b = basis.offsets[s2] + f2,
                                    c = basis.offsets[s3] + f3, d = basis.offsets[s4] + f4;
                  eri[((a * n + b) * n + c) * n + d] = buf[0][i];
                }
        }
  J = Eigen::MatrixXd::Zero(n, n);
  K = Eigen::MatrixXd::Zero(n, n);
  for (std::size_t p = 0; p < std::size_t(n); ++p)
    for (std::size_t q = 0; q < std::size_t(n); ++q)
      for (std::size_t r = 0; r < std::size_t(n); ++r)
        for (std::size_t s = 0; s < std::size_t(n); ++s) {
          J(p, q) += eri[((p * n + q) * n + r) * n + s] * D(r, s);
          K(p, q) += eri[((p * n + r) * n + q) * n + s] * D(r, s);
        }
}

}  // namespace cagescreen::scf
