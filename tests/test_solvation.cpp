// Continuum solvation: the cavity, the surface charges' Fock term, SMD's CDS term, and the solvated
// SCF against NWChem 7.0.2 (Debian 7.0.2-4). The NWChem inputs, outputs' numbers and the settings
// of every reference are in tests/reference/solvation (README.md, references.json): the molecules'
// geometries are the .xyz files there, the basis 6-31G* with Cartesian d.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "check.hpp"
#include "molecules/data_dir.hpp"
#include "molecules/error.hpp"
#include "molecules/io.hpp"
#include "molecules/units.hpp"
#include "scf/gradient.hpp"
#include "scf/integrals.hpp"
#include "scf/reference_implementations.hpp"
#include "scf/scf.hpp"
#include "scf/smd.hpp"
#include "scf/solvation.hpp"

using namespace cagescreen;
using namespace cagescreen::scf;

namespace {

constexpr double kcal = units::hartree_in_kcal_per_mol;
constexpr double angstrom = units::angstrom_in_bohr;

molecules::Molecule reference_molecule(const std::string& name) {
  return molecules::read_molecule_file(std::string(CAGESCREEN_TEST_REFERENCE) + "/solvation/geometries/" + name + ".xyz");
}

/// Exposed area and enclosed volume of the union of two spheres (radii a, b, centres d apart).
std::pair<double, double> two_spheres(double a, double b, double d) {
  const double x = (d * d + a * a - b * b) / (2 * d);  // intersection plane from centre a
  const double area = 2 * M_PI * a * (a + x) + 2 * M_PI * b * (b + d - x);
  auto cap = [](double r, double h) { return M_PI * h * h * (3 * r - h) / 3; };  // cap of height h
  const double volume = 4 * M_PI / 3 * (a * a * a + b * b * b) - cap(a, a - x) - cap(b, b - (d - x));
  return {area, volume};
}

molecules::Molecule diatomic(int Z1, int Z2, double d_angstrom) {
  molecules::Molecule m;
  m.atoms.push_back(molecules::Atom{Z1, {0, 0, 0}});
  m.atoms.push_back(molecules::Atom{Z2, {0, 0, d_angstrom * angstrom}});
  m.multiplicity = (Z1 + Z2) % 2 ? 2 : 1;
  return m;
}

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("solvation: the smooth cavity's area and volume converge to the union of spheres") {
    // HCl with 1.2 × Bondi radii (H 1.44, Cl 2.10 Å), 1.27 Å apart.
    const auto hcl = diatomic(1, 17, 1.27);
    SolvationSettings s;
    s.model = SolvationModel::CPCM;
    s.solvent.epsilon = 78.4;
    const auto radii = cavity_radii(hcl, s);
    check_near(radii[0] / angstrom, 1.44, 1e-12, "H radius");
    check_near(radii[1] / angstrom, 2.10, 1e-12, "Cl radius");
    const auto [area, volume] = two_spheres(radii[0], radii[1], 1.27 * angstrom);
    for (int n : {302, 1202}) {
      const Cavity c = build_cavity(hcl, radii, n);
      check_near(c.total_area() / area, 1.0, n == 302 ? 3e-3 : 1e-3, "area / exact, " + std::to_string(n));
      check_near(c.volume / volume, 1.0, n == 302 ? 3e-3 : 1e-3, "volume / exact, " + std::to_string(n));
    }
    // SMD's solvent-accessible surface: spheres of the van der Waals radius + 0.4 Å.
    const auto [sasa, sasa_volume] = two_spheres(smd_sasa_radius(1), smd_sasa_radius(17), 1.27 * angstrom);
    (void)sasa_volume;
    check_near(smd_sasa_radius(1) / angstrom, 1.60, 1e-12, "H SASA radius");
    check_near(smd_sasa_radius(17) / angstrom, 2.15, 1e-12, "Cl SASA radius");
    const CdsTerm cds = smd_cds(hcl, find_solvent("water"));
    check_near(cds.area / sasa, 1.0, 2e-3, "SASA / exact");
  }

  TEST_CASE("solvation: the surface-charge operator equals libint2's point-charge integrals") {
    const auto water = reference_molecule("water");
    std::mt19937 gen(7);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::vector<std::array<double, 3>> points;
    std::vector<std::pair<double, std::array<double, 3>>> charges;
    Eigen::VectorXd q(60);
    for (int i = 0; i < 60; ++i) {
      std::array<double, 3> p{u(gen), u(gen), u(gen)};
      const double r = std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
      for (auto& x : p) x *= (2.5 + 1.5 * std::abs(u(gen))) * angstrom / r;
      points.push_back(p);
      q[i] = 0.05 * u(gen);
      charges.push_back({q[i], p});
    }
    for (auto type : {ShellType::Spherical, ShellType::Cartesian}) {
      const auto basis = build_basis(water, "6-31g(2df,p)", type);
      const Eigen::MatrixXd ref = point_charge_matrix(basis, charges);
      for (int threads : {1, 2}) {
        const Eigen::MatrixXd V = PointChargeOperator(basis, points)(q, threads);
        check_near((V - ref).cwiseAbs().maxCoeff(), 0.0, 1e-12, "largest difference from libint2");
      }
    }
  }

