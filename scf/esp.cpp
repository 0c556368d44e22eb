// Molecular electrostatic potential at arbitrary points by McMurchie–Davidson: the density is
// expanded once into Hermite Gaussians per primitive pair (coefficients contracted with D), so a
// point costs one Boys-function evaluation and one Hermite recursion per primitive pair, not a
// full block of nuclear-attraction integrals per shell pair.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "scf/detail/hermite.hpp"
#include "scf/detail/shells.hpp"
#include "scf/integrals.hpp"

namespace cagescreen::scf {
namespace {

/// Number of Hermite indices (t, u, v) with t + u + v ≤ L.
constexpr int n_hermite(int L) { return (L + 1) * (L + 2) * (L + 3) / 6; }

/// Dense index of (t, u, v) in an (L+1)³ cube.
inline int cube_index(int t, int u, int v, int L1) { return (t * L1 + u) * L1 + v; }

using detail::BoysTable;
using detail::cartesian_components;
using detail::cartesian_to_shell;
using detail::hermite_1d;

/// One step of the Hermite recursion R^n_{target} = mult·R^{n+1}_{src2} + X_dir·R^{n+1}_{src1}
/// (HJO 9.9.18–20), indices into the compact (t, u, v) order of a given L.
struct RecursionStep {
  int target, total, dir, src1, src2;
  double mult;
};

constexpr int max_hermite_L = 16;  // g–g pairs (libint2 here goes to L = 5 per shell; 2·8 for safety)

/// Hermite indices (t, u, v) with t + u + v ≤ 16 ordered by total order, so those of any L are the
/// first n_hermite(L); and the recursion steps producing each from lower ones, in the same order.
struct HermiteTables {
  std::vector<std::array<int, 3>> order;
  std::vector<RecursionStep> recipe;
  std::vector<int> index;  ///< cube_index(t, u, v, max_hermite_L + 1) → position in `order`
  int at(int t, int u, int v) const { return index[cube_index(t, u, v, max_hermite_L + 1)]; }
};

const HermiteTables& hermite_tables() {
  static const HermiteTables tables = [] {
    HermiteTables h;
    constexpr int L1 = max_hermite_L + 1;
    std::vector<int> index(L1 * L1 * L1, -1);
    for (int n = 0; n <= max_hermite_L; ++n)
      for (int t = n; t >= 0; --t)
        for (int u = n - t; u >= 0; --u) {
          index[cube_index(t, u, n - t - u, L1)] = static_cast<int>(h.order.size());
          h.order.push_back({t, u, n - t - u});
        }
    for (std::size_t k = 1; k < h.order.size(); ++k) {
      std::array<int, 3> x = h.order[k];
      const int dir = x[0] > 0 ? 0 : (x[1] > 0 ? 1 : 2);
      const int m = x[dir], total = x[0] + x[1] + x[2];
      x[dir] = m - 1;
      const int src1 = index[cube_index(x[0], x[1], x[2], L1)];
      x[dir] = m - 2;
      const int src2 = m >= 2 ? index[cube_index(x[0], x[1], x[2], L1)] : 0;
      h.recipe.push_back({static_cast<int>(k), total, dir, src1, src2, m >= 2 ? m - 1.0 : 0.0});
    }
    h.index = std::move(index);
    return h;
  }();
  return tables;
}

const BoysTable& boys_table() {
  static const BoysTable table(max_hermite_L);
  return table;
}

constexpr int hermite_block = 32;  // points per block, the inner (vectorised) dimension

/// The Hermite Coulomb integrals R_tuv(p, P − C_k), t + u + v ≤ L, of one primitive pair (exponent
/// p, centre P) at up to hermite_block points C: returns R with R[j·hermite_block + k] for the j-th
/// (t, u, v) of hermite_tables() and point k; `buf` is scratch that holds the result.
const double* hermite_integrals(double p, const std::array<double, 3>& P, int l, const std::array<double, 3>* C,
                                int nb, std::vector<double>& buf) {
  constexpr int block = hermite_block;
  const int nh = n_hermite(l);
  buf.resize(std::size_t(block) * (4 + (l + 1) + 2 * nh));
  double *X = buf.data(), *Y = X + block, *Z = Y + block, *T = Z + block, *F = T + block;
  double *Ra = F + std::size_t(block) * (l + 1), *Rb = Ra + std::size_t(block) * nh;
  for (int k = 0; k < nb; ++k) {
    X[k] = P[0] - C[k][0], Y[k] = P[1] - C[k][1], Z[k] = P[2] - C[k][2];
    T[k] = p * (X[k] * X[k] + Y[k] * Y[k] + Z[k] * Z[k]);
  }
  boys_table().eval(T, nb, l, F);
  if (l == 0) return F;
  // Levels n = l … 0; `next` holds level n + 1, `cur` level n (compact (t, u, v) order).
  double *next = Ra, *cur = Rb;
  double m2p[max_hermite_L + 1];  // (−2p)^n
  m2p[0] = 1.0;
  for (int n = 1; n <= l; ++n) m2p[n] = m2p[n - 1] * (-2.0 * p);
  for (int k = 0; k < nb; ++k) next[k] = F[l * nb + k] * m2p[l];
  const double* xyz[3] = {X, Y, Z};
  for (int n = l - 1; n >= 0; --n) {
    for (int k = 0; k < nb; ++k) cur[k] = m2p[n] * F[n * nb + k];
    for (const auto& st : hermite_tables().recipe) {
      if (st.total > l - n) break;
      double* out = cur + std::size_t(st.target) * block;
      const double* s1 = next + std::size_t(st.src1) * block;
      const double* s2 = next + std::size_t(st.src2) * block;
      const double* x = xyz[st.dir];
      if (st.mult != 0.0)
        for (int k = 0; k < nb; ++k) out[k] = st.mult * s2[k] + x[k] * s1[k];
      else
        for (int k = 0; k < nb; ++k) out[k] = x[k] * s1[k];
    }
    std::swap(next, cur);
  }
  return next;
}

}  // namespace

struct ElectrostaticPotential::Impl {
  /// One primitive pair: exponent p, centre P, angular sum L and its Hermite coefficients
  /// (2π/p)·c_tuv for t + u + v ≤ L in the order of hermite_tables().
  struct PrimPair {
    double p;
    std::array<double, 3> P;
    int L;
    std::size_t offset;
  };
  std::vector<PrimPair> pairs;
  std::vector<double> coef;
  std::vector<std::pair<double, std::array<double, 3>>> charges;
  int max_L = 0;

