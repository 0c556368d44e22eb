// Descriptors against psi4 1.3.2 on the same wavefunction: water B3LYP/def2-SVP (spherical),
// psi4 scf_type pk, 99 × 590 grid, e/d_convergence 1e-10/1e-8, properties_origin NUCLEAR_CHARGE
// (input and output: tests/reference/descriptors/water_props.*); cagescreen `fine` grid.
// psi4's charges come from wfn.atomic_point_charges() (10 decimals), its dipole from the
// SCF DIPOLE variables (Debye, psi4 1.3.2), its quadrupole from the printout (Debye·Å, 4 decimals).
// Measured (this commit): Mulliken 5e-8 e, Löwdin 4e-9 e, dipole 3e-7 D.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "check.hpp"
#include "scf_helpers.hpp"
#include "descriptors/cube.hpp"
#include "descriptors/molden.hpp"
#include "descriptors/population.hpp"
#include "descriptors/surface.hpp"
#include "molecules/species.hpp"
#include "molecules/units.hpp"
#include "scf/integrals.hpp"
#include "scf/scf.hpp"

using namespace cagescreen;

namespace {

/// B3LYP on the `fine` grid with the convergence of the psi4 references (1e-10, 1e-8).
scf::Wavefunction b3lyp_fine(const molecules::Molecule& mol, const std::string& basis,
                             scf::ShellType type = scf::ShellType::Auto) {
  scf::ScfSettings st;
  st.functional = scf::Functional::from_name("b3lyp");
  st.scf_type = scf::ScfType::Conventional;  // as the psi4 (pk) references
  st.grid = scf::parse_grid("fine");
  st.e_convergence = 1e-10;
  st.d_convergence = 1e-8;
  return converged_scf(mol, basis, st, type);
}

std::string reference_file(const std::string& name) { return std::string(CAGESCREEN_TEST_REFERENCE) + "/descriptors/" + name; }

/// Largest |ESP − psi4's| at the points of `points_file` (bohr, psi4's grid.dat) against psi4's
/// oeprop GRID_ESP output `esp_file`; both must hold `n` entries.
double max_esp_difference(const scf::Wavefunction& wfn, const std::string& points_file, const std::string& esp_file,
                          std::size_t n) {
  std::vector<std::array<double, 3>> pts;
  std::vector<double> ref;
  std::ifstream in(reference_file(points_file)), ine(reference_file(esp_file));
  for (double x, y, z; in >> x >> y >> z;) pts.push_back({x, y, z});
  for (double v; ine >> v;) ref.push_back(v);
  REQUIRE(pts.size() == n);
  REQUIRE(ref.size() == n);
  const auto esp = descriptors::esp_at(wfn, pts);
  double worst = 0.0;
  for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(esp[i] - ref[i]));
  return worst;
}

/// (energy, coefficients) of every MO in a Molden file's [MO] section.
std::vector<std::pair<double, std::vector<double>>> molden_mos(const std::string& text) {
  std::vector<std::pair<double, std::vector<double>>> mos;
  std::istringstream in(text.substr(text.find("[MO]") + 4));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::string key;
    l >> key;
    if (key == "Ene=") {
      double e;
      l >> e;
      mos.push_back({e, {}});
    } else if (!key.empty() && std::isdigit(static_cast<unsigned char>(key[0])) && !mos.empty()) {
      double c;
      l >> c;
      mos.back().second.push_back(c);
    }
  }
  return mos;
}

}  // namespace

