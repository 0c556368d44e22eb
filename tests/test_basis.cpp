#include <doctest/doctest.h>

#include "check.hpp"
#include "scf_helpers.hpp"
#include "molecules/error.hpp"
#include "molecules/species.hpp"
#include "scf/basis.hpp"

using namespace cagescreen;
using namespace cagescreen::scf;

namespace {
std::string gbs_error(const std::string& text) {
  try {
    parse_gbs(text, "b.gbs");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("gbs reader: header, comments, D exponents, SP shells, scale factors") {
    const auto f = parse_gbs(
        "! a comment\ncartesian\n\n****\nH 0\nS 2 1.00\n 0.3425250914D+01 0.1543289673D+00\n"
        " 0.6239137298D+00 0.5353281423D+00   # trailing comment\n****\n"
        "C     0\nSP   1   2.00\n  0.5  0.1  0.2\n****\n",
        "b.gbs");
    CHECK_FALSE(f.spherical_header);
    REQUIRE(f.elements.count(1));
    REQUIRE(f.elements.at(1).shells.size() == 1);
    check_near(f.elements.at(1).shells[0].exponents[0], 3.425250914, 1e-12, "D exponent");
    const auto& c = f.elements.at(6).shells;
    REQUIRE(c.size() == 2);  // SP -> S + P
    CHECK(c[0].l == 0);
    CHECK(c[1].l == 1);
    check_near(c[1].exponents[0], 0.5 * 4.0, 1e-14, "scaled exponent (scale factor squared)");
    check_near(c[1].coefficients[0], 0.2, 1e-14, "p coefficient of SP");
  }

  TEST_CASE("gbs reader errors name file and line") {
    CHECK(gbs_error("") == "b.gbs: no basis functions in file");
    CHECK(gbs_error("****\nQq 0\n") == "b.gbs:2: expected an element line such as 'C 0', got 'Qq 0'");
    CHECK(gbs_error("****\nH 0\nS 2 1.0\n1.0 0.5\n") ==
          "b.gbs:4: the file ends inside a shell (2 primitives announced)");
    CHECK(gbs_error("****\nH 0\nS 1 1.0\n1.0x 0.5\n") == "b.gbs:4: exponent '1.0x' is not a number");
    CHECK(gbs_error("****\nH 0\nS 1 1.0\n-1.0 0.5\n") == "b.gbs:4: exponent '-1.0' must be positive");
    CHECK(gbs_error("****\nH 0\nQ 1 1.0\n1.0 0.5\n") == "b.gbs:3: unknown shell type 'Q'");
    CHECK(gbs_error("****\nH 0\nS x 1.0\n1.0 0.5\n") == "b.gbs:3: number of primitives 'x' must be a positive integer");
    CHECK(gbs_error("****\nH 0\nSP 1 1.0\n1.0 0.5\n") ==
          "b.gbs:4: expected 3 numbers (exponent and coefficients for s and p), got '1.0 0.5'");
    CHECK(gbs_error("****\nH 0\nS 1 1.0\n1.0 0.5\n****\nH 0\n") == "b.gbs:6: element H appears twice");
  }

  TEST_CASE("basis names, aliases and function counts") {
    const auto oc = species("o-carborane");
    // 6-31G* with 6D: C, B 15 functions, H 2 -> 12*15 + 12*2 = 204 (psi4 puream false: 204)
    const auto b1 = build_basis(oc, "6-31G(d)");
    CHECK(b1.name == "6-31g*");
    CHECK(b1.shell_type == ShellType::Pople6D7F);
    CHECK(b1.nbf == 204);
    CHECK(build_basis(oc, "6-31g*", ShellType::Spherical).nbf == 192);
    CHECK(build_basis(oc, "def2-SVP").nbf == 228);
    const auto water = species("water");
    CHECK(build_basis(water, "STO-3G").nbf == 7);
    CHECK(build_basis(water, "cc-pvdz").nbf == 24);
    // 6-31G(2df,p) keeps Gaussian's 6D 7F: O 9 s,p + 12 (2×6D) + 7 (7F) = 28; H 2 s + 1 p = 5.
    // nwchem-data's file (shipped as 6-31g(2df,p)-nwchem) gives H two p shells: 2 s + 2 p = 8.
    CHECK(build_basis(water, "6-31g(2df,p)").nbf == 28 + 2 * 5);
    CHECK(build_basis(water, "6-31g(2df,p)", ShellType::Cartesian).nbf == 31 + 2 * 5);
    CHECK(build_basis(water, "6-31G(2DF,P)-nwchem").nbf == 28 + 2 * 8);
    for (const auto& name : available_basis_sets()) CHECK_NOTHROW(resolve_basis_path(name));
  }

  TEST_CASE("basis errors: unknown names, missing elements, too-high angular momentum") {
    const auto zno = species("zno");
    auto err = [&](const std::string& basis) {
      try {
        build_basis(zno, basis);
      } catch (const InputError& e) {
        return std::string(e.what());
      }
      return std::string();
    };
    CHECK(err("6-31+g*").find("has no functions for Zn (atom 1)") != std::string::npos);
    CHECK(err("nonsense-basis").rfind("unknown basis set 'nonsense-basis'", 0) == 0);
    CHECK(err("def2-universal-jkfit").find("L=6 shell on Zn but the installed libint2 computes these integrals only up to L=5") !=
          std::string::npos);
    CHECK(err("/nonexistent/basis.gbs") == "/nonexistent/basis.gbs: basis file not found");
  }
}
