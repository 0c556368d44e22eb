// Crystals: readers, spglib symmetry, cluster carving.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <sstream>

#include "check.hpp"
#include "cli_helpers.hpp"
#include "molecules/cluster.hpp"
#include "molecules/crystal.hpp"
#include "molecules/error.hpp"
#include "molecules/io.hpp"
#include "molecules/symmetry.hpp"
#include "molecules/units.hpp"
#include "scf/basis.hpp"
#include "scf/grid.hpp"
#include "workflows/qcschema.hpp"
#include "scf/scf.hpp"

using namespace cagescreen;
using namespace cagescreen::molecules;

namespace {

/// The same periodic structure with its atoms in random order and shifted by a fractional vector.
Crystal shuffled_and_shifted(Crystal c, unsigned seed, const Vec3& shift) {
  std::mt19937 rng(seed);
  std::shuffle(c.sites.begin(), c.sites.end(), rng);
  for (auto& s : c.sites)
    for (int k = 0; k < 3; ++k) s.frac[k] = s.frac[k] + shift[k] - std::floor(s.frac[k] + shift[k]);
  return c;
}

/// The same structure in another cell: new lattice rows = P · old rows (P integer, det ±1 keeps the
/// cell content; det n > 1 makes a supercell), atoms re-expressed in the new cell.
Crystal in_cell(const Crystal& c, const std::array<std::array<int, 3>, 3>& P) {
  Crystal out;
  out.name = c.name;
  out.source = c.source + " (transformed)";
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 3; ++k)
      out.cell[i][k] = P[i][0] * c.cell[0][k] + P[i][1] * c.cell[1][k] + P[i][2] * c.cell[2][k];
  const int det = P[0][0] * (P[1][1] * P[2][2] - P[1][2] * P[2][1]) - P[0][1] * (P[1][0] * P[2][2] - P[1][2] * P[2][0]) +
                  P[0][2] * (P[1][0] * P[2][1] - P[1][1] * P[2][0]);
  const int n = std::abs(det);
  for (const auto& s : c.sites)
    for (int a = -n; a <= n; ++a)
      for (int b = -n; b <= n; ++b)
        for (int d = -n; d <= n; ++d) {
          Vec3 f = out.fractional(c.cartesian({s.frac[0] + a, s.frac[1] + b, s.frac[2] + d}));
          bool inside = true;
          for (auto& x : f) {
            if (std::abs(x - std::round(x)) < 1e-9) x = std::round(x);
            inside = inside && x >= 0 && x < 1;
          }
          if (inside) out.sites.push_back({s.Z, f, s.label, 0});
        }
  return out;
}

/// The crystal rotated in space (Cartesian frame) by angle about a unit axis.
Crystal rotated(Crystal c, const Vec3& axis, double angle) {
  const double co = std::cos(angle), si = std::sin(angle);
  const auto& u = axis;
  const double R[3][3] = {{co + u[0] * u[0] * (1 - co), u[0] * u[1] * (1 - co) - u[2] * si, u[0] * u[2] * (1 - co) + u[1] * si},
                          {u[1] * u[0] * (1 - co) + u[2] * si, co + u[1] * u[1] * (1 - co), u[1] * u[2] * (1 - co) - u[0] * si},
                          {u[2] * u[0] * (1 - co) - u[1] * si, u[2] * u[1] * (1 - co) + u[0] * si, co + u[2] * u[2] * (1 - co)}};
  for (auto& row : c.cell) {
    const Vec3 r = row;
    for (int i = 0; i < 3; ++i) row[i] = R[i][0] * r[0] + R[i][1] * r[1] + R[i][2] * r[2];
  }
  return c;
}

/// Sorted interatomic distances per element pair: equal for two clusters that differ only by a
/// rotation and translation (and atom order).
std::map<std::pair<int, int>, std::vector<double>> distance_lists(const Molecule& m) {
  std::map<std::pair<int, int>, std::vector<double>> out;
  for (size_t i = 0; i < m.atoms.size(); ++i)
    for (size_t j = 0; j < i; ++j) {
      const auto& a = m.atoms[i];
      const auto& b = m.atoms[j];
      const double d = std::hypot(a.r[0] - b.r[0], a.r[1] - b.r[1], a.r[2] - b.r[2]);
      out[{std::min(a.Z, b.Z), std::max(a.Z, b.Z)}].push_back(d);
    }
  for (auto& [k, v] : out) std::sort(v.begin(), v.end());
  return out;
}

void check_congruent(const Molecule& a, const Molecule& b, const std::string& what) {
  INFO(what);
  REQUIRE(a.atoms.size() == b.atoms.size());
  CHECK(a.formula() == b.formula());
  CHECK(a.charge == b.charge);
  const auto da = distance_lists(a), db = distance_lists(b);
  REQUIRE(da.size() == db.size());
  double worst = 0;
  for (const auto& [k, v] : da) {
    REQUIRE(db.count(k));
    REQUIRE(db.at(k).size() == v.size());
    for (size_t i = 0; i < v.size(); ++i) worst = std::max(worst, std::abs(v[i] - db.at(k)[i]));
  }
  check_near(worst, 0.0, 1e-8, "largest difference of sorted interatomic distances, bohr");
}

