// Harmonic frequencies and RRHO thermochemistry (workflows/thermo): rotational symmetry numbers
// (unit) and water's HF/6-31G* frequencies, zero-point energy, entropy and free-energy correction
// against psi4 1.3.2 (regression.thermo).
#include <doctest/doctest.h>

#include <cmath>

#include "check.hpp"
#include "molecules/error.hpp"
#include "molecules/io.hpp"
#include "molecules/units.hpp"
#include "scf/scf.hpp"
#include "workflows/level.hpp"
#include "workflows/optimization.hpp"
#include "workflows/thermo.hpp"

using namespace cagescreen;
using namespace cagescreen::workflows;

namespace {

molecules::Molecule xyz(const std::string& text) {
  auto m = molecules::parse_xyz(text, "test.xyz");
  molecules::finalize_spin(m, "test.xyz");
  return m;
}

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("thermo: rotational symmetry numbers of rigid molecules") {
    CHECK(rotational_symmetry_number(xyz("3\n\nO 0 0 0.1174\nH 0 0.7570 -0.4696\nH 0 -0.7570 -0.4696\n")) == 2);
    CHECK(rotational_symmetry_number(xyz("4\n\nN 0 0 0.1\nH 0.9377 0 -0.2333\nH -0.4689 0.8121 -0.2333\n"
                                         "H -0.4689 -0.8121 -0.2333\n")) == 3);
    CHECK(rotational_symmetry_number(xyz("5\n\nC 0 0 0\nH 0.6276 0.6276 0.6276\nH -0.6276 -0.6276 0.6276\n"
                                         "H -0.6276 0.6276 -0.6276\nH 0.6276 -0.6276 -0.6276\n")) == 12);
    std::string benzene = "12\n\n";
    for (int k = 0; k < 6; ++k) {
      const double a = k * M_PI / 3;
      benzene += "C " + std::to_string(1.3966 * std::cos(a)) + " " + std::to_string(1.3966 * std::sin(a)) + " 0\n";
      benzene += "H " + std::to_string(2.4836 * std::cos(a)) + " " + std::to_string(2.4836 * std::sin(a)) + " 0\n";
    }
    CHECK(rotational_symmetry_number(xyz(benzene)) == 12);
    CHECK(rotational_symmetry_number(xyz("3\n\nO 0 0 -1.16\nC 0 0 0\nO 0 0 1.16\n")) == 2);  // linear, D∞h
    CHECK(rotational_symmetry_number(xyz("3\n\nH 0 0 -1.064\nC 0 0 0\nN 0 0 1.156\n")) == 1);  // linear, C∞v
    CHECK(rotational_symmetry_number(xyz("3\n\nO 0 0 0.1174\nH 0 0.7570 -0.4696\nH 0 -0.9 -0.4696\n")) == 1);
  }

  TEST_CASE("thermo: an ideal gas of atoms has translational entropy only; bad conditions are refused") {
    // Ar at 298.15 K and 1 bar: the Sackur-Tetrode entropy, NIST-JANAF's 154.846 J/(mol K).
    const auto ar = xyz("1\n\nAr 0 0 0\n");
    const auto t = rrho(ar, harmonic_analysis(ar, Eigen::MatrixXd::Zero(3, 3)), 298.15, 1e5);
    const double j_per_mol_k = units::hartree_in_kcal_per_mol * 4184.0;
    CHECK(t.entropy * j_per_mol_k == doctest::Approx(154.846).epsilon(2e-5));
    CHECK(t.zpe == 0.0);
    CHECK_THROWS_AS(rrho(ar, Vibrations{}, -1.0), InputError);
  }
}

TEST_SUITE("regression.thermo") {
  TEST_CASE("thermo: water HF/6-31G* frequencies and RRHO corrections against psi4 1.3.2") {
    // psi4 1.3.2 (Debian), tests/reference/thermo/water_hf_631gs_freq.in: frequency('scf'), 6-31G*
    // Cartesian d, scf_type pk, e/d_convergence 1e-10, masses O 15.999 and H 1.008 (our standard
    // atomic weights, given as O@15.999), T 298.15 K, p 101325 Pa, at psi4's own RHF minimum
    // (optimize('scf'), gau_verytight). psi4: analytic Hessian; ours: central differences of
    // analytic gradients (0.005 Bohr). (With no_com, psi4 1.3.2 takes the moments of inertia about
    // the input origin, not the centre of mass: its rotational entropy is then 0.7% off; the input
    // lets psi4 move the molecule.) Entropies are printed to 1e-8 mEh/K; psi4 1.3.2 uses CODATA
    // 2014 constants, we 2018: 4e-7 relative in the translational entropy.
    const auto mol = xyz("3\n\nO 0.000000000000 -0.000000000000 0.107428139215\n"
                         "H 0.000000000000 0.754066563996 -0.465980069607\n"
                         "H 0.000000000000 -0.754066563996 -0.465980069607\n");
    LevelOfTheory level;
    level.method = "hf";
    level.basis = "6-31g*";
    level.shell_type = "cartesian";
    auto st = scf_settings(level, mol);
    st.threads = 2;
    const auto H = finite_difference_hessian(mol, scf_objective(st, "6-31g*", scf::ShellType::Cartesian));
    const auto vib = harmonic_analysis(mol, H);
    REQUIRE(vib.wavenumbers.size() == 3);
    CHECK(vib.imaginary == 0);
    check_near(vib.wavenumbers[0], 1826.3897, 0.5, "bend, cm-1");
    check_near(vib.wavenumbers[1], 4070.0983, 0.5, "symmetric stretch, cm-1");
    check_near(vib.wavenumbers[2], 4188.3267, 0.5, "antisymmetric stretch, cm-1");
    const auto t = rrho(mol, vib);
    CHECK(t.symmetry_number == 2);
    check_near(t.zpe, 0.02297490, 3e-6, "ZPE, Eh");
    check_near(t.thermal_energy, 0.02580869, 3e-6, "thermal energy correction, Eh");
    check_near(t.enthalpy, 0.02675287, 3e-6, "enthalpy correction, Eh");
    check_near(t.s_translational * 1e3, 0.05515294, 5e-8, "translational entropy, mEh/K");
    check_near(t.s_rotational * 1e3, 0.01653571, 2e-8, "rotational entropy, mEh/K");
    check_near(t.s_vibrational * 1e3, 0.00000462, 2e-8, "vibrational entropy, mEh/K");
    check_near(t.entropy * 1e3, 0.07169328, 5e-8, "entropy, mEh/K");
    check_near(t.gibbs, 0.00537752, 3e-6, "free-energy correction, Eh");
  }
}