  TEST_CASE("solvation: fitting functions' potentials equal libint2's; the fitted solvent is close to the exact one") {
    const auto methanol = reference_molecule("methanol");
    // def2-universal-jkfit reaches g functions; points 0.5 to 4 Å from the centre (some inside
    // the fitting functions' range, where the Boys function's table is used).
    const BasisSet aux = build_fitting_basis(methanol, "def2-universal-jkfit");
    std::mt19937 gen(11);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::vector<std::array<double, 3>> points;
    for (int i = 0; i < 70; ++i) {
      std::array<double, 3> p{u(gen), u(gen), u(gen)};
      const double r = std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
      for (auto& x : p) x *= (0.5 + 3.5 * std::abs(u(gen))) * angstrom / r;
      points.push_back(p);
    }
    const Eigen::MatrixXd ref = function_potentials_libint(aux, points);
    for (int threads : {1, 2}) {
      const Eigen::MatrixXd A = function_potentials(aux, points, threads);
      check_near((A - ref).cwiseAbs().maxCoeff(), 0.0, 1e-12, "largest difference from libint2");
    }
    // A density-fitted SCF iterates with the fitted density's potential and operator and reports
    // the exact polarisation energy at its converged density: ΔG_elec against the four-index
    // SCF's, C-PCM HF/6-31G* methanol (measured 0.0012 kcal/mol; the fitted coupling alone gave
    // 0.033).
    ScfSettings st;
    st.e_convergence = 1e-10;
    st.d_convergence = 1e-8;
    st.solvation.model = SolvationModel::CPCM;
    st.solvation.solvent = find_solvent("water");
    const auto basis = build_basis(methanol, "6-31g*", ShellType::Cartesian);
    double dg[2];
    for (auto type : {ScfType::Conventional, ScfType::DF}) {
      st.scf_type = type;
      const auto wfn = run_scf_with_gas_phase(methanol, basis, st);
      REQUIRE(wfn.convergence.converged);
      CHECK((wfn.level.integrals == Integrals::DensityFitted) == (type == ScfType::DF));
      dg[type == ScfType::DF] = wfn.solvation.electrostatic(wfn.energies) * kcal;
    }
    MESSAGE("methanol C-PCM dG_elec four-index " << dg[0] << ", fitted " << dg[1] << " kcal/mol");
    check_near(dg[1], dg[0], 0.005, "fitted against four-index dG_elec (kcal/mol)");
  }

  TEST_CASE("solvation: SMD's CDS gradient equals central differences") {
    // Acetonitrile exercises the N–C, N≡C, C–C and H–C terms, methanol O–C and H–O; water and
    // 1-octanol use SMD's two sets of surface tensions.
    for (const char* name : {"acetonitrile", "methanol"})
      for (const char* solvent : {"water", "1-octanol"}) {
        const auto mol = reference_molecule(name);
        const CdsTerm cds = smd_cds(mol, find_solvent(solvent), true, 302);
        CHECK(cds.gradient.norm() > 1e-4);  // a gradient worth checking (Eh/Bohr)
        const double h = 1e-4;
        for (std::size_t a = 0; a < mol.atoms.size(); ++a)
          for (int x = 0; x < 3; ++x) {
            auto plus = mol, minus = mol;
            plus.atoms[a].r[x] += h;
            minus.atoms[a].r[x] -= h;
            const double fd =
                (smd_cds(plus, find_solvent(solvent), false, 302).energy - smd_cds(minus, find_solvent(solvent), false, 302).energy) /
                (2 * h);
            check_near(cds.gradient(a, x), fd, 1e-8, std::string(name) + " in " + solvent + " dG_CDS/dx");
          }
      }
  }