/// The InputError message `f()` throws ("" when it throws none).
template <class F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string cif_error(const std::string& text) {
  return input_error([&] { parse_cif(text, "bad.cif"); });
}

std::string poscar_error(const std::string& text) {
  return input_error([&] { parse_poscar(text, "POSCAR"); });
}

const char* zno_cif_body = R"(_cell_length_a 3.2501
_cell_length_b 3.2501
_cell_length_c 5.2071
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 120
loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Zn1 0.333333 0.666667 0.0
O1 0.333333 0.666667 0.3817
)";

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("built-in crystals: spglib finds their space groups, also shuffled, shifted and in other cells") {
    // International Tables numbers of the literature structures (data/crystals/README.md).
    const std::map<std::string, std::pair<int, std::string>> expected{
        {"zno-wurtzite", {186, "P6_3mc"}}, {"znf2-rutile", {136, "P4_2/mnm"}}, {"zn(oh)2-epsilon", {19, "P2_12_12_1"}}};
    REQUIRE(builtin_crystals().size() == expected.size());
    const std::vector<std::array<std::array<int, 3>, 3>> cells{
        {{{1, 1, 0}, {0, 1, 0}, {0, 0, 1}}},   // oblique: a' = a + b
        {{{0, 1, 0}, {0, 0, 1}, {1, 0, 0}}},   // axes permuted (b, c, a): non-standard setting
        {{{1, 0, 1}, {0, -1, 0}, {1, 0, 0}}},  // a' = a + c, b' = -b, c' = a (det 1)
        {{{2, 0, 0}, {0, 1, 0}, {0, 0, 1}}},   // 2 × 1 × 1 supercell
    };
    for (const auto& b : builtin_crystals()) {
      const Crystal c = resolve_crystal(b.name);
      const auto& [number, symbol] = expected.at(b.name);
      INFO(b.name);
      const auto s = analyse_symmetry(c);
      CHECK(s.number == number);
      CHECK(s.international == symbol);
      // Same structure, atoms shuffled and shifted by an arbitrary vector.
      const auto moved = shuffled_and_shifted(c, 7, {0.137, -0.411, 0.29});
      CHECK(analyse_symmetry(moved).number == number);
      for (size_t k = 0; k < cells.size(); ++k) {
        INFO("cell transformation " << k);
        const Crystal t = in_cell(shuffled_and_shifted(c, 11 + k, {0.31, 0.05, -0.77}), cells[k]);
        const double ratio = t.volume() / c.volume();
        CHECK(t.sites.size() == static_cast<size_t>(std::lround(ratio)) * c.sites.size());
        const auto st = analyse_symmetry(rotated(t, {0.6, 0.0, 0.8}, 0.7));
        CHECK(st.number == number);
        CHECK(st.primitive.sites.size() == s.primitive.sites.size());
      }
    }
  }

  TEST_CASE("Wyckoff positions and site symmetries of the built-in crystals") {
    const auto zno = analyse_symmetry(resolve_crystal("zno"));
    REQUIRE(zno.wyckoff.size() == 4);
    for (size_t i = 0; i < 4; ++i) {
      CHECK(zno.wyckoff[i] == 'b');
      CHECK(zno.multiplicity[i] == 2);
      CHECK(zno.site_symmetry[i] == "3m.");
    }
    const auto znf2 = analyse_symmetry(resolve_crystal("znf2"));
    CHECK(znf2.wyckoff[0] == 'a');
    CHECK(znf2.site_symmetry[0] == "m.mm");
    CHECK(znf2.wyckoff[2] == 'f');
    CHECK(znf2.multiplicity[2] == 4);
    CHECK(schoenflies_of_point_group(znf2.point_group) == "D4h");
  }

  TEST_CASE("CIF symmetry by operations, Hall symbol, Hermann-Mauguin name or number gives the same cell") {
    const std::string head = "data_zno\n";
    const auto by_name = parse_cif(head + "_space_group_name_H-M_alt 'P 63 m c'\n" + zno_cif_body, "a.cif");
    const auto by_number = parse_cif(head + "_symmetry_Int_Tables_number 186\n" + zno_cif_body, "b.cif");
    const auto by_hall = parse_cif(head + "_space_group_name_Hall 'P 6c -2c'\n" + zno_cif_body, "c.cif");
    const auto by_ops = parse_cif(head + "loop_\n_symmetry_equiv_pos_as_xyz\n'x,y,z'\n'-y,x-y,z'\n'-x+y,-x,z'\n"
                                         "'-x,-y,z+1/2'\n'y,-x+y,1/2+z'\n'x-y,x,z+0.5'\n" + zno_cif_body, "d.cif");
    for (const auto* c : {&by_name, &by_number, &by_hall, &by_ops}) {
      INFO(c->source);
      CHECK(c->sites.size() == 4);
      CHECK(c->formula() == "O2Zn2");
      CHECK(analyse_symmetry(*c).number == 186);
    }
    // Hall symbols keep their spaces: 'P 32' is P3_2 (3 operations), 'P 3 2' is P312 (6) and
    // '-P 3 2"' is P-3m1 (12): a general position expands to that many atoms.
    const std::string trig = "_cell_length_a 8\n_cell_length_b 8\n_cell_length_c 9\n_cell_angle_alpha 90\n"
                             "_cell_angle_beta 90\n_cell_angle_gamma 120\nloop_\n_atom_site_label\n_atom_site_fract_x\n"
                             "_atom_site_fract_y\n_atom_site_fract_z\nNa1 0.12 0.37 0.19\n";
    CHECK(parse_cif(head + "_space_group_name_Hall 'P 32'\n" + trig, "e.cif").sites.size() == 3);
    CHECK(parse_cif(head + "_space_group_name_Hall 'P 3 2'\n" + trig, "f.cif").sites.size() == 6);
    CHECK(parse_cif(head + "_space_group_name_Hall '-P 3 2\"'\n" + trig, "g.cif").sites.size() == 12);
    // '?' means unknown: the next symmetry item is used; a leading data_global block is skipped.
    CHECK(parse_cif("data_global\n_journal_year 1989\n" + head + "_space_group_name_Hall ?\n_space_group_IT_number 186\n" +
                    zno_cif_body, "h.cif").sites.size() == 4);
    // A name resolves to spglib's first setting: hexagonal axes for R-3m. On a rhombohedral cell
    // that would invent atoms; the operations do not fit the cell's metric, so it is refused.
    const std::string rh = "data_x\n_space_group_name_H-M_alt 'R -3 m'\n_cell_length_a 4\n_cell_length_b 4\n"
                           "_cell_length_c 4\n_cell_angle_alpha 60\n_cell_angle_beta 60\n_cell_angle_gamma 60\n"
                           "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 0 0 0\n";
    CHECK(cif_error(rh).find("bad.cif:1: symmetry operation") == 0);
    CHECK(cif_error(rh).find("does not fit the cell") != std::string::npos);
    // A POSCAR written from spglib's primitive cell reads back to the same space group.
    const auto prim = analyse_symmetry(resolve_crystal("znf2")).primitive;
    const auto back = parse_poscar(write_poscar(prim), "POSCAR");
    CHECK(back.sites.size() == 6);
    CHECK(analyse_symmetry(back).number == 136);
    check_near(back.volume(), prim.volume(), 1e-6, "cell volume after a POSCAR round trip, bohr^3");
  }

  TEST_CASE("POSCAR: Direct and Cartesian coordinates, volume scale") {
    const std::string direct =
        "ZnO\n1.0\n 3.2501 0 0\n -1.62505 2.81467 0\n 0 0 5.2071\nZn O\n2 2\nDirect\n"
        "0.333333 0.666667 0\n0.666667 0.333333 0.5\n0.333333 0.666667 0.3817\n0.666667 0.333333 0.8817\n";
    const auto c = parse_poscar(direct, "POSCAR");
    CHECK(analyse_symmetry(c).number == 186);
    // Negative scale: the cell volume in Å³ (here the same cell).
    const double v = c.volume() * std::pow(units::bohr_in_angstrom, 3);
    std::string scaled = direct;
    scaled.replace(scaled.find("1.0\n"), 4, "-" + std::to_string(v) + "\n");
    check_near(parse_poscar(scaled, "POSCAR").volume(), c.volume(), 1e-3, "volume from a negative scale, bohr^3");
    // Cartesian, with selective dynamics flags.
    std::string cart = "ZnO\n1.0\n 3.2501 0 0\n -1.62505 2.81467 0\n 0 0 5.2071\nZn O\n2 2\nSelective dynamics\nCartesian\n";
    for (const auto& s : c.sites) {
      const auto r = c.cartesian(s.frac);
      cart += std::to_string(r[0] * units::bohr_in_angstrom) + " " + std::to_string(r[1] * units::bohr_in_angstrom) + " " +
              std::to_string(r[2] * units::bohr_in_angstrom) + " T T F\n";
    }
    CHECK(analyse_symmetry(parse_poscar(cart, "POSCAR")).number == 186);
  }

  TEST_CASE("malformed crystal files: one-line errors naming file and line") {
    const std::string cell = "_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n"
                             "_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_Int_Tables_number 1\n";
    const std::string sites = "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n";
    CHECK(cif_error("data_x\n" + cell + "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
                    "_atom_site_fract_z\n_atom_site_occupancy\nNa1 0 0 0 1\nCl1 0.5 0.5 0.5 0.6\n") ==
          "bad.cif:16: atom Cl1 has occupancy 0.6: partial occupancy (disorder) is not supported");
    CHECK(cif_error("data_x\n_cell_length_a 4\n_symmetry_Int_Tables_number 1\n" + sites + "Na1 0 0 0\n") ==
          "bad.cif: missing _cell_length_b (the cell is required)");
    CHECK(cif_error("data_x\n" + cell + sites + "Xx1 0 0 0\n") == "bad.cif:14: unknown element 'Xx1' (atom Xx1)");
    CHECK(cif_error("data_x\n" + cell + sites + "Na1 0 zero 0\n") ==
          "bad.cif:14: fractional y of Na1 is not a number: 'zero'");
    CHECK(cif_error("data_x\n" + cell + sites + "Na1 0 0\n") ==
          "bad.cif:14: loop_ starting on line 9 has 3 values for 4 columns (not a whole number of rows)");
    CHECK(cif_error("data_x\n" + cell +
                    "loop_\n_atom_site_label\n_atom_site_Cartn_x\n_atom_site_Cartn_y\n_atom_site_Cartn_z\nNa1 0 0 0\n") ==
          "bad.cif: atom sites are Cartesian (_atom_site_Cartn_x): only fractional coordinates are supported");
    CHECK(cif_error("data_x\n" + cell.substr(0, cell.find("_symmetry")) + sites + "Na1 0 0 0\n").find(
              "bad.cif:1: no symmetry given") == 0);
    CHECK(cif_error("data_x\n" + cell + sites + "Na1 0 0 0\nCl1 0.01 0 0\n") ==
          "bad.cif:15: atoms Na1 and Cl1 are 0.04 Angstrom apart in the crystal (closer than 0.5 Angstrom)");
    CHECK(cif_error("_cell_length_a 4\n") == "bad.cif:1: CIF item '_cell_length_a' before any data_ block");
    CHECK(cif_error("data_x\n" + cell + "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_z\nNa1 0 0\n") ==
          "bad.cif:13: the _atom_site_ loop has no _atom_site_fract_y");
    // One atom written as plain items (no loop_) is read.
    CHECK(parse_cif("data_x\n" + cell + "_atom_site_label Na1\n_atom_site_fract_x 0\n_atom_site_fract_y 0\n"
                    "_atom_site_fract_z 0\n", "one.cif").sites.size() == 1);
    CHECK(cif_error("data_x\n_space_group_name_H-M_alt 'P 7'\n" + cell + sites + "Na1 0 0 0\n") ==
          "bad.cif:2: unknown space-group name 'P 7'");
    CHECK(cif_error("data_x\n" + cell + "loop_\n_symmetry_equiv_pos_as_xyz\n'x,y,q'\n" + sites + "Na1 0 0 0\n") ==
          "bad.cif:11: cannot read symmetry operation 'x,y,q'");

    const std::string head = "NaCl\n1.0\n4 0 0\n0 4 0\n0 0 4\n";
    CHECK(poscar_error(head + "1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n") ==
          "POSCAR:6: expected element symbols (VASP 5 format); VASP 4 files without them are not supported");
    CHECK(poscar_error(head + "Na Cl\n1\nDirect\n0 0 0\n") == "POSCAR:7: expected 2 atom counts (one per element), got 1");
    CHECK(poscar_error(head + "Na Cl\n1 1\nDirect\n0 0 0\n") == "POSCAR:10: file ends before all 2 atoms are listed");
    CHECK(poscar_error(head + "Na Qq\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n") == "POSCAR:6: unknown element 'Qq'");
    CHECK(poscar_error("NaCl\n1.0\n4 0 0\n8 0 0\n0 0 4\nNa\n1\nDirect\n0 0 0\n") ==
          "POSCAR:5: lattice vectors are linearly dependent (zero cell volume)");
    // A skewed cell (c = 5a + a 1 Å rise): Cl sits 0.41 Å from Na, but two cells along a away
    // from the fractional minimum image.
    CHECK(poscar_error("skew\n1.0\n4 0 0\n0 4 0\n20 0 1\nNa Cl\n1 1\nCartesian\n0 0 0\n0.1 0 0.4\n")
              .find("POSCAR:10: atoms Na1 and Cl1 are 0.412 Angstrom apart") == 0);
    CHECK(poscar_error(head + "Na Cl\n1 1\nFractional\n0 0 0\n0.5 0.5 0.5\n") ==
          "POSCAR:8: expected 'Direct' or 'Cartesian', got 'Fractional'");
  }

  TEST_CASE("clusters: stoichiometric (ZnO)n and (ZnF2)n keep the site symmetry") {
    const auto zno = resolve_crystal("zno");
    // Zn-centred wurtzite cuts. Hand count at 2 Å: Zn + 4 O (charge -6). Moves nearest the sphere
    // surface that bring the charge closer to 0: remove the axial O (1.988 Å; -4), remove the
    // three basal O (1.975 Å; +2), add the axial O back (0): ZnO along c. Larger radii give
    // (ZnO)7, (ZnO)13 and (ZnO)19.
    const std::vector<std::pair<double, int>> zno_sizes{{2.0, 1}, {3.3, 7}, {4.0, 13}, {5.0, 19}};
    for (const auto& [r, n] : zno_sizes) {
      ClusterOptions o;
      o.radius_angstrom = r;
      o.stoichiometric = true;
      const auto cl = carve_cluster(zno, o);
      INFO("radius " << r);
      CHECK(cl.molecule.formula() == (n == 1 ? std::string("OZn") : "O" + std::to_string(n) + "Zn" + std::to_string(n)));
      CHECK(cl.molecule.charge == 0);
      CHECK(cl.point_group == "C3v");
      CHECK(cl.site_symmetry == "3m.");
    }
    ClusterOptions o;
    o.radius_angstrom = 4.0;
    o.stoichiometric = true;
    const auto znf2 = carve_cluster(resolve_crystal("znf2"), o);
    CHECK(znf2.molecule.formula() == "F22Zn11");
    CHECK(znf2.point_group == "D2h");
    // Without --stoichiometric: every whole unit within the radius, formal charge as it falls.
    o.stoichiometric = false;
    const auto raw = carve_cluster(zno, o);
    CHECK(raw.molecule.formula() == "O14Zn13");
    CHECK(raw.molecule.charge == -2);
    // Hydroxide units stay whole (O–H never cut); charge-neutral Zn(OH)2 cluster.
    o.stoichiometric = true;
    const auto hydroxide = carve_cluster(resolve_crystal("zn(oh)2"), o);
    const auto f = hydroxide.molecule.formula();
    CHECK(hydroxide.molecule.charge == 0);
    int nh = 0, no = 0, nzn = 0;
    for (const auto& a : hydroxide.molecule.atoms) (a.Z == 1 ? nh : a.Z == 8 ? no : nzn)++;
    CHECK(nh == no);
    CHECK(no == 2 * nzn);
  }

  TEST_CASE("clusters: caps, centres and refusals") {
    const auto zno = resolve_crystal("zno");
    ClusterOptions o;
    o.radius_angstrom = 2.0;
    o.terminate = Termination::hydrogen;  // Zn + 4 O: each O caps 3 cut Zn–O bonds with H
    auto cl = carve_cluster(zno, o);
    CHECK(cl.caps == 12);
    CHECK(cl.molecule.formula() == "H12O4Zn");
    CHECK(cl.molecule.charge == 2 - 8 + 12);
    double oh = 1e9;
    for (const auto& a : cl.molecule.atoms)
      if (a.Z == 1)
        for (const auto& b : cl.molecule.atoms)
          if (b.Z == 8) oh = std::min(oh, std::hypot(a.r[0] - b.r[0], a.r[1] - b.r[1], a.r[2] - b.r[2]));
    check_near(oh * units::bohr_in_angstrom, 0.97, 1e-9, "O-H cap length, Angstrom");
    o.terminate = Termination::hydroxyl;
    o.stoichiometric = true;
    o.radius_angstrom = 3.3;
    cl = carve_cluster(zno, o);
    CHECK(cl.molecule.charge == 0);
    CHECK(cl.formal_charge == 0);
    CHECK(cl.caps > 0);
    double closest = 1e9;  // caps never crowd: one OH per missing O, shared by its Zn neighbours
    for (size_t i = 0; i < cl.molecule.atoms.size(); ++i)
      for (size_t j = 0; j < i; ++j) {
        const auto& a = cl.molecule.atoms[i].r;
        const auto& b = cl.molecule.atoms[j].r;
        closest = std::min(closest, std::hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]));
      }
    CHECK(closest * units::bohr_in_angstrom > 0.96);
    // A centre between atoms: the midpoint of the Zn–O bond along c keeps 3m.
    o = ClusterOptions{};
    o.center = "0.333333,0.666667,0.19085";
    o.radius_angstrom = 3.0;
    cl = carve_cluster(zno, o);
    CHECK(cl.site_symmetry == "3m");
    CHECK(cl.point_group == "C3v");
    // Rock-salt LiF: Li-Li contacts (2.85 Å) are within 1.2 x the covalent radii but are not bonds:
    // around Li within 2.1 Å (Li + 6 F), H caps go only on the 6 x 5 cut F-Li bonds.
    const auto lif = parse_cif("data_lif\n_space_group_name_H-M_alt 'F m -3 m'\n_cell_length_a 4.03\n"
                               "_cell_length_b 4.03\n_cell_length_c 4.03\n_cell_angle_alpha 90\n_cell_angle_beta 90\n"
                               "_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
                               "_atom_site_fract_z\nLi1 0 0 0\nF1 0.5 0.5 0.5\n",
                               "lif.cif");
    o = ClusterOptions{};
    o.radius_angstrom = 2.1;
    o.terminate = Termination::hydrogen;
    const auto lif_cut = carve_cluster(lif, o);
    CHECK(lif_cut.molecule.formula() == "F6H30Li");
    CHECK(lif_cut.molecule.charge == 1 - 6 + 30);
    CHECK(lif_cut.point_group == "Oh");
    // A centre outside the home cell is the same point of the lattice.
    o = ClusterOptions{};
    o.center = "7.333333,0.666667,-2.80915";
    o.radius_angstrom = 3.5;
    o.stoichiometric = true;
    const auto far = carve_cluster(zno, o);
    o.center = "0.333333,0.666667,0.19085";
    check_congruent(far.molecule, carve_cluster(zno, o).molecule, "centre shifted by lattice vectors");
    // Refusals.
    auto error_of = [&](const ClusterOptions& opt) { return input_error([&] { carve_cluster(zno, opt); }); };
    o = ClusterOptions{};
    o.stoichiometric = true;
    o.charge = 1;  // Zn2+ and O2- units: only even charges exist
    CHECK(error_of(o).find("has charge 1 (closest: ") != std::string::npos);
    o = ClusterOptions{};
    o.radius_angstrom = 0;
    CHECK(error_of(o).find("cluster radius 0.000 Angstrom must be in (0, 30]") != std::string::npos);
    o.radius_angstrom = 3;
    o.center = "Cl";
    CHECK(error_of(o).find("centre 'Cl' is not an atom number, a site label, a Wyckoff position or an element") !=
          std::string::npos);
    o.center = "2b";  // Wyckoff position: the first Zn
    CHECK(carve_cluster(zno, o).center.find("Zn1 (atom 1, Wyckoff 2b") == 0);
    o.center = "0.5,0.5,0.5";
    o.radius_angstrom = 0.5;
    CHECK(error_of(o).find("no atom lies within 0.500 Angstrom of the centre") != std::string::npos);
  }

  TEST_CASE("pseudo-atoms: nuclear charges survive XYZ and QCSchema round trips; whole electron counts only") {
    ClusterOptions o;
    o.radius_angstrom = 2.0;
    o.stoichiometric = true;
    o.terminate = Termination::pseudo;
    // Zn + 4 O with 12 pseudo-H of charge 2/4 on the O (their Zn missing): formal charge
    // 2 - 8 + 12 x 2/4 = 0, so the stoichiometric search keeps the whole ZnO4 tetrahedron.
    const auto cl = carve_cluster(resolve_crystal("zno"), o);
    CHECK(cl.caps == 12);
    CHECK(cl.molecule.formula() == "H12O4Zn");
    CHECK(cl.molecule.charge == 0);
    CHECK(cl.molecule.n_electrons() == 30 + 32 + 6);
    // Without --stoichiometric the formal charge counts the caps' shares too.
    o.stoichiometric = false;
    o.center = "0.333333,0.666667,0.19085";
    o.radius_angstrom = 1.0;
    const auto unit = carve_cluster(resolve_crystal("zno"), o);
    CHECK(unit.molecule.formula() == "H6OZn");
    CHECK(unit.formal_charge == 0);
    std::ostringstream xyz;
    write_xyz(cl.molecule, xyz);
    const auto back = parse_xyz(xyz.str(), "c.xyz");
    const auto json = parse_qcschema_molecule(workflows::qcschema_molecule(cl.molecule).dump(), "c.json");
    for (size_t i = 0; i < cl.molecule.atoms.size(); ++i) {
      CHECK(back.atoms[i].charge() == cl.molecule.atoms[i].charge());
      CHECK(json.atoms[i].charge() == cl.molecule.atoms[i].charge());
    }
    check_near(cl.molecule.nuclear_repulsion(), back.nuclear_repulsion(), 1e-8, "nuclear repulsion after XYZ");
    // A lone pseudo-H of charge 0.5 leaves half an electron: refused.
    auto error = [](const std::string& text) {
      return input_error([&] {
        auto m = parse_xyz(text, "p.xyz");
        finalize_spin(m, "p.xyz");
      });
    };
    CHECK(error("2\npseudo_charges=2:0.5\nH 0 0 0\nH 0 0 0.74\n") ==
          "p.xyz: the nuclear charges (pseudo-atoms included) sum to 1.5, which leaves no whole number of electrons");
    CHECK(error("2\npseudo_charges=3:0.5\nH 0 0 0\nH 0 0 0.74\n") == "p.xyz:2: pseudo_charges: atom 3 does not exist");
    CHECK(error("2\npseudo_charges=1-0.5\nH 0 0 0\nH 0 0 0.74\n") ==
          "p.xyz:2: pseudo_charges: expected ATOM:CHARGE, got '1-0.5'");
    CHECK(error("2\npseudo_charges=1:1.5,2:0.5\nH 0 0 0\nH 0 0 0.74\n").empty());
  }

  TEST_CASE("clusters cut from a rotated, translated and reordered crystal are the same up to rotation and translation") {
    struct Case {
      std::string crystal, center;
      double radius;
      bool stoichiometric;
      Termination terminate;
    };
    const std::vector<Case> cases{{"zno", "Zn1", 5.0, true, Termination::none},
                                  {"zno", "0.333333,0.666667,0.19085", 4.5, false, Termination::hydrogen},
                                  {"znf2", "F1", 4.0, true, Termination::none},
                                  {"zn(oh)2", "Zn1", 4.0, true, Termination::hydroxyl}};
    for (const auto& k : cases) {
      const Crystal c = resolve_crystal(k.crystal);
      // Rotation about an oblique axis; translation by a fractional shift of every atom (the
      // fractional centre moves with it).
      const Vec3 shift{0.21, -0.37, 0.44};
      // ... and the atoms listed in another order (the centre by label is then another, equivalent
      // copy of the site).
      Crystal moved = shuffled_and_shifted(rotated(c, {2.0 / 3, -2.0 / 3, 1.0 / 3}, 1.1), 5, shift);
      ClusterOptions o;
      o.center = k.center;
      o.radius_angstrom = k.radius;
      o.stoichiometric = k.stoichiometric;
      o.terminate = k.terminate;
      const auto a = carve_cluster(c, o);
      if (k.center.find(',') != std::string::npos) {
        std::array<double, 3> f{};
        sscanf(k.center.c_str(), "%lf,%lf,%lf", &f[0], &f[1], &f[2]);
        char buf[100];
        snprintf(buf, sizeof buf, "%.9f,%.9f,%.9f", f[0] + shift[0], f[1] + shift[1], f[2] + shift[2]);
        o.center = buf;
      }
      const auto b = carve_cluster(moved, o);
      check_congruent(a.molecule, b.molecule, k.crystal + " around " + k.center + ": " + a.comment() + " / " + b.comment());
      CHECK(a.point_group == b.point_group);
    }
  }
}