TEST_SUITE("regression.descriptors") {
  TEST_CASE("descriptors water b3lyp vs psi4") {
    const auto wfn = b3lyp_fine(species("water"), "def2-svp");
    const auto pop = descriptors::population_analysis(wfn);
    const double mulliken[3] = {-0.2979975879, 0.1489987939, 0.1489987939};
    const double lowdin[3] = {-0.1525033209, 0.0762516605, 0.0762516605};
    for (int a = 0; a < 3; ++a) {
      check_near(pop.mulliken[a], mulliken[a], 1e-4, "Mulliken charge");
      check_near(pop.lowdin[a], lowdin[a], 1e-4, "Löwdin charge");
    }
    CHECK(pop.mulliken_spin.empty());
    const auto mp = descriptors::multipole_moments(wfn);
    const double D = units::au_dipole_in_debye;
    check_near(mp.dipole[0] * D, 0.0, 1e-4, "dipole x / D");
    check_near(mp.dipole[1] * D, 0.0, 1e-4, "dipole y / D");
    check_near(mp.dipole[2] * D, -1.9980370654, 1e-4, "dipole z / D");
    const double DA = units::au_dipole_in_debye * units::bohr_in_angstrom;  // e·a0² in D·Å
    check_near(mp.quadrupole[0] * DA, -7.0081, 1e-4 + 5e-5, "quadrupole xx / D·Å");
    check_near(mp.quadrupole[3] * DA, -4.3251, 1e-4 + 5e-5, "quadrupole yy / D·Å");
    check_near(mp.quadrupole[5] * DA, -5.9518, 1e-4 + 5e-5, "quadrupole zz / D·Å");
    for (int k : {1, 2, 4}) check_near(mp.quadrupole[k] * DA, 0.0, 1e-4, "off-diagonal quadrupole");
  }
}



TEST_SUITE("unit") {
  // Σ_A Z_A V_el(R_A) = Tr[D V_ne] holds for any symmetric D: the electrons' potential at the
  // nuclei, from the per-point integrals, against the nuclear-attraction matrix.
  TEST_CASE("electrostatic potential of the electrons at the nuclei matches Tr[D V_ne]") {
    const auto mol = species("o-carborane");
    for (const char* basis_name : {"def2-svp", "6-31g*"}) {
      CAPTURE(basis_name);
      const auto basis = scf::build_basis(mol, basis_name);
      std::mt19937 gen(7);
      std::normal_distribution<double> g(0.0, 0.3);
      Eigen::MatrixXd C(basis.nbf, 37);
      for (int i = 0; i < C.rows(); ++i)
        for (int j = 0; j < C.cols(); ++j) C(i, j) = g(gen);
      const Eigen::MatrixXd D = C * C.transpose();
      std::vector<std::array<double, 3>> nuclei;
      for (const auto& a : mol.atoms) nuclei.push_back(a.r);
      molecules::Molecule no_nuclei;  // electrons only
      const Eigen::VectorXd Ve = scf::electrostatic_potential(basis, no_nuclei, D, nuclei);
      double lhs = 0.0;
      for (std::size_t a = 0; a < mol.atoms.size(); ++a) lhs += mol.atoms[a].Z * Ve(a);
      const double rhs = (D.array() * scf::nuclear_matrix(basis, mol).array()).sum();
      check_near(lhs, rhs, 1e-8 * std::abs(rhs), "sum Z_A V_el(R_A) vs Tr[D V_ne]");
      // Far away the potential of a neutral, spherical-enough cloud falls off; the nuclei's part
      // is exactly Σ Z/|r − R| and the sum is finite and below the bare nuclear potential.
      const std::vector<std::array<double, 3>> far{{40.0, 0.0, 0.0}};
      const double nuc = scf::electrostatic_potential(basis, mol, Eigen::MatrixXd::Zero(basis.nbf, basis.nbf), far)(0);
      double expect = 0.0;
      for (const auto& a : mol.atoms) expect += a.Z / std::hypot(40.0 - a.r[0], a.r[1], a.r[2]);
      check_near(nuc, expect, 1e-12, "nuclear potential with D = 0");
    }
  }
}




