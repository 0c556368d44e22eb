// Analytic nuclear gradients. One-electron derivative integrals by McMurchie–Davidson
// (Helgaker, Jørgensen, Olsen, "Molecular Electronic-Structure Theory", ch. 9): the derivative of
// a Cartesian Gaussian with respect to its centre raises and lowers its angular momentum,
//   ∂/∂A_x [x_A^i e^{−a x_A²}] = 2a x_A^{i+1} e^{−a x_A²} − i x_A^{i−1} e^{−a x_A²},
// so the same Hermite coefficients E^{ij}_t, one order higher, give every derivative; they are
// contracted with the density of each primitive pair at once. Two-electron derivatives come
// from libint2 (first derivatives, one engine per thread).
#include "scf/gradient.hpp"

#include <omp.h>

#include <chrono>
#include <cmath>
#include <stdexcept>

#include "molecules/error.hpp"
#include "scf/detail/hermite.hpp"
#include "scf/detail/libint.hpp"
#include "scf/xc.hpp"

namespace cagescreen::scf {

using Eigen::MatrixXd;

namespace {

const detail::BoysTable& boys_table() {
  static const detail::BoysTable table(16);
  return table;
}

/// R_tuv(p, PC) for t + u + v ≤ L (HJO 9.9.18–20), into R[(t·(L+1) + u)·(L+1) + v]; `work` is
/// scratch of (L+1)^4 values (all auxiliary levels n).
void hermite_integrals(int L, double p, const double PC[3], std::vector<double>& R, std::vector<double>& work) {
  const int L1 = L + 1;
  work.assign(std::size_t(L1) * L1 * L1 * L1, 0.0);
  auto at = [&](int n, int t, int u, int v) -> double& { return work[((std::size_t(n) * L1 + t) * L1 + u) * L1 + v]; };
  double F[20];
  const double T = p * (PC[0] * PC[0] + PC[1] * PC[1] + PC[2] * PC[2]);
  boys_table().eval(&T, 1, L, F);
  double m2p = 1.0;
  for (int n = 0; n <= L; ++n, m2p *= -2.0 * p) at(n, 0, 0, 0) = m2p * F[n];
  for (int n = L - 1; n >= 0; --n)
    for (int t = 0; t <= L - n; ++t)
      for (int u = 0; u <= L - n - t; ++u)
        for (int v = 0; v <= L - n - t - u; ++v) {
          if (t + u + v == 0) continue;
          double r;
          if (t > 0)
            r = (t > 1 ? (t - 1) * at(n + 1, t - 2, u, v) : 0.0) + PC[0] * at(n + 1, t - 1, u, v);
          else if (u > 0)
            r = (u > 1 ? (u - 1) * at(n + 1, t, u - 2, v) : 0.0) + PC[1] * at(n + 1, t, u - 1, v);
          else
            r = (v > 1 ? (v - 1) * at(n + 1, t, u, v - 2) : 0.0) + PC[2] * at(n + 1, t, u, v - 1);
          at(n, t, u, v) = r;
        }
  R.assign(std::size_t(L1) * L1 * L1, 0.0);
  for (int t = 0; t <= L; ++t)
    for (int u = 0; u <= L - t; ++u)
      for (int v = 0; v <= L - t - u; ++v) R[(t * L1 + u) * L1 + v] = at(0, t, u, v);
}

/// Σ Ps dS/dR (into gS, when Ps) and Σ Ph d(T+V)/dR (into gH, when Ph), over shell pairs.
void one_electron_gradient(const BasisSet& basis, const molecules::Molecule& mol, const MatrixXd* Ps,
                           const MatrixXd* Ph, MatrixXd& gS, MatrixXd& gH, int threads = 0) {
  const auto shells = detail::to_libint(basis);
  const int ns = static_cast<int>(shells.size());
  const int na = static_cast<int>(mol.atoms.size());
  std::vector<MatrixXd> Tr(ns);
  for (int s = 0; s < ns; ++s) Tr[s] = detail::cartesian_to_shell(shells[s]);
  gS = MatrixXd::Zero(na, 3);
  gH = MatrixXd::Zero(na, 3);
  const int nthreads = threads > 0 ? threads : omp_get_max_threads();
  std::vector<MatrixXd> tS(nthreads, MatrixXd::Zero(na, 3)), tH(nthreads, MatrixXd::Zero(na, 3));
#pragma omp parallel num_threads(nthreads)
  {
    MatrixXd& lS = tS[omp_get_thread_num()];
    MatrixXd& lH = tH[omp_get_thread_num()];
    std::vector<double> E[3], R, work;
    std::vector<double> cA[3], cB[3];
#pragma omp for schedule(dynamic)
    for (int s1 = 0; s1 < ns; ++s1)
      for (int s2 = 0; s2 <= s1; ++s2) {
        const auto &A = shells[s1], &B = shells[s2];
        const int la = A.contr[0].l, lb = B.contr[0].l;
        const int at1 = basis.shells[s1].atom, at2 = basis.shells[s2].atom;
        const int o1 = basis.offsets[s1], o2 = basis.offsets[s2];
        const double f = s1 == s2 ? 1.0 : 2.0;
        const bool two_centre = at1 != at2;  // S and T of a one-centre pair do not move
        MatrixXd DS, DH;
        if (Ps && two_centre) DS = f * Tr[s1].transpose() * Ps->block(o1, o2, A.size(), B.size()) * Tr[s2];
        if (Ph) DH = f * Tr[s1].transpose() * Ph->block(o1, o2, A.size(), B.size()) * Tr[s2];
        const double ms = DS.size() ? DS.cwiseAbs().maxCoeff() : 0.0;
        const double mh = DH.size() ? DH.cwiseAbs().maxCoeff() : 0.0;
        if (ms == 0.0 && mh == 0.0) continue;
        const auto ca = detail::cartesian_components(la), cb = detail::cartesian_components(lb);
        const double AB[3] = {A.O[0] - B.O[0], A.O[1] - B.O[1], A.O[2] - B.O[2]};
        const double R2 = AB[0] * AB[0] + AB[1] * AB[1] + AB[2] * AB[2];
        // E^{ij}_t for i ≤ la+1, j ≤ lb+2 (derivatives raise i or j by one, the kinetic operator j by two).
        const int LA = la + 1, LB = lb + 2, T1 = LA + LB + 1;
        auto e = [&](int d, int i, int j, int t) {
          return (i < 0 || j < 0 || t < 0 || t > i + j) ? 0.0 : E[d][(i * (LB + 1) + j) * T1 + t];
        };
        const int L = la + lb, L1 = L + 2;  // Hermite cube of the nuclear-attraction derivatives
        double gA_S[3] = {0, 0, 0}, gA_T[3] = {0, 0, 0}, gA_V[3] = {0, 0, 0}, gB_V[3] = {0, 0, 0};
        for (std::size_t i = 0; i < A.alpha.size(); ++i)
          for (std::size_t j = 0; j < B.alpha.size(); ++j) {
            const double a = A.alpha[i], b = B.alpha[j], p = a + b;
            const double cc = A.contr[0].coeff[i] * B.contr[0].coeff[j];
            const double K = std::exp(-a * b / p * R2);
            if (std::abs(cc) * std::max(ms, mh) * K * std::max({a, b, 1.0}) * (2.0 * M_PI / p) < 1e-15) continue;
            for (int d = 0; d < 3; ++d) detail::hermite_1d(LA, LB, a, b, AB[d], E[d]);
            const double sq = std::sqrt(M_PI / p);
            auto S1 = [&](int d, int x, int y) { return e(d, x, y, 0) * sq; };
            auto K1 = [&](int d, int x, int y) {  // −½ ⟨x|∂²|y⟩ in one dimension
              return -0.5 * ((y > 1 ? y * (y - 1) * S1(d, x, y - 2) : 0.0) - 2.0 * b * (2 * y + 1) * S1(d, x, y) +
                             4.0 * b * b * S1(d, x, y + 2));
            };
            if (DS.size() || (DH.size() && two_centre)) {
              for (std::size_t ka = 0; ka < ca.size(); ++ka)
                for (std::size_t kb = 0; kb < cb.size(); ++kb) {
                  const double ws = DS.size() ? DS(ka, kb) * cc : 0.0;
                  const double wh = DH.size() && two_centre ? DH(ka, kb) * cc : 0.0;
                  if (ws == 0.0 && wh == 0.0) continue;
                  const auto &xa = ca[ka], &xb = cb[kb];
                  double s[3], k[3], ds[3], dk[3];
                  for (int d = 0; d < 3; ++d) {
                    s[d] = S1(d, xa[d], xb[d]);
                    k[d] = K1(d, xa[d], xb[d]);
                    ds[d] = 2.0 * a * S1(d, xa[d] + 1, xb[d]) - (xa[d] ? xa[d] * S1(d, xa[d] - 1, xb[d]) : 0.0);
                    dk[d] = 2.0 * a * K1(d, xa[d] + 1, xb[d]) - (xa[d] ? xa[d] * K1(d, xa[d] - 1, xb[d]) : 0.0);
                  }
                  for (int d = 0; d < 3; ++d) {
                    const int d1 = (d + 1) % 3, d2 = (d + 2) % 3;
                    gA_S[d] += ws * ds[d] * s[d1] * s[d2];
                    gA_T[d] += wh * (dk[d] * s[d1] * s[d2] + ds[d] * (k[d1] * s[d2] + s[d1] * k[d2]));
                  }
                }
            }
            if (!DH.size()) continue;
            // Nuclear attraction: Hermite coefficients of the A- and B-derivatives of the pair,
            // contracted with the density, then one R_tuv set per nucleus.
            for (int d = 0; d < 3; ++d) cA[d].assign(std::size_t(L1) * L1 * L1, 0.0), cB[d].assign(std::size_t(L1) * L1 * L1, 0.0);
            for (std::size_t ka = 0; ka < ca.size(); ++ka)
              for (std::size_t kb = 0; kb < cb.size(); ++kb) {
                const double w = DH(ka, kb) * cc;
                if (w == 0.0) continue;
                const auto &xa = ca[ka], &xb = cb[kb];
                double e0[3][12], eA[3][12], eB[3][12];
                int n[3];
                for (int d = 0; d < 3; ++d) {
                  n[d] = xa[d] + xb[d] + 1;
                  for (int t = 0; t <= n[d]; ++t) {
                    e0[d][t] = e(d, xa[d], xb[d], t);
                    eA[d][t] = 2.0 * a * e(d, xa[d] + 1, xb[d], t) - xa[d] * e(d, xa[d] - 1, xb[d], t);
                    eB[d][t] = 2.0 * b * e(d, xa[d], xb[d] + 1, t) - xb[d] * e(d, xa[d], xb[d] - 1, t);
                  }
                }
                for (int t = 0; t <= n[0]; ++t)
                  for (int u = 0; u <= n[1]; ++u)
                    for (int v = 0; v <= n[2]; ++v) {
                      const std::size_t idx = (std::size_t(t) * L1 + u) * L1 + v;
                      cA[0][idx] += w * eA[0][t] * e0[1][u] * e0[2][v];
                      cA[1][idx] += w * e0[0][t] * eA[1][u] * e0[2][v];
                      cA[2][idx] += w * e0[0][t] * e0[1][u] * eA[2][v];
                      cB[0][idx] += w * eB[0][t] * e0[1][u] * e0[2][v];
                      cB[1][idx] += w * e0[0][t] * eB[1][u] * e0[2][v];
                      cB[2][idx] += w * e0[0][t] * e0[1][u] * eB[2][v];
                    }
              }
            const double P[3] = {(a * A.O[0] + b * B.O[0]) / p, (a * A.O[1] + b * B.O[1]) / p,
                                 (a * A.O[2] + b * B.O[2]) / p};
            for (int c = 0; c < na; ++c) {
              const auto& C = mol.atoms[c];
              const double PC[3] = {P[0] - C.r[0], P[1] - C.r[1], P[2] - C.r[2]};
              hermite_integrals(L + 1, p, PC, R, work);
              const double pre = -C.charge() * 2.0 * M_PI / p;
              double gA[3] = {0, 0, 0}, gB[3] = {0, 0, 0};
              for (int t = 0; t <= L + 1; ++t)
                for (int u = 0; u <= L + 1 - t; ++u)
                  for (int v = 0; v <= L + 1 - t - u; ++v) {
                    const std::size_t idx = (std::size_t(t) * L1 + u) * L1 + v;
                    const double r = R[idx];
                    for (int d = 0; d < 3; ++d) gA[d] += cA[d][idx] * r, gB[d] += cB[d][idx] * r;
                  }
              for (int d = 0; d < 3; ++d) {
                gA_V[d] += pre * gA[d];
                gB_V[d] += pre * gB[d];
                lH(c, d) -= pre * (gA[d] + gB[d]);  // translational invariance of each V_C
              }
            }
          }
        for (int d = 0; d < 3; ++d) {
          lS(at1, d) += gA_S[d];
          lS(at2, d) -= gA_S[d];
          lH(at1, d) += gA_T[d] + gA_V[d];
          lH(at2, d) += -gA_T[d] + gB_V[d];
        }
      }
  }
  for (int t = 0; t < nthreads; ++t) gS += tS[t], gH += tH[t];
}

}  // namespace

Eigen::MatrixXd nuclear_repulsion_gradient(const molecules::Molecule& mol) {
  const int n = static_cast<int>(mol.atoms.size());
  MatrixXd g = MatrixXd::Zero(n, 3);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < i; ++j) {
      const auto &A = mol.atoms[i], &B = mol.atoms[j];
      const double d[3] = {A.r[0] - B.r[0], A.r[1] - B.r[1], A.r[2] - B.r[2]};
      const double r = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      const double f = -A.charge() * B.charge() / (r * r * r);
      for (int k = 0; k < 3; ++k) g(i, k) += f * d[k], g(j, k) -= f * d[k];
    }
  return g;
}