TEST_SUITE("cli") {
  TEST_CASE("crystal and cluster commands") {
    auto r = cli("crystal zno");
    CHECK(r.code == 0);
    CHECK(r.output.find("space group: P6_3mc (No. 186)") != std::string::npos);
    r = cli("crystal --list");
    CHECK(r.code == 0);
    CHECK(r.output.find("znf2-rutile") != std::string::npos);
    const auto dir = scratch("crystal_cli");
    r = cli("crystal znf2 --json " + (dir / "s.json").string() + " --primitive " + (dir / "POSCAR").string());
    CHECK(r.code == 0);
    r = cli("crystal " + (dir / "POSCAR").string());
    CHECK(r.code == 0);
    CHECK(r.output.find("P4_2/mnm (No. 136)") != std::string::npos);
    r = cli("crystal no-such-crystal");
    CHECK(r.code == 2);
    CHECK(r.output.find("no-such-crystal: no such file and not a built-in crystal") != std::string::npos);
    const auto xyz = (dir / "znf2.xyz").string();
    r = cli("cluster znf2 --radius 3 --stoichiometric -o " + xyz);
    CHECK(r.code == 0);
    CHECK(r.output.find("cluster: F6Zn3, 9 atoms") != std::string::npos);
    // The cluster file is an ordinary input: read back with its charge from the comment line.
    const auto mol = read_molecule_file(xyz);
    CHECK(mol.atoms.size() == 9);
    CHECK(mol.charge == 0);
    r = cli("cluster zno --terminate capped");
    CHECK(r.code == 2);
    CHECK(r.output.find("--terminate 'capped': use none, h, oh or pseudo") != std::string::npos);
    // Pseudo-hydrogens on ZnF2 (F has 3 neighbours: 7/3 e per cap) leave no whole electron count.
    r = cli("cluster znf2 --radius 3 --stoichiometric --terminate pseudo");
    CHECK(r.code == 2);
    CHECK(r.output.find("pseudo-hydrogens need two-electron bonds, but a F-Zn bond holds 2.667 electrons") !=
          std::string::npos);
    r = cli("cluster zno --stoichiometric --charge 3");
    CHECK(r.code == 2);
  }
}