TEST_SUITE("regression.descriptors") {
  // Molden files against psi4 1.3.2's molden() for the same calculation (water HF, scf_type pk,
  // e/d_convergence 1e-10/1e-8; inputs and psi4's files in tests/reference/descriptors/): every
  // MO coefficient, in Molden's function order, within 1e-6 up to the MO's sign; 6-31G* with
  // Cartesian d (psi4 puream false) and def2-SVP spherical. Measured: 5.0e-8 and 3.2e-8.
  TEST_CASE("molden files match psi4's") {
    const auto mol = species("water");
    for (auto [basis_name, file] : {std::pair{"6-31g*", "water_hf_631gs_cart.psi4.molden"},
                                    std::pair{"def2-svp", "water_hf_def2svp.psi4.molden"}}) {
      CAPTURE(basis_name);
      scf::ScfSettings st;
      st.e_convergence = 1e-10;
      st.d_convergence = 1e-8;
      const auto basis = scf::build_basis(mol, basis_name, std::string(basis_name) == "6-31g*"
                                                               ? scf::ShellType::Cartesian
                                                               : scf::ShellType::Auto);
      const auto wfn = scf::run_scf(mol, basis, st);
      std::ostringstream ours;
      descriptors::write_molden(wfn, ours);
      std::ifstream in(reference_file(file));
      REQUIRE(in);
      std::stringstream theirs;
      theirs << in.rdbuf();
      const auto a = molden_mos(ours.str()), b = molden_mos(theirs.str());
      REQUIRE(a.size() == b.size());
      REQUIRE(a.size() == static_cast<std::size_t>(basis.nbf));
      double worst = 0.0;
      for (std::size_t i = 0; i < a.size(); ++i) {
        REQUIRE(a[i].second.size() == b[i].second.size());
        check_near(a[i].first, b[i].first, 1e-6, "orbital energy");
        double dot = 0.0;
        for (std::size_t k = 0; k < a[i].second.size(); ++k) dot += a[i].second[k] * b[i].second[k];
        const double sign = dot >= 0 ? 1.0 : -1.0;
        for (std::size_t k = 0; k < a[i].second.size(); ++k)
          worst = std::max(worst, std::abs(a[i].second[k] - sign * b[i].second[k]));
      }
      check_near(worst, 0.0, 1e-6, "largest MO coefficient difference");
    }
  }
}



TEST_SUITE("regression.descriptors") {
  // Against psi4 1.3.2 for water B3LYP/def2-SVP (99 × 590; cagescreen `fine`): the ESP at 300
  // random points within 5 bohr (oeprop GRID_ESP, 10 decimals) within 1e-5 a.u. (measured: 8.4e-8);
  // the total density and the HOMO and LUMO on psi4's cubeprop grid (0.5 bohr, %.5E values) within
  // psi4's printed precision, 6e-6 relative + 1e-10 (orbitals up to their sign, + 1e-7). psi4 1.3.2's
  // cubeprop ESP task crashes in Debian's build, hence GRID_ESP for the potential.
  TEST_CASE("esp, density and orbital cubes match psi4") {
    const auto wfn = b3lyp_fine(species("water"), "def2-svp");
    check_near(max_esp_difference(wfn, "water_grid.dat", "water_grid_esp.psi4.dat", 300), 0.0, 1e-5,
               "largest ESP difference from psi4 GRID_ESP");

    auto compare_cube = [&](const std::string& file, const std::vector<double>& ours, bool up_to_sign, double floor) {
      const auto cube = descriptors::read_cube(reference_file(file));
      REQUIRE(ours.size() == cube.values.size());
      double dot = 0.0;
      for (std::size_t i = 0; i < ours.size(); ++i) dot += ours[i] * cube.values[i];
      const double sign = up_to_sign && dot < 0 ? -1.0 : 1.0;
      std::size_t bad = 0;
      double worst_rel = 0.0, worst_abs = 0.0, at = 0.0;
      for (std::size_t i = 0; i < ours.size(); ++i) {
        const double d = std::abs(sign * ours[i] - cube.values[i]);
        if (d > 6e-6 * std::abs(cube.values[i]) + floor) ++bad;
        if (d / (std::abs(cube.values[i]) + 1e-10) > worst_rel)
          worst_rel = d / (std::abs(cube.values[i]) + 1e-10), worst_abs = d, at = cube.values[i];
      }
      INFO(file << ": " << bad << " of " << ours.size() << " points outside tolerance, worst relative " << worst_rel
                << " (difference " << worst_abs << " at value " << at << ")");
      CHECK(bad == 0);
    };
    const auto grid = descriptors::read_cube(reference_file("water_Dt.psi4.cube")).grid;
    const auto cube_points = grid.points();
    compare_cube("water_Dt.psi4.cube", descriptors::density_at(wfn, cube_points), false, 1e-10);
    // Orbitals: the two programs' MO coefficients agree to ~1e-6 relative (different DFT grids),
    // so the amplitudes (up to ~0.5 bohr^-3/2) to ~1e-7 absolute; measured worst: 4e-8 (LUMO).
    compare_cube("water_homo.psi4.cube", descriptors::orbital_at(wfn, 0, 4, cube_points), true, 1e-7);
    compare_cube("water_lumo.psi4.cube", descriptors::orbital_at(wfn, 0, 5, cube_points), true, 1e-7);
  }

  TEST_CASE("cube files: written and read back") {
    const auto wfn = b3lyp_fine(species("water"), "def2-svp");
    descriptors::Cube c;
    c.comment1 = "water density";
    c.comment2 = "cagescreen test";
    c.grid = descriptors::CubeGrid::around(wfn.molecule, 0.4, 3.0);
    c.atoms = wfn.molecule.atoms;
    c.values = descriptors::density_at(wfn, c.grid.points());
    std::filesystem::create_directories(CAGESCREEN_TEST_TMP);
    const auto path = std::string(CAGESCREEN_TEST_TMP) + "/water_density.cube";
    descriptors::write_cube(path, c);
    const auto back = descriptors::read_cube(path);
    REQUIRE(back.values.size() == c.values.size());
    CHECK(back.grid.n == c.grid.n);
    CHECK(back.atoms.size() == 3);
    double worst = 0.0;
    for (std::size_t i = 0; i < c.values.size(); ++i)
      worst = std::max(worst, std::abs(back.values[i] - c.values[i]) / (std::abs(c.values[i]) + 1e-300));
    CHECK(worst < 6e-6);  // %12.5E keeps 6 significant digits
  }
}

