// Analytic nuclear gradients: each term against central finite differences of the quantity it
// differentiates (our own integrals at displaced geometries, the density held fixed), then whole
// SCF gradients against psi4 1.3.2 analytic gradients (tests/reference/gradients/).
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "check.hpp"
#include "molecules/units.hpp"
#include "scf/gradient.hpp"
#include "scf/integrals.hpp"
#include "scf/jk.hpp"
#include "scf/xc.hpp"
#include "scf_helpers.hpp"

using namespace cagescreen;
using Eigen::MatrixXd;

namespace {

/// A distorted water (Angstrom: O 0 0 0, H 0.99 0 0, H −0.25 0.93 0.05), as in the psi4 references.
molecules::Molecule distorted_water() {
  molecules::Molecule m;
  const double a = units::angstrom_in_bohr;
  m.atoms.push_back(molecules::Atom{8, {0.0, 0.0, 0.0}});
  m.atoms.push_back(molecules::Atom{1, {0.99 * a, 0.0, 0.0}});
  m.atoms.push_back(molecules::Atom{1, {-0.25 * a, 0.93 * a, 0.05 * a}});
  return m;
}

/// A symmetric matrix with entries in [−0.5, 0.5] (fixed seed).
MatrixXd random_symmetric(int n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(-0.5, 0.5);
  MatrixXd P(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j <= i; ++j) P(i, j) = P(j, i) = u(gen);
  return P;
}

/// Central difference (step h Bohr) of f(molecule) for every coordinate.
template <class F>
MatrixXd finite_difference(const molecules::Molecule& mol, F f, double h = 1e-4) {
  MatrixXd g(mol.atoms.size(), 3);
  for (std::size_t a = 0; a < mol.atoms.size(); ++a)
    for (int k = 0; k < 3; ++k) {
      molecules::Molecule p = mol, m = mol;
      p.atoms[a].r[k] += h;
      m.atoms[a].r[k] -= h;
      g(a, k) = (f(p) - f(m)) / (2 * h);
    }
  return g;
}

double max_diff(const MatrixXd& a, const MatrixXd& b) { return (a - b).cwiseAbs().maxCoeff(); }

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("gradient: one-electron derivative integrals against finite differences") {
    const auto mol = distorted_water();
    for (const auto& [name, type] : {std::pair{"6-31g*", scf::ShellType::Cartesian}, std::pair{"def2-svp", scf::ShellType::Auto},
                                     std::pair{"cc-pvtz", scf::ShellType::Auto}}) {
      CAPTURE(name);
      const auto basis = scf::build_basis(mol, name, type);
      const MatrixXd P = random_symmetric(basis.nbf, 7);
      auto trace = [&](const MatrixXd& M) { return P.cwiseProduct(M).sum(); };
      const MatrixXd gs = scf::overlap_gradient(basis, mol, P);
      const MatrixXd fs = finite_difference(mol, [&](const molecules::Molecule& m) {
        return trace(scf::overlap_matrix(scf::build_basis(m, name, type)));
      });
      CHECK(max_diff(gs, fs) < 1e-7);
      const MatrixXd gh = scf::core_hamiltonian_gradient(basis, mol, P);
      const MatrixXd fh = finite_difference(mol, [&](const molecules::Molecule& m) {
        return trace(scf::core_hamiltonian(scf::build_basis(m, name, type), m));
      });
      CHECK(max_diff(gh, fh) < 1e-6);
      MESSAGE(std::string(name) << ": |dS - FD| " << max_diff(gs, fs) << ", |dH - FD| " << max_diff(gh, fh) << ", max |dH| "
                   << gh.cwiseAbs().maxCoeff());
    }
  }

  TEST_CASE("gradient: nuclear repulsion against finite differences") {
    const auto mol = distorted_water();
    const MatrixXd fd = finite_difference(mol, [](const molecules::Molecule& m) { return m.nuclear_repulsion(); });
    CHECK(max_diff(scf::nuclear_repulsion_gradient(mol), fd) < 1e-8);
  }

  TEST_CASE("gradient: two-electron derivative integrals against finite differences") {
    const auto mol = distorted_water();
    for (const char* name : {"6-31g*", "def2-svp"}) {
      CAPTURE(name);
      const auto basis = scf::build_basis(mol, name);
      const MatrixXd Da = random_symmetric(basis.nbf, 3), Db = random_symmetric(basis.nbf, 5);
      const double x = 0.2;
      const MatrixXd g = scf::two_electron_gradient(basis, mol, Da, Db, x);
      const MatrixXd fd = finite_difference(mol, [&](const molecules::Molecule& m) {
        MatrixXd Ja, Ka, Jb, Kb;
        const auto b = scf::build_basis(m, name);
        scf::naive_jk(b, Da, Ja, Ka);
        scf::naive_jk(b, Db, Jb, Kb);
        const MatrixXd Dt = Da + Db;
        return 0.5 * Dt.cwiseProduct(Ja + Jb).sum() - 0.5 * x * (Da.cwiseProduct(Ka).sum() + Db.cwiseProduct(Kb).sum());
      });
      MESSAGE(std::string(name) << ": |d2e - FD| " << max_diff(g, fd) << ", max " << g.cwiseAbs().maxCoeff());
      CHECK(max_diff(g, fd) < 1e-6);
    }
  }

  TEST_CASE("gradient: XC term against finite differences on a fixed grid") {
    const auto mol = distorted_water();
    for (const char* method : {"svwn", "pbe", "b3lyp"}) {
      for (bool polarized : {false, true}) {
        CAPTURE(method);
        CAPTURE(polarized);
        const auto f = scf::Functional::from_name(method);
        const auto grid = scf::parse_grid("fine");
        const auto basis = scf::build_basis(mol, "def2-svp");
        // A positive semidefinite density: occupied orbitals of random coefficients.
        MatrixXd C = random_symmetric(basis.nbf, 11).leftCols(5) * 0.3;
        const MatrixXd S = scf::overlap_matrix(basis);
        const MatrixXd Da = C * C.transpose(), Db = 0.8 * Da;
        const std::vector<MatrixXd> D = polarized ? std::vector<MatrixXd>{Da, Db} : std::vector<MatrixXd>{Da + Db};
        const MatrixXd g = scf::XCIntegrator(basis, mol, f, grid, polarized).gradient(D);
        // The grid stays on the undisplaced molecule; only the basis functions move.
        const MatrixXd fd = finite_difference(mol, [&](const molecules::Molecule& m) {
          return scf::XCIntegrator(scf::build_basis(m, "def2-svp"), mol, f, grid, polarized).compute(D).energy;
        });
        MESSAGE(std::string(method) << (polarized ? " polarised" : " restricted") << ": |dxc - FD| " << max_diff(g, fd) << ", max "
                       << g.cwiseAbs().maxCoeff());
        CHECK(max_diff(g, fd) < 1e-6);
      }
    }
  }
}