  TEST_CASE("solvation: a generic solvent given by its descriptors equals the tabulated one") {
    const Solvent octanol = solvent_from_text("eps=9.8629,n=1.4295,alpha=0.37,beta=0.48,gamma=39.01,phi=0,psi=0");
    CHECK(octanol.name == "custom");
    const auto mol = reference_molecule("methanol");
    check_near(smd_cds(mol, octanol).energy, smd_cds(mol, find_solvent("1-octanol")).energy, 1e-15,
               "CDS of octanol by descriptors");
    SolvationSettings s;
    s.model = SolvationModel::SMD;
    s.solvent = octanol;
    const auto r = cavity_radii(mol, s);
    check_near(r[1] / angstrom, 1.52 + 1.8 * (0.43 - 0.37), 1e-12, "SMD O radius for alpha 0.37");
    CHECK_THROWS_WITH_AS(solvent_from_text("eps=9.8,n=1.4,alpha=0.37,beta=0.48,gamma=39,phi=0"),
                         doctest::Contains("psi= is missing"), InputError);
    CHECK_THROWS_WITH_AS(solvent_from_text("eps=9.8,n=1.4,acidity=0.37"), doctest::Contains("'acidity=0.37' is not one of"),
                         InputError);
    CHECK_THROWS_WITH_AS(solvent_from_text("eps=0.5,n=1.4"), doctest::Contains("eps = '0.5' must be"), InputError);
  }

  TEST_CASE("solvation: bad settings are input errors naming the problem") {
    const auto water = reference_molecule("water");
    CHECK_THROWS_WITH_AS(find_solvent("watr"), doctest::Contains("closest: water"), InputError);
    SolvationSettings s;
    s.model = SolvationModel::CPCM;
    s.solvent.epsilon = 1.0;
    CHECK_THROWS_WITH_AS(dielectric_factor(s), doctest::Contains("above 1"), InputError);
    s.solvent.epsilon = 78.4;
    s.radii = {1.5, 1.2};
    CHECK_THROWS_WITH_AS(cavity_radii(water, s), doctest::Contains("2 given for 3 atoms"), InputError);
    s.radii = {1.5, 1.2, 9.0};
    CHECK_THROWS_WITH_AS(cavity_radii(water, s), doctest::Contains("atom 3"), InputError);
    CHECK_THROWS_WITH_AS(check_solvation_points(100), doctest::Contains("points per sphere"), InputError);
  }
}

namespace {

/// ΔG_elec (kcal/mol) of C-PCM (f = (ε − 1)/ε, ε = 78.4, 1.2 × Bondi radii, no charge correction)
/// at HF/6-31G* with `points` Lebedev points per sphere; checks the gas-phase energy too.
double cpcm_dg_elec(const std::string& name, int points, double nwchem_gas) {
  const auto mol = reference_molecule(name);
  ScfSettings st;
  st.e_convergence = 1e-10;
  st.d_convergence = 1e-8;
  st.solvation.model = SolvationModel::CPCM;
  st.solvation.solvent.name = "custom";
  st.solvation.solvent.epsilon = 78.4;
  st.solvation.points_per_sphere = points;
  const auto basis = build_basis(mol, "6-31g*", ShellType::Cartesian);
  const auto wfn = run_scf_with_gas_phase(mol, basis, st);
  REQUIRE(wfn.convergence.converged);
  check_near(wfn.solvation.gas_energy, nwchem_gas, 2e-7, name + " gas-phase energy vs NWChem");
  return wfn.solvation.electrostatic(wfn.energies) * kcal;
}

/// ΔG_solv (kcal/mol) of SMD in water at B3LYP/6-31G* (Cartesian d, default grid, density
/// fitting) of a FreeSolv-sample molecule; checks G_CDS against NWChem's too.
double smd_dg_solv(const std::string& id, double nwchem_cds) {
  const auto mol = molecules::read_molecule_file(data_dir() + "/reference/freesolv-sample/mobley_" + id + ".xyz");
  ScfSettings st;
  st.functional = Functional::from_name("b3lyp");
  st.grid = parse_grid("default");
  st.solvation.model = SolvationModel::SMD;
  st.solvation.solvent = find_solvent("water");
  const auto basis = build_basis(mol, "6-31g*", ShellType::Cartesian);
  const auto wfn = run_scf_with_gas_phase(mol, basis, st);
  REQUIRE(wfn.convergence.converged);
  check_near(wfn.energies.cds * kcal, nwchem_cds, 0.02, "mobley_" + id + " G_CDS vs NWChem");
  return wfn.solvation.free_energy(wfn.energies) * kcal;
}

}  // namespace

