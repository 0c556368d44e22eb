// SCF stability analysis: the orbital-Hessian products against finite differences of the energy of
// rotated determinants (no SCF in between: the energy as a function of the rotation itself), the
// exact rotation, the eigenvalues against psi4 1.3.2 and following to the lower state.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <tuple>

#include "check.hpp"
#include "molecules/error.hpp"
#include "molecules/units.hpp"
#include "scf/integrals.hpp"
#include "scf/jk.hpp"
#include "scf/scf.hpp"
#include "scf/solvation.hpp"
#include "scf/stability.hpp"
#include "scf/xc.hpp"

using namespace cagescreen;
using namespace cagescreen::scf;

namespace {

constexpr double angstrom = units::angstrom_in_bohr;

molecules::Molecule h2(double d_angstrom) {
  molecules::Molecule m;
  m.atoms.push_back(molecules::Atom{1, {0, 0, 0}, {}});
  m.atoms.push_back(molecules::Atom{1, {0, 0, d_angstrom * angstrom}, {}});
  m.multiplicity = 1;
  return m;
}

/// The water geometry of the psi4 regression cases (tests/reference/psi4/water_ccpvdz.in), Bohr.
molecules::Molecule water() {
  molecules::Molecule m;
  m.atoms.push_back(molecules::Atom{8, {0.0, 0.0, 0.12660443065127}, {}});
  m.atoms.push_back(molecules::Atom{1, {0.0, 1.43943672914446, -1.00465209507567}, {}});
  m.atoms.push_back(molecules::Atom{1, {0.0, -1.43943672914446, -1.00465209507567}, {}});
  m.multiplicity = 1;
  return m;
}

/// Energy of the determinant with occupied orbitals Ca, Cb (no SCF): Hartree–Fock, or Kohn–Sham
/// with `xc` (a polarised integrator of a functional with exact-exchange fraction `ax`), with a
/// C-PCM solvent's ½ qᵀV when `solvent` is given.
double determinant_energy(const molecules::Molecule& mol, const BasisSet& basis, const Eigen::MatrixXd& Ca,
                          const Eigen::MatrixXd& Cb, const ContinuumSolver* solvent = nullptr,
                          const XCIntegrator* xc = nullptr, double ax = 1.0) {
  const Eigen::MatrixXd Da = Ca * Ca.transpose(), Db = Cb * Cb.transpose();
  FourIndexJK jk(basis);
  std::vector<Eigen::MatrixXd> J, K;
  jk.compute({Da, Db}, J, K, true);
  const Eigen::MatrixXd H = core_hamiltonian(basis, mol);
  const Eigen::MatrixXd Jt = J[0] + J[1];
  double e = mol.nuclear_repulsion() + ((Da + Db).array() * H.array()).sum() +
             0.5 * ((Da.array() * (Jt - ax * K[0]).array()).sum() + (Db.array() * (Jt - ax * K[1]).array()).sum());
  if (xc) e += xc->compute({Da, Db}).energy;
  if (solvent) {
    const Eigen::VectorXd V = electrostatic_potential(basis, mol, Da + Db, solvent->cavity().points);
    e += 0.5 * solvent->charges(V).dot(V);
  }
  return e;
}

/// The lowest eigenvalue of each block against d²E/dθ² of the determinant turned by ±θ along its
/// eigenvector (no SCF in between): d²E/dθ² = 4λ for RHF blocks (both spins turn, alike for
/// RHF->RHF, oppositely for RHF->UHF) and 2λ for UHF->UHF.
void check_curvatures(const Wavefunction& wfn, const ScfSettings& st, const ContinuumSolver* solvent,
                      const std::string& what, double tolerance = 1e-6) {
  std::unique_ptr<XCIntegrator> xc;
  if (wfn.level.is_dft())
    xc = std::make_unique<XCIntegrator>(wfn.basis, wfn.molecule, st.functional, st.grid, true);
  StabilitySettings ss;
  ss.roots = 2;
  ss.residual = 1e-7;
  ss.stop_when_decided = false;
  const auto blocks = orbital_hessian_eigenpairs(wfn, st, ss);
  REQUIRE(blocks.size() == (wfn.reference == Reference::RHF ? 2u : 1u));
  const int noa = wfn.n_alpha(), nob = wfn.n_beta();
  const int nva = static_cast<int>(wfn.alpha.C.cols()) - noa, nvb = static_cast<int>(wfn.beta.C.cols()) - nob;
  for (const auto& b : blocks) {
    REQUIRE(b.converged);
    for (int root = 0; root < 2; ++root) {
      const Eigen::VectorXd& v = b.vectors.col(root);
      check_near(v.norm(), 1.0, 1e-10, what + " " + b.kind + " eigenvector norm");
      auto energy = [&](double theta) {
        const Eigen::Map<const Eigen::MatrixXd> xa(v.data(), nva, noa);
        Eigen::MatrixXd Ca, Cb;
        Ca = rotate_occupied(wfn.alpha.C, noa, xa, theta);
        if (b.kind == "UHF->UHF")
          Cb = rotate_occupied(wfn.beta.C, nob, Eigen::Map<const Eigen::MatrixXd>(v.data() + nva * noa, nvb, nob), theta);
        else
          Cb = rotate_occupied(wfn.beta.C, nob, xa, b.kind == "RHF->UHF" ? -theta : theta);
        return determinant_energy(wfn.molecule, wfn.basis, Ca, Cb, solvent, xc.get(),
                                  wfn.level.is_dft() ? st.functional.exact_exchange : 1.0);
      };
      // Central second differences at h and 2h, Richardson-extrapolated (error O(h⁴)).
      const double h = 1e-3, e0 = energy(0.0);
      auto second = [&](double step) { return (energy(step) + energy(-step) - 2.0 * e0) / (step * step); };
      const double curvature = (4.0 * second(h) - second(2.0 * h)) / 3.0;
      const double factor = b.kind == "UHF->UHF" ? 2.0 : 4.0;
      check_near(b.values(root), curvature / factor, tolerance,
                 what + " " + b.kind + " root " + std::to_string(root) + " eigenvalue vs d2E/dtheta2 / " +
                     std::to_string(int(factor)));
    }
  }
}

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("stability: rotate_occupied keeps the orbitals orthonormal and is exp(kappa) to first order") {
    ScfSettings st;
    st.scf_type = ScfType::Conventional;
    const auto mol = water();
    const auto basis = build_basis(mol, "def2-svp");
    const auto wfn = run_scf(mol, basis, st);
    REQUIRE(wfn.convergence.converged);
    const int no = wfn.n_alpha(), nv = static_cast<int>(wfn.alpha.C.cols()) - no;
    Eigen::MatrixXd x = Eigen::MatrixXd::Random(nv, no);
    x /= x.norm();
    for (double theta : {1e-4, 0.3, 1.2}) {
      const Eigen::MatrixXd Co = rotate_occupied(wfn.alpha.C, no, x, theta);
      check_near((Co.transpose() * wfn.S * Co - Eigen::MatrixXd::Identity(no, no)).cwiseAbs().maxCoeff(), 0.0, 1e-12,
                 "orthonormality at theta " + std::to_string(theta));
    }
    const Eigen::MatrixXd first = wfn.alpha.C.leftCols(no) + 1e-4 * wfn.alpha.C.rightCols(nv) * x;
    check_near((rotate_occupied(wfn.alpha.C, no, x, 1e-4) - first).cwiseAbs().maxCoeff(), 0.0, 1e-7,
               "first order in theta");
  }

