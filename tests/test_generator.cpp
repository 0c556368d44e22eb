#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "molecules/error.hpp"
#include "molecules/generator.hpp"
#include "molecules/species.hpp"
#include "molecules/units.hpp"

using namespace cagescreen;
using namespace cagescreen::molecules;

namespace {

double distance(const Atom& a, const Atom& b) {
  return std::sqrt(std::pow(a.r[0] - b.r[0], 2) + std::pow(a.r[1] - b.r[1], 2) + std::pow(a.r[2] - b.r[2], 2));
}

bool bonded(const Cage& c, int a, int b) {  // 1-based locants
  const auto& nb = c.neighbours[a - 1];
  return std::find(nb.begin(), nb.end(), b - 1) != nb.end();
}

std::size_t count(const std::string& cage, const std::vector<std::string>& subs, int k, Sites sites = Sites::All) {
  return enumerate_derivatives(*find_cage(cage), subs, k, k, sites).size();
}

std::string error_of(const std::string& notation) {
  try {
    parse_derivative(notation);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// Bonds a derivative should have: cage edges, one exo bond per vertex, and the bonds inside each
// group.
std::size_t expected_bonds(const Derivative& d) {
  static const std::map<std::string, std::size_t> internal{{"F", 0},  {"Cl", 0},  {"Br", 0},  {"CH3", 3},
                                                          {"CF3", 3}, {"OH", 1},  {"NH2", 2}, {"CN", 1},
                                                          {"SH", 1},  {"C6H5", 11}};
  const auto c = find_cage(d.cage);
  std::size_t edges = 0;  // each edge appears in both vertices' lists
  for (const auto& nb : c->neighbours) edges += nb.size();
  std::size_t n = c->size() + edges / 2;
  for (const auto& [v, s] : d.groups) n += internal.at(s);
  return n;
}

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("generator: cage templates follow the literature numbering") {
    const auto o = *find_cage("o-carborane");
    REQUIRE(o.size() == 12);
    CHECK(o.Z[0] == 6);
    CHECK(o.Z[1] == 6);
    CHECK(std::count(o.Z.begin(), o.Z.end(), 5) == 10);
    for (const auto& nb : o.neighbours) CHECK(nb.size() == 5);
    CHECK(bonded(o, 1, 2));
    // B3 and B6 bridge C1 and C2; B4, B5 touch only C1; B7, B11 only C2; B12 is opposite C1, B9
    // opposite C2.
    for (int b : {3, 6}) CHECK((bonded(o, b, 1) && bonded(o, b, 2)));
    for (int b : {4, 5}) CHECK((bonded(o, b, 1) && !bonded(o, b, 2)));
    for (int b : {7, 11}) CHECK((bonded(o, b, 2) && !bonded(o, b, 1)));
    CHECK((bonded(o, 7, 3) && bonded(o, 8, 3) && bonded(o, 8, 4) && bonded(o, 11, 6)));
    CHECK(!bonded(o, 9, 2));
    CHECK(!bonded(o, 12, 1));
    const auto m = *find_cage("1,7-C2B10H12");
    CHECK(m.name == "m-carborane");
    CHECK((m.Z[0] == 6 && m.Z[6] == 6));
    CHECK((bonded(m, 7, 2) && bonded(m, 7, 3) && !bonded(m, 7, 1)));
    const auto p = *find_cage("p-carborane");
    CHECK((p.Z[0] == 6 && p.Z[11] == 6 && !bonded(p, 1, 12)));
    // Symmetry groups (vertex permutations, improper operations included): C2v, C2v, D5d, Ih, C5v,
    // D4h, D4d.
    std::map<std::string, std::size_t> order{{"o-carborane", 4}, {"m-carborane", 4},  {"p-carborane", 20},
                                             {"b12h12", 120},    {"cb11h12", 10},     {"1,6-c2b4h6", 16},
                                             {"1,10-c2b8h10", 16}};
    for (const auto& c : cage_templates()) {
      CAPTURE(c.name);
      CHECK(c.symmetry.size() == order.at(c.name));
    }
  }

  TEST_CASE("generator: the parent cages keep the shipped minima") {
    // The generator's o-carborane is the built-in B3LYP/6-31G* geometry, atom for atom.
    const Molecule built = build_derivative(parse_derivative("o-carborane"));
    const Molecule ref = load_species(*find_species("o-carborane"));
    REQUIRE(built.atoms.size() == ref.atoms.size());
    CHECK(built.formula() == ref.formula());
    for (const auto& a : ref.atoms) {
      double best = HUGE_VAL;
      for (const auto& b : built.atoms)
        if (b.Z == a.Z) best = std::min(best, distance(a, b));
      CHECK(best < 1e-8);
    }
    CHECK(build_derivative(parse_derivative("b12h12")).charge == -2);
    CHECK(build_derivative(parse_derivative("cb11h12")).charge == -1);
  }

  TEST_CASE("generator: notation and IUPAC-like names") {
    const auto d = parse_derivative("o-carborane:9,12-F2");
    CHECK(d.cage == "o-carborane");
    REQUIRE(d.groups.size() == 2);
    CHECK(d.groups[0] == std::pair<int, std::string>{9, "F"});
    CHECK(d.groups[1] == std::pair<int, std::string>{12, "F"});
    CHECK(d.notation() == "o-carborane:9,12-F2");
    CHECK(d.iupac_name() == "9,12-difluoro-1,2-dicarba-closo-dodecaborane(12)");
    CHECK(parse_derivative("o-carborane: 12, 9-F2") == d);
    CHECK(parse_derivative("m-carborane:1-Me").notation() == "m-carborane:1-CH3");
    CHECK(parse_derivative("m-carborane:1-CH3").iupac_name() == "1-methyl-1,7-dicarba-closo-dodecaborane(12)");
    CHECK(parse_derivative("o-carborane:1,2-(CH3)2").notation() == "o-carborane:1,2-(CH3)2");
    CHECK(parse_derivative("o-carborane:1,2-CH3").notation() == "o-carborane:1,2-(CH3)2");
    CHECK(parse_derivative("o-carborane:9,12-(CF3)2").iupac_name() ==
          "9,12-bis(trifluoromethyl)-1,2-dicarba-closo-dodecaborane(12)");
    // Prefixes in alphabetical order, groups in the notation by lowest locant.
    const auto mixed = parse_derivative("o-carborane:9-F;1-CH3");
    CHECK(mixed.notation() == "o-carborane:1-CH3,9-F");
    CHECK(mixed.iupac_name() == "9-fluoro-1-methyl-1,2-dicarba-closo-dodecaborane(12)");
    CHECK(parse_derivative("p-carborane:1,12-(C6H5)2").iupac_name() ==
          "1,12-diphenyl-1,12-dicarba-closo-dodecaborane(12)");
    CHECK(parse_derivative("cb11h12:12-Br").iupac_name() == "12-bromo-1-carba-closo-dodecaborate(1-)");
    CHECK(is_derivative_notation("o-carborane:9-F"));
    CHECK(is_derivative_notation("1,10-C2B8H10"));
    CHECK(!is_derivative_notation("water"));
  }

  TEST_CASE("generator: bad notations give one-line errors") {
    CHECK(error_of("x-carborane:9-F").find("unknown cage 'x-carborane'") != std::string::npos);
    CHECK(error_of("o-carborane:13-F").find("vertex 13 does not exist (o-carborane has vertices 1-12)") !=
          std::string::npos);
    CHECK(error_of("o-carborane:9-Xy").find("unknown substituent 'Xy'") != std::string::npos);
    CHECK(error_of("o-carborane:9,12-F3").find("gives 2 vertices for 3 groups") != std::string::npos);
    CHECK(error_of("o-carborane:9-F,9-Cl").find("vertex 9 is substituted twice") != std::string::npos);
    CHECK(error_of("o-carborane:9,12").find("without a group") != std::string::npos);
    CHECK(error_of("o-carborane:a-F").find("'a' is not a vertex number") != std::string::npos);
    CHECK(error_of("o-carborane:9-(CH3").find("unbalanced parenthesis") != std::string::npos);
    for (const auto& bad : {"x-carborane:9-F", "o-carborane:13-F", "o-carborane:9-Xy"})
      CHECK(error_of(bad).find('\n') == std::string::npos);
  }

  TEST_CASE("generator: canonical forms take the lowest locants") {
    CHECK(canonical(parse_derivative("o-carborane:12-F")).notation() == "o-carborane:9-F");
    CHECK(canonical(parse_derivative("o-carborane:6-F")).notation() == "o-carborane:3-F");
    CHECK(canonical(parse_derivative("o-carborane:11-F")).notation() == "o-carborane:4-F");
    CHECK(canonical(parse_derivative("o-carborane:10-F")).notation() == "o-carborane:8-F");
    CHECK(canonical(parse_derivative("o-carborane:2-CH3")).notation() == "o-carborane:1-CH3");
    CHECK(canonical(parse_derivative("m-carborane:12-F")).notation() == "m-carborane:5-F");
    CHECK(canonical(parse_derivative("p-carborane:11-F")).notation() == "p-carborane:2-F");
  }

  TEST_CASE("generator: counts of symmetry-distinct derivatives match hand counts") {
    // Hand counts (Burnside: distinct patterns = average over the group of the patterns each
    // operation leaves unchanged). Vertex permutations, from the numbering:
    //   o-carborane, C2v: σ(C1,C2,B9,B12 plane) = (3 6)(4 5)(7 11)(8 10), fixes 1 2 9 12;
    //     σ' = (1 2)(4 7)(5 11)(9 12), fixes 3 6 8 10; C2 = (1 2)(3 6)(4 11)(5 7)(8 10)(9 12).
    //   m-carborane, C2v: σ = (2 3)(4 6)(8 11)(9 10), fixes 1 5 7 12; σ' = (1 7)(5 12)(4 8)(6 11),
    //     fixes 2 3 9 10; C2 = (1 7)(5 12)(2 3)(4 11)(6 8)(9 10).
    //   p-carborane, D5d (20 operations): E; 4 rotations C5 fix 1, 12; 5 C2' and i swap 1/12 and
    //     pair the ring vertices; 4 S10 (1 12)(10-cycle); 5 σd fix 1, 12 and one vertex per ring.
    // Mono-substitution, one group, any vertex: orbits of vertices.
    //   o: {1,2} {3,6} {4,5,7,11} {8,10} {9,12} = 5 (B only: 4, as in the literature: B3/6,
    //      B4/5/7/11, B8/10, B9/12).
    //   m: {1,7} {2,3} {4,6,8,11} {5,12} {9,10} = 5 (B only: 4).   p: {1,12} {2..11} = 2 (B: 1).
    for (const auto& cage : {"o-carborane", "m-carborane"}) {
      CAPTURE(cage);
      CHECK(count(cage, {"F"}, 1) == 5);
      CHECK(count(cage, {"F"}, 1, Sites::Boron) == 4);
      CHECK(count(cage, {"F"}, 1, Sites::Carbon) == 1);
      // Two equal groups on any two of the 12 vertices: (66 + 6 [C2] + 10 [σ: C(4,2) + 4 pairs]
      // + 10 [σ']) / 4 = 23. On borons only (45 pairs): (45 + 5 + 5 + 9) / 4 = 16.
      CHECK(count(cage, {"F"}, 2) == 23);
      CHECK(count(cage, {"F"}, 2, Sites::Boron) == 16);
      // One F and one CH3 (132 ordered pairs of vertices): (132 + 0 + 12 + 12) / 4 = 39.
      CHECK(enumerate_derivatives(*find_cage(cage), {"F", "CH3"}, 2, 2).size() == 23 + 23 + 39);
      // The example: all mono- and di-substituted ones with F and CH3: 10 + 85.
      CHECK(enumerate_derivatives(*find_cage(cage), {"F", "CH3"}, 1, 2).size() == 95);
    }
    CHECK(count("p-carborane", {"F"}, 1) == 2);
    CHECK(count("p-carborane", {"F"}, 1, Sites::Boron) == 1);
    // p: (66 + 4·1 [C5: {1,12}] + 5·6 [C2'] + 6 [i] + 4·1 [S10] + 5·10 [σd]) / 20 = 8; directly:
    // C1C12; C+B adjacent or not (2); same ring ortho, meta (2); across rings 1,2 or 3 edges (3).
    CHECK(count("p-carborane", {"F"}, 2) == 8);
    // B only (45 pairs): (45 + 5·5 + 5 + 5·5) / 20 = 5.
    CHECK(count("p-carborane", {"F"}, 2, Sites::Boron) == 5);
    // F and CH3 (132 ordered pairs): (132 + 4·2 + 5·12) / 20 = 10.
    CHECK(enumerate_derivatives(*find_cage("p-carborane"), {"F", "CH3"}, 2, 2).size() == 8 + 8 + 10);
    // [B12H12]2−: one kind of vertex; pairs ortho, meta, para. [CB11H12]−: vertices 1, 2–6,
    // 7–11, 12. 1,6-C2B4H6: C or B; two B cis or trans. 1,10-C2B8H10: C or B.
    CHECK(count("b12h12", {"F"}, 1) == 1);
    CHECK(count("b12h12", {"F"}, 2) == 3);
    CHECK(count("cb11h12", {"F"}, 1) == 4);
    CHECK(count("1,6-c2b4h6", {"F"}, 1) == 2);
    CHECK(count("1,6-c2b4h6", {"F"}, 2, Sites::Boron) == 2);
    CHECK(count("1,10-c2b8h10", {"F"}, 1) == 2);
    // Zero groups: the parent alone; the parent is also what an empty substituent list gives.
    CHECK(count("o-carborane", {"F"}, 0) == 1);
  }

  TEST_CASE("generator: structures have the intended bonds and no clashes") {
    // Every mono-derivative of every cage with every group, plus crowded di-derivatives: the bond
    // graph from covalent radii is exactly cage + exo bonds + the groups' own bonds, and atoms of
    // different groups stay apart.
    std::vector<std::string> all;
    for (const auto& s : substituent_list())
      if (s.name != "H") all.push_back(s.name);
    std::vector<Derivative> cases;
    for (const auto& c : cage_templates())
      for (const auto& d : enumerate_derivatives(c, all, 1, 1)) cases.push_back(d);
    for (const auto& n : {"o-carborane:1,2-(C6H5)2", "o-carborane:1,2-(CF3)2", "o-carborane:3,6-(C6H5)2",
                          "o-carborane:8,9,10,12-(CH3)4", "m-carborane:1,7-(SH)2", "1,6-c2b4h6:2,3-(C6H5)2"})
      cases.push_back(parse_derivative(n));
    REQUIRE(cases.size() > 30);
    for (const auto& d : cases) {
      CAPTURE(d.notation());
      const Molecule mol = build_derivative(d);
      CHECK(bonds(mol).size() == expected_bonds(d));
      for (std::size_t i = 0; i < mol.atoms.size(); ++i)
        for (std::size_t j = 0; j < i; ++j) CHECK(distance(mol.atoms[i], mol.atoms[j]) > 0.9 * units::angstrom_in_bohr);
    }
    // A B–F bond along the exo direction of B9, at the tabulated length.
    const Molecule f = build_derivative(parse_derivative("o-carborane:9-F"));
    const auto fl = std::find_if(f.atoms.begin(), f.atoms.end(), [](const Atom& a) { return a.Z == 9; });
    REQUIRE(fl != f.atoms.end());
    CHECK(std::abs(distance(*fl, f.atoms[8]) * units::bohr_in_angstrom - 1.36) < 1e-9);
    CHECK(f.formula() == "C2H11B10F");
  }

  TEST_CASE("generator: resolve_input builds derivatives from their notation") {
    const Molecule mol = resolve_input("o-carborane:9,12-F2");
    CHECK(mol.name == "o-carborane:9,12-F2");
    CHECK(mol.formula() == "C2H10B10F2");
    CHECK(mol.multiplicity == 1);
    CHECK(resolve_input("b12h12:1-F").charge == -2);
    CHECK_THROWS_AS(resolve_input("o-carborane:13-F"), InputError);
  }
}