TEST_SUITE("regression.descriptors") {
  // ZnF2 (data/geometries/znf2.xyz) B3LYP/6-31G* with Cartesian d and f (psi4's convention for
  // this basis; cagescreen's default for Pople sets is Gaussian's 6D 7F, which differs for Zn's f
  // shell), against psi4 1.3.2 (tests/reference/descriptors/znf2_props.*: scf_type pk, 99 × 590,
  // e/d_convergence 1e-10/1e-8, properties_origin NUCLEAR_CHARGE); cagescreen `fine` grid.
  // Measured: E 4.7e-7 Eh, Mulliken 7e-8 e, Löwdin 1e-8 e, HOMO 1e-7 Eh; ESP at 400 points on
  // 1.4–2.0 × vdW shells (psi4 GRID_ESP) within 1e-5 a.u. (measured 2.0e-8).
  TEST_CASE("descriptors znf2 vs psi4 (charges, dipole, ESP)") {
    const auto mol = species("znf2");
    const auto wfn = b3lyp_fine(mol, "6-31g*", scf::ShellType::Cartesian);
    check_near(wfn.energies.total, -1978.854662618832, 2e-5, "ZnF2 B3LYP energy");
    const auto pop = descriptors::population_analysis(wfn);
    const double mulliken[3] = {-0.4926439420, 0.9852878840, -0.4926439420};
    const double lowdin[3] = {-0.3733446519, 0.7466893037, -0.3733446519};
    for (int a = 0; a < 3; ++a) {
      check_near(pop.mulliken[a], mulliken[a], 1e-4, "Mulliken charge");
      check_near(pop.lowdin[a], lowdin[a], 1e-4, "Löwdin charge");
    }
    const auto mp = descriptors::multipole_moments(wfn);
    for (int k = 0; k < 3; ++k) check_near(mp.dipole[k] * units::au_dipole_in_debye, 0.0, 1e-4, "dipole / D");
    check_near(max_esp_difference(wfn, "znf2_grid.dat", "znf2_grid_esp.psi4.dat", 400), 0.0, 1e-5,
               "largest ESP difference from psi4 GRID_ESP");
  }
}

