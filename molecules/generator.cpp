#include "molecules/generator.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <set>

#include "molecules/data_dir.hpp"
#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/parse.hpp"
#include "molecules/io.hpp"
#include "molecules/text.hpp"
#include "molecules/units.hpp"

namespace cagescreen::molecules {

namespace {

using Vec = std::array<double, 3>;
constexpr double pi = 3.14159265358979323846;

Vec operator+(Vec a, const Vec& b) { return {a[0] + b[0], a[1] + b[1], a[2] + b[2]}; }
Vec operator-(Vec a, const Vec& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
Vec operator*(double s, Vec a) { return {s * a[0], s * a[1], s * a[2]}; }
double dot(const Vec& a, const Vec& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vec cross(const Vec& a, const Vec& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double norm(const Vec& a) { return std::sqrt(dot(a, a)); }
Vec unit(const Vec& a) { return (1.0 / norm(a)) * a; }

// ---------------------------------------------------------------------------------------------
// Polyhedra with literature numbering, unit edge length. Vertex 1 is the upper apex; the rings
// follow, each counter-clockwise seen from vertex 1; the first vertex of a lower ring sits
// between the first two of the ring above (icosahedron: B7 bridges 2 and 3, B11 bridges 6 and 2).

// A ring of n vertices at height z and radius r, the first at angle phase (radians).
void ring(std::vector<Vec>& v, int n, double r, double z, double phase) {
  for (int k = 0; k < n; ++k) {
    const double a = phase + 2.0 * pi * k / n;
    v.push_back({r * std::cos(a), r * std::sin(a), z});
  }
}

std::vector<Vec> scaled_to_unit_edge(std::vector<Vec> v) {
  double e = HUGE_VAL;
  for (std::size_t i = 0; i < v.size(); ++i)
    for (std::size_t j = 0; j < i; ++j) e = std::min(e, norm(v[i] - v[j]));
  for (auto& p : v) p = (1.0 / e) * p;
  return v;
}

std::vector<Vec> icosahedron() {  // 1; 2–6; 7–11; 12
  std::vector<Vec> v{{0, 0, std::sqrt(5.0) / 2}};
  ring(v, 5, 1.0, 0.5, 0.0);
  ring(v, 5, 1.0, -0.5, pi / 5);
  v.push_back({0, 0, -std::sqrt(5.0) / 2});
  return scaled_to_unit_edge(v);
}

std::vector<Vec> bicapped_square_antiprism() {  // 1; 2–5; 6–9; 10
  const double r = 1.0 / std::sqrt(2.0);  // square of unit side
  // Antiprism height h: slant edge² = h² + r²(2 − 2 cos 45°) = 1; apex height above its square:
  // apex edge² = H² + r² = 1.
  const double h = std::sqrt(1.0 - r * r * (2.0 - std::sqrt(2.0)));
  const double H = std::sqrt(1.0 - r * r);
  std::vector<Vec> v{{0, 0, h / 2 + H}};
  ring(v, 4, r, h / 2, 0.0);
  ring(v, 4, r, -h / 2, pi / 4);
  v.push_back({0, 0, -h / 2 - H});
  return scaled_to_unit_edge(v);
}

std::vector<Vec> octahedron() {  // 1; 2–5; 6
  std::vector<Vec> v{{0, 0, 1}};
  ring(v, 4, 1.0, 0.0, 0.0);
  v.push_back({0, 0, -1});
  return scaled_to_unit_edge(v);
}

// Edges: pairs closer than 1.2 × the shortest distance.
std::vector<std::vector<int>> edges_of(const std::vector<Vec>& v, double max_distance = 0.0) {
  const int n = static_cast<int>(v.size());
  double e = HUGE_VAL;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < i; ++j) e = std::min(e, norm(v[i] - v[j]));
  const double cut = max_distance > 0 ? max_distance : 1.2 * e;
  std::vector<std::vector<int>> nb(n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      if (i != j && norm(v[i] - v[j]) < cut) nb[i].push_back(j);
  return nb;
}

// All vertex maps f: graph A → graph B (f[a] = b) that preserve adjacency and colour, found by
// backtracking in vertex order; stops after the first when first_only.
std::vector<std::vector<int>> isomorphisms(const std::vector<std::vector<int>>& A, const std::vector<int>& ca,
                                           const std::vector<std::vector<int>>& B, const std::vector<int>& cb,
                                           bool first_only) {
  const int n = static_cast<int>(A.size());
  std::vector<std::vector<int>> found;
  if (static_cast<int>(B.size()) != n) return found;
  std::vector<std::vector<char>> adjB(n, std::vector<char>(n, 0));
  for (int i = 0; i < n; ++i)
    for (int j : B[i]) adjB[i][j] = 1;
  std::vector<int> f(n, -1);
  std::vector<char> used(n, 0);
  std::function<void(int)> extend = [&](int a) {
    if (first_only && !found.empty()) return;
    if (a == n) {
      found.push_back(f);
      return;
    }
    for (int b = 0; b < n; ++b) {
      if (used[b] || ca[a] != cb[b] || A[a].size() != B[b].size()) continue;
      bool ok = true;
      for (int x = 0; x < a && ok; ++x) {
        const bool ea = std::find(A[a].begin(), A[a].end(), x) != A[a].end();
        ok = ea == bool(adjB[b][f[x]]);
      }
      if (!ok) continue;
      f[a] = b;
      used[b] = 1;
      extend(a + 1);
      used[b] = 0;
      f[a] = -1;
    }
  };
  extend(0);
  return found;
}

struct CageSpec {
  std::string name;
  std::vector<std::string> aliases;
  std::string parent;
  int charge;
  std::vector<Vec> (*polyhedron)();
  std::vector<int> carbons;  // 1-based locants
  std::string file;          // geometry under data/geometries ("" for the ideal polyhedron)
  double edge_angstrom;      // edge of the ideal polyhedron
};

// B–H and C–H of the ideal cages (Å).
constexpr double bh_angstrom = 1.19, ch_angstrom = 1.08;

Cage make_cage(const CageSpec& s) {
  Cage c;
  c.name = s.name;
  c.aliases = s.aliases;
  c.parent = s.parent;
  c.charge = s.charge;
  const std::vector<Vec> ideal = s.polyhedron();
  const int n = static_cast<int>(ideal.size());
  c.Z.assign(n, 5);
  for (int k : s.carbons) c.Z[k - 1] = 6;
  c.neighbours = edges_of(ideal);
  if (s.file.empty()) {
    c.geometry = "ideal polyhedron, edge " + std::to_string(s.edge_angstrom).substr(0, 4) + " Å";
    Vec centre{};
    for (const auto& p : ideal) centre = centre + (1.0 / n) * p;
    for (int v = 0; v < n; ++v) {
      c.position.push_back((s.edge_angstrom * units::angstrom_in_bohr) * (ideal[v] - centre));
      c.exo.push_back(unit(ideal[v] - centre));
      c.exo_h.push_back((c.Z[v] == 6 ? ch_angstrom : bh_angstrom) * units::angstrom_in_bohr);
    }
  } else {
    // A computed minimum: map its cage atoms onto the numbered polyhedron through a graph
    // isomorphism that keeps every carbon on a carbon locant (any of them: they differ by a
    // symmetry operation of the cage).
    const std::string path = data_dir() + "/geometries/" + s.file;
    const Molecule mol = read_molecule_unchecked(path);
    std::vector<int> cage_atoms, hydrogens;
    for (int i = 0; i < static_cast<int>(mol.atoms.size()); ++i)
      (mol.atoms[i].Z == 1 ? hydrogens : cage_atoms).push_back(i);
    std::vector<Vec> pos;
    std::vector<int> colour;
    for (int i : cage_atoms) {
      pos.push_back(mol.atoms[i].r);
      colour.push_back(mol.atoms[i].Z);
    }
    const auto graph = edges_of(pos, 2.1 * units::angstrom_in_bohr);
    const auto maps = isomorphisms(c.neighbours, c.Z, graph, colour, true);
    if (maps.empty() || hydrogens.size() != cage_atoms.size())
      throw InputError(path + ": not a closo cage with one H per vertex matching " + s.name);
    c.geometry = s.file;
    for (int v = 0; v < n; ++v) {
      const Vec r = pos[maps[0][v]];
      int h = hydrogens[0];
      for (int i : hydrogens)
        if (norm(mol.atoms[i].r - r) < norm(mol.atoms[h].r - r)) h = i;
      c.position.push_back(r);
      c.exo.push_back(unit(mol.atoms[h].r - r));
      c.exo_h.push_back(norm(mol.atoms[h].r - r));
    }
  }
  c.symmetry = isomorphisms(c.neighbours, c.Z, c.neighbours, c.Z, false);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Substituents. Geometry in a local frame: the anchor atom at the origin, x along the exo bond
// (away from the cage), y a reference direction perpendicular to it; Angstrom.
struct GroupGeometry {
  Substituent info;
  double bond_to_boron, bond_to_carbon;  // vertex–anchor distance, Å
  std::vector<std::pair<int, Vec>> atoms;  // (Z, local position), anchor first
};

// A tetrahedral-like fan of three atoms at distance d, angle `angle_deg` (vertex–anchor–atom).
std::vector<std::pair<int, Vec>> fan3(int anchor, int Z, double d, double angle_deg) {
  const double t = (180.0 - angle_deg) * pi / 180.0;
  std::vector<std::pair<int, Vec>> a{{anchor, {0, 0, 0}}};
  for (int k = 0; k < 3; ++k) {
    const double phi = (60.0 + 120.0 * k) * pi / 180.0;
    a.push_back({Z, {d * std::cos(t), d * std::sin(t) * std::cos(phi), d * std::sin(t) * std::sin(phi)}});
  }
  return a;
}

// One atom bent away from the bond axis by (180° − angle) in the x–y plane.
Vec bent(double d, double angle_deg, double phi_deg = 0.0) {
  const double t = (180.0 - angle_deg) * pi / 180.0, phi = phi_deg * pi / 180.0;
  return {d * std::cos(t), d * std::sin(t) * std::cos(phi), d * std::sin(t) * std::sin(phi)};
}

std::vector<std::pair<int, Vec>> phenyl() {
  // Ring in the x–y plane, centre 1.39 Å beyond the ipso carbon; C–C 1.39 Å, C–H 1.08 Å.
  const double rc = 1.39, ch = 1.08;
  std::vector<std::pair<int, Vec>> a;
  for (int k = 0; k < 6; ++k) {
    const double t = pi + k * pi / 3.0;
    a.push_back({6, {rc + rc * std::cos(t), rc * std::sin(t), 0}});
  }
  for (int k = 1; k < 6; ++k) {
    const double t = pi + k * pi / 3.0;
    a.push_back({1, {rc + (rc + ch) * std::cos(t), (rc + ch) * std::sin(t), 0}});
  }
  return a;
}

// Bond lengths: typical values of B- and C-substituted carboranes (X-ray and gas-phase
// structures, rounded to 0.01 Å); the optimiser refines them.
const std::vector<GroupGeometry>& groups() {
  static const std::vector<GroupGeometry> list{
      {{"H", {"hydrogen"}, "", false}, 1.19, 1.08, {{1, {0, 0, 0}}}},
      {{"F", {"fluoro", "fluorine"}, "fluoro", false}, 1.36, 1.34, {{9, {0, 0, 0}}}},
      {{"Cl", {"chloro", "chlorine"}, "chloro", false}, 1.79, 1.76, {{17, {0, 0, 0}}}},
      {{"Br", {"bromo", "bromine"}, "bromo", false}, 1.96, 1.93, {{35, {0, 0, 0}}}},
      {{"CH3", {"me", "methyl"}, "methyl", false}, 1.59, 1.52, fan3(6, 1, 1.09, 110.5)},
      {{"CF3", {"trifluoromethyl"}, "trifluoromethyl", true}, 1.60, 1.53, fan3(6, 9, 1.34, 111.0)},
      {{"OH", {"hydroxy"}, "hydroxy", false}, 1.36, 1.37, {{8, {0, 0, 0}}, {1, bent(0.96, 113.0)}}},
      {{"NH2", {"amino"}, "amino", false},
       1.40,
       1.41,
       {{7, {0, 0, 0}}, {1, bent(1.01, 118.0, 90.0)}, {1, bent(1.01, 118.0, 270.0)}}},
      {{"CN", {"cyano"}, "cyano", false}, 1.55, 1.44, {{6, {0, 0, 0}}, {7, {1.16, 0, 0}}}},
      {{"SH", {"sulfanyl", "mercapto"}, "sulfanyl", false}, 1.92, 1.78, {{16, {0, 0, 0}}, {1, bent(1.34, 97.0)}}},
      {{"C6H5", {"ph", "phenyl"}, "phenyl", false}, 1.58, 1.51, phenyl()},
  };
  return list;
}

const GroupGeometry& group(const std::string& name) {
  for (const auto& g : groups())
    if (g.info.name == name) return g;
  throw InputError("unknown substituent '" + name + "'");
}

const std::vector<std::string> multipliers{"", "", "di", "tri", "tetra", "penta", "hexa",
                                           "hepta", "octa", "nona", "deca", "undeca", "dodeca"};
const std::vector<std::string> compound_multipliers{"", "", "bis", "tris", "tetrakis", "pentakis", "hexakis",
                                                    "heptakis", "octakis", "nonakis", "decakis", "undecakis",
                                                    "dodecakis"};

std::string join_locants(const std::vector<int>& l) {
  std::string s;
  for (int x : l) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

// Locants per substituent, in order of first appearance along the sorted groups.
std::vector<std::pair<std::string, std::vector<int>>> by_substituent(const Derivative& d) {
  std::vector<std::pair<std::string, std::vector<int>>> out;
  for (const auto& [v, s] : d.groups) {
    auto it = std::find_if(out.begin(), out.end(), [&sub = s](const auto& e) { return e.first == sub; });
    if (it == out.end())
      out.push_back({s, {v}});
    else
      it->second.push_back(v);
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

const std::vector<Cage>& cage_templates() {
  static const std::vector<Cage> list = [] {
    const std::vector<CageSpec> specs{
        {"o-carborane", {"ortho-carborane", "1,2-c2b10h12", "o-c2b10h12"}, "1,2-dicarba-closo-dodecaborane(12)", 0,
         icosahedron, {1, 2}, "o-carborane.xyz", 0},
        {"m-carborane", {"meta-carborane", "1,7-c2b10h12", "m-c2b10h12"}, "1,7-dicarba-closo-dodecaborane(12)", 0,
         icosahedron, {1, 7}, "m-carborane.xyz", 0},
        {"p-carborane", {"para-carborane", "1,12-c2b10h12", "p-c2b10h12"}, "1,12-dicarba-closo-dodecaborane(12)", 0,
         icosahedron, {1, 12}, "p-carborane.xyz", 0},
        {"b12h12", {"[b12h12]2-", "b12h12-2", "closo-b12h12"}, "closo-dodecaborate(2-)", -2, icosahedron, {},
         "b12h12.xyz", 0},
        {"cb11h12", {"[cb11h12]-", "cb11h12-", "closo-cb11h12", "1-cb11h12"}, "1-carba-closo-dodecaborate(1-)", -1,
         icosahedron, {1}, "", 1.77},
        {"1,6-c2b4h6", {"c2b4h6", "closo-1,6-c2b4h6"}, "1,6-dicarba-closo-hexaborane(6)", 0, octahedron, {1, 6}, "",
         1.68},
        {"1,10-c2b8h10", {"c2b8h10", "closo-1,10-c2b8h10"}, "1,10-dicarba-closo-decaborane(10)", 0,
         bicapped_square_antiprism, {1, 10}, "", 1.75},
    };
    std::vector<Cage> cages;
    for (const auto& s : specs) cages.push_back(make_cage(s));
    return cages;
  }();
  return list;
}

std::optional<Cage> find_cage(const std::string& name) { return find_named(cage_templates(), name); }

const std::vector<Substituent>& substituent_list() {
  static const std::vector<Substituent> list = [] {
    std::vector<Substituent> s;
    for (const auto& g : groups()) s.push_back(g.info);
    return s;
  }();
  return list;
}

std::optional<Substituent> find_substituent(const std::string& name) {
  for (const auto& s : substituent_list())
    if (s.name == name) return s;
  const std::string key = lower(name);
  for (const auto& s : substituent_list()) {
    if (lower(s.name) == key) return s;
    for (const auto& a : s.aliases)
      if (a == key) return s;
  }
  return std::nullopt;
}

std::string Derivative::notation() const {
  std::string s = cage;
  if (groups.empty()) return s;
  s += ":";
  bool first = true;
  for (const auto& [name, locants] : by_substituent(*this)) {
    const bool compound = name.size() > 2 || (name.size() == 2 && !std::islower(static_cast<unsigned char>(name[1])));
    std::string g = name;
    if (locants.size() > 1) g = compound ? "(" + name + ")" + std::to_string(locants.size()) : name + std::to_string(locants.size());
    s += (first ? "" : ",") + join_locants(locants) + "-" + g;
    first = false;
  }
  return s;
}

std::string Derivative::iupac_name() const {
  const auto c = find_cage(cage);
  auto parts = by_substituent(*this);
  std::vector<std::tuple<std::string, std::string>> named;  // (prefix for sorting, text)
  for (const auto& [name, locants] : parts) {
    const auto sub = find_substituent(name);
    const std::size_t n = locants.size();
    std::string text = join_locants(locants) + "-";
    if (n == 1)
      text += sub->prefix;
    else if (sub->compound)
      text += compound_multipliers[n] + "(" + sub->prefix + ")";
    else
      text += multipliers[n] + sub->prefix;
    named.emplace_back(sub->prefix, text);
  }
  std::sort(named.begin(), named.end());
  std::string s;
  for (const auto& [key, text] : named) s += text + "-";
  return s + (c ? c->parent : cage);
}

Derivative parse_derivative(const std::string& text) {
  const std::string where = in_quotes(text, 80);
  const auto colon = text.find(':');
  const std::string cage_name = text.substr(0, colon);
  const auto c = find_cage(cage_name);
  if (!c) {
    std::string names;
    for (const auto& t : cage_templates()) names += (names.empty() ? "" : ", ") + t.name;
    throw InputError(where + ": unknown cage " + in_quotes(cage_name) + " (cages: " + names + ")");
  }
  Derivative d{c->name, {}};
  if (colon == std::string::npos) return d;
  std::vector<int> pending;
  std::string item;
  const std::string rest = text.substr(colon + 1);
  auto fail = [&](const std::string& why) { throw InputError(where + ": " + why); };
  auto locant = [&](const std::string& t) {
    if (t.empty() || t.size() > 3 || !std::all_of(t.begin(), t.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }))
      fail(in_quotes(t) + " is not a vertex number");
    const int v = static_cast<int>(*parse_integer(t));
    if (v < 1 || v > c->size())
      fail("vertex " + t + " does not exist (" + c->name + " has vertices 1-" + std::to_string(c->size()) + ")");
    return v;
  };
  std::vector<std::string> items;
  for (char ch : rest) {
    if (ch == ',' || ch == ';') {
      items.push_back(item);
      item.clear();
    } else if (!std::isspace(static_cast<unsigned char>(ch))) {
      item += ch;
    }
  }
  items.push_back(item);
  if (items.size() == 1 && items[0].empty()) return d;
  for (const auto& it : items) {
    if (it.empty()) fail("empty item (two separators in a row, or one at the end)");
    const auto dash = it.find('-');
    if (dash == std::string::npos) {
      pending.push_back(locant(it));
      continue;
    }
    pending.push_back(locant(it.substr(0, dash)));
    std::string g = it.substr(dash + 1);
    std::optional<int> count;
    std::string name;
    if (!g.empty() && g[0] == '(') {  // (CH3)2
      const auto close = g.find(')');
      if (close == std::string::npos) fail("unbalanced parenthesis in " + in_quotes(g));
      name = g.substr(1, close - 1);
      const std::string n = g.substr(close + 1);
      if (!n.empty()) {
        if (n.size() > 2 || !std::all_of(n.begin(), n.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }))
          fail("bad count " + in_quotes(n) + " in " + in_quotes(g));
        count = static_cast<int>(*parse_integer(n));
      }
    } else if (find_substituent(g)) {
      name = g;
    } else {  // F2, Cl2: a known name followed by a count
      std::size_t k = g.size();
      while (k > 0 && std::isdigit(static_cast<unsigned char>(g[k - 1]))) --k;
      name = g.substr(0, k);
      if (g.size() - k > 2) fail("bad count " + in_quotes(g.substr(k)) + " in " + in_quotes(g));
      if (k < g.size()) count = static_cast<int>(*parse_integer(g.substr(k)));
    }
    const auto sub = find_substituent(name);
    if (!sub) {
      std::string names;
      for (const auto& s : substituent_list()) names += (names.empty() ? "" : ", ") + s.name;
      fail("unknown substituent " + in_quotes(name) + " (known: " + names + ")");
    }
    if (count && *count != static_cast<int>(pending.size()))
      fail(in_quotes(it) + " gives " + std::to_string(pending.size()) + " vertices for " + std::to_string(*count) + " groups");
    for (int v : pending) {
      if (std::any_of(d.groups.begin(), d.groups.end(), [&](const auto& e) { return e.first == v; }))
        fail("vertex " + std::to_string(v) + " is substituted twice");
      if (sub->name != "H") d.groups.push_back({v, sub->name});
    }
    pending.clear();
  }
  if (!pending.empty()) fail("vertex numbers without a group at the end (write e.g. 9,12-F2)");
  std::sort(d.groups.begin(), d.groups.end());
  return d;
}

bool is_derivative_notation(const std::string& text) {
  return find_cage(text.substr(0, text.find(':'))).has_value();
}

Derivative canonical(const Derivative& d) {
  const auto c = find_cage(d.cage);
  if (!c) throw InputError("unknown cage '" + d.cage + "'");
  return canonical(d, *c);
}

Derivative canonical(const Derivative& d, const Cage& cage) {
  const Cage* c = &cage;
  Derivative best = d;
  std::sort(best.groups.begin(), best.groups.end());
  // Lowest locants first (the set of locants compared term by term), then the substituents in
  // locant order: the IUPAC lowest-locant rule, with ties broken by formula rather than by the
  // alphabetical order of the prefixes.
  auto key = [](const Derivative& x) {
    std::pair<std::vector<int>, std::vector<std::string>> k;
    for (const auto& [v, s] : x.groups) {
      k.first.push_back(v);
      k.second.push_back(s);
    }
    return k;
  };
  auto best_key = key(best);
  for (const auto& g : c->symmetry) {
    Derivative img{d.cage, {}};
    for (const auto& [v, s] : d.groups) img.groups.push_back({g[v - 1] + 1, s});
    std::sort(img.groups.begin(), img.groups.end());
    auto k = key(img);
    if (k < best_key) {
      best = img;
      best_key = k;
    }
  }
  return best;
}

Molecule build_derivative(const Derivative& d) {
  const auto c = find_cage(d.cage);
  if (!c) throw InputError("unknown cage '" + d.cage + "'");
  Molecule mol;
  mol.charge = c->charge;
  mol.multiplicity = 1;
  mol.name = d.notation();
  const int n = c->size();
  for (int v = 0; v < n; ++v) mol.atoms.push_back({c->Z[v], c->position[v], std::nullopt});
  std::vector<std::string> on(n, "H");
  for (const auto& [v, s] : d.groups) on[v - 1] = s;
  // Hydrogens first, then groups with a single atom, then polyatomic groups (largest last), each
  // turned about its exo bond to stay furthest from the atoms already placed.
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return group(on[a]).atoms.size() < group(on[b]).atoms.size(); });
  for (int v : order) {
    const GroupGeometry& g = group(on[v]);
    const Vec x = c->exo[v];
    // Reference perpendicular: towards the first cage neighbour, projected off the exo bond.
    const Vec to_nb = c->position[c->neighbours[v][0]] - c->position[v];
    const Vec y0 = unit(to_nb - dot(to_nb, x) * x);
    const Vec z0 = cross(x, y0);
    const double bond = on[v] == "H" ? c->exo_h[v]
                                     : (c->Z[v] == 6 ? g.bond_to_carbon : g.bond_to_boron) * units::angstrom_in_bohr;
    const Vec anchor = c->position[v] + bond * x;
    auto place = [&](double phi) {
      const Vec y = std::cos(phi) * y0 + std::sin(phi) * z0;
      const Vec z = cross(x, y);
      std::vector<Atom> atoms;
      for (const auto& [Z, p] : g.atoms) {
        const Vec l = units::angstrom_in_bohr * p;
        atoms.push_back({Z, anchor + l[0] * x + l[1] * y + l[2] * z, std::nullopt});
      }
      return atoms;
    };
    std::vector<Atom> best = place(0.0);
    if (g.atoms.size() > 1) {
      double best_min = -1.0;
      for (int k = 0; k < 24; ++k) {
        auto trial = place(k * pi / 12.0);
        double m = HUGE_VAL;
        for (std::size_t i = 1; i < trial.size(); ++i)
          for (const auto& a : mol.atoms) m = std::min(m, norm(trial[i].r - a.r));
        if (m > best_min + 1e-9) {
          best_min = m;
          best = trial;
        }
      }
    }
    for (auto& a : best) mol.atoms.push_back(a);
  }
  return mol;
}

std::optional<std::pair<int, int>> parse_count_range(const std::string& text) {
  auto number = [](const std::string& t) -> std::optional<int> {
    if (t.empty() || t.size() > 2 || !std::all_of(t.begin(), t.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }))
      return std::nullopt;
    return static_cast<int>(*parse_integer(t));
  };
  const auto dash = text.find('-');
  const auto lo = number(text.substr(0, dash));
  const auto hi = dash == std::string::npos ? lo : number(text.substr(dash + 1));
  if (!lo || !hi || *hi < *lo) return std::nullopt;
  return std::pair{*lo, *hi};
}

std::optional<Sites> parse_sites(const std::string& text) {
  const std::string t = lower(text);
  if (t == "all") return Sites::All;
  if (t == "boron" || t == "b") return Sites::Boron;
  if (t == "carbon" || t == "c") return Sites::Carbon;
  return std::nullopt;
}

std::vector<Derivative> enumerate_derivatives(const Cage& cage, const std::vector<std::string>& substituents,
                                              int min_count, int max_count, Sites sites) {
  std::vector<std::string> subs;
  for (const auto& s : substituents) {
    const auto f = find_substituent(s);
    if (!f) throw InputError("unknown substituent '" + s + "'");
    if (f->name != "H" && std::find(subs.begin(), subs.end(), f->name) == subs.end()) subs.push_back(f->name);
  }
  std::vector<int> allowed;
  for (int v = 0; v < cage.size(); ++v)
    if (sites == Sites::All || (sites == Sites::Boron) == (cage.Z[v] == 5)) allowed.push_back(v + 1);
  std::set<std::string> seen;
  std::vector<Derivative> out;
  int kmax = std::min<int>(max_count, static_cast<int>(allowed.size()));
  if (subs.empty()) kmax = std::min(kmax, 0);  // only the parent
  // Every raw pattern is canonicalised over the cage's symmetry: refuse what would take hours.
  double patterns = 0.0;
  for (int k = std::max(min_count, 0); k <= kmax; ++k) {
    double binom = 1.0;
    for (int i = 0; i < k; ++i) binom = binom * (static_cast<double>(allowed.size()) - i) / (i + 1);
    patterns += binom * std::pow(static_cast<double>(subs.size()), k);
  }
  if (patterns > max_enumerated_patterns)
    throw InputError("enumerating " + std::to_string(min_count) + "-" + std::to_string(max_count) + " groups from " +
                     std::to_string(subs.size()) + " substituents on " + std::to_string(allowed.size()) +
                     " vertices of " + cage.name + " means " + std::to_string(static_cast<long long>(patterns)) +
                     " substitution patterns (limit " + std::to_string(static_cast<long long>(max_enumerated_patterns)) +
                     "): fewer substituents, a smaller count or sites = boron/carbon");
  for (int k = std::max(min_count, 0); k <= kmax; ++k) {
    std::vector<Derivative> level;
    // Every k-subset of the allowed vertices with every assignment of substituents.
    std::vector<int> idx(k);
    std::iota(idx.begin(), idx.end(), 0);
    const int m = static_cast<int>(allowed.size());
    while (true) {
      std::vector<int> choice(k, 0);
      while (true) {
        Derivative d{cage.name, {}};
        for (int i = 0; i < k; ++i) d.groups.push_back({allowed[idx[i]], subs[choice[i]]});
        Derivative cd = canonical(d, cage);
        if (seen.insert(cd.notation()).second) level.push_back(cd);
        int i = k - 1;
        while (i >= 0 && choice[i] == static_cast<int>(subs.size()) - 1) choice[i--] = 0;
        if (i < 0) break;
        ++choice[i];
      }
      int i = k - 1;
      while (i >= 0 && idx[i] == m - k + i) --i;
      if (i < 0) break;
      ++idx[i];
      for (int j = i + 1; j < k; ++j) idx[j] = idx[j - 1] + 1;
    }
    std::sort(level.begin(), level.end(), [](const Derivative& a, const Derivative& b) { return a.groups < b.groups; });
    out.insert(out.end(), level.begin(), level.end());
  }
  return out;
}

std::vector<std::pair<int, int>> bonds(const Molecule& mol, double factor) {
  std::vector<std::pair<int, int>> b;
  const int n = static_cast<int>(mol.atoms.size());
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      const double r = (element(mol.atoms[i].Z).covalent_radius + element(mol.atoms[j].Z).covalent_radius) *
                       units::angstrom_in_bohr;
      if (norm(mol.atoms[i].r - mol.atoms[j].r) < factor * r) b.push_back({i, j});
    }
  return b;
}

}  // namespace cagescreen::molecules
