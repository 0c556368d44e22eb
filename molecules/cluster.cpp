#include "molecules/cluster.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <tuple>

#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/parse.hpp"
#include "molecules/io.hpp"
#include "molecules/symmetry.hpp"
#include "molecules/text.hpp"
#include "molecules/units.hpp"

namespace cagescreen::molecules {
namespace {

double norm(const Vec3& v) { return std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }
Vec3 sub(const Vec3& a, const Vec3& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }

bool is_metal(int Z) {
  static const std::set<int> nonmetals{1, 2, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32, 33, 34, 35, 36};
  return nonmetals.count(Z) == 0;
}

/// Formal oxidation state of a metal ion, when it is unambiguous.
std::optional<int> metal_charge(int Z) {
  switch (Z) {
    case 3: case 11: case 19: return 1;           // Li, Na, K
    case 4: case 12: case 20: case 30: return 2;  // Be, Mg, Ca, Zn
    case 13: case 21: case 31: return 3;          // Al, Sc, Ga
    default: return std::nullopt;
  }
}

/// Formal charge of a non-metal group (Hill formula) bonded to a metal.
std::optional<int> group_charge(const std::string& formula) {
  static const std::map<std::string, int> table{
      {"O", -2},    {"F", -1},   {"Cl", -1},  {"Br", -1},  {"S", -2},    {"N", -3},   {"Se", -2},
      {"HO", -1},   {"H2O", 0},  {"O4S", -2}, {"CO3", -2}, {"NO3", -1},  {"O4P", -3}, {"H", -1},
      {"O2", -2},   {"HS", -1},  {"H4N", 1},  {"CN", -1},  {"ClO4", -1}, {"HO4S", -1}, {"CHO3", -1},
      {"O3S", -2},  {"NO2", -1}, {"BF4", -1}, {"F6P", -1}, {"HO4P", -2}, {"H2O4P", -1}, {"O4Se", -2}};
  const auto it = table.find(formula);
  return it == table.end() ? std::nullopt : std::optional<int>(it->second);
}

/// Valence electrons of a main-group element or of Sc–Zn (4s + 3d beyond a filled shell; Cu 1, Zn 2).
int valence_electrons(int Z) {
  if (Z <= 2) return Z;
  if (Z <= 10) return Z - 2;
  if (Z <= 18) return Z - 10;
  if (Z <= 28) return Z - 18;
  return Z - 28;  // Cu 1, Zn 2, Ga 3 ... Kr 8
}

/// X–H bond length (Å) for a hydrogen cap on element Z.
double cap_bond_length(int Z) {
  switch (Z) {
    case 6: return 1.09;
    case 7: return 1.01;
    case 8: return 0.97;
    case 9: return 0.92;
    case 16: return 1.34;
    case 17: return 1.27;
    case 5: return 1.19;
    default: return element(Z).covalent_radius + element(1).covalent_radius;
  }
}

/// One atom of the crystal around the centre (position relative to the centre, Bohr).
struct Image {
  int site;
  Vec3 r;
  int unit = -1;
};

struct Unit {
  std::vector<int> atoms;  ///< image indices
  Vec3 anchor{};           ///< mean non-hydrogen position
  double dist = 0;         ///< |anchor|, Bohr
  std::string formula;
  std::optional<int> charge;
};

int find_root(std::vector<int>& parent, int i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];
  return i;
}

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

}  // namespace

std::optional<Termination> parse_termination(const std::string& text) {
  if (text == "none") return Termination::none;
  if (text == "h" || text == "hydrogen") return Termination::hydrogen;
  if (text == "oh" || text == "hydroxyl") return Termination::hydroxyl;
  if (text == "pseudo") return Termination::pseudo;
  return std::nullopt;
}

std::string Cluster::comment() const {
  std::ostringstream s;
  s << molecule.name << " charge=" << molecule.charge << " multiplicity=" << molecule.multiplicity
    << " crystal=" << crystal << " " << description << " point_group=" << point_group
    << " site_symmetry=" << site_symmetry << " formula=" << molecule.formula() << " units=" << units
    << " caps=" << caps << pseudo_charges_field(molecule);
  return s.str();
}

std::string cluster_xyz(const Cluster& cluster) {
  std::ostringstream out;
  out << cluster.molecule.atoms.size() << "\n" << cluster.comment() << "\n" << std::fixed << std::setprecision(10);
  for (const auto& a : cluster.molecule.atoms)
    out << std::left << std::setw(3) << element(a.Z).symbol << std::right << std::setw(18)
        << a.r[0] * units::bohr_in_angstrom << std::setw(18) << a.r[1] * units::bohr_in_angstrom << std::setw(18)
        << a.r[2] * units::bohr_in_angstrom << "\n";
  return out.str();
}

