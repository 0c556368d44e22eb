#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "check.hpp"
#include "molecules/error.hpp"
#include "molecules/species.hpp"
#include "scf/reference_implementations.hpp"
#include "scf/integrals.hpp"
#include "scf/jk.hpp"
#include "scf/scf.hpp"

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
            jk.compute({D1, D2}, J, K, true);
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

namespace {
/// D = C Cᵀ for `n` random orthonormal-in-S orbitals: a positive semidefinite density.
MatrixXd random_density(const MatrixXd& S, int n, unsigned seed) {
  Eigen::SelfAdjointEigenSolver<MatrixXd> es(S);
  const MatrixXd X = es.eigenvectors() * es.eigenvalues().cwiseInverse().cwiseSqrt().asDiagonal();
  const MatrixXd R = random_symmetric(static_cast<int>(S.rows()), seed);
  Eigen::SelfAdjointEigenSolver<MatrixXd> er(R);
  const MatrixXd C = X * er.eigenvectors().leftCols(n);
  return C * C.transpose();
}
}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("density fitting is exact when the fitting functions span every orbital product") {
    // One centre, uncontracted s functions (exponents 1.2 and 0.3): the products are s Gaussians
    // with exponents 2.4, 1.5 and 0.6, which the auxiliary basis holds.
    const auto dir = std::filesystem::path(CAGESCREEN_TEST_TMP) / "df_exact";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "orb.gbs") << "spherical\n****\nHe 0\nS 1 1.00\n 1.2 1.0\nS 1 1.00\n 0.3 1.0\n****\n";
    std::ofstream(dir / "aux.gbs") << "spherical\n****\nHe 0\nS 1 1.00\n 2.4 1.0\nS 1 1.00\n 1.5 1.0\nS 1 1.00\n 0.6 1.0\n****\n";
    molecules::Molecule he;
    he.atoms.push_back({2, {0.1, -0.2, 0.3}});
    const auto basis = build_basis(he, (dir / "orb.gbs").string());
    const auto aux = build_fitting_basis(he, (dir / "aux.gbs").string());
    const MatrixXd D = random_symmetric(basis.nbf, 3);
    MatrixXd Jn, Kn;
    naive_jk(basis, D, Jn, Kn);
    DensityFittedJK df(basis, aux, 1);
    std::vector<MatrixXd> J, K;
    df.compute({D}, J, K, true);
    check_near((J[0] - Jn).cwiseAbs().maxCoeff(), 0.0, 1e-12, "fitted J");
    check_near((K[0] - Kn).cwiseAbs().maxCoeff(), 0.0, 1e-12, "fitted K (indefinite D)");
  }

  TEST_CASE("density fitting: bounded below by the exact energies, linear, thread independent") {
    // Coulomb-metric fitting never overestimates a self-repulsion: for a positive semidefinite D
    // the fitted Coulomb and exchange energies lie below the exact ones, and close to them.
    const auto water = molecules::load_species(*molecules::find_species("water"));
    for (const char* fit : {"def2-universal-jkfit", "def2-universal-jfit"}) {
      CAPTURE(fit);
      const auto basis = build_basis(water, "def2-svp");
      const auto aux = build_fitting_basis(water, fit);
      const MatrixXd S = overlap_matrix(basis);
      // D1: the guess density (superposed atoms); D2 random orbitals, which are fitted worse.
      const MatrixXd D1 = 0.5 * sad_density(water, basis, ScfSettings{}), D2 = random_density(S, 5, 5);
      MatrixXd Jn, Kn;
      naive_jk(basis, D1, Jn, Kn);
      std::vector<MatrixXd> J, K, J2, K2;
      DensityFittedJK df1(basis, aux, 1), df2(basis, aux, 2);
      df1.compute({D1, D2, D1 - D2}, J, K, true);
      df2.compute({D1, D2, D1 - D2}, J2, K2, true);
      const double ej = 0.5 * (D1.array() * Jn.array()).sum(), ej_fit = 0.5 * (D1.array() * J[0].array()).sum();
      const double ek = 0.5 * (D1.array() * Kn.array()).sum(), ek_fit = 0.5 * (D1.array() * K[0].array()).sum();
      CHECK(ej_fit <= ej);
      CHECK(ek_fit <= ek);
      MESSAGE("relative fitting error of E_J " << (ej - ej_fit) / ej << ", E_K " << (ek - ek_fit) / ek);
      // Measured: jkfit 3.7e-7 (J), 7.3e-6 (K); jfit 5.7e-7 (J), 1.8e-4 (K: not made for it).
      CHECK(ej - ej_fit < 2e-6 * ej);
      CHECK(ek - ek_fit < (std::string(fit) == "def2-universal-jkfit" ? 5e-5 : 1e-3) * ek);
      for (int d = 0; d < 3; ++d) {
        check_near((J[d] - J[d].transpose()).cwiseAbs().maxCoeff(), 0.0, 1e-14, "J symmetric");
        check_near((K[d] - K2[d]).cwiseAbs().maxCoeff(), 0.0, 1e-12, "K with 1 and 2 threads");
        check_near((J[d] - J2[d]).cwiseAbs().maxCoeff(), 0.0, 1e-12, "J with 1 and 2 threads");
      }
      check_near((J[2] - (J[0] - J[1])).cwiseAbs().maxCoeff(), 0.0, 1e-11, "J linear");
      check_near((K[2] - (K[0] - K[1])).cwiseAbs().maxCoeff(), 0.0, 1e-11, "K of an indefinite difference");
      CHECK(df1.cached_bytes() == DensityFittedJK::bytes_needed(basis, aux));
    }
  }

  TEST_CASE("fitting basis: spherical, and refused where libint2 stops") {
    const auto water = molecules::load_species(*molecules::find_species("water"));
    const auto aux = build_fitting_basis(water, "def2-universal-jkfit");
    CHECK(aux.shell_type == ShellType::Spherical);
    for (const auto& s : aux.shells) CHECK((s.pure || s.l < 2));
    // Three-centre integrals reach higher angular momentum than four-centre ones in libint2.
    REQUIRE(libint_max_l_fitting() > libint_max_l());
    const auto dir = std::filesystem::path(CAGESCREEN_TEST_TMP) / "df_exact";
    std::filesystem::create_directories(dir);
    const int l = libint_max_l() + 1;
    std::ofstream(dir / "high.gbs") << "spherical\n****\nH 0\n" << "SPDFGHIK"[l] << " 1 1.00\n 1.0 1.0\n****\n";
    molecules::Molecule h;
    h.multiplicity = 2;
    h.atoms.push_back({1, {0, 0, 0}});
    CHECK(build_fitting_basis(h, (dir / "high.gbs").string()).max_l == l);
    // Zn's JK fitting functions go beyond the four-centre limit; the fitted integrals still run.
    molecules::Molecule zn;
    zn.atoms.push_back({30, {0, 0, 0}});
    const auto zn_aux = build_fitting_basis(zn, "def2-universal-jkfit");
    CHECK(zn_aux.max_l > libint_max_l());
    const auto zn_basis = build_basis(zn, "def2-svp");
    DensityFittedJK zn_df(zn_basis, zn_aux, 1);
    std::vector<MatrixXd> J, K;
    zn_df.compute({MatrixXd::Identity(zn_basis.nbf, zn_basis.nbf)}, J, K, true);
    CHECK(J[0].allFinite());
    CHECK(J[0].trace() > 0.0);
    try {
      build_basis(h, (dir / "high.gbs").string());
      FAIL("an L=" << l << " orbital shell was accepted");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).find("only up to L=" + std::to_string(l - 1)) != std::string::npos);
    }
  }
}