  Impl(const BasisSet& basis, const molecules::Molecule& mol, const Eigen::MatrixXd& D) {
    for (const auto& a : mol.atoms) charges.push_back({a.charge(), a.r});
    const auto shells = detail::to_libint(basis);
    const int ns = static_cast<int>(shells.size());
    std::vector<Eigen::MatrixXd> T(ns);
    for (int s = 0; s < ns; ++s) T[s] = cartesian_to_shell(shells[s]);
    const auto& order = hermite_tables().order;
    std::vector<double> Ex, Ey, Ez, c;
    for (int s1 = 0; s1 < ns; ++s1)
      for (int s2 = 0; s2 <= s1; ++s2) {
        const auto &A = shells[s1], &B = shells[s2];
        const int la = A.contr[0].l, lb = B.contr[0].l, L = la + lb;
        if (L > max_hermite_L) throw std::invalid_argument("electrostatic potential: shell pair beyond L = 16");
        const int o1 = basis.offsets[s1], o2 = basis.offsets[s2];
        // Density block in Cartesian components (ρ = Σ Dμν φμ φν = Σ (Tᵀ D T)cd φc φd), both
        // orders of an off-diagonal pair at once.
        const Eigen::MatrixXd Dc =
            (s1 == s2 ? 1.0 : 2.0) * T[s1].transpose() * D.block(o1, o2, A.size(), B.size()) * T[s2];
        const double dmax = Dc.cwiseAbs().maxCoeff();
        if (dmax == 0.0) continue;
        const auto ca = cartesian_components(la), cb = cartesian_components(lb);
        const std::array<double, 3> AB{A.O[0] - B.O[0], A.O[1] - B.O[1], A.O[2] - B.O[2]};
        const double R2 = AB[0] * AB[0] + AB[1] * AB[1] + AB[2] * AB[2];
        const int L1 = L + 1;
        for (std::size_t i = 0; i < A.alpha.size(); ++i)
          for (std::size_t j = 0; j < B.alpha.size(); ++j) {
            const double a = A.alpha[i], b = B.alpha[j], p = a + b;
            const double cc = A.contr[0].coeff[i] * B.contr[0].coeff[j];
            // The pair's Hermite coefficients are bounded by |c_a c_b| e^{−ab/p R²} times
            // polynomial factors: negligible pairs are dropped before the expansion.
            if (std::abs(cc) * dmax * std::exp(-a * b / p * R2) * (2.0 * M_PI / p) < 1e-15) continue;
            hermite_1d(la, lb, a, b, AB[0], Ex);
            hermite_1d(la, lb, a, b, AB[1], Ey);
            hermite_1d(la, lb, a, b, AB[2], Ez);
            c.assign(L1 * L1 * L1, 0.0);
            auto e = [&](const std::vector<double>& E, int x, int y, int t) { return E[(x * (lb + 1) + y) * L1 + t]; };
            for (std::size_t ka = 0; ka < ca.size(); ++ka)
              for (std::size_t kb = 0; kb < cb.size(); ++kb) {
                const double d = Dc(ka, kb) * cc;
                if (d == 0.0) continue;
                const auto &xa = ca[ka], &xb = cb[kb];
                for (int t = 0; t <= xa[0] + xb[0]; ++t) {
                  const double et = d * e(Ex, xa[0], xb[0], t);
                  for (int u = 0; u <= xa[1] + xb[1]; ++u) {
                    const double etu = et * e(Ey, xa[1], xb[1], u);
                    for (int v = 0; v <= xa[2] + xb[2]; ++v) c[cube_index(t, u, v, L1)] += etu * e(Ez, xa[2], xb[2], v);
                  }
                }
              }
            PrimPair pp{p, {(a * A.O[0] + b * B.O[0]) / p, (a * A.O[1] + b * B.O[1]) / p, (a * A.O[2] + b * B.O[2]) / p},
                        L, coef.size()};
            double cmax = 0.0;
            for (int k = 0; k < n_hermite(L); ++k) {
              const auto& [t, u, v] = order[k];
              const double x = (2.0 * M_PI / p) * c[cube_index(t, u, v, L1)];
              coef.push_back(x);
              cmax = std::max(cmax, std::abs(x) * std::pow(2.0 * p, 0.5 * (t + u + v)));
            }
            if (cmax < 1e-15) {
              coef.resize(pp.offset);
              continue;
            }
            pairs.push_back(pp);
            max_L = std::max(max_L, L);
          }
      }
  }