namespace {

// The steps of carve_cluster, in the order it takes them.

void check_options(const Crystal& crystal, const ClusterOptions& opt) {
  const std::string& where = crystal.source;
  if (!(opt.radius_angstrom > 0) || opt.radius_angstrom > 30)
    throw InputError(where + ": cluster radius " + fixed(opt.radius_angstrom, 3) + " Angstrom must be in (0, 30]");
  if (crystal.sites.empty()) throw InputError(where + ": the crystal has no atoms");
  if (!(opt.symprec_angstrom > 0) || opt.symprec_angstrom > 1)
    throw InputError(where + ": symmetry tolerance " + fixed(opt.symprec_angstrom, 4) + " Angstrom must be in (0, 1]");
}

// --- the centre

/// The centre of the cut: an atom of the cell, or any point.
struct Centre {
  int site = -1;  ///< index of the centre atom in the cell; -1 for a point
  Vec3 frac{};    ///< fractional coordinates (of a point: in the home cell)
};

/// Fractional coordinates "x,y,z", moved into the home cell.
Vec3 parse_fractional_centre(const std::string& c, const std::string& where) {
  Vec3 cf{};
  std::istringstream in(c);
  std::string part;
  int k = 0;
  while (std::getline(in, part, ',')) {
    const auto v = parse_real(part);
    if (k > 2 || !v || std::abs(*v) > 1e6)
      throw InputError(where + ": centre " + in_quotes(c) + " is not three fractional coordinates x,y,z");
    cf[k++] = *v;
  }
  if (k != 3) throw InputError(where + ": centre " + in_quotes(c) + " is not three fractional coordinates x,y,z");
  for (auto& x : cf) x -= std::floor(x);  // the same point in the home cell
  return cf;
}

/// The first atom with the site label `c`, else the first on the Wyckoff position `c` (e.g. "4f"),
/// else the first of the element `c`; -1 if there is none.
int find_site(const Crystal& crystal, const SymmetryReport& sym, const std::string& c) {
  const auto& sites = crystal.sites;
  for (size_t k = 0; k < sites.size(); ++k)
    if (lower(sites[k].label) == lower(c)) return static_cast<int>(k);
  for (size_t k = 0; k < sites.size(); ++k)
    if (std::to_string(sym.multiplicity[k]) + sym.wyckoff[k] == c) return static_cast<int>(k);
  if (const auto Z = find_element(c))
    for (size_t k = 0; k < sites.size(); ++k)
      if (sites[k].Z == *Z) return static_cast<int>(k);
  return -1;
}

/// The centre that ClusterOptions::center names (the first metal atom when it is empty).
Centre find_centre(const Crystal& crystal, const SymmetryReport& sym, const std::string& c) {
  const std::string& where = crystal.source;
  const auto& sites = crystal.sites;
  Centre centre;
  if (c.empty()) {
    for (size_t k = 0; k < sites.size() && centre.site < 0; ++k)
      if (is_metal(sites[k].Z)) centre.site = static_cast<int>(k);
    if (centre.site < 0) centre.site = 0;
  } else if (std::all_of(c.begin(), c.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); })) {
    const long n = static_cast<long>(parse_integer_in(c, 0, 1000000).value_or(0));
    if (n < 1 || n > static_cast<long>(sites.size()))
      throw InputError(where + ": centre atom " + c + " is not in 1.." + std::to_string(sites.size()));
    centre.site = static_cast<int>(n - 1);
  } else if (c.find(',') != std::string::npos) {
    centre.frac = parse_fractional_centre(c, where);
  } else {
    centre.site = find_site(crystal, sym, c);
    if (centre.site < 0)
      throw InputError(where + ": centre '" + c + "' is not an atom number, a site label, a Wyckoff position or an "
                       "element of the crystal, nor fractional coordinates x,y,z");
  }
  if (centre.site >= 0) centre.frac = sites[centre.site].frac;
  return centre;
}

/// Sets the crystal name, the radius, the centre and (for an atom) the site symmetry of `out`.
/// Returns the centre's tag in names and messages: the atom's label, or "x,y,z" of a point.
std::string describe_centre(const Crystal& crystal, const SymmetryReport& sym, const Centre& centre,
                            double radius_angstrom, Cluster& out) {
  out.crystal = crystal.name;  // one token on the XYZ comment line: no blanks, no '='
  for (auto& ch : out.crystal)
    if (std::isspace(static_cast<unsigned char>(ch)) || ch == '=' || ch == ',') ch = '_';
  out.radius_angstrom = radius_angstrom;
  if (centre.site < 0) {
    const auto& cf = centre.frac;
    const std::string tag = fixed(cf[0], 4) + "," + fixed(cf[1], 4) + "," + fixed(cf[2], 4);
    out.center = "point (" + tag + ")";
    return tag;
  }
  const int k = centre.site;
  const auto& site = crystal.sites[k];
  out.site_symmetry = sym.site_symmetry[k];
  out.center = site.label + " (atom " + std::to_string(k + 1) + ", Wyckoff " + std::to_string(sym.multiplicity[k]) +
               sym.wyckoff[k] + ", site symmetry " + out.site_symmetry + ")";
  return site.label;
}