  TEST_CASE("stability: Hessian eigenvalues equal the curvature of the energy along their eigenvectors") {
    ScfSettings st;
    st.scf_type = ScfType::Conventional;
    st.e_convergence = 1e-12;
    st.d_convergence = 1e-10;
    {  // RHF water: both blocks positive
      const auto mol = water();
      const auto wfn = run_scf(mol, build_basis(mol, "6-31g*"), st);
      REQUIRE(wfn.convergence.converged);
      check_curvatures(wfn, st, nullptr, "water RHF");
    }
    {  // stretched H2: a negative RHF->UHF eigenvalue
      const auto mol = h2(2.0);
      const auto wfn = run_scf(mol, build_basis(mol, "6-31g**"), st);
      REQUIRE(wfn.convergence.converged);
      check_curvatures(wfn, st, nullptr, "H2 2.0 A RHF");
    }
    {  // UHF: OH radical
      auto mol = h2(0.97);
      mol.atoms[0].Z = 8;
      mol.multiplicity = 2;
      ScfSettings u = st;
      u.reference = Reference::UHF;
      const auto wfn = run_scf(mol, build_basis(mol, "6-31g*"), u);
      REQUIRE(wfn.convergence.converged);
      check_curvatures(wfn, u, nullptr, "OH UHF");
    }
    {  // C-PCM water: the surface charges' response is part of the Hessian
      const auto mol = water();
      ScfSettings s = st;
      s.solvation.model = SolvationModel::CPCM;
      s.solvation.solvent = find_solvent("water");
      s.solvation.points_per_sphere = 110;
      const auto wfn = run_scf(mol, build_basis(mol, "6-31g*"), s);
      REQUIRE(wfn.convergence.converged);
      const ContinuumSolver solver(wfn.solvation.cavity, wfn.solvation.dielectric_factor);
      check_curvatures(wfn, s, &solver, "water C-PCM RHF");
    }
  }

