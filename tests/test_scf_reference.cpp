// Regression against psi4 1.3.2 (cross-checked with NWChem 7.0.2): total energies within 1e-8 Eh,
// every occupied and the first five virtual orbital energies within 1e-6 Eh. Reference numbers
// and their provenance: hf_references.hpp, tests/reference/README.md.
#include <doctest/doctest.h>

#include "check.hpp"
#include "hf_references.hpp"
#include "scf_helpers.hpp"
#include "scf/scf.hpp"

using namespace cagescreen;

namespace {

const refs::HFReference& find(const std::string& name) {
  for (const auto& r : refs::hf_references())
    if (r.name == name) return r;
  throw std::runtime_error("no reference " + name);
}

void check_orbitals(const scf::SpinOrbitals& so, const std::vector<double>& occ, const std::vector<double>& virt,
                    const char* spin) {
  REQUIRE(so.n_occupied == static_cast<int>(occ.size()));
  for (size_t i = 0; i < occ.size(); ++i)
    check_near(so.energies(i), occ[i], 1e-6, std::string(spin) + " occupied orbital " + std::to_string(i + 1));
  for (size_t i = 0; i < virt.size(); ++i)
    check_near(so.energies(so.n_occupied + i), virt[i], 1e-6,
               std::string(spin) + " virtual orbital " + std::to_string(i + 1));
}

void check_reference(const std::string& name, int ladder_start = 0, scf::Guess guess = scf::Guess::SAD) {
  const auto& ref = find(name);
  molecules::Molecule mol;
  mol.name = name;
  mol.multiplicity = ref.multiplicity;
  for (const auto& a : ref.geometry) mol.atoms.push_back({static_cast<int>(a[0]), {a[1], a[2], a[3]}});
  const auto basis =
      scf::build_basis(mol, ref.basis, ref.cartesian ? scf::ShellType::Cartesian : scf::ShellType::Spherical);
  // Inputs first: same basis size and nuclear repulsion as psi4.
  REQUIRE(basis.nbf == ref.nbf);
  check_near(mol.nuclear_repulsion(), ref.nuclear_repulsion, 1e-9, "nuclear repulsion");

  scf::ScfSettings st;
  st.reference = ref.uhf ? scf::Reference::UHF : scf::Reference::RHF;
  st.scf_type = scf::ScfType::Conventional;  // as psi4 pk (what auto means for HF)
  st.e_convergence = 1e-10;  // as the psi4 reference run
  st.d_convergence = 1e-8;
  st.ladder_start = ladder_start;
  st.guess = guess;
  const auto wfn = shared_scf(mol, basis, st);  // o-carborane 6-31G*: the gradient test's SCF
  REQUIRE(wfn.convergence.converged);
  check_near(wfn.energies.total, ref.total_energy, 1e-8, name + " total energy vs psi4");
  check_orbitals(wfn.alpha, ref.eps_alpha_occ, ref.eps_alpha_virt5, "alpha");
  if (ref.uhf) check_orbitals(wfn.beta, ref.eps_beta_occ, ref.eps_beta_virt5, "beta");
  // NWChem agrees with psi4 to ~1e-11 Eh in all cases but o-carborane/6-31G* (6D), where the two
  // differ by 3.9e-9 Eh (documented in tests/reference/README.md); both are within 1e-8 of us.
  check_near(wfn.energies.total, ref.nwchem_total_energy, 1e-8, name + " total energy vs NWChem");
}

}  // namespace

// Each case names its suite: one CTest entry per molecule (tests/CMakeLists.txt).
TEST_SUITE("regression") {
  TEST_CASE("psi4 water_sto3g" * doctest::test_suite("regression.water_sto3g")) { check_reference("water_sto3g"); }
  TEST_CASE("psi4 water_ccpvdz" * doctest::test_suite("regression.water_ccpvdz")) { check_reference("water_ccpvdz"); }
  TEST_CASE("psi4 ocarborane_631gs_cart" * doctest::test_suite("extended.ocarborane_631gs_cart")) { check_reference("ocarborane_631gs_cart"); }
  TEST_CASE("psi4 ocarborane_def2svp" * doctest::test_suite("regression.ocarborane_def2svp")) { check_reference("ocarborane_def2svp"); }
  TEST_CASE("psi4 zno_def2svp" * doctest::test_suite("regression.zno_def2svp")) { check_reference("zno_def2svp"); }
  TEST_CASE("psi4 o2_631gs_cart_uhf" * doctest::test_suite("regression.o2_631gs_cart_uhf")) { check_reference("o2_631gs_cart_uhf"); }
  TEST_CASE("psi4 oh_def2svp_uhf" * doctest::test_suite("regression.oh_def2svp_uhf")) { check_reference("oh_def2svp_uhf"); }
  // Every stage of the convergence ladder reaches the same state from the SAD guess. (From the
  // core guess, a level shift keeps the core guess's wrong occupation and ends in an excited state,
  // as level shifting does by design.)
  TEST_CASE("psi4 o2_631gs_cart_uhf ladder" * doctest::test_suite("regression.ladder")) {
    for (int stage = 1; stage <= 3; ++stage) {
      CAPTURE(stage);
      check_reference("o2_631gs_cart_uhf", stage, scf::Guess::SAD);
    }
  }
}