/// The centre's site-symmetry operations: the space-group operations that keep it in place (up
/// to a lattice vector), as integer rotations R and as Cartesian rotations M about the centre.
struct SiteOperations {
  std::vector<std::array<std::array<int, 3>, 3>> R;
  std::vector<Mat3> M;
};

/// Site-symmetry operations as Cartesian rotations about the centre: M = C R C^-1, with C the
/// matrix whose columns are a, b, c.
SiteOperations site_operations(const Crystal& crystal, const SymmetryReport& sym, const Vec3& cf,
                               double symprec_angstrom) {
  Mat3 C{}, Cinv{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) C[i][j] = crystal.cell[j][i];
  for (int j = 0; j < 3; ++j) {  // column j of C^-1 maps e_j to fractional coordinates
    Vec3 e{};
    e[j] = 1;
    const Vec3 f = crystal.fractional(e);
    for (int i = 0; i < 3; ++i) Cinv[i][j] = f[i];
  }
  SiteOperations site;
  for (const auto& op : sym.operations) {
    Vec3 d{};
    for (int i = 0; i < 3; ++i) {
      d[i] = op.R[i][0] * cf[0] + op.R[i][1] * cf[1] + op.R[i][2] * cf[2] + op.t[i] - cf[i];
      d[i] -= std::round(d[i]);
    }
    if (norm(crystal.cartesian(d)) > symprec_angstrom * units::angstrom_in_bohr) continue;
    Mat3 M{};
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        for (int k = 0; k < 3; ++k)
          for (int l = 0; l < 3; ++l) M[i][j] += C[i][k] * op.R[k][l] * Cinv[l][j];
    site.R.push_back(op.R);
    site.M.push_back(M);
  }
  return site;
}

// --- the crystal around the centre as whole units

/// A cap on cut bonds: a non-metal atom gets one H per cut bond; the cut bonds of metals are
/// capped once per missing neighbour (one OH or H shared by all cluster metals bonded to it).
struct Cap {
  bool metal;
  int missing;             ///< image of the missing neighbour
  std::vector<int> atoms;  ///< cluster atoms bonded to it (one for a non-metal cap)
};

/// The atoms of the crystal within R + 10 Å of the centre, their bonds and the whole units they
/// form; what a selection of units (one flag per unit) needs in caps and what its formal charge is.
struct Surroundings {
  const Crystal& crystal;
  Termination terminate;
  std::vector<Image> img{};
  std::vector<std::vector<int>> bonded{};  ///< images bonded to each image
  std::vector<Unit> units{};
  std::vector<int> candidates{};  ///< units whose anchor lies within R + 5 Å: those a cut may hold
  /// Bonds of an atom to other units, metal–metal contacts not counted (its coordination number
  /// for pseudo-hydrogens), and their sum over each unit. (Computed once: the stoichiometric
  /// search evaluates formal charges many times.)
  std::vector<int> coordination{}, unit_coordination{};
  std::vector<std::set<int>> unit_bonds{};  ///< units bonded to each unit

  int Z(int i) const { return crystal.sites[img[i].site].Z; }
  std::vector<Cap> caps_of(const std::vector<char>& sel) const;
  std::optional<double> pseudo_formal(int j) const;
  std::optional<double> formal(const std::vector<char>& sel) const;
  bool connected(const std::vector<char>& sel) const;
};

std::vector<Cap> Surroundings::caps_of(const std::vector<char>& sel) const {
  std::vector<Cap> caps;
  std::map<int, size_t> metal_cap;
  for (size_t u = 0; u < units.size(); ++u)
    if (sel[u])
      for (int i : units[u].atoms)
        for (int j : bonded[i]) {
          if (sel[img[j].unit]) continue;
          if (is_metal(Z(i)) && is_metal(Z(j))) continue;  // contact, not a bond
          if (!is_metal(Z(i)) || terminate == Termination::pseudo) {
            caps.push_back({false, j, {i}});
          } else if (auto it = metal_cap.find(j); it != metal_cap.end()) {
            caps[it->second].atoms.push_back(i);
          } else {
            metal_cap[j] = caps.size();
            caps.push_back({true, j, {i}});
          }
        }
  return caps;
}

// A pseudo-hydrogen stands for the missing atom's share of the bond: nuclear charge v/n (its
// valence electrons over its coordination number) and formal charge q/n (its unit's formal
// charge over the unit's bonds to other units).
std::optional<double> Surroundings::pseudo_formal(int j) const {
  const auto& u = units[img[j].unit];
  if (!u.charge) return std::nullopt;
  return static_cast<double>(*u.charge) / std::max(unit_coordination[img[j].unit], 1);
}