namespace {

/// Analytic gradient of a solvated SCF (four-index integrals) against central differences of its
/// energy, h = 1e-3 Bohr, every coordinate of the given atoms.
void check_solvated_gradient(const molecules::Molecule& mol, ScfSettings st, const std::string& basis_name,
                             double tolerance, const std::vector<int>& atoms) {
  st.scf_type = ScfType::Conventional;
  st.e_convergence = 1e-12;
  st.d_convergence = 1e-10;
  const auto basis = build_basis(mol, basis_name);
  const auto wfn = run_scf(mol, basis, st);
  REQUIRE(wfn.convergence.converged);
  const Gradient g = scf_gradient(wfn, 2);
  CHECK(g.solvation.norm() > 1e-4);
  const double h = 1e-3;
  for (const int a : atoms)
    for (int x = 0; x < 3; ++x) {
      auto plus = mol, minus = mol;
      plus.atoms[a].r[x] += h;
      minus.atoms[a].r[x] -= h;
      ScfSettings s2 = st;
      s2.guess_density = {wfn.alpha.D};
      if (wfn.reference == Reference::UHF) s2.guess_density.push_back(wfn.beta.D);
      const double ep = run_scf(plus, build_basis(plus, basis_name), s2).energies.total;
      const double em = run_scf(minus, build_basis(minus, basis_name), s2).energies.total;
      check_near(g.total(a, x), (ep - em) / (2 * h), tolerance,
                 "dE/dx atom " + std::to_string(a) + " coordinate " + std::to_string(x));
    }
}

}  // namespace

// Three atoms of each molecule (the heavy atoms and a hydrogen where it has them) keep the test's
// 60-odd SCFs within the CI budget; every piece of the solvent gradient acts on each of them.
TEST_SUITE("regression.solvation_gradient") {
  TEST_CASE("solvated gradients: C-PCM HF, SMD HF and SMD B3LYP against central differences") {
    ScfSettings hf;
    hf.solvation.model = SolvationModel::CPCM;
    hf.solvation.solvent = find_solvent("water");
    hf.solvation.points_per_sphere = 110;
    check_solvated_gradient(reference_molecule("methanol"), hf, "6-31g*", 1e-6, {0, 1, 2});
    ScfSettings smd = hf;
    smd.solvation.model = SolvationModel::SMD;
    check_solvated_gradient(reference_molecule("acetonitrile"), smd, "6-31g*", 1e-6, {0, 1, 2});
    ScfSettings dft = smd;
    dft.functional = Functional::from_name("b3lyp");
    dft.grid = parse_grid("fine");
    // The fine grid: on the default one the XC gradient's missing grid-weight derivatives alone
    // differ from the differences by 3e-5 (as in the gas phase, docs/optimize.md).
    check_solvated_gradient(reference_molecule("water"), dft, "6-31g*", 2e-5, {0, 1});
  }
}

// NWChem 7.0.2 `task scf energy`, cosmo block: dielec 78.4; screen st; charge_correction no;
// ificos 0; minbem m; radius (1.2 × Bondi, B 1.2 × Mantina's 1.92) per atom. Its York–Karplus
// cavity converges slowly and not monotonically in minbem (water m = 2..5: −6.607, −6.668, −6.621,
// −6.588 kcal/mol; methanol 2..4: −4.473, −4.600, −4.600; acetonitrile 2..4: −7.021, −6.868, −6.853),
// ours smoothly (water 110, 194, 302, 590, 1202 points per sphere: −6.537, −6.536, −6.546, −6.553,
// −6.556): the comparison is between NWChem's finest and our 1202.
TEST_SUITE("regression.solvation") {
  TEST_CASE("C-PCM water, methanol, acetonitrile HF/6-31G* vs NWChem COSMO") {
    check_near(cpcm_dg_elec("water", 1202, -76.0097705738), -6.58819046, 0.1, "water dG_elec (NWChem minbem 5)");
    check_near(cpcm_dg_elec("methanol", 1202, -115.0354183131), -4.60032175, 0.1, "methanol dG_elec (NWChem minbem 4)");
    check_near(cpcm_dg_elec("acetonitrile", 1202, -131.9275339229), -6.85299292, 0.1,
               "acetonitrile dG_elec (NWChem minbem 4)");
  }

  // NWChem 7.0.2 `task dft energy`, B3LYP/6-31G* (Cartesian d), grid xfine, `cosmo; do_cosmo_smd
  // true; solvent water; end` (its SMD defaults: minbem 3, Lagrangian charge correction), at the
  // FreeSolv sample's geometries (jobs smd_mobley_<id>): G_CDS and ΔG_solv in kcal/mol.
  TEST_CASE("SMD water B3LYP/6-31G* vs NWChem: nitromethane, propane, 2-methylpropan-2-ol, 1-chloropropane") {
    check_near(smd_dg_solv("1952272", 4.85303848), -4.49753294, 0.2, "nitromethane dG_solv vs NWChem");
    check_near(smd_dg_solv("2068538", 2.46067916), 1.93725378, 0.2, "propane dG_solv vs NWChem");
    check_near(smd_dg_solv("1650157", 3.14469945), -3.98147239, 0.2, "2-methylpropan-2-ol dG_solv vs NWChem");
    check_near(smd_dg_solv("1977493", 2.32097174), -0.70416839, 0.2, "1-chloropropane dG_solv vs NWChem");
  }
}
