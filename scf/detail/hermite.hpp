#pragma once
// Private to scf/: McMurchie–Davidson building blocks shared by the electrostatic potential
// (esp.cpp) and the one-electron derivative integrals (gradient.cpp): Cartesian components in
// libint2's order, the Cartesian-to-shell transformation, 1-D Hermite expansion coefficients and a
// tabulated Boys function.
#include <libint2/shell.h>
#include <libint2/solidharmonics.h>

#include <Eigen/Dense>
#include <array>
#include <cmath>
#include <vector>

namespace cagescreen::scf::detail {

/// Cartesian exponents of the components of a shell of angular momentum l in libint2's order.
inline std::vector<std::array<int, 3>> cartesian_components(int l) {
  std::vector<std::array<int, 3>> c;
  for (int a = l; a >= 0; --a)
    for (int b = l - a; b >= 0; --b) c.push_back({a, b, l - a - b});
  return c;
}

/// Matrix T with φ_function = Σ_c T(function, c) φ_cartesian(c) for one shell.
inline Eigen::MatrixXd cartesian_to_shell(const libint2::Shell& sh) {
  const int l = sh.contr[0].l;
  const int ncart = (l + 1) * (l + 2) / 2;
  if (!sh.contr[0].pure) return Eigen::MatrixXd::Identity(ncart, ncart);
  Eigen::MatrixXd T = Eigen::MatrixXd::Zero(2 * l + 1, ncart);
  const auto& coefs = libint2::solidharmonics::SolidHarmonicsCoefficients<double>::instance(l);
  for (int m = 0; m < 2 * l + 1; ++m)
    for (int k = 0; k < coefs.nnz(m); ++k) T(m, coefs.row_idx(m)[k]) = coefs.row_values(m)[k];
  return T;
}

/// 1-D Hermite expansion coefficients E[i][j][t] (i ≤ la, j ≤ lb, t ≤ i + j) of the product of
/// x_A^i exp(−a x_A²) and x_B^j exp(−b x_B²), Helgaker–Jørgensen–Olsen eq. 9.5.6–9.5.7; stored
/// flat as ((i·(lb+1) + j)·(la+lb+1) + t).
inline void hermite_1d(int la, int lb, double a, double b, double XAB, std::vector<double>& E) {
  const double p = a + b, mu = a * b / p;
  const double XPA = -b / p * XAB, XPB = a / p * XAB, h = 0.5 / p;
  const int T1 = la + lb + 1;
  E.assign((la + 1) * (lb + 1) * T1, 0.0);
  auto at = [&](int i, int j, int t) -> double& { return E[(i * (lb + 1) + j) * T1 + t]; };
  auto get = [&](int i, int j, int t) { return (t < 0 || t > i + j) ? 0.0 : E[(i * (lb + 1) + j) * T1 + t]; };
  at(0, 0, 0) = std::exp(-mu * XAB * XAB);
  for (int i = 0; i <= la; ++i)
    for (int j = 0; j <= lb; ++j) {
      if (i == 0 && j == 0) continue;
      for (int t = 0; t <= i + j; ++t) {
        if (i > 0)
          at(i, j, t) = h * get(i - 1, j, t - 1) + XPA * get(i - 1, j, t) + (t + 1) * get(i - 1, j, t + 1);
        else
          at(i, j, t) = h * get(i, j - 1, t - 1) + XPB * get(i, j - 1, t) + (t + 1) * get(i, j - 1, t + 1);
      }
    }
}

/// Boys functions F_0 … F_m at many T: a table of F_m(iΔ) (Δ = 0.1, T ≤ 40, exact series) with a
/// 7-term Taylor step (error below 1e-14), and F_0 = ½√(π/T) with upward recursion beyond 40
/// (e^{−40} negligible). Plain loops over points, so the compiler vectorises them.
class BoysTable {
 public:
  static constexpr double delta = 0.1, t_max = 40.0;
  static constexpr int taylor = 7;
  explicit BoysTable(int m_max) : width_(m_max + taylor + 1) {
    const int n = static_cast<int>(t_max / delta) + 2;
    table_.resize(std::size_t(n) * width_);
    for (int i = 0; i < n; ++i) {
      const double T = i * delta;
      // F_m(T) = e^{−T} Σ_k (2T)^k / ((2m+1)(2m+3)…(2m+2k+1)): positive terms, no cancellation.
      for (int m = 0; m < width_; ++m) {
        double term = 1.0 / (2 * m + 1), sum = term;
        for (int k = 1; k < 400 && term > 1e-17 * sum; ++k) {
          term *= 2.0 * T / (2 * m + 2 * k + 1);
          sum += term;
        }
        table_[std::size_t(i) * width_ + m] = std::exp(-T) * sum;
      }
    }
  }
  /// F[m * nb + k] = F_m(T[k]) for m ≤ m_max, k < nb.
  void eval(const double* T, int nb, int m_max, double* F) const {
    for (int k = 0; k < nb; ++k) {
      const double t = T[k];
      if (t >= t_max) {
        const double inv = 1.0 / t;
        double f = 0.886226925452758014 * std::sqrt(inv);
        F[k] = f;
        for (int m = 1; m <= m_max; ++m) F[m * nb + k] = f = f * (m - 0.5) * inv;
        continue;
      }
      const int i = static_cast<int>(t / delta + 0.5);
      const double d = t - i * delta;
      const double* row = table_.data() + std::size_t(i) * width_;
      for (int m = 0; m <= m_max; ++m) {
        // Σ_j F_{m+j}(T_i) (−d)^j / j!, Horner form.
        double acc = row[m + taylor - 1];
        for (int j = taylor - 1; j >= 1; --j) acc = row[m + j - 1] - d * acc / j;
        F[m * nb + k] = acc;
      }
    }
  }

 private:
  int width_;
  std::vector<double> table_;
};

}  // namespace cagescreen::scf::detail