// Formal charge of a selection, caps included (pseudo-hydrogens carry fractions that add up to
// whole numbers for a valid cut).
std::optional<double> Surroundings::formal(const std::vector<char>& sel) const {
  double q = 0;
  for (size_t u = 0; u < units.size(); ++u)
    if (sel[u]) {
      if (!units[u].charge) return std::nullopt;
      q += *units[u].charge;
    }
  if (terminate == Termination::hydrogen || terminate == Termination::hydroxyl)
    for (const auto& cap : caps_of(sel)) q += cap.metal ? -1 : 1;
  if (terminate == Termination::pseudo)
    for (const auto& cap : caps_of(sel)) {
      const auto f = pseudo_formal(cap.missing);
      if (!f) return std::nullopt;
      q += *f;
    }
  return q;
}

// A cluster must be one connected piece of units bonded to each other.
bool Surroundings::connected(const std::vector<char>& sel) const {
  const auto first = std::find(sel.begin(), sel.end(), 1);
  if (first == sel.end()) return false;
  std::vector<char> seen(sel.size(), 0);
  std::vector<int> stack{static_cast<int>(first - sel.begin())};
  seen[stack[0]] = 1;
  size_t reached = 1;
  while (!stack.empty()) {
    const int u = stack.back();
    stack.pop_back();
    for (int w : unit_bonds[u])
      if (sel[w] && !seen[w]) {
        seen[w] = 1;
        ++reached;
        stack.push_back(w);
      }
  }
  return reached == static_cast<size_t>(std::count(sel.begin(), sel.end(), 1));
}

/// Every atom of the crystal within `R_big` of the centre, positions relative to the centre.
std::vector<Image> images_near(const Crystal& crystal, const Vec3& center, double R_big) {
  const auto& sites = crystal.sites;
  const double v = crystal.volume();
  int nmax[3];
  for (int i = 0; i < 3; ++i) {
    const auto& a = crystal.cell[(i + 1) % 3];
    const auto& b = crystal.cell[(i + 2) % 3];
    const Vec3 x{a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    nmax[i] = static_cast<int>(std::ceil(R_big / (v / norm(x)))) + 1;  // R_big over the plane spacing
  }
  std::vector<Image> img;
  for (size_t k = 0; k < sites.size(); ++k)
    for (int n0 = -nmax[0]; n0 <= nmax[0]; ++n0)
      for (int n1 = -nmax[1]; n1 <= nmax[1]; ++n1)
        for (int n2 = -nmax[2]; n2 <= nmax[2]; ++n2) {
          const Vec3 f{sites[k].frac[0] + n0, sites[k].frac[1] + n1, sites[k].frac[2] + n2};
          const Vec3 r = sub(crystal.cartesian(f), center);
          if (norm(r) <= R_big) img.push_back({static_cast<int>(k), r});
        }
  return img;
}

/// Bonds: closer than 1.2 × the sum of covalent radii.
std::vector<std::vector<int>> find_bonds(const Crystal& crystal, const std::vector<Image>& img) {
  const size_t n = img.size();
  std::vector<std::vector<int>> bonded(n);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < i; ++j) {
      const int Zi = crystal.sites[img[i].site].Z, Zj = crystal.sites[img[j].site].Z;
      const double cut = 1.2 * (element(Zi).covalent_radius + element(Zj).covalent_radius) * units::angstrom_in_bohr;
      const Vec3 d = sub(img[i].r, img[j].r);
      if (std::abs(d[0]) > cut || std::abs(d[1]) > cut || std::abs(d[2]) > cut) continue;
      if (norm(d) < cut) {
        bonded[i].push_back(static_cast<int>(j));
        bonded[j].push_back(static_cast<int>(i));
      }
    }
  return bonded;
}

/// Units: metal atoms alone; connected non-metal atoms together. Sets the unit of each image.
std::vector<Unit> group_units(std::vector<Image>& img, const std::vector<std::vector<int>>& bonded,
                              const Crystal& crystal) {
  const size_t n = img.size();
  auto metal = [&](int i) { return is_metal(crystal.sites[img[i].site].Z); };
  std::vector<int> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  for (size_t i = 0; i < n; ++i)
    for (int j : bonded[i])
      if (!metal(static_cast<int>(i)) && !metal(j))
        parent[find_root(parent, static_cast<int>(i))] = find_root(parent, j);
  std::map<int, int> unit_of_root;
  std::vector<Unit> units;
  for (size_t i = 0; i < n; ++i) {
    const int root = find_root(parent, static_cast<int>(i));
    auto [it, fresh] = unit_of_root.emplace(root, static_cast<int>(units.size()));
    if (fresh) units.emplace_back();
    units[it->second].atoms.push_back(static_cast<int>(i));
    img[i].unit = it->second;
  }
  return units;
}