TEST_SUITE("regression.descriptors_ocarborane") {
  // o-carborane (data/geometries/o-carborane.xyz, the B3LYP/6-31G* minimum) B3LYP/6-31G*
  // (Cartesian d, which is also 6D 7F here: no f shells) against psi4 1.3.2
  // (tests/reference/descriptors/ocarborane_props.*: scf_type pk, 99 × 590, e/d_convergence
  // 1e-10/1e-8, properties_origin NUCLEAR_CHARGE); cagescreen `fine` grid. Measured: E 2.3e-6 Eh,
  // Mulliken 1.4e-5 e, Löwdin 9e-7 e,
  // dipole 3e-5 D, ESP at 400 points on 1.4–2.0 × vdW shells 3.0e-7 a.u. The paper's reading
  // (Feng et al. 2025): the two C–H hydrogens carry the most positive Mulliken charges of all
  // hydrogens (0.228 against at most 0.050 on B–H).
  TEST_CASE("descriptors o-carborane vs psi4 (charges, dipole, ESP) and the paper's C-H hydrogens") {
    const auto mol = species("o-carborane");
    const auto wfn = b3lyp_fine(mol, "6-31g*");
    check_near(wfn.energies.total, -332.104447616483, 2e-5, "o-carborane B3LYP energy");
    const int h = wfn.n_alpha() - 1;
    check_near(wfn.alpha.energies(h), -0.315608293947, 2e-5, "HOMO");
    check_near(wfn.alpha.energies(h + 1), -0.009100665558, 2e-5, "LUMO");
    const auto pop = descriptors::population_analysis(wfn);
    const std::vector<double> mulliken{-0.3307219926, -0.3307219926, 0.0162689194, 0.0022338778, -0.0113403227, 0.0022338778, 0.0022338778, 0.0162689194, 0.0022338778, -0.0607675607, -0.0607675607, -0.0113403227, 0.2277591324, 0.2277591324, 0.0498711043, 0.0355169622, 0.0185539974, 0.0355169622, 0.0355169622, 0.0498711043, 0.0355169622, 0.0148750425, 0.0148750425, 0.0185539974};
    const std::vector<double> lowdin{0.0150879144, 0.0150879144, -0.1303885221, -0.1451685350, -0.1608532893, -0.1451685350, -0.1451685350, -0.1303885221, -0.1451685350, -0.1522949536, -0.1522949536, -0.1608532893, 0.2163053568, 0.2163053568, 0.1006281719, 0.1024118705, 0.1003273242, 0.1024118705, 0.1024118705, 0.1006281719, 0.1024118705, 0.0967013266, 0.0967013266, 0.1003273242};
    REQUIRE(pop.mulliken.size() == 24);
    for (int a = 0; a < 24; ++a) {
      check_near(pop.mulliken[a], mulliken[a], 1e-4, "Mulliken charge");
      check_near(pop.lowdin[a], lowdin[a], 1e-4, "Löwdin charge");
    }
    // Atoms 13 and 14 are the hydrogens on C1 and C2; 15–24 sit on borons.
    for (int a = 14; a < 24; ++a) {
      CHECK(mol.atoms[a].Z == 1);
      CHECK(pop.mulliken[12] > pop.mulliken[a] + 0.1);
      CHECK(pop.mulliken[13] > pop.mulliken[a] + 0.1);
    }
    const auto mp = descriptors::multipole_moments(wfn);
    const double D = units::au_dipole_in_debye;
    check_near(mp.dipole[0] * D, 0.0000000000, 1e-4, "dipole x / D");
    check_near(mp.dipole[1] * D, 0.0000000000, 1e-4, "dipole y / D");
    check_near(mp.dipole[2] * D, 4.2822127916, 1e-4, "dipole z / D");
    check_near(max_esp_difference(wfn, "ocarborane_grid.dat", "ocarborane_grid_esp.psi4.dat", 400), 0.0, 1e-5,
               "largest ESP difference from psi4 GRID_ESP");
    // The ESP surface: the global maximum sits on a C–H hydrogen (atom 13 or 14), where the
    // paper anchors the cage to Zn, and is stable to the grid spacing (0.25 against 0.125 Bohr,
    // default grid: V_s,max 40.4139 kcal/mol both, equal to 1e-9; area 0.012% apart; the issue
    // asks for V_s,max within 0.1 kcal/mol).
    descriptors::SurfaceSettings fine_surface;
    fine_surface.spacing = 0.125;
    const auto s = descriptors::esp_surface(wfn).stats, s2 = descriptors::esp_surface(wfn, fine_surface).stats;
    CHECK((s.vs_max_atom == 12 || s.vs_max_atom == 13));
    CHECK((s2.vs_max_atom == 12 || s2.vs_max_atom == 13));
    const double kcal = units::hartree_in_kcal_per_mol;
    check_near(s.vs_max * kcal, s2.vs_max * kcal, 0.1, "Vs,max at half the spacing / kcal/mol");
    check_near(s.vs_min * kcal, s2.vs_min * kcal, 0.1, "Vs,min at half the spacing / kcal/mol");
    check_near(s.area, s2.area, 0.005 * s.area, "surface area at half the spacing");
  }
}
