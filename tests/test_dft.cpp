#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "check.hpp"
#include "molecules/error.hpp"
#include "molecules/species.hpp"
#include "scf/grid.hpp"
#include "scf/integrals.hpp"
#include "scf/xc.hpp"
#include "scf_helpers.hpp"

using namespace cagescreen;
using namespace cagescreen::scf;
using Eigen::MatrixXd;

namespace {
MatrixXd random_density(int n, int nocc, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> g(0.0, 0.3);
  MatrixXd C(n, nocc);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < nocc; ++j) C(i, j) = g(gen);
  return C * C.transpose();  // positive semidefinite: ρ ≥ 0 everywhere
}
molecules::Molecule water() { return molecules::load_species(*molecules::find_species("water")); }
}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("Lebedev rules integrate spherical harmonics exactly to their degree") {
    for (int n : {110, 302, 590}) {
      const auto& L = lebedev(n);
      double area = 0, x2 = 0, x4y2 = 0, x3 = 0;
      for (const auto& p : L) {
        area += p[3];
        x2 += p[3] * p[0] * p[0];
        x4y2 += p[3] * std::pow(p[0], 4) * p[1] * p[1];
        x3 += p[3] * p[0] * p[0] * p[0];
      }
      check_near(area, 4 * M_PI, 1e-12, "sphere area");
      check_near(x2, 4 * M_PI / 3, 1e-12, "<x^2>");
      check_near(x4y2, 4 * M_PI / 35, 1e-12, "<x^4 y^2>");  // 4π·3!!·1!!/7!!
      check_near(x3, 0.0, 1e-12, "<x^3>");
    }
    CHECK_THROWS_AS(lebedev(300), InputError);
  }

  TEST_CASE("grid levels and explicit sizes") {
    CHECK(parse_grid("default").radial == 75);
    CHECK(parse_grid("fine").angular == 590);
    const auto g = parse_grid("99,590");
    CHECK(g.radial == 99);
    CHECK_FALSE(g.prune);
    CHECK_THROWS_AS(parse_grid("99,591"), InputError);
    CHECK_THROWS_AS(parse_grid("medium"), InputError);
    CHECK_THROWS_AS(parse_grid("5,302"), InputError);
  }

  TEST_CASE("the molecular grid integrates a normalised Gaussian on every atom") {
    const auto mol = water();
    const auto grid = build_grid(mol, parse_grid("default"));
    for (const auto& atom : mol.atoms) {
      double sum = 0;
      for (std::size_t i = 0; i < grid.points.size(); ++i) {
        const double dx = grid.points[i][0] - atom.r[0], dy = grid.points[i][1] - atom.r[1],
                     dz = grid.points[i][2] - atom.r[2];
        sum += grid.weights[i] * std::pow(2.0 / M_PI, 1.5) * std::exp(-2.0 * (dx * dx + dy * dy + dz * dz));
      }
      check_near(sum, 1.0, 1e-6, "integral of a unit Gaussian");
    }
  }

  TEST_CASE("basis values on the grid reproduce the overlap (spherical and Cartesian d, f)") {
    const auto mol = water();
    for (auto type : {ShellType::Spherical, ShellType::Cartesian, ShellType::Pople6D7F}) {
      const auto basis = build_basis(mol, "6-31g(2df,p)", type);
      const MatrixXd S = overlap_matrix(basis);
      const XCIntegrator xc(basis, mol, Functional::from_name("svwn"), parse_grid("fine"), false, 2);
      for (unsigned seed : {1u, 2u, 3u}) {
        const MatrixXd D = random_density(basis.nbf, 5, seed);
        const auto r = xc.compute({D});
        // ∫ρ = Σ D_μν ∫φ_μ φ_ν = Tr[D S]
        check_near(r.electrons, (D.array() * S.array()).sum(), 2e-6, "integrated density vs Tr[DS]");
      }
    }
  }

  TEST_CASE("V^xc is the derivative of E_xc (LDA, GGA, meta-GGA, hybrid; unpolarised and polarised)") {
    const auto mol = water();
    const auto basis = build_basis(mol, "cc-pvdz");
    for (const char* name : {"svwn", "pbe", "b3lyp", "tpss", "m06-2x"}) {
      for (bool polarized : {false, true}) {
        CAPTURE(name);
        CAPTURE(polarized);
        const XCIntegrator xc(basis, mol, Functional::from_name(name), parse_grid("default"), polarized, 2);
        std::vector<MatrixXd> D{random_density(basis.nbf, 5, 11)};
        if (polarized) D.push_back(random_density(basis.nbf, 4, 12));
        std::vector<MatrixXd> dD;
        for (std::size_t s = 0; s < D.size(); ++s) {
          MatrixXd X = random_density(basis.nbf, 3, 20 + s);
          dD.push_back(X / X.norm());
        }
        const double h = 1e-4;
        auto shifted = [&](double t) {
          std::vector<MatrixXd> Dt = D;
          for (std::size_t s = 0; s < D.size(); ++s) Dt[s] += t * dD[s];
          return xc.compute(Dt).energy;
        };
        const auto r = xc.compute(D);
        double analytic = 0;
        for (std::size_t s = 0; s < D.size(); ++s) analytic += (r.V[s].array() * dD[s].array()).sum();
        const double numeric = (shifted(h) - shifted(-h)) / (2 * h);
        check_near(analytic, numeric, 1e-6 * std::max(1.0, std::abs(numeric)), "dE/dD . dD");
      }
    }
  }

  TEST_CASE("functional names") {
    CHECK(Functional::from_name("B3LYP").exact_exchange == doctest::Approx(0.2).epsilon(1e-12));
    CHECK(Functional::from_name("pbe0").exact_exchange == doctest::Approx(0.25).epsilon(1e-12));
    CHECK(Functional::from_name("pbe").exact_exchange == 0.0);
    CHECK(Functional::from_name("hf").is_hf());
    CHECK(Functional::from_name("libxc:XC_GGA_X_PBE").gga);
    CHECK(Functional::from_name("libxc:1").components.size() == 1);
    auto err = [](const std::string& n) {
      try {
        Functional::from_name(n);
      } catch (const InputError& e) {
        return std::string(e.what());
      }
      return std::string();
    };
    CHECK(err("b3lpy").rfind("unknown method 'b3lpy' (closest: b3lyp", 0) == 0);
    CHECK(err("libxc:NOT_A_FUNCTIONAL") == "unknown libxc functional 'NOT_A_FUNCTIONAL'");
    CHECK(Functional::from_name("tpss").meta);
    CHECK(Functional::from_name("libxc:MGGA_X_TPSS").meta);
    CHECK(Functional::from_name("m06-2x").exact_exchange == doctest::Approx(0.54).epsilon(1e-12));
    CHECK(!Functional::from_name("b3lyp").meta);
    CHECK(err("libxc:MGGA_X_BR89").find("Laplacian") != std::string::npos);
    CHECK(err("libxc:HYB_GGA_XC_WB97X_V").find("VV10") != std::string::npos);
    const auto cam = Functional::from_name("cam-b3lyp");  // 0.19 short range + 0.46 more at long range
    check_near(cam.exact_exchange, 0.19, 1e-12, "CAM-B3LYP full-range exact exchange");
    check_near(cam.long_range_exchange, 0.46, 1e-12, "CAM-B3LYP long-range exact exchange");
    check_near(cam.omega, 0.33, 1e-12, "CAM-B3LYP omega");
  }
}