/// A unit's anchor (mean non-hydrogen position), its distance from the centre, its formula and
/// its formal charge: a metal ion's, a group's bonded to a metal, 0 for a molecule bonded to none.
void describe_unit(const Surroundings& s, Unit& u) {
  int heavy = 0;
  Vec3 all{};
  for (int i : u.atoms) {
    for (int k = 0; k < 3; ++k) all[k] += s.img[i].r[k];
    if (s.Z(i) != 1) {
      ++heavy;
      for (int k = 0; k < 3; ++k) u.anchor[k] += s.img[i].r[k];
    }
  }
  for (int k = 0; k < 3; ++k) u.anchor[k] = heavy ? u.anchor[k] / heavy : all[k] / u.atoms.size();
  u.dist = norm(u.anchor);
  Molecule m;
  bool to_metal = false;
  for (int i : u.atoms) {
    m.atoms.push_back({s.Z(i), s.img[i].r});
    for (int j : s.bonded[i]) to_metal = to_metal || is_metal(s.Z(j));
  }
  u.formula = m.formula();
  const int Z0 = s.Z(u.atoms[0]);
  if (is_metal(Z0))
    u.charge = metal_charge(Z0);
  else
    u.charge = to_metal ? group_charge(u.formula) : std::optional<int>(0);
}

/// Refuses a unit that reaches the edge of the atoms gathered around the centre: a unit that
/// large is a piece of an extended covalent network.
void check_whole(const Surroundings& s, const Unit& u, double R_big) {
  for (int i : u.atoms)
    if (norm(s.img[i].r) > R_big - 2.0 * units::angstrom_in_bohr)
      throw InputError(s.crystal.source + ": the group " + u.formula + "... around " +
                       s.crystal.sites[s.img[i].site].label +
                       " extends over more than 5 Angstrom: an extended covalent network cannot be cut into whole units");
}

/// Coordination numbers of atoms and units, and which units are bonded to each other.
void count_unit_bonds(Surroundings& s) {
  const size_t n = s.img.size();
  s.coordination.assign(n, 0);
  s.unit_coordination.assign(s.units.size(), 0);
  for (size_t j = 0; j < n; ++j) {
    for (int k : s.bonded[j])
      if (s.img[k].unit != s.img[j].unit && !(is_metal(s.Z(static_cast<int>(j))) && is_metal(s.Z(k))))
        ++s.coordination[j];
    s.unit_coordination[s.img[j].unit] += s.coordination[j];
  }
  s.unit_bonds.assign(s.units.size(), {});
  for (size_t i = 0; i < n; ++i)
    for (int j : s.bonded[i])
      if (s.img[i].unit != s.img[j].unit) s.unit_bonds[s.img[i].unit].insert(s.img[j].unit);
}

/// The crystal within R + 10 Å of the centre (Cartesian, Bohr) cut into whole units.
Surroundings surroundings(const Crystal& crystal, const Vec3& center, double R, Termination terminate) {
  const double R_big = R + 10.0 * units::angstrom_in_bohr;
  Surroundings s{crystal, terminate};
  s.img = images_near(crystal, center, R_big);
  s.bonded = find_bonds(crystal, s.img);
  s.units = group_units(s.img, s.bonded, crystal);
  const double near = R + 5.0 * units::angstrom_in_bohr;  // units that may be added
  for (auto& u : s.units) {
    describe_unit(s, u);
    if (u.dist <= near) check_whole(s, u, R_big);
  }
  for (size_t u = 0; u < s.units.size(); ++u)
    if (s.units[u].dist <= near) s.candidates.push_back(static_cast<int>(u));
  count_unit_bonds(s);
  return s;
}

// --- the selection

/// The units whose anchors lie within the radius R (Bohr) of the centre.
std::vector<char> units_within(const Surroundings& s, double R, double radius_angstrom, const std::string& center_tag) {
  const double eps = 1e-6 * units::angstrom_in_bohr;
  std::vector<char> in(s.units.size(), 0);
  for (int u : s.candidates) in[u] = s.units[u].dist <= R + eps;
  if (std::none_of(in.begin(), in.end(), [](char x) { return x; }))
    throw InputError(s.crystal.source + ": no atom lies within " + fixed(radius_angstrom, 3) +
                     " Angstrom of the centre " + center_tag);
  return in;
}

/// Keeps the piece bonded to the unit nearest the centre: a unit inside the sphere whose bonds
/// all lead outside would float free.
void keep_central_piece(const Surroundings& s, std::vector<char>& in) {
  int nearest = -1;
  for (int u : s.candidates)
    if (in[u] && (nearest < 0 || s.units[u].dist < s.units[nearest].dist)) nearest = u;
  std::vector<char> piece(s.units.size(), 0);
  std::vector<int> stack{nearest};
  piece[nearest] = 1;
  while (!stack.empty()) {
    const int u = stack.back();
    stack.pop_back();
    for (int w : s.unit_bonds[u])
      if (in[w] && !piece[w]) piece[w] = 1, stack.push_back(w);
  }
  in = piece;
}

// --- the stoichiometric search