  TEST_CASE("stability: Kohn-Sham Hessians (XC kernel) equal the curvature of the energy along their eigenvectors") {
    // The energy of the turned determinant on the same grid as the kernel: the differences see
    // exactly the quadrature the kernel integrates (four-index J/K on both sides).
    ScfSettings st;
    st.scf_type = ScfType::Conventional;
    st.e_convergence = 1e-12;
    st.d_convergence = 1e-10;
    st.grid = parse_grid("default");
    st.coarse_grid_until = 0;
    for (const char* f : {"b3lyp", "pbe", "svwn"}) {
      st.functional = Functional::from_name(f);
      {
        const auto mol = water();
        const auto wfn = run_scf(mol, build_basis(mol, "6-31g*"), st);
        REQUIRE(wfn.convergence.converged);
        check_curvatures(wfn, st, nullptr, std::string("water ") + f);
      }
      {
        const auto mol = h2(2.5);
        const auto wfn = run_scf(mol, build_basis(mol, "6-31g**"), st);
        REQUIRE(wfn.convergence.converged);
        check_curvatures(wfn, st, nullptr, std::string("H2 2.5 A ") + f);
      }
    }
    {  // UKS: OH radical, B3LYP
      auto mol = h2(0.97);
      mol.atoms[0].Z = 8;
      mol.multiplicity = 2;
      ScfSettings u = st;
      u.functional = Functional::from_name("b3lyp");
      u.reference = Reference::UHF;
      u.coarse_grid_until = 1e-3;  // (the default: from SAD on the final grid alone this UKS SCF wanders)
      const auto wfn = run_scf(mol, build_basis(mol, "6-31g*"), u);
      INFO(wfn.convergence.message);
      REQUIRE(wfn.convergence.converged);
      check_curvatures(wfn, u, nullptr, "OH UKS B3LYP");
    }
  }

  TEST_CASE("stability: shared builders give the same SCF and Hessian eigenvalues, and are rebuilt for a new geometry") {
    // Water cation (2B1, no degenerate orbitals), UKS B3LYP, density fitting: the SCF and its
    // stability analysis with and without ScfSettings::shared, then a second SCF at a stretched
    // geometry with the same cache.
    auto mol = water();
    mol.charge = 1;
    mol.multiplicity = 2;
    ScfSettings st;
    st.functional = Functional::from_name("b3lyp");
    st.reference = Reference::UHF;
    st.e_convergence = 1e-10;
    st.d_convergence = 1e-8;
    StabilitySettings check;
    check.mode = StabilityMode::Check;
    check.roots = 2;
    const auto basis = build_basis(mol, "6-31g*");
    const auto alone = run_scf(mol, basis, st);
    INFO(alone.convergence.message);
    REQUIRE(alone.convergence.converged);
    const auto rec_alone = analyse_stability(alone, st, check);

    ScfSettings sh = st;
    sh.shared = std::make_shared<SharedBuilders>();
    const auto shared = run_scf(mol, basis, sh);
    REQUIRE(shared.convergence.converged);
    // J/K builder, coarse and final grids built by the SCF; the analysis reuses the J/K builder and
    // the final grid's (polarised) integrator.
    CHECK(sh.shared->built() == 3);
    const auto rec_shared = analyse_stability(shared, sh, check);
    CHECK(sh.shared->reused() == 2);
    CHECK(std::abs(shared.energies.total - alone.energies.total) < 1e-9);
    CHECK(shared.level.integrals == alone.level.integrals);
    CHECK(shared.level.fitting_basis == alone.level.fitting_basis);
    REQUIRE(rec_shared.roots.size() == rec_alone.roots.size());
    for (std::size_t b = 0; b < rec_alone.roots.size(); ++b)
      for (std::size_t i = 0; i < rec_alone.roots[b].eigenvalues.size(); ++i)
        CHECK(std::abs(rec_shared.roots[b].eigenvalues[i] - rec_alone.roots[b].eigenvalues[i]) < 1e-7);

    auto stretched = mol;
    stretched.atoms[1].r[1] *= 1.05;
    const int built = sh.shared->built();
    const auto wfn2 = run_scf(stretched, build_basis(stretched, "6-31g*"), sh);
    CHECK(sh.shared->built() == built + 3);  // nothing of the first geometry is used
    const auto ref2 = run_scf(stretched, build_basis(stretched, "6-31g*"), st);
    CHECK(std::abs(wfn2.energies.total - ref2.energies.total) < 1e-9);
  }