TEST_SUITE("regression.clusters") {
  TEST_CASE("clusters: pseudo-hydrogen capped ZnO against NWChem") {
    // The cluster `cagescreen cluster zno --center 0.333333,0.666667,0.19085 --radius 1 --terminate pseudo`:
    // Zn + O along c, three pseudo-H (charge 6/4 = 1.5) on Zn's cut bonds and three (2/4 = 0.5) on
    // O's. Reference: NWChem 7.0.2, RHF/def2-SVP (library, spherical), thresh 1e-9, tol2e 1e-14,
    // noautosym, nuclear charges by the `charge` keyword; input and output in
    // tests/reference/clusters/nwchem/zno_pseudo_hf.*.
    // (The file was written with the Zn at the origin; today's equivalent cut is centred on the
    // Zn-O bond midpoint: compare positions relative to the Zn.)
    ClusterOptions o;
    o.center = "0.333333,0.666667,0.19085";
    o.radius_angstrom = 1.0;
    o.terminate = Termination::pseudo;
    const auto cl = carve_cluster(resolve_crystal("zno"), o);
    const auto file = read_molecule_file(std::string(CAGESCREEN_TEST_REFERENCE) + "/clusters/zno_pseudo.xyz");
    REQUIRE(cl.molecule.atoms.size() == 8);
    REQUIRE(file.atoms.size() == 8);
    double charges = 0;
    for (size_t i = 0; i < 8; ++i) {
      CHECK(file.atoms[i].charge() == cl.molecule.atoms[i].charge());
      for (int k = 0; k < 3; ++k)
        check_near(file.atoms[i].r[k] - file.atoms[0].r[k], cl.molecule.atoms[i].r[k] - cl.molecule.atoms[0].r[k], 1e-6,
                   "position relative to Zn, bohr");
      charges += file.atoms[i].charge();
    }
    check_near(charges, 30 + 8 + 3 * 1.5 + 3 * 0.5, 1e-12, "nuclear charges");
    CHECK(file.n_electrons() == 44);
    scf::ScfSettings s;
    s.e_convergence = 1e-10;
    s.d_convergence = 1e-8;
    const auto wfn = scf::run_scf(file, scf::build_basis(file, "def2-svp"), s);
    REQUIRE(wfn.convergence.converged);
    CHECK(wfn.basis.nbf == 75);
    check_near(wfn.energies.total, -1857.136755357037, 1e-6, "RHF energy, Eh (NWChem 7.0.2)");
    check_near(wfn.alpha.energies(21), -5.009140e-01, 2e-6, "HOMO, Eh (NWChem vector 22)");
    check_near(wfn.alpha.energies(22), 1.196911e-01, 2e-6, "LUMO, Eh (NWChem vector 23)");
    check_near(wfn.alpha.energies(17), -5.959039e-01, 2e-6, "orbital 18, Eh");
  }
}