TEST_SUITE("unit") {
  TEST_CASE("grid :psi4 turns with the molecule: asymmetric, symmetric and spherical tops") {
    // Water (asymmetric top), ammonia (symmetric top) and methane (spherical top), Angstrom, and
    // each turned by an arbitrary rotation. On a psi4-style grid the SVWN/STO-3G energy must not
    // change (1e-9 Eh); on the lab-frame grid of the same size it does (shown for water).
    auto make = [](std::vector<std::pair<int, std::array<double, 3>>> atoms) {
      molecules::Molecule m;
      m.multiplicity = 1;
      for (auto& [Z, r] : atoms) m.atoms.push_back(molecules::Atom{Z, {r[0] * 1.8897261246, r[1] * 1.8897261246, r[2] * 1.8897261246}});
      return m;
    };
    const auto h2o = make({{8, {0, 0, 0.1173}}, {1, {0, 0.7572, -0.4692}}, {1, {0, -0.7572, -0.4692}}});
    const auto nh3 = make({{7, {0, 0, 0.1}}, {1, {0.9377, 0, -0.2617}}, {1, {-0.4689, 0.8121, -0.2617}},
                           {1, {-0.4689, -0.8121, -0.2617}}});
    const double t = 0.6276;
    const auto ch4 = make({{6, {0, 0, 0}}, {1, {t, t, t}}, {1, {-t, -t, t}}, {1, {-t, t, -t}}, {1, {t, -t, -t}}});
    const Eigen::Matrix3d R = (Eigen::AngleAxisd(0.7, Eigen::Vector3d(1, 2, 3).normalized()) *
                               Eigen::AngleAxisd(-1.1, Eigen::Vector3d(0.3, -1, 0.2).normalized()))
                                  .toRotationMatrix();
    auto turned = [&](molecules::Molecule m) {
      for (auto& a : m.atoms) {
        const Eigen::Vector3d r = R * Eigen::Vector3d(a.r[0], a.r[1], a.r[2]) + Eigen::Vector3d(0.3, -0.2, 0.5);
        a.r = {r[0], r[1], r[2]};
      }
      return m;
    };
    auto energy = [](const molecules::Molecule& m, const char* grid) {
      ScfSettings st;
      st.functional = scf::Functional::from_name("svwn");
      st.scf_type = ScfType::Conventional;
      st.grid = parse_grid(grid);
      st.e_convergence = 1e-11;
      st.d_convergence = 1e-9;
      return converged_scf(m, "sto-3g", st).energies.total;
    };
    for (const auto& [label, mol] : {std::pair{"water", h2o}, std::pair{"ammonia", nh3}, std::pair{"methane", ch4}}) {
      CAPTURE(label);
      const double d = energy(turned(mol), "50,194:psi4") - energy(mol, "50,194:psi4");
      MESSAGE(std::string(label) << ": E(turned) - E on 50,194:psi4 " << d);
      CHECK(std::abs(d) < 1e-9);
    }
    const double lab = energy(turned(h2o), "50,194") - energy(h2o, "50,194");
    MESSAGE("water: E(turned) - E on the lab-frame 50,194 " << lab);
    CHECK(std::abs(lab) > 1e-8);
  }
}