/// Moves act on shells: units of one formula that the centre's site symmetry maps onto each
/// other (anchors within max(3 symprec, 0.02 Å)), joined with those at the same distance from
/// the centre (within 0.002 Å). A shell depends on geometry alone, so the cut keeps the site
/// symmetry and does not depend on atom order, origin or orientation. Nearest shells first.
std::vector<std::vector<int>> shells_of(const Surroundings& s, const std::vector<Mat3>& site_M,
                                        double symprec_angstrom) {
  const auto& units = s.units;
  const auto& cand = s.candidates;
  std::vector<int> root(units.size());
  std::iota(root.begin(), root.end(), 0);
  std::vector<int> order = cand;
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return units[a].formula != units[b].formula ? units[a].formula < units[b].formula : units[a].dist < units[b].dist;
  });
  for (size_t k = 1; k < order.size(); ++k)
    if (units[order[k]].formula == units[order[k - 1]].formula &&
        units[order[k]].dist - units[order[k - 1]].dist <= 0.002 * units::angstrom_in_bohr)
      root[find_root(root, order[k])] = find_root(root, order[k - 1]);
  const double tol = std::max(3 * symprec_angstrom, 0.02) * units::angstrom_in_bohr;
  for (int u : cand)
    for (const auto& M : site_M) {
      Vec3 r{};
      for (int i = 0; i < 3; ++i)
        r[i] = M[i][0] * units[u].anchor[0] + M[i][1] * units[u].anchor[1] + M[i][2] * units[u].anchor[2];
      for (int w : cand)
        if (units[w].formula == units[u].formula && std::abs(units[w].dist - units[u].dist) < tol &&
            norm(sub(units[w].anchor, r)) < tol) {
          root[find_root(root, u)] = find_root(root, w);
          break;
        }
    }
  std::vector<std::vector<int>> shells;
  std::map<int, std::vector<int>> by_root;
  for (int u : order) by_root[find_root(root, u)].push_back(u);
  for (auto& [r, members] : by_root) shells.push_back(std::move(members));
  std::sort(shells.begin(), shells.end(), [&](const auto& x, const auto& y) {
    return units[x[0]].dist != units[y[0]].dist ? units[x[0]].dist < units[y[0]].dist
                                                : units[x[0]].formula < units[y[0]].formula;
  });
  return shells;
}

/// The best of the moves tried in one step of the stoichiometric search: nearest the sphere
/// surface; ties go to removals, then to the charge nearer the target, then to the formula (all
/// geometric, never the order of atoms).
struct MoveSearch {
  const Surroundings& s;
  const std::vector<char>& in;  ///< the selection before the move
  double R, q, target;          ///< radius (Bohr), the selection's charge, the charge sought
  std::tuple<long long, int, long long, std::string> best_key{};
  std::vector<char> best{};  ///< empty until a move brings the charge nearer the target

  /// A move toggles one or two groups (shells, or single units as a last resort).
  void consider(const std::vector<const std::vector<int>*>& groups) {
    std::vector<char> trial = in;
    double cost = 0;
    int removes = 0;
    std::string formulas;
    for (const auto* g : groups) {
      const bool remove = in[(*g)[0]];
      for (int u : *g) trial[u] = !remove;
      cost = std::max(cost, std::abs(s.units[(*g)[0]].dist - R));
      removes += remove;
      formulas += s.units[(*g)[0]].formula + " ";
    }
    if (!s.connected(trial)) return;
    const double q2 = *s.formal(trial);
    if (std::abs(q2 - target) >= std::abs(q - target) - 1e-6) return;
    const std::tuple<long long, int, long long, std::string> key{std::llround(cost * 1e4),
                                                                 static_cast<int>(groups.size()) - removes,
                                                                 std::llround(std::abs(q2 - target) * 1e6), formulas};
    if (best.empty() || key < best_key) best_key = key, best = trial;
  }
};

/// The selection after the best move from `in` (charge q) towards the target charge; empty if no
/// move brings the charge nearer.
std::vector<char> best_move(const Surroundings& s, const std::vector<std::vector<int>>& shells,
                            const std::vector<char>& in, double R, double q, double target) {
  MoveSearch search{s, in, R, q, target};
  std::vector<std::vector<int>> moves;  // each: the in-part or the out-part of a shell
  for (const auto& members : shells) {
    std::vector<int> inside, outside;
    for (int u : members) (in[u] ? inside : outside).push_back(u);
    if (!inside.empty()) moves.push_back(inside);
    if (!outside.empty()) moves.push_back(outside);
  }
  for (const auto& mv : moves) search.consider({&mv});
  if (search.best.empty())  // no single shell helps: two shells at once (e.g. a cation and an anion)
    for (size_t i = 0; i < moves.size(); ++i)
      for (size_t j = 0; j < i; ++j) search.consider({&moves[i], &moves[j]});
  if (search.best.empty()) {  // no whole shells help: single units (the cut loses symmetry)
    std::vector<std::vector<int>> singles;
    for (int u : s.candidates) singles.push_back({u});
    for (const auto& mv : singles) search.consider({&mv});
  }
  return search.best;
}

