// QM9 reproduction (data/reference/qm9-sample): Gaussian 09 B3LYP (VWN-RPA)/6-31G(2df,p), 6D 7F,
// published by Ramakrishnan et al., Sci. Data 1, 140022 (2014). The published values are read
// from the shipped set (line 2 of each gdb_N.xyz): E = U0 − ZPVE, HOMO and LUMO (1e-4 Eh steps).
// cagescreen: its 6-31g(2df,p) (Gaussian's definition, scripts/make_631g2dfp.py), auto = 6D 7F,
// default grid. Measured (2026-11-26, outer-pruned default grid): gdb_777 E −2.2e-6 Eh, HOMO −1.0 meV, LUMO −0.3 meV;
// gdb_7779 E 6.2e-6 Eh, HOMO −0.7 meV, LUMO −0.2 meV. Tolerances: the 5e-5 Eh for E, and
// 1e-4 Eh (2.7 meV, one published digit) for each orbital energy. The whole set: scripts/qm9_check.py
// (docs/basis-sets.md quotes its output).
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "check.hpp"
#include "scf_helpers.hpp"
#include "molecules/data_dir.hpp"
#include "molecules/io.hpp"
#include "scf/scf.hpp"

using namespace cagescreen;

namespace {

struct Published {
  double energy, homo, lumo;
};

std::string qm9_path(const std::string& name) { return data_dir() + "/reference/qm9-sample/" + name + ".xyz"; }

Published published(const std::string& name) {
  std::ifstream in(qm9_path(name));
  std::string line;
  std::getline(in, line);
  std::getline(in, line);
  std::istringstream f(line);
  std::string gdb;
  double index, A, B, C, mu, alpha, homo, lumo, gap, r2, zpve, u0;
  f >> gdb >> index >> A >> B >> C >> mu >> alpha >> homo >> lumo >> gap >> r2 >> zpve >> u0;
  REQUIRE(f);
  return {u0 - zpve, homo, lumo};
}

scf::Wavefunction b3lyp(const std::string& name, const std::string& basis_name, scf::ShellType type) {
  const auto mol = molecules::read_molecule_file(qm9_path(name));
  scf::ScfSettings st;
  st.functional = scf::Functional::from_name("b3lyp");
  st.scf_type = scf::ScfType::Conventional;  // Gaussian's four-index integrals
  st.grid = scf::parse_grid("default");
  st.e_convergence = 1e-8;
  st.d_convergence = 1e-7;
  return converged_scf(mol, basis_name, st, type);
}

void check_qm9(const std::string& name) {
  const auto ref = published(name);
  const auto wfn = b3lyp(name, "6-31g(2df,p)", scf::ShellType::Auto);
  CHECK(wfn.basis.shell_type == scf::ShellType::Pople6D7F);
  const int h = wfn.n_alpha() - 1;
  check_near(wfn.energies.total, ref.energy, 5e-5, name + " E = U0 - ZPVE");
  check_near(wfn.alpha.energies(h), ref.homo, 1e-4, name + " HOMO");
  check_near(wfn.alpha.energies(h + 1), ref.lumo, 1e-4, name + " LUMO");
}

}  // namespace

TEST_SUITE("regression.qm9_small") {
  TEST_CASE("qm9 gdb_777") { check_qm9("gdb_777"); }
  TEST_CASE("qm9 gdb_7779" * doctest::test_suite("extended.qm9_gdb_7779")) { check_qm9("gdb_7779"); }

  // The definition and the convention matter at the mEh level: the other candidates miss QM9's
  // energy by 2.8 to 9.1 mEh (docs/basis-sets.md), so a wrong one cannot pass the tests above.
  TEST_CASE("qm9 gdb_777 other basis definitions miss") {
    const auto ref = published("gdb_777");
    CHECK(std::abs(b3lyp("gdb_777", "6-31g(2df,p)", scf::ShellType::Spherical).energies.total - ref.energy) > 2e-3);
    CHECK(std::abs(b3lyp("gdb_777", "6-31g(2df,p)-nwchem", scf::ShellType::Auto).energies.total - ref.energy) > 2e-3);
  }
}
