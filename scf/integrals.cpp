#include "scf/integrals.hpp"
#include "scf/reference_implementations.hpp"

#include <omp.h>

#include <cmath>
#include <mutex>

#include "scf/detail/libint.hpp"

namespace cagescreen::scf {
namespace detail {

void ensure_libint() {
  static std::once_flag flag;
  std::call_once(flag, [] { libint2::initialize(); });
}

std::vector<libint2::Shell> to_libint(const BasisSet& basis) {
  ensure_libint();
  std::vector<libint2::Shell> out;
  out.reserve(basis.shells.size());
  for (const auto& s : basis.shells) {
    libint2::svector<double> alpha(s.exponents.begin(), s.exponents.end());
    libint2::svector<double> coef(s.coefficients.begin(), s.coefficients.end());
    out.emplace_back(alpha, libint2::svector<libint2::Shell::Contraction>{{s.l, s.pure, coef}},
                     std::array<double, 3>{s.center[0], s.center[1], s.center[2]});
  }
  return out;
}

}  // namespace detail

namespace {

// One-body integrals over all shell pairs, one matrix per operator component (libint2's
// results()[k]); the lower triangle of shell blocks is computed and mirrored. `setup`
// configures the engine (point charges, multipole origin).
template <typename Setup>
std::vector<Eigen::MatrixXd> one_body_components(const BasisSet& basis, libint2::Operator op, int ncomp, Setup setup) {
  const auto shells = detail::to_libint(basis);
  std::vector<Eigen::MatrixXd> M(ncomp, Eigen::MatrixXd::Zero(basis.nbf, basis.nbf));
  const int ns = static_cast<int>(shells.size());
  // Built serially and copied per thread: libint2's engine constructor must not run concurrently.
  libint2::Engine prototype(op, basis.max_nprim, basis.max_l, 0);
  setup(prototype);
#pragma omp parallel
  {
    libint2::Engine engine = prototype;
    const auto& buf = engine.results();
#pragma omp for schedule(dynamic)
    for (int s1 = 0; s1 < ns; ++s1) {
      for (int s2 = 0; s2 <= s1; ++s2) {
        engine.compute(shells[s1], shells[s2]);
        if (buf[0] == nullptr) continue;
        const int n1 = shells[s1].size(), n2 = shells[s2].size();
        const int o1 = basis.offsets[s1], o2 = basis.offsets[s2];
        for (int k = 0; k < ncomp; ++k)
          for (int f1 = 0; f1 < n1; ++f1)
            for (int f2 = 0; f2 < n2; ++f2) {
              M[k](o1 + f1, o2 + f2) = buf[k][f1 * n2 + f2];
              M[k](o2 + f2, o1 + f1) = buf[k][f1 * n2 + f2];
            }
      }
    }
  }
  return M;
}

template <typename Setup>
Eigen::MatrixXd one_body(const BasisSet& basis, libint2::Operator op, Setup setup) {
  return std::move(one_body_components(basis, op, 1, setup)[0]);
}

}  // namespace

Eigen::MatrixXd overlap_matrix(const BasisSet& basis) {
  return one_body(basis, libint2::Operator::overlap, [](libint2::Engine&) {});
}

Eigen::MatrixXd kinetic_matrix(const BasisSet& basis) {
  return one_body(basis, libint2::Operator::kinetic, [](libint2::Engine&) {});
}

Eigen::MatrixXd nuclear_matrix(const BasisSet& basis, const molecules::Molecule& mol) {
  std::vector<std::pair<double, std::array<double, 3>>> charges;
  for (const auto& a : mol.atoms) charges.push_back({a.charge(), a.r});
  return point_charge_matrix(basis, charges);
}

Eigen::MatrixXd point_charge_matrix(const BasisSet& basis,
                                    const std::vector<std::pair<double, std::array<double, 3>>>& charges) {
  return one_body(basis, libint2::Operator::nuclear, [&](libint2::Engine& e) { e.set_params(charges); });
}

Eigen::MatrixXd core_hamiltonian(const BasisSet& basis, const molecules::Molecule& mol) {
  return kinetic_matrix(basis) + nuclear_matrix(basis, mol);
}

std::vector<Eigen::MatrixXd> multipole_matrices(const BasisSet& basis, const std::array<double, 3>& origin) {
  return one_body_components(basis, libint2::Operator::emultipole2, 10,
                             [&](libint2::Engine& e) { e.set_params(origin); });
}

Eigen::MatrixXd function_potentials_libint(const BasisSet& basis, const std::vector<std::array<double, 3>>& points) {
  detail::ensure_libint();
  const auto shells = detail::to_libint(basis);
  libint2::Engine engine(libint2::Operator::nuclear, basis.max_nprim, basis.max_l, 0);
  const auto unit = libint2::Shell::unit();
  Eigen::MatrixXd A(static_cast<Eigen::Index>(points.size()), basis.nbf);
  for (std::size_t k = 0; k < points.size(); ++k) {
    engine.set_params(std::vector<std::pair<double, std::array<double, 3>>>{{1.0, points[k]}});
    for (std::size_t s = 0; s < shells.size(); ++s) {
      engine.compute(shells[s], unit);
      for (std::size_t f = 0; f < shells[s].size(); ++f)  // libint2's nuclear attraction is −∫χ/|r − C|
        A(static_cast<Eigen::Index>(k), basis.offsets[s] + static_cast<Eigen::Index>(f)) =
            engine.results()[0] ? -engine.results()[0][f] : 0.0;
    }
  }
  return A;
}

Eigen::VectorXd electrostatic_potential_libint(const BasisSet& basis, const molecules::Molecule& mol,
                                               const Eigen::MatrixXd& D, const std::vector<std::array<double, 3>>& points,
                                               int threads) {
  const auto shells = detail::to_libint(basis);
  const int ns = static_cast<int>(shells.size());
  // Shell pairs that matter: |D| over the block times the largest Gaussian-product prefactor
  // |c_a c_b| exp(−ab/(a+b) |A − B|²) of their primitives (libint2-normalised coefficients) above
  // 1e-14. (Not the overlap: s and p on one centre have S = 0 but a nonzero potential.)
  struct Pair {
    int s1, s2;
    double factor;
  };
  std::vector<Pair> pairs;
  for (int s1 = 0; s1 < ns; ++s1)
    for (int s2 = 0; s2 <= s1; ++s2) {
      const auto &A = shells[s1], &B = shells[s2];
      const double R2 = (A.O[0] - B.O[0]) * (A.O[0] - B.O[0]) + (A.O[1] - B.O[1]) * (A.O[1] - B.O[1]) +
                        (A.O[2] - B.O[2]) * (A.O[2] - B.O[2]);
      double k = 0.0;
      for (std::size_t a = 0; a < A.alpha.size(); ++a)
        for (std::size_t b = 0; b < B.alpha.size(); ++b)
          k = std::max(k, std::abs(A.contr[0].coeff[a] * B.contr[0].coeff[b]) *
                              std::exp(-A.alpha[a] * B.alpha[b] / (A.alpha[a] + B.alpha[b]) * R2));
      const int o1 = basis.offsets[s1], o2 = basis.offsets[s2];
      const double d = D.block(o1, o2, A.size(), B.size()).cwiseAbs().maxCoeff();
      if (d * k > 1e-14) pairs.push_back({s1, s2, s1 == s2 ? 1.0 : 2.0});
    }
  const int np = static_cast<int>(points.size());
  Eigen::VectorXd V(np);
  libint2::Engine prototype(libint2::Operator::nuclear, basis.max_nprim, basis.max_l, 0);
  prototype.set_params(std::vector<std::pair<double, std::array<double, 3>>>{{1.0, {0.0, 0.0, 0.0}}});
  const int nthreads = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel num_threads(nthreads)
  {
    libint2::Engine engine = prototype;
    const auto& buf = engine.results();
    std::vector<std::pair<double, std::array<double, 3>>> unit(1);
#pragma omp for schedule(dynamic, 16)
    for (int i = 0; i < np; ++i) {
      const auto& r = points[i];
      double v = 0.0;
      for (const auto& a : mol.atoms) {
        const double d = std::hypot(r[0] - a.r[0], r[1] - a.r[1], r[2] - a.r[2]);
        v += a.charge() / std::max(d, 1e-12);
      }
      // libint2's nuclear operator with a unit charge at r gives −⟨μ|1/|r' − r||ν⟩: the electrons'
      // potential there is Σ D_μν times it.
      unit[0] = {1.0, r};
      engine.set_params(unit);
      for (const auto& p : pairs) {
        engine.compute(shells[p.s1], shells[p.s2]);
        if (buf[0] == nullptr) continue;
        const int n1 = shells[p.s1].size(), n2 = shells[p.s2].size();
        const int o1 = basis.offsets[p.s1], o2 = basis.offsets[p.s2];
        double sum = 0.0;
        for (int f1 = 0; f1 < n1; ++f1)
          for (int f2 = 0; f2 < n2; ++f2) sum += D(o1 + f1, o2 + f2) * buf[0][f1 * n2 + f2];
        v += p.factor * sum;
      }
      V(i) = v;
    }
  }
  return V;
}

const char* libint_version() { return LIBINT_VERSION; }

}  // namespace cagescreen::scf