  TEST_CASE("stability: meta-GGA states and bad settings are refused with one-line errors") {
    const auto mol = h2(0.74);
    ScfSettings st;
    st.functional = Functional::from_name("tpss");
    const auto wfn = run_scf(mol, build_basis(mol, "6-31g**"), st);
    CHECK_THROWS_WITH_AS(analyse_stability(wfn, st, {}), doctest::Contains("meta-GGA"), InputError);
    StabilitySettings bad;
    bad.roots = 0;
    CHECK_THROWS_WITH_AS(check_stability_settings(bad), doctest::Contains("roots = 0"), InputError);
    CHECK_THROWS_WITH_AS(parse_stability_mode("maybe"), doctest::Contains("off, check, follow"), InputError);
  }

}

namespace {

/// psi4 1.3.2 `stability_analysis check` (tests/reference/stability: inputs, README, JSON): scf_type
/// pk, e_convergence 1e-10, d_convergence 1e-8, symmetry c1; full-precision values from the same
/// matrices re-diagonalised from psi4's converged orbitals (equal to psi4's printed 6 decimals).
ScfSettings tight() {
  ScfSettings st;
  st.scf_type = ScfType::Conventional;
  st.e_convergence = 1e-10;
  st.d_convergence = 1e-8;
  return st;
}

void check_roots(const StabilityRecord& rec, const std::string& kind, const std::vector<double>& psi4,
                 double tolerance, const std::string& what) {
  const StabilityRoots* r = nullptr;
  for (const auto& x : rec.roots)
    if (x.kind == kind) r = &x;
  INFO(what << ": the " << kind << " block");
  REQUIRE(r != nullptr);
  CHECK(r->converged);
  REQUIRE(r->eigenvalues.size() >= psi4.size());
  for (std::size_t i = 0; i < psi4.size(); ++i)
    check_near(r->eigenvalues[i], psi4[i], tolerance, what + " " + kind + " eigenvalue " + std::to_string(i + 1));
}

}  // namespace