Eigen::MatrixXd overlap_gradient(const BasisSet& basis, const molecules::Molecule& mol, const Eigen::MatrixXd& P) {
  MatrixXd gS, gH;
  one_electron_gradient(basis, mol, &P, nullptr, gS, gH);
  return gS;
}

Eigen::MatrixXd core_hamiltonian_gradient(const BasisSet& basis, const molecules::Molecule& mol,
                                          const Eigen::MatrixXd& P) {
  MatrixXd gS, gH;
  one_electron_gradient(basis, mol, nullptr, &P, gS, gH);
  return gH;
}

Eigen::MatrixXd two_electron_gradient(const BasisSet& basis, const molecules::Molecule& mol, const Eigen::MatrixXd& Da,
                                      const Eigen::MatrixXd& Db, double x, int threads) {
  detail::ensure_libint();
  using libint2::Operator;
  const auto shells = detail::to_libint(basis);
  const int ns = static_cast<int>(shells.size());
  const int na = static_cast<int>(mol.atoms.size());
  const int nthreads = threads > 0 ? threads : omp_get_max_threads();
  const MatrixXd Dt = Da + Db;
  // Schwarz factors and the largest density element of each shell block (screening).
  MatrixXd Q = MatrixXd::Zero(ns, ns), Dm = MatrixXd::Zero(ns, ns);
  libint2::Engine proto0(Operator::coulomb, basis.max_nprim, basis.max_l, 0);
  proto0.set_precision(0.0);
  libint2::Engine proto1(Operator::coulomb, basis.max_nprim, basis.max_l, 1);
  proto1.set_precision(1e-15);
  std::vector<libint2::Engine> e0(nthreads, proto0), e1(nthreads, proto1);
#pragma omp parallel for num_threads(nthreads) schedule(dynamic)
  for (int s1 = 0; s1 < ns; ++s1) {
    auto& engine = e0[omp_get_thread_num()];
    for (int s2 = 0; s2 <= s1; ++s2) {
      engine.compute(shells[s1], shells[s2], shells[s1], shells[s2]);
      double m = 0.0;
      if (const double* buf = engine.results()[0]) {
        const int n12 = shells[s1].size() * shells[s2].size();
        for (int i = 0; i < n12 * n12; ++i) m = std::max(m, std::abs(buf[i]));
      }
      Q(s1, s2) = Q(s2, s1) = std::sqrt(m);
      const auto blk = [&](const MatrixXd& D) {
        return D.block(basis.offsets[s1], basis.offsets[s2], shells[s1].size(), shells[s2].size()).cwiseAbs().maxCoeff();
      };
      Dm(s1, s2) = Dm(s2, s1) = std::max({blk(Dt), blk(Da), blk(Db)});
    }
  }
  // Screening: a quartet is skipped when its Schwarz bound times the largest density product is
  // below 1e-12. The bound is on the integrals, not their derivatives, which are larger by about
  // the square root of the largest exponent involved; quartets that small are far below what the
  // psi4 comparison resolves (o-carborane HF/6-31G*: 3.3e-9 Eh/Bohr against psi4, which also screens).
  const double dmax = Dm.maxCoeff(), qmax = Q.maxCoeff();
  std::vector<MatrixXd> gt(nthreads, MatrixXd::Zero(na, 3));
#pragma omp parallel num_threads(nthreads)
  {
    auto& engine = e1[omp_get_thread_num()];
    const auto& buf = engine.results();
    MatrixXd& g = gt[omp_get_thread_num()];
#pragma omp for schedule(dynamic)
    for (int s1 = 0; s1 < ns; ++s1)
      for (int s2 = 0; s2 <= s1; ++s2) {
        if (Q(s1, s2) * qmax * dmax * dmax < 1e-12) continue;
        for (int s3 = 0; s3 <= s1; ++s3)
          for (int s4 = 0; s4 <= (s3 == s1 ? s2 : s3); ++s4) {
            const double dq = std::max({Dm(s1, s2) * Dm(s3, s4), Dm(s1, s3) * Dm(s2, s4), Dm(s1, s4) * Dm(s2, s3)});
            if (Q(s1, s2) * Q(s3, s4) * dq < 1e-12) continue;
            const int a[4] = {basis.shells[s1].atom, basis.shells[s2].atom, basis.shells[s3].atom, basis.shells[s4].atom};
            if (a[0] == a[1] && a[1] == a[2] && a[2] == a[3]) continue;  // a one-centre quartet does not change
            engine.compute(shells[s1], shells[s2], shells[s3], shells[s4]);
            if (!buf[0]) continue;
            const double deg = (s1 == s2 ? 1.0 : 2.0) * (s3 == s4 ? 1.0 : 2.0) *
                               (s1 == s3 ? (s2 == s4 ? 1.0 : 2.0) : 2.0);
            const int n1 = shells[s1].size(), n2 = shells[s2].size(), n3 = shells[s3].size(), n4 = shells[s4].size();
            const int o1 = basis.offsets[s1], o2 = basis.offsets[s2], o3 = basis.offsets[s3], o4 = basis.offsets[s4];
            double acc[12] = {0};
            for (int f1 = 0, f1234 = 0; f1 < n1; ++f1)
              for (int f2 = 0; f2 < n2; ++f2)
                for (int f3 = 0; f3 < n3; ++f3)
                  for (int f4 = 0; f4 < n4; ++f4, ++f1234) {
                    const int b1 = o1 + f1, b2 = o2 + f2, b3 = o3 + f3, b4 = o4 + f4;
                    // Γ symmetrised over the eight index permutations of the integral.
                    double gamma = Dt(b1, b2) * Dt(b3, b4);
                    if (x != 0.0)
                      gamma -= 0.5 * x *
                               (Da(b1, b3) * Da(b2, b4) + Da(b1, b4) * Da(b2, b3) + Db(b1, b3) * Db(b2, b4) +
                                Db(b1, b4) * Db(b2, b3));
                    for (int k = 0; k < 12; ++k) acc[k] += gamma * buf[k][f1234];
                  }
            for (int c = 0; c < 4; ++c)
              for (int d = 0; d < 3; ++d) g(a[c], d) += 0.5 * deg * acc[3 * c + d];
          }
      }
  }
  MatrixXd g = MatrixXd::Zero(na, 3);
  for (const auto& t : gt) g += t;
  return g;
}