TEST_SUITE("regression.clusters") {
  TEST_CASE("clusters: bare ZnO and ZnF2 cuts at B3LYP/def2-SVP against psi4") {
    // Reference: psi4 1.3.2 (Debian), RKS B3LYP/def2-SVP (spherical), scf_type pk, e/d_convergence
    // 1e-10/1e-8, 99 x 590 grid (cagescreen `fine`), symmetry c1, no_com/no_reorient, geometries
    // tests/reference/clusters/NAME.xyz (psi4 converts Angstrom with CODATA 2014: < 5e-10 Eh).
    // ZnF2 needed RHF orbitals as psi4's guess (from SAD its SCF oscillates); cagescreen converges
    // from SAD. Inputs, outputs, attempts: tests/reference/clusters/psi4/ (references.json).
    struct Case {
      const char* file;
      const char* crystal;
      const char* center;
      double radius;
      int nbf;
      double energy, homo, lumo;
    };
    const Case cases[] = {
        {"znf2", "znf2", "F1", 2.1, 59, -1978.70720007717, -0.328527068323, -0.127444555441},
        {"zno2", "zno", "0.5,0.5,0.19", 1.9, 90, -3708.519169768049, -0.198757829968, -0.159208819921},
        {"zno4", "zno", "0.5,0.5,0.19", 2.7, 180, -7417.318835327491, -0.192937649562, -0.142773165078},
    };
    for (const auto& c : cases) {
      INFO(c.file);
      // The reference geometry is what `cagescreen cluster` cuts today.
      ClusterOptions o;
      o.center = c.center;
      o.radius_angstrom = c.radius;
      o.stoichiometric = true;
      const auto cut = carve_cluster(resolve_crystal(c.crystal), o).molecule;
      const auto mol = read_molecule_file(std::string(CAGESCREEN_TEST_REFERENCE) + "/clusters/" + c.file + ".xyz");
      REQUIRE(cut.atoms.size() == mol.atoms.size());
      for (size_t i = 0; i < mol.atoms.size(); ++i)
        for (int k = 0; k < 3; ++k) check_near(mol.atoms[i].r[k], cut.atoms[i].r[k], 1e-8, "atom position, bohr");
      scf::ScfSettings s;
      s.e_convergence = 1e-10;
      s.d_convergence = 1e-8;
      s.max_iterations = 200;
      s.functional = scf::Functional::from_name("b3lyp");
      s.scf_type = scf::ScfType::Conventional;  // as the psi4 (pk) references
      s.grid = scf::parse_grid("fine");
      const auto wfn = scf::run_scf(mol, scf::build_basis(mol, "def2-svp"), s);
      REQUIRE(wfn.convergence.converged);
      CHECK(wfn.basis.nbf == c.nbf);
      const int homo = wfn.alpha.n_occupied - 1;
      check_near(wfn.energies.total, c.energy, 2e-5, "B3LYP energy, Eh (psi4 1.3.2)");
      check_near(wfn.alpha.energies(homo), c.homo, 2e-5, "HOMO, Eh (psi4 1.3.2)");
      check_near(wfn.alpha.energies(homo + 1), c.lumo, 2e-5, "LUMO, Eh (psi4 1.3.2)");
    }
  }
}