TEST_SUITE("regression.stability") {
  TEST_CASE("stability: eigenvalues against psi4 1.3.2 (H2 1.5 and 3.0 A, water, O2 singlet, OH UHF)") {
    StabilitySettings ss;
    ss.roots = 5;
    ss.residual = 1e-6;
    ss.stop_when_decided = false;
    {  // H2 HF/6-31G** (Cartesian d): RHF->UHF negative at both distances
      for (const auto& [d, singlet, triplet] :
           {std::tuple<double, std::vector<double>, std::vector<double>>{
                1.5, {0.4627214621, 1.2375502502, 1.2452855574}, {-0.1123524797, 0.9370894242, 0.9390869719}},
            {3.0, {0.4031500908, 1.0756648105, 1.1903897193}, {-0.3811353179, 0.7831936916, 0.9188027204}}}) {
        const auto mol = h2(d);
        const auto wfn = run_scf(mol, build_basis(mol, "6-31g**", ShellType::Cartesian), tight());
        REQUIRE(wfn.convergence.converged);
        const auto rec = analyse_stability(wfn, tight(), ss);
        const std::string what = "H2 " + std::to_string(d) + " A";
        check_roots(rec, "RHF->RHF", singlet, 1e-6, what);
        check_roots(rec, "RHF->UHF", triplet, 1e-6, what);
        CHECK_FALSE(rec.stable);
      }
    }
    {  // water HF/def2-SVP: internal (and external) eigenvalues positive
      const auto mol = water();
      const auto wfn = run_scf(mol, build_basis(mol, "def2-svp"), tight());
      REQUIRE(wfn.convergence.converged);
      const auto rec = analyse_stability(wfn, tight(), ss);
      check_roots(rec, "RHF->RHF", {0.3482630754, 0.4081352988, 0.4362369413, 0.5066397700, 0.5658669155}, 1e-6,
                  "water");
      check_roots(rec, "RHF->UHF", {0.2764788938, 0.3072072254, 0.3477079829, 0.3549968459, 0.4506936452}, 1e-6,
                  "water");
      CHECK(rec.stable);
    }
    {  // O2 as a closed-shell singlet, HF/6-31G* (Cartesian d): two negative RHF->UHF eigenvalues; a zero
       // RHF->RHF one (rotation of the filled pi* about the bond axis)
      molecules::Molecule o2;
      o2.atoms.push_back(molecules::Atom{8, {0, 0, 0}, {}});
      o2.atoms.push_back(molecules::Atom{8, {0, 0, 1.2075 * angstrom}, {}});
      o2.multiplicity = 1;
      const auto wfn = run_scf(o2, build_basis(o2, "6-31g*", ShellType::Cartesian), tight());
      REQUIRE(wfn.convergence.converged);
      check_near(wfn.energies.total, -149.5295534624171, 1e-8, "O2 singlet RHF energy vs psi4");
      const auto rec = analyse_stability(wfn, tight(), ss);
      check_roots(rec, "RHF->UHF", {-0.1266539648, -0.1106709947, 0.0967089273, 0.1963263112, 0.3065576861}, 1e-6,
                  "O2 singlet");
      check_roots(rec, "RHF->RHF", {0.0, 0.2491421455, 0.2905934518, 0.2947749408, 0.4488872305}, 1e-6, "O2 singlet");
      CHECK_FALSE(rec.stable);
    }
    {  // OH UHF/6-31G* (Cartesian d), 0.97 A: stable, with the zero mode of the 2Pi state
      auto mol = h2(0.97);
      mol.atoms[0].Z = 8;
      mol.multiplicity = 2;
      ScfSettings u = tight();
      u.reference = Reference::UHF;
      const auto wfn = run_scf(mol, build_basis(mol, "6-31g*", ShellType::Cartesian), u);
      REQUIRE(wfn.convergence.converged);
      check_near(wfn.energies.total, -75.3821426538004, 1e-8, "OH UHF energy vs psi4");
      const auto rec = analyse_stability(wfn, u, ss);
      check_roots(rec, "UHF->UHF", {0.0, 0.1648600146, 0.3145398590, 0.3295124852, 0.3946056848}, 1e-6, "OH");
      CHECK(rec.stable);
    }
  }

  TEST_CASE("stability: following stretched H2 from RHF reaches psi4's broken-symmetry UHF minimum") {
    // psi4 1.3.2 UHF `stability_analysis follow` from the RHF-like UHF solution: 1.5 A
    // −1.0194960186757 Eh (<S²> 0.588), 3.0 A −0.9967103794988 Eh (<S²> 0.995).
    for (const auto& [d, psi4] : {std::pair<double, double>{1.5, -1.0194960186757}, {3.0, -0.9967103794988}}) {
      const auto mol = h2(d);
      const auto basis = build_basis(mol, "6-31g**", ShellType::Cartesian);
      const auto rhf = run_scf(mol, basis, tight());
      REQUIRE(rhf.convergence.converged);
      StabilitySettings ss;
      ss.mode = StabilityMode::Follow;
      const auto wfn = stabilise(rhf, tight(), ss);
      const std::string what = "H2 " + std::to_string(d) + " A";
      CHECK(wfn.reference == Reference::UHF);
      CHECK(wfn.stability.stable);
      REQUIRE(!wfn.stability.follows.empty());
      CHECK(wfn.stability.follows[0].kind == "RHF->UHF");
      check_near(wfn.energies.total, psi4, 1e-8, what + " followed UHF energy vs psi4's");
      check_near(wfn.stability.follows.back().energy_after, wfn.energies.total, 0.0, what + " follow record");
      check_near(wfn.stability.follows[0].energy_before, rhf.energies.total, 0.0, what + " energy before");
    }
  }
}