  static constexpr int block = hermite_block;

  /// Potential at up to `block` points C (nuclei minus electrons), into V.
  void block_values(const std::array<double, 3>* C, int nb, double* V, std::vector<double>& buf) const {
    double acc[block];
    for (int k = 0; k < nb; ++k) acc[k] = 0.0;
    for (const auto& pp : pairs) {
      const double* R = hermite_integrals(pp.p, pp.P, pp.L, C, nb, buf);
      const double* c = coef.data() + pp.offset;
      const int nt = n_hermite(pp.L);
      for (int j = 0; j < nt; ++j) {
        const double cj = c[j];
        const double* r = R + std::size_t(j) * block;
        for (int k = 0; k < nb; ++k) acc[k] += cj * r[k];
      }
    }
    for (int k = 0; k < nb; ++k) {
      double v = 0.0;
      for (const auto& [q, r] : charges) {
        const double d = std::sqrt((C[k][0] - r[0]) * (C[k][0] - r[0]) + (C[k][1] - r[1]) * (C[k][1] - r[1]) +
                                   (C[k][2] - r[2]) * (C[k][2] - r[2]));
        v += q / std::max(d, 1e-12);
      }
      V[k] = v - acc[k];
    }
  }

  /// ∇V at up to `block` points C, into G (x values of the block, then y, then z).
  void block_gradient(const std::array<double, 3>* C, int nb, double* G, std::vector<double>& buf) const {
    const auto& H = hermite_tables();
    double acc[3][block];
    for (auto& a : acc)
      for (int k = 0; k < nb; ++k) a[k] = 0.0;
    for (const auto& pp : pairs) {
      // V_el(C) = Σ c_tuv R_tuv(P − C) and ∂R_tuv(P − C)/∂C_x = −R_{t+1,u,v}: one order more.
      const double* R = hermite_integrals(pp.p, pp.P, pp.L + 1, C, nb, buf);
      const double* c = coef.data() + pp.offset;
      const int nt = n_hermite(pp.L);
      for (int j = 0; j < nt; ++j) {
        const auto& [t, u, v] = H.order[j];
        const double cj = c[j];
        const double* rx = R + std::size_t(H.at(t + 1, u, v)) * block;
        const double* ry = R + std::size_t(H.at(t, u + 1, v)) * block;
        const double* rz = R + std::size_t(H.at(t, u, v + 1)) * block;
        for (int k = 0; k < nb; ++k) {
          acc[0][k] += cj * rx[k];
          acc[1][k] += cj * ry[k];
          acc[2][k] += cj * rz[k];
        }
      }
    }
    for (int k = 0; k < nb; ++k) {
      double g[3] = {acc[0][k], acc[1][k], acc[2][k]};  // −∂V_el/∂C = −(−acc) … V = V_nuc − V_el
      for (const auto& [q, r] : charges) {
        const double d[3] = {C[k][0] - r[0], C[k][1] - r[1], C[k][2] - r[2]};
        const double r2 = std::max(d[0] * d[0] + d[1] * d[1] + d[2] * d[2], 1e-24);
        const double f = q / (r2 * std::sqrt(r2));
        for (int x = 0; x < 3; ++x) g[x] -= f * d[x];
      }
      for (int x = 0; x < 3; ++x) G[x * block + k] = g[x];
    }
  }
};

ElectrostaticPotential::ElectrostaticPotential(const BasisSet& basis, const molecules::Molecule& mol,
                                               const Eigen::MatrixXd& D)
    : impl_(std::make_shared<const Impl>(basis, mol, D)) {}


Eigen::VectorXd ElectrostaticPotential::operator()(const std::vector<std::array<double, 3>>& points, int threads) const {
  const int np = static_cast<int>(points.size());
  Eigen::VectorXd V(np);
  constexpr int block = Impl::block;
  const int nblocks = (np + block - 1) / block;
  const int nthreads = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel num_threads(nthreads)
  {
    std::vector<double> buf;
#pragma omp for schedule(dynamic)
    for (int b = 0; b < nblocks; ++b) {
      const int i0 = b * block;
      impl_->block_values(points.data() + i0, std::min(block, np - i0), V.data() + i0, buf);
    }
  }
  return V;
}

Eigen::MatrixXd ElectrostaticPotential::gradient(const std::vector<std::array<double, 3>>& points, int threads) const {
  const int np = static_cast<int>(points.size());
  Eigen::MatrixXd G(np, 3);
  constexpr int block = Impl::block;
  const int nblocks = (np + block - 1) / block;
  const int nthreads = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel num_threads(nthreads)
  {
    std::vector<double> buf;
    double g[3 * block];
#pragma omp for schedule(dynamic)
    for (int b = 0; b < nblocks; ++b) {
      const int i0 = b * block, nb = std::min(block, np - i0);
      impl_->block_gradient(points.data() + i0, nb, g, buf);
      for (int k = 0; k < nb; ++k)
        for (int x = 0; x < 3; ++x) G(i0 + k, x) = g[x * block + k];
    }
  }
  return G;
}

Eigen::MatrixXd function_potentials(const BasisSet& basis, const std::vector<std::array<double, 3>>& points,
                                    int threads) {
  const auto shells = detail::to_libint(basis);
  const int ns = static_cast<int>(shells.size()), np = static_cast<int>(points.size());
  for (const auto& sh : shells)
    if (sh.contr[0].l > max_hermite_L) throw std::invalid_argument("function potentials: shell beyond L = 16");
  Eigen::MatrixXd A(np, basis.nbf);
  const int nblocks = (np + hermite_block - 1) / hermite_block;
  const int nthreads = threads > 0 ? threads : omp_get_max_threads();
  const auto& H = hermite_tables();
#pragma omp parallel num_threads(nthreads)
  {
    std::vector<double> buf, Ex, Ey, Ez;
#pragma omp for schedule(dynamic) collapse(2)
    for (int s = 0; s < ns; ++s)
      for (int b = 0; b < nblocks; ++b) {
        const auto& sh = shells[s];
        const int l = sh.contr[0].l, L1 = l + 1;
        const auto comps = cartesian_components(l);
        const int i0 = b * hermite_block, nb = std::min(hermite_block, np - i0);
        // Cartesian components: Σ_prim c (2π/a) E_t E_u E_v R_tuv(a, A − C); a single Gaussian's
        // Hermite coefficients are those of a pair with a zero exponent on the second centre.
        Eigen::MatrixXd cart = Eigen::MatrixXd::Zero(nb, static_cast<Eigen::Index>(comps.size()));
        for (std::size_t i = 0; i < sh.alpha.size(); ++i) {
          const double a = sh.alpha[i], f = sh.contr[0].coeff[i] * 2.0 * M_PI / a;
          hermite_1d(l, 0, a, 0.0, 0.0, Ex);
          Ey = Ex;
          Ez = Ex;
          const double* R = hermite_integrals(a, sh.O, l, points.data() + i0, nb, buf);
          for (std::size_t c = 0; c < comps.size(); ++c) {
            const auto& [x, y, z] = comps[c];
            for (int t = 0; t <= x; ++t)
              for (int u = 0; u <= y; ++u)
                for (int v = 0; v <= z; ++v) {
                  const double e = f * Ex[x * L1 + t] * Ey[y * L1 + u] * Ez[z * L1 + v];
                  if (e == 0.0) continue;
                  const double* r = R + std::size_t(H.at(t, u, v)) * hermite_block;
                  for (int k = 0; k < nb; ++k) cart(k, static_cast<Eigen::Index>(c)) += e * r[k];
                }
          }
        }
        A.block(i0, basis.offsets[s], nb, static_cast<Eigen::Index>(sh.size())) =
            cart * cartesian_to_shell(sh).transpose();
      }
  }
  return A;
}

Eigen::VectorXd electrostatic_potential(const BasisSet& basis, const molecules::Molecule& mol, const Eigen::MatrixXd& D,
                                        const std::vector<std::array<double, 3>>& points, int threads) {
  return ElectrostaticPotential(basis, mol, D)(points, threads);
}

}  // namespace cagescreen::scf