/// Adds or removes units nearest the sphere surface until the formal charge (caps included) is
/// the one asked for (0 by default).
void balance_charge(const Surroundings& s, const std::vector<Mat3>& site_M, const ClusterOptions& opt,
                    const std::string& center_tag, std::vector<char>& in) {
  const std::string& where = s.crystal.source;
  for (int u : s.candidates)
    if (!s.units[u].charge)
      throw InputError(where + ": --stoichiometric needs formal charges, but " + s.units[u].formula +
                       " has none in cagescreen's table (see docs/crystals.md); cut without --stoichiometric and give --charge");
  const double target = opt.charge.value_or(0);
  const auto shells = shells_of(s, site_M, opt.symprec_angstrom);
  const double R = opt.radius_angstrom * units::angstrom_in_bohr;
  for (int step = 0;; ++step) {
    const double q = *s.formal(in);
    if (std::abs(q - target) < 1e-6) break;
    if (step > 10000) throw InputError(where + ": stoichiometric cut does not settle");
    auto best = best_move(s, shells, in, R, q, target);
    if (best.empty())
      throw InputError(where + ": no cluster of whole units near " + fixed(opt.radius_angstrom, 3) +
                       " Angstrom around " + center_tag + " has charge " + fixed(target, 0) +
                       " (closest: " + fixed(q, q == std::round(q) ? 0 : 2) + ")");
    in = std::move(best);
  }
}

// --- the molecule

/// The selected units' atoms, units nearest the centre first; returns the number of units.
int add_units(const Surroundings& s, const std::vector<char>& in, Molecule& mol) {
  std::vector<int> chosen;
  for (int u : s.candidates)
    if (in[u]) chosen.push_back(u);
  std::sort(chosen.begin(), chosen.end(), [&](int a, int b) { return s.units[a].dist < s.units[b].dist; });
  for (int u : chosen)
    for (int i : s.units[u].atoms) mol.atoms.push_back({s.Z(i), s.img[i].r});
  return static_cast<int>(chosen.size());
}

/// The point d along the unit vector dir from p.
Vec3 along(const Vec3& p, const Vec3& dir, double d) {
  return Vec3{p[0] + dir[0] * d, p[1] + dir[1] * d, p[2] + dir[2] * d};
}

/// Adds the atoms of one cap (see Termination).
void add_cap(const Surroundings& s, const Cap& cap, Termination terminate, Molecule& mol) {
  const Vec3& x = s.img[cap.missing].r;
  // Unit vector from the mean of the capped atoms towards the missing neighbour.
  Vec3 m{};
  for (int i : cap.atoms)
    for (int k = 0; k < 3; ++k) m[k] += s.img[i].r[k] / cap.atoms.size();
  Vec3 u = sub(x, m);
  const double len = norm(u);
  if (len < 0.5 * units::angstrom_in_bohr)
    throw InputError(s.crystal.source + ": a missing " + std::string(element(s.Z(cap.missing)).symbol) +
                     " inside the cluster is surrounded by cluster atoms and cannot be capped; use another radius or --terminate none");
  for (auto& c : u) c /= len;
  const int i = cap.atoms[0];
  const Vec3 along_bond = along(s.img[i].r, u, cap_bond_length(s.Z(i)) * units::angstrom_in_bohr);
  if (terminate == Termination::pseudo) {
    // The missing atom's share of the bond: its valence electrons over its coordination number.
    const int Za = s.Z(i), Zb = s.Z(cap.missing);
    const double q = static_cast<double>(valence_electrons(Zb)) / s.coordination[cap.missing];
    const double bond = q + static_cast<double>(valence_electrons(Za)) / s.coordination[i];
    if (std::abs(bond - 2.0) > 1e-6)
      throw InputError(s.crystal.source + ": pseudo-hydrogens need two-electron bonds, but a " + element(Za).symbol +
                       "-" + element(Zb).symbol + " bond holds " + fixed(bond, 3) +
                       " electrons by valence over coordination (they suit tetrahedral lattices such as wurtzite): use h or oh");
    mol.atoms.push_back({1, along_bond, q});
  } else if (!cap.metal) {
    mol.atoms.push_back({1, along_bond});
  } else if (terminate == Termination::hydroxyl) {
    mol.atoms.push_back({8, x});  // O on the missing neighbour's site, H pointing away
    mol.atoms.push_back({1, along(x, u, 0.97 * units::angstrom_in_bohr)});
  } else if (cap.atoms.size() == 1) {  // terminal hydride along the cut bond
    mol.atoms.push_back({1, along_bond});
  } else {  // bridging hydride on the missing neighbour's site
    mol.atoms.push_back({1, x});
  }
}