std::string gradient_unsupported(const Functional& f, const std::string& label) {
  const std::string& name = label.empty() ? f.name : label;
  if (f.meta) return "'" + name + "' is a meta-GGA: analytic gradients cover HF, LDA, GGA and global hybrids";
  if (f.omega != 0.0)
    return "'" + name + "' is range-separated: analytic gradients cover HF, LDA, GGA and global hybrids";
  return "";
}

std::string gradient_basis_unsupported(const BasisSet& basis) {
  const int lmax = libint_max_l_derivative();
  if (basis.max_l <= lmax) return "";
  return "basis " + basis.name + " has L=" + std::to_string(basis.max_l) +
         " shells; this libint2 differentiates electron-repulsion integrals up to L=" + std::to_string(lmax);
}

Gradient scf_gradient(const Wavefunction& wfn, int threads) {
  const auto t0 = std::chrono::steady_clock::now();
  const Functional& f = wfn.level.functional;
  if (const std::string why = gradient_unsupported(f); !why.empty()) throw InputError(why);
  if (wfn.level.integrals != Integrals::FourIndex)
    throw InputError("analytic gradients need four-index integrals: run the SCF with scf_type conv");
  if (const std::string why = gradient_basis_unsupported(wfn.basis); !why.empty()) throw InputError(why);
  if (f.is_hf() != !wfn.level.grid) throw std::logic_error("scf_gradient: a DFT wavefunction without its grid");
  const auto& mol = wfn.molecule;
  const auto& basis = wfn.basis;
  Gradient g;
  const MatrixXd D = wfn.total_density();
  MatrixXd W = MatrixXd::Zero(basis.nbf, basis.nbf);
  for (const SpinOrbitals* s : {&wfn.alpha, &wfn.beta}) {
    const Eigen::VectorXd ne = s->occupations.cwiseProduct(s->energies);
    W += s->C * ne.asDiagonal() * s->C.transpose();
  }
  auto since = [](auto t) { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count(); };
  g.nuclear_repulsion = nuclear_repulsion_gradient(mol);
  MatrixXd gS;
  auto t = std::chrono::steady_clock::now();
  one_electron_gradient(basis, mol, &W, &D, gS, g.core_hamiltonian, threads);
  g.overlap = -gS;
  g.one_electron_seconds = since(t);
  t = std::chrono::steady_clock::now();
  g.two_electron = two_electron_gradient(basis, mol, wfn.alpha.D, wfn.beta.D, f.exact_exchange, threads);
  g.two_electron_seconds = since(t);
  g.xc = MatrixXd::Zero(mol.atoms.size(), 3);
  if (!f.is_hf()) {
    t = std::chrono::steady_clock::now();
    const bool polarized = wfn.reference == Reference::UHF;
    XCIntegrator xc(basis, mol, f, *wfn.level.grid, polarized, threads);
    g.xc = polarized ? xc.gradient({wfn.alpha.D, wfn.beta.D}) : xc.gradient({D});
    g.xc_seconds = since(t);
  }
  g.solvation = wfn.solvation.enabled() ? solvation_gradient(wfn, threads) : MatrixXd::Zero(mol.atoms.size(), 3);
  g.total = g.nuclear_repulsion + g.core_hamiltonian + g.overlap + g.two_electron + g.xc + g.solvation;
  g.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return g;
}

}  // namespace cagescreen::scf