namespace cagescreen::scf {

struct PointChargeOperator::Impl {
  /// One primitive pair of a shell pair: exponent, centre, (2π/p)·c_a·c_b and its 1D Hermite tables.
  struct PrimPair {
    double p, factor;
    std::array<double, 3> P;
    std::size_t offset;  ///< Ex, Ey, Ez, each (la+1)(lb+1)(L+1), at coef[offset]
  };
  struct ShellPair {
    int s1, s2, la, lb;
    std::vector<PrimPair> prims;
  };
  std::vector<ShellPair> pairs;
  std::vector<double> coef;
  std::vector<Eigen::MatrixXd> T;  ///< Cartesian → shell functions, per shell
  std::vector<int> offsets, sizes;
  int nbf = 0;
  std::vector<std::array<double, 3>> points;

  Impl(const BasisSet& basis, std::vector<std::array<double, 3>> pts) : points(std::move(pts)) {
    const auto shells = detail::to_libint(basis);
    const int ns = static_cast<int>(shells.size());
    nbf = basis.nbf;
    for (int s = 0; s < ns; ++s) {
      T.push_back(cartesian_to_shell(shells[s]));
      offsets.push_back(basis.offsets[s]);
      sizes.push_back(static_cast<int>(shells[s].size()));
    }
    std::vector<double> Ex, Ey, Ez;
    for (int s1 = 0; s1 < ns; ++s1)
      for (int s2 = 0; s2 <= s1; ++s2) {
        const auto &A = shells[s1], &B = shells[s2];
        ShellPair sp{s1, s2, A.contr[0].l, B.contr[0].l, {}};
        if (sp.la + sp.lb > max_hermite_L) throw std::invalid_argument("point charges: shell pair beyond L = 16");
        const std::array<double, 3> AB{A.O[0] - B.O[0], A.O[1] - B.O[1], A.O[2] - B.O[2]};
        const double R2 = AB[0] * AB[0] + AB[1] * AB[1] + AB[2] * AB[2];
        for (std::size_t i = 0; i < A.alpha.size(); ++i)
          for (std::size_t j = 0; j < B.alpha.size(); ++j) {
            const double a = A.alpha[i], b = B.alpha[j], p = a + b;
            const double f = A.contr[0].coeff[i] * B.contr[0].coeff[j] * std::exp(-a * b / p * R2) * (2.0 * M_PI / p);
            if (std::abs(f) < 1e-15) continue;
            hermite_1d(sp.la, sp.lb, a, b, AB[0], Ex);
            hermite_1d(sp.la, sp.lb, a, b, AB[1], Ey);
            hermite_1d(sp.la, sp.lb, a, b, AB[2], Ez);
            PrimPair pp{p, A.contr[0].coeff[i] * B.contr[0].coeff[j] * (2.0 * M_PI / p),
                        {(a * A.O[0] + b * B.O[0]) / p, (a * A.O[1] + b * B.O[1]) / p, (a * A.O[2] + b * B.O[2]) / p},
                        coef.size()};
            coef.insert(coef.end(), Ex.begin(), Ex.end());
            coef.insert(coef.end(), Ey.begin(), Ey.end());
            coef.insert(coef.end(), Ez.begin(), Ez.end());
            sp.prims.push_back(pp);
          }
        if (!sp.prims.empty()) pairs.push_back(std::move(sp));
      }
  }

