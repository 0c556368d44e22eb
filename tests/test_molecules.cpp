#include <doctest/doctest.h>

#include <sstream>

#include "check.hpp"
#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/io.hpp"
#include "molecules/species.hpp"
#include "molecules/units.hpp"

using namespace cagescreen;
using namespace cagescreen::molecules;

namespace {
std::string error_of(const std::string& text, const std::string& source = "mol.xyz") {
  try {
    auto mol = parse_xyz(text, source);
    finalize_spin(mol, source);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("element table covers H to Kr with symbols, weights and radii") {
    CHECK(element(1).symbol == std::string("H"));
    CHECK(element(30).symbol == std::string("Zn"));
    CHECK(element(36).symbol == std::string("Kr"));
    check_near(element(6).mass, 12.011, 1e-12, "C weight");
    check_near(element(30).covalent_radius, 1.22, 1e-12, "Zn covalent radius");
    check_near(element(1).vdw_radius, 1.20, 1e-12, "H vdW radius");
    for (int Z = 1; Z <= max_Z; ++Z) {
      CHECK(element(Z).Z == Z);
      CHECK(element(Z).mass > 0);
      CHECK(element(Z).covalent_radius > 0);
      CHECK(element(Z).vdw_radius > element(Z).covalent_radius);
    }
    CHECK(find_element("zn") == 30);
    CHECK(find_element("ZN") == 30);
    CHECK(find_element("8") == 8);
    CHECK_FALSE(find_element("Xx"));
    CHECK_FALSE(find_element("37"));
  }

  TEST_CASE("XYZ reader: units, charge and multiplicity, extended XYZ comments") {
    const auto mol = parse_xyz(
        "3\nwater charge=1 multiplicity=2 Properties=species:S:1:pos:R:3 pbc=\"F F F\"\n"
        "O 0 0 0\nH 0 0 0.96\nh 0.93 0 -0.24 extra columns ignored\n",
        "w.xyz");
    REQUIRE(mol.atoms.size() == 3);
    CHECK(mol.charge == 1);
    CHECK(mol.multiplicity == 2);
    CHECK(mol.atoms[2].Z == 1);
    check_near(mol.atoms[1].r[2], 0.96 / units::bohr_in_angstrom, 1e-12, "z in bohr");
    CHECK(mol.n_electrons() == 9);
    CHECK(mol.n_alpha() == 5);
    CHECK(mol.n_beta() == 4);
    CHECK(mol.formula() == "H2O");
  }

  TEST_CASE("XYZ writer round trip") {
    const auto mol = parse_xyz("2\nco charge=0 multiplicity=1\nC 0 0 0\nO 0 0 1.128\n", "co.xyz");
    std::ostringstream out;
    write_xyz(mol, out);
    const auto back = parse_xyz(out.str(), "back.xyz");
    REQUIRE(back.atoms.size() == 2);
    check_near(back.atoms[1].r[2], mol.atoms[1].r[2], 1e-9, "z after round trip");
    CHECK(back.name == "co");
  }

  TEST_CASE("XYZ errors name the file, the line and the problem") {
    CHECK(error_of("") == "mol.xyz: empty file");
    CHECK(error_of("\n\n  \n") == "mol.xyz: empty file");
    CHECK(error_of("two\nc\nH 0 0 0\n") == "mol.xyz:1: expected the number of atoms (a positive integer), got 'two'");
    CHECK(error_of("3\nc\nH 0 0 0\nH 0 0 0.7\n") ==
          "mol.xyz:5: wrong atom count: the first line says 3 atoms but only 2 atom lines follow");
    CHECK(error_of("1\nc\nH 0 0 0\nH 0 0 0.7\n") ==
          "mol.xyz:4: wrong atom count: the first line says 1 atoms but more atom lines follow");
    CHECK(error_of("2\nc\nH 0 0 0\nXx 0 0 0.7\n") == "mol.xyz:4: unknown element 'Xx'");
    CHECK(error_of("2\nc\nH 0 0 0\nH 0 abc 0.7\n") == "mol.xyz:4: y coordinate of atom 2 is not a finite number: 'abc'");
    CHECK(error_of("2\nc\nH 0 0 0\nH 0 0 nan\n") == "mol.xyz:4: z coordinate of atom 2 is not a finite number: 'nan'");
    CHECK(error_of("2\nc\nH 0 0 0\nH inf 0 0\n") == "mol.xyz:4: x coordinate of atom 2 is not a finite number: 'inf'");
    CHECK(error_of("2\nc\nH 0 0 0\nH 0 0 0.05\n") ==
          "mol.xyz:4: atoms 1 (H) and 2 (H) are 0.05 Angstrom apart (closer than 0.1 Angstrom)");
    CHECK(error_of("2\nc\nH 0 0 0\nH 0 0\n") == "mol.xyz:4: expected 'symbol x y z', got 'H 0 0'");
    CHECK(error_of("2\ncharge=x\nH 0 0 0\nH 0 0 0.7\n") == "mol.xyz:2: charge must be an integer, got 'x'");
  }

  TEST_CASE("an unstated multiplicity is the lowest the electron count allows") {
    auto h = parse_xyz("1\nh\nH 0 0 0\n", "h.xyz");
    CHECK(h.multiplicity == 0);
    finalize_spin(h, "h.xyz");
    CHECK(h.multiplicity == 2);
    auto w = parse_xyz("3\nw\nO 0 0 0\nH 0 0 0.96\nH 0.93 0 -0.24\n", "w.xyz");
    finalize_spin(w, "w.xyz");
    CHECK(w.multiplicity == 1);
    CHECK(error_of("2\nc\nH 0 0 0\nH 0 0 1e5\n") == "mol.xyz:4: z coordinate of atom 2 is beyond 10000 Angstrom: '1e5'");
  }

  TEST_CASE("impossible charge and multiplicity are rejected") {
    CHECK(error_of("2\nmultiplicity=2\nH 0 0 0\nH 0 0 0.7\n") ==
          "mol.xyz: charge 0 and multiplicity 2 are impossible with 2 electrons (an even electron count needs "
          "an odd multiplicity)");
    CHECK(error_of("2\ncharge=2\nH 0 0 0\nH 0 0 0.7\n") == "mol.xyz: charge 2 and multiplicity 1 leave no electrons");
    CHECK(error_of("2\ncharge=3 multiplicity=2\nH 0 0 0\nH 0 0 0.7\n") ==
          "mol.xyz: charge 3 and multiplicity 2 leave -1 electrons");
    CHECK(error_of("2\nmultiplicity=5\nH 0 0 0\nH 0 0 0.7\n") ==
          "mol.xyz: charge 0 and multiplicity 5 need 4 unpaired electrons but there are only 2");
    CHECK(error_of("2\nmultiplicity=0\nH 0 0 0\nH 0 0 0.7\n") ==
          "mol.xyz:2: multiplicity must be a positive integer, got '0'");
  }

  TEST_CASE("QCSchema molecule reader") {
    const auto mol = parse_qcschema_molecule(
        R"({"schema_name":"qcschema_molecule","symbols":["O","H","H"],"geometry":[0,0,0, 0,0,1.8, 1.75,0,-0.45],
            "molecular_charge":0,"molecular_multiplicity":1,"name":"water"})",
        "w.json");
    REQUIRE(mol.atoms.size() == 3);
    check_near(mol.atoms[1].r[2], 1.8, 0, "geometry is bohr");
    CHECK(mol.name == "water");
    auto err = [](const std::string& t) {
      try {
        parse_qcschema_molecule(t, "m.json");
      } catch (const InputError& e) {
        return std::string(e.what());
      }
      return std::string();
    };
    CHECK(err("{\n\"symbols\": [\"H\",,\n]}") == "m.json:2: malformed JSON");
    CHECK(err(R"({"symbols":["H","H"],"geometry":[0,0,0,0,0]})") ==
          "m.json: wrong atom count: 'geometry' has 5 numbers for 2 symbols");
    CHECK(err(R"({"symbols":["H","Qq"],"geometry":[0,0,0,0,0,1.4]})") == "m.json: unknown element 'Qq' (symbols[1])");
    CHECK(err(R"({"symbols":["H","H"],"geometry":[0,0,0,0,0,1.4],"molecular_multiplicity":1.9})") ==
          "m.json: molecular_multiplicity must be a positive integer");
  }

  TEST_CASE("built-in species load with their charges") {
    CHECK(builtin_species().size() == 9);
    for (const auto& s : builtin_species()) {
      const auto mol = load_species(s);
      CHECK(mol.atoms.size() > 0);
    }
    const auto oc = load_species(*find_species("o-carborane"));
    CHECK(oc.formula() == "C2H12B10");
    // C–C bond of the B3LYP/6-31G* minimum: 1.625 Å
    const auto& a = oc.atoms[0].r;
    const auto& b = oc.atoms[1].r;
    check_near(std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2])) *
                   units::bohr_in_angstrom,
               1.6251, 1e-3, "o-carborane C-C (Angstrom)");
    CHECK(load_species(*find_species("b12h12")).charge == -2);
    CHECK(find_species("Zn(OH)2"));
    CHECK_FALSE(find_species("benzene"));
  }
}
