#include <doctest/doctest.h>

#include <random>

#include "check.hpp"
#include "molecules/species.hpp"
#include "scf/integrals.hpp"
#include "scf/jk.hpp"

using namespace cagescreen;
using namespace cagescreen::scf;
using Eigen::MatrixXd;

namespace {
MatrixXd random_symmetric(int n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(-0.5, 0.5);
  MatrixXd A(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) A(i, j) = u(gen);
  return 0.5 * (A + A.transpose());
}
}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("overlap is normalised and the core Hamiltonian symmetric") {
    const auto water = molecules::load_species(*molecules::find_species("water"));
    for (auto type : {ShellType::Spherical, ShellType::Cartesian}) {
      const auto basis = build_basis(water, "cc-pvdz", type);
      const auto S = overlap_matrix(basis);
      const auto H = core_hamiltonian(basis, water);
      check_near((H - H.transpose()).cwiseAbs().maxCoeff(), 0.0, 1e-12, "H symmetry");
      // libint2 normalises each shell's axis-aligned Cartesian component (x^l); pure functions all.
      for (size_t s = 0; s < basis.shells.size(); ++s)
        check_near(S(basis.offsets[s], basis.offsets[s]), 1.0, 1e-10, "diagonal overlap");
    }
  }

  TEST_CASE("fast J/K (8-fold symmetry, screening, cache, threads) equals the naive build") {
    const auto water = molecules::load_species(*molecules::find_species("water"));
    for (auto type : {ShellType::Spherical, ShellType::Cartesian}) {
      const auto basis = build_basis(water, "6-31g(2df,p)", type);
      const MatrixXd D1 = random_symmetric(basis.nbf, 1), D2 = random_symmetric(basis.nbf, 2);
      MatrixXd Jn1, Kn1, Jn2, Kn2;
      naive_jk(basis, D1, Jn1, Kn1);
      naive_jk(basis, D2, Jn2, Kn2);
      for (std::size_t memory : {std::size_t(0), std::size_t(1) << 30, std::size_t(20000)}) {
        for (int threads : {1, 2}) {
          JKSettings js;
          js.memory_bytes = memory;
          js.threads = threads;
          FourIndexJK jk(basis, js);
          std::vector<MatrixXd> J, K;
          for (int pass = 0; pass < 2; ++pass) {  // second pass reads the in-core store
            jk.compute({D1, D2}, J, K, true, 1e-14);
            check_near((J[0] - Jn1).cwiseAbs().maxCoeff(), 0.0, 1e-11, "J[D1]");
            check_near((K[0] - Kn1).cwiseAbs().maxCoeff(), 0.0, 1e-11, "K[D1]");
            check_near((J[1] - Jn2).cwiseAbs().maxCoeff(), 0.0, 1e-11, "J[D2]");
            check_near((K[1] - Kn2).cwiseAbs().maxCoeff(), 0.0, 1e-11, "K[D2]");
          }
          if (memory == (std::size_t(1) << 30)) CHECK(jk.cached_fraction() == 1.0);
          if (memory == 0) CHECK(jk.cached_fraction() == 0.0);
          if (memory == 20000) {
            CHECK(jk.cached_fraction() > 0.0);
            CHECK(jk.cached_fraction() < 1.0);
          }
        }
      }
    }
  }
}