  /// −Σ_i q_i ⟨a|1/|r − s_i||b⟩ over the Cartesian components of one shell pair.
  Eigen::MatrixXd cartesian_block(const ShellPair& sp, const Eigen::VectorXd& q, std::vector<double>& buf,
                                  std::vector<double>& W) const {
    const int la = sp.la, lb = sp.lb, L = la + lb, L1 = L + 1, nh = n_hermite(L);
    const auto ca = cartesian_components(la), cb = cartesian_components(lb);
    Eigen::MatrixXd V = Eigen::MatrixXd::Zero(ca.size(), cb.size());
    const int np = static_cast<int>(points.size());
    const std::size_t n1d = std::size_t(la + 1) * (lb + 1) * L1;
    for (const auto& pp : sp.prims) {
      W.assign(nh, 0.0);
      for (int i0 = 0; i0 < np; i0 += hermite_block) {
        const int nb = std::min(hermite_block, np - i0);
        const double* R = hermite_integrals(pp.p, pp.P, L, points.data() + i0, nb, buf);
        const double* qb = q.data() + i0;
        for (int j = 0; j < nh; ++j) {
          const double* r = R + std::size_t(j) * hermite_block;
          double w = 0.0;
          for (int k = 0; k < nb; ++k) w += qb[k] * r[k];
          W[j] += w;
        }
      }
      const double* Ex = coef.data() + pp.offset;
      const double* Ey = Ex + n1d;
      const double* Ez = Ey + n1d;
      auto e = [&](const double* E, int x, int y, int t) { return E[(x * (lb + 1) + y) * L1 + t]; };
      const auto& H = hermite_tables();
      for (std::size_t ka = 0; ka < ca.size(); ++ka)
        for (std::size_t kb = 0; kb < cb.size(); ++kb) {
          const auto &xa = ca[ka], &xb = cb[kb];
          double v = 0.0;
          for (int t = 0; t <= xa[0] + xb[0]; ++t) {
            const double et = e(Ex, xa[0], xb[0], t);
            for (int u = 0; u <= xa[1] + xb[1]; ++u) {
              const double etu = et * e(Ey, xa[1], xb[1], u);
              for (int w = 0; w <= xa[2] + xb[2]; ++w)
                v += etu * e(Ez, xa[2], xb[2], w) * W[H.at(t, u, w)];
            }
          }
          V(ka, kb) -= pp.factor * v;
        }
    }
    return V;
  }
};

PointChargeOperator::PointChargeOperator(const BasisSet& basis, std::vector<std::array<double, 3>> points)
    : impl_(std::make_shared<const Impl>(basis, std::move(points))) {}

Eigen::MatrixXd PointChargeOperator::operator()(const Eigen::VectorXd& charges, int threads) const {
  const Impl& m = *impl_;
  if (charges.size() != static_cast<Eigen::Index>(m.points.size()))
    throw std::invalid_argument("point charges: " + std::to_string(charges.size()) + " charges for " +
                                std::to_string(m.points.size()) + " points");
  Eigen::MatrixXd F = Eigen::MatrixXd::Zero(m.nbf, m.nbf);
  const int npairs = static_cast<int>(m.pairs.size());
  const int nthreads = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel num_threads(nthreads)
  {
    std::vector<double> buf, W;
#pragma omp for schedule(dynamic)
    for (int k = 0; k < npairs; ++k) {
      const auto& sp = m.pairs[k];
      const Eigen::MatrixXd B = m.T[sp.s1] * m.cartesian_block(sp, charges, buf, W) * m.T[sp.s2].transpose();
      F.block(m.offsets[sp.s1], m.offsets[sp.s2], B.rows(), B.cols()) = B;
      if (sp.s1 != sp.s2) F.block(m.offsets[sp.s2], m.offsets[sp.s1], B.cols(), B.rows()) = B.transpose();
    }
  }
  return F;
}


Eigen::MatrixXd point_charge_basis_gradient(const BasisSet& basis, int natoms, const Eigen::MatrixXd& D,
                                            const std::vector<std::array<double, 3>>& points, const Eigen::VectorXd& q,
                                            int threads) {
  const auto shells = detail::to_libint(basis);
  const int ns = static_cast<int>(shells.size());
  std::vector<Eigen::MatrixXd> T(ns);
  std::vector<std::pair<int, int>> shell_pairs;
  for (int s1 = 0; s1 < ns; ++s1) {
    T[s1] = cartesian_to_shell(shells[s1]);
    if (2 * shells[s1].contr[0].l + 1 > max_hermite_L)
      throw std::invalid_argument("point-charge gradient: shells beyond L = 7");
    for (int s2 = 0; s2 <= s1; ++s2) shell_pairs.emplace_back(s1, s2);
  }
  const int np = static_cast<int>(points.size());
  const double qabs = q.cwiseAbs().sum();
  const auto& H = hermite_tables();
  const int nthreads = threads > 0 ? threads : omp_get_max_threads();
  std::vector<Eigen::MatrixXd> part(nthreads, Eigen::MatrixXd::Zero(natoms, 3));
#pragma omp parallel num_threads(nthreads)
  {
    std::vector<double> buf, W, Ex, Ey, Ez;
    Eigen::MatrixXd& g = part[omp_get_thread_num()];
#pragma omp for schedule(dynamic)
    for (std::size_t k = 0; k < shell_pairs.size(); ++k) {
      const auto [s1, s2] = shell_pairs[k];
      const auto &A = shells[s1], &B = shells[s2];
      const int la = A.contr[0].l, lb = B.contr[0].l, L = la + lb, L2 = L + 2;
      const Eigen::MatrixXd Dc = (s1 == s2 ? 1.0 : 2.0) * T[s1].transpose() *
                                 D.block(basis.offsets[s1], basis.offsets[s2], A.size(), B.size()) * T[s2];
      const double dmax = Dc.cwiseAbs().maxCoeff();
      if (dmax == 0.0) continue;
      const auto ca = cartesian_components(la), cb = cartesian_components(lb);
      const std::array<double, 3> AB{A.O[0] - B.O[0], A.O[1] - B.O[1], A.O[2] - B.O[2]};
      const double R2 = AB[0] * AB[0] + AB[1] * AB[1] + AB[2] * AB[2];
      double gA[3] = {0, 0, 0}, gS[3] = {0, 0, 0};
      for (std::size_t i = 0; i < A.alpha.size(); ++i)
        for (std::size_t j = 0; j < B.alpha.size(); ++j) {
          const double a = A.alpha[i], b = B.alpha[j], p = a + b;
          const double pref = A.contr[0].coeff[i] * B.contr[0].coeff[j] * (2.0 * M_PI / p);
          if (std::abs(pref) * dmax * qabs * std::exp(-a * b / p * R2) * (1.0 + 2.0 * a) < 1e-14) continue;
          hermite_1d(la + 1, lb, a, b, AB[0], Ex);
          hermite_1d(la + 1, lb, a, b, AB[1], Ey);
          hermite_1d(la + 1, lb, a, b, AB[2], Ez);
          const std::array<double, 3> P{(a * A.O[0] + b * B.O[0]) / p, (a * A.O[1] + b * B.O[1]) / p,
                                        (a * A.O[2] + b * B.O[2]) / p};
          // W_tuv = Σ_i q_i R_tuv(P − s_i), t + u + v ≤ L + 1.
          const int nh = n_hermite(L + 1);
          W.assign(nh, 0.0);
          for (int i0 = 0; i0 < np; i0 += hermite_block) {
            const int nb = std::min(hermite_block, np - i0);
            const double* R = hermite_integrals(p, P, L + 1, points.data() + i0, nb, buf);
            for (int h = 0; h < nh; ++h) {
              const double* r = R + std::size_t(h) * hermite_block;
              double w = 0.0;
              for (int kk = 0; kk < nb; ++kk) w += q[i0 + kk] * r[kk];
              W[h] += w;
            }
          }
          const double* E[3] = {Ex.data(), Ey.data(), Ez.data()};
          auto e = [&](int x, int ia, int ib, int t) { return E[x][(ia * (lb + 1) + ib) * L2 + t]; };
          // Σ_tuv E^x_{ia[0] xb[0] t} E^y E^z W_{(t,u,v) + shift}.
          auto integral = [&](const std::array<int, 3>& ia, const std::array<int, 3>& ib, int shift) {
            double sum = 0.0;
            for (int t = 0; t <= ia[0] + ib[0]; ++t) {
              const double et = e(0, ia[0], ib[0], t);
              for (int u = 0; u <= ia[1] + ib[1]; ++u) {
                const double etu = et * e(1, ia[1], ib[1], u);
                for (int v = 0; v <= ia[2] + ib[2]; ++v)
                  sum += etu * e(2, ia[2], ib[2], v) *
                         W[H.at(t + (shift == 0), u + (shift == 1), v + (shift == 2))];
              }
            }
            return sum;
          };
          for (std::size_t ka = 0; ka < ca.size(); ++ka)
            for (std::size_t kb = 0; kb < cb.size(); ++kb) {
              const double d = Dc(ka, kb) * pref;
              if (d == 0.0) continue;
              for (int x = 0; x < 3; ++x) {
                std::array<int, 3> up = ca[ka], down = ca[ka];
                up[x] += 1;
                double dA = 2.0 * a * integral(up, cb[kb], -1);
                if (ca[ka][x] > 0) {
                  down[x] -= 1;
                  dA -= ca[ka][x] * integral(down, cb[kb], -1);
                }
                gA[x] += d * dA;
                gS[x] -= d * integral(ca[ka], cb[kb], x);  // ∂R_tuv(P − s)/∂s_x = −R_{t+1,u,v}
              }
            }
        }
      // V_el = −Σ D I, and ∂I/∂B = −∂I/∂A − Σ_i ∂I/∂s_i (translational invariance).
      for (int x = 0; x < 3; ++x) {
        g(basis.shells[s1].atom, x) -= gA[x];
        g(basis.shells[s2].atom, x) += gA[x] + gS[x];
      }
    }
  }
  Eigen::MatrixXd total = Eigen::MatrixXd::Zero(natoms, 3);
  for (const auto& p : part) total += p;
  return total;
}

}  // namespace cagescreen::scf