/// Sets the cut's formal charge (when every unit has one) and the molecule's charge: the one
/// asked for, else the formal charge.
void set_charges(const Surroundings& s, const std::vector<char>& in, const std::optional<int>& charge, Cluster& out) {
  const std::string& where = s.crystal.source;
  if (const auto f = s.formal(in)) {
    if (std::abs(*f - std::round(*f)) > 1e-6)
      throw InputError(where + ": the cut's formal charge is " + fixed(*f, 3) + ", not a whole number; choose another radius");
    out.formal_charge = static_cast<int>(std::lround(*f));
  }
  if (charge)
    out.molecule.charge = *charge;
  else if (out.formal_charge)
    out.molecule.charge = *out.formal_charge;
  else
    throw InputError(where + ": the cluster contains a group without a formal charge in cagescreen's table; give --charge");
}

const char* termination_name(Termination t) {
  return t == Termination::none       ? "none"
         : t == Termination::hydrogen ? "h"
         : t == Termination::hydroxyl ? "oh"
                                      : "pseudo";
}

/// The molecule's name and the cut's description (key=value settings for the XYZ comment).
void name_cut(const ClusterOptions& opt, const std::string& center_tag, Cluster& out) {
  Molecule& mol = out.molecule;
  mol.name = out.crystal + "_" + center_tag + "_r" + fixed(opt.radius_angstrom, 2);
  for (auto& ch : mol.name)
    if (ch == ',' || ch == ' ') ch = '_';
  out.description = "center=" + center_tag + " radius_angstrom=" + fixed(opt.radius_angstrom, 3) +
                    " stoichiometric=" + (opt.stoichiometric ? "true" : "false") +
                    " termination=" + termination_name(opt.terminate);
}

/// Refuses atoms that collide and nuclear charges that leave no whole number of electrons; sets
/// the lowest multiplicity.
void check_molecule(const std::string& where, Molecule& mol) {
  check_distances(mol, where + " (cluster " + mol.name + ")", {}, 0.5);
  if (const double q = mol.nuclear_charge(); std::abs(q - std::round(q)) > 1e-6)
    throw InputError(where + ": pseudo-hydrogen caps give nuclear charges summing to " + fixed(q, 4) +
                     " (no whole number of electrons; they suit tetrahedral lattices such as wurtzite): use h or oh");
  finalize_spin(mol, where + " (cluster " + mol.name + ")");
}

/// Symmetry of the cut: the point group of the site operations that map the cluster onto itself.
std::string cut_point_group(const SiteOperations& site, const Molecule& mol, double symprec_angstrom) {
  std::vector<std::array<std::array<int, 3>, 3>> kept;
  const double tol = std::max(3 * symprec_angstrom, 0.02) * units::angstrom_in_bohr;
  for (size_t k = 0; k < site.M.size(); ++k) {
    const auto& M = site.M[k];
    bool maps = true;
    for (const auto& a : mol.atoms) {
      Vec3 r{};
      for (int i = 0; i < 3; ++i) r[i] = M[i][0] * a.r[0] + M[i][1] * a.r[1] + M[i][2] * a.r[2];
      if (std::none_of(mol.atoms.begin(), mol.atoms.end(),
                       [&](const Atom& b) { return b.Z == a.Z && norm(sub(b.r, r)) < tol; })) {
        maps = false;
        break;
      }
    }
    if (maps) kept.push_back(site.R[k]);
  }
  return schoenflies_of_point_group(point_group_of(kept));
}

}  // namespace

Cluster carve_cluster(const Crystal& crystal, const ClusterOptions& opt) {
  check_options(crystal, opt);
  const auto sym = analyse_symmetry(crystal, opt.symprec_angstrom);
  const Centre centre = find_centre(crystal, sym, opt.center);
  Cluster out;
  const std::string center_tag = describe_centre(crystal, sym, centre, opt.radius_angstrom, out);
  const Vec3 center = crystal.cartesian(centre.frac);
  const SiteOperations site = site_operations(crystal, sym, centre.frac, opt.symprec_angstrom);
  if (centre.site < 0) out.site_symmetry = point_group_of(site.R);

  // Whole units (metal atoms; connected groups of non-metal atoms) whose anchors lie within the
  // radius, in one piece; with --stoichiometric, units near the surface added or removed until
  // the formal charge is right.
  const double R = opt.radius_angstrom * units::angstrom_in_bohr;
  const Surroundings s = surroundings(crystal, center, R, opt.terminate);
  std::vector<char> in = units_within(s, R, opt.radius_angstrom, center_tag);
  keep_central_piece(s, in);
  if (opt.stoichiometric) balance_charge(s, site.M, opt, center_tag, in);

  // The molecule: units by distance, then caps.
  out.units = add_units(s, in, out.molecule);
  if (opt.terminate != Termination::none)
    for (const auto& cap : s.caps_of(in)) {
      add_cap(s, cap, opt.terminate, out.molecule);
      ++out.caps;
    }
  set_charges(s, in, opt.charge, out);
  name_cut(opt, center_tag, out);
  check_molecule(crystal.source, out.molecule);
  out.point_group = cut_point_group(site, out.molecule, opt.symprec_angstrom);
  return out;
}

}  // namespace cagescreen::molecules
