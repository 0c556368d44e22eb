#include "molecules/crystal.hpp"

#include <spglib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include "molecules/data_dir.hpp"
#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/parse.hpp"
#include "molecules/text.hpp"
#include "molecules/units.hpp"

namespace cagescreen::molecules {

Vec3 Crystal::cartesian(const Vec3& f) const {
  Vec3 r{};
  for (int k = 0; k < 3; ++k) r[k] = f[0] * cell[0][k] + f[1] * cell[1][k] + f[2] * cell[2][k];
  return r;
}

namespace {

Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

/// Reads a number, dropping a CIF standard uncertainty "(5)"; nullopt when not a number.
std::optional<double> to_number(std::string s) {
  if (const auto p = s.find('('); p != std::string::npos && s.back() == ')') s = s.substr(0, p);
  return parse_real(s);
}

/// Element from a CIF type symbol or label ("Zn2+", "O1", "Zn", "H1A"): the leading letters,
/// trying two letters then one.
std::optional<int> element_of_label(const std::string& s) {
  std::string letters;
  for (char c : s) {
    if (!std::isalpha(static_cast<unsigned char>(c))) break;
    letters += c;
  }
  if (letters.size() >= 2) {
    if (auto Z = find_element(letters.substr(0, 2))) return Z;
  }
  if (!letters.empty()) return find_element(letters.substr(0, 1));
  return std::nullopt;
}

/// Wraps a fractional coordinate into [0, 1).
double wrap(double x) {
  x -= std::floor(x);
  return x >= 1.0 - 1e-12 ? 0.0 : x;
}

/// A symmetry operation on fractional coordinates: f' = R f + t.
struct SymOp {
  std::array<std::array<int, 3>, 3> R{};
  Vec3 t{};
};

/// Parses "x,y,z"-style operations: "-y+1/2, x-y, z+0.5".
std::optional<SymOp> parse_symop(const std::string& text) {
  std::string s;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c)) && c != '\'' && c != '"')
      s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  SymOp op;
  std::vector<std::string> parts;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  if (parts.size() != 3) return std::nullopt;
  for (int row = 0; row < 3; ++row) {
    const std::string& p = parts[row];
    if (p.empty()) return std::nullopt;
    size_t i = 0;
    while (i < p.size()) {
      int sign = 1;
      if (p[i] == '+' || p[i] == '-') {
        sign = p[i] == '-' ? -1 : 1;
        ++i;
      }
      if (i >= p.size()) return std::nullopt;
      if (p[i] == 'x' || p[i] == 'y' || p[i] == 'z') {
        op.R[row][p[i] - 'x'] += sign;
        ++i;
        continue;
      }
      size_t j = i;
      while (j < p.size() && (std::isdigit(static_cast<unsigned char>(p[j])) || p[j] == '.' || p[j] == '/')) ++j;
      if (j == i) return std::nullopt;
      const std::string num = p.substr(i, j - i);
      double v = 0;
      if (const auto slash = num.find('/'); slash != std::string::npos) {
        const auto a = to_number(num.substr(0, slash)), b = to_number(num.substr(slash + 1));
        if (!a || !b || *b == 0) return std::nullopt;
        v = *a / *b;
      } else {
        const auto a = to_number(num);
        if (!a) return std::nullopt;
        v = *a;
      }
      i = j;
      if (i < p.size() && (p[i] == 'x' || p[i] == 'y' || p[i] == 'z')) {  // a coefficient: "2x"
        if (v != std::round(v) || v > 10) return std::nullopt;
        op.R[row][p[i] - 'x'] += sign * static_cast<int>(v);
        ++i;
        continue;
      }
      op.t[row] += sign * v;
    }
  }
  return op;
}

std::string normalized_symbol(const std::string& s) {
  std::string out;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c)) && c != '_' && c != '\'' && c != '"') out += c;
  return lower(out);
}

/// Operations of spglib's database for one Hall number (1..530).
std::vector<SymOp> database_operations(int hall) {
  int rot[192][3][3];
  double trans[192][3];
  const int n = spg_get_symmetry_from_database(rot, trans, hall);
  std::vector<SymOp> ops(n);
  for (int k = 0; k < n; ++k)
    for (int i = 0; i < 3; ++i) {
      ops[k].t[i] = trans[k][i];
      for (int j = 0; j < 3; ++j) ops[k].R[i][j] = rot[k][i][j];
    }
  return ops;
}

/// A Hall symbol compared as spglib writes it: lower case, single spaces (they separate the
/// generators: "P 32" is P3_2, "P 3 2" is P312), and the double prime '"' written as '='.
std::string normalized_hall(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c == '"' ? '=' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

/// Hall number whose Hermann–Mauguin symbol (short, full or with setting; without spaces and
/// underscores these are unique per space-group type) or Hall symbol matches.
int hall_number_of(const std::string& name, bool is_hall) {
  const std::string key = is_hall ? normalized_hall(name) : normalized_symbol(name);
  for (int h = 1; h <= 530; ++h) {
    const SpglibSpacegroupType t = spg_get_spacegroup_type(h);
    if (is_hall) {
      if (normalized_hall(t.hall_symbol) == key) return h;
    } else if (normalized_symbol(t.international_short) == key ||
               normalized_symbol(t.international_full) == key ||
               normalized_symbol(t.international) == key) {
      return h;
    }
  }
  return 0;
}

/// First Hall number of an International Tables number.
int hall_number_of_it(int number) {
  for (int h = 1; h <= 530; ++h)
    if (spg_get_spacegroup_type(h).number == number) return h;
  return 0;
}

/// Builds a cell (rows, Bohr) from lengths (Å) and angles (degrees): a along x, b in the xy plane.
Mat3 cell_from_parameters(double a, double b, double c, double alpha, double beta, double gamma) {
  const double d = M_PI / 180.0;
  const double ca = std::cos(alpha * d), cb = std::cos(beta * d), cg = std::cos(gamma * d),
               sg = std::sin(gamma * d);
  const double cx = cb, cy = (ca - cb * cg) / sg;
  const double cz = std::sqrt(std::max(0.0, 1.0 - cx * cx - cy * cy));
  const double k = units::angstrom_in_bohr;
  return Mat3{Vec3{a * k, 0.0, 0.0}, Vec3{b * cg * k, b * sg * k, 0.0}, Vec3{c * cx * k, c * cy * k, c * cz * k}};
}

/// Fills missing labels with element symbol plus a per-element counter.
void label_sites(Crystal& c) {
  std::map<int, int> count;
  for (auto& s : c.sites) {
    ++count[s.Z];
    if (s.label.empty()) s.label = std::string(element(s.Z).symbol) + std::to_string(count[s.Z]);
  }
}

// ---------------------------------------------------------------- CIF tokens

struct Token {
  std::string text;
  int line;
  bool quoted;  ///< quoted or text field: never a keyword
};

std::vector<Token> cif_tokens(const std::string& text, const std::string& source) {
  std::vector<Token> out;
  std::istringstream in(text);
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] == ';') {  // text field up to a line starting with ';'
      const int start = line_no;
      std::string field = line.substr(1);
      bool closed = false;
      for (std::string l; std::getline(in, l);) {
        ++line_no;
        if (!l.empty() && l.back() == '\r') l.pop_back();
        if (!l.empty() && l[0] == ';') {
          closed = true;
          break;
        }
        field += "\n" + l;
      }
      if (!closed) throw InputError(located(source, start, "text field opened with ';' is never closed"));
      out.push_back({field, start, true});
      continue;
    }
    size_t i = 0;
    while (i < line.size()) {
      const char c = line[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      if (c == '#') break;
      if (c == '\'' || c == '"') {  // quote closes at the same quote followed by blank or end
        size_t j = i + 1;
        while (j < line.size() && !(line[j] == c && (j + 1 == line.size() || std::isspace(static_cast<unsigned char>(line[j + 1])))))
          ++j;
        if (j >= line.size()) throw InputError(located(source, line_no, "unterminated quoted string"));
        out.push_back({line.substr(i + 1, j - i - 1), line_no, true});
        i = j + 1;
        continue;
      }
      size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
      out.push_back({line.substr(i, j - i), line_no, false});
      i = j;
    }
  }
  return out;
}

bool is_keyword(const Token& t, const char* word) {
  return !t.quoted && lower(t.text).rfind(word, 0) == 0;
}

struct CifValue {
  std::string text;
  int line;
};

/// One data block: single items and loops (columns by tag).
struct CifBlock {
  std::map<std::string, CifValue> items;
  std::vector<std::map<std::string, std::vector<CifValue>>> loops;
  int line = 0;

  const std::map<std::string, std::vector<CifValue>>* loop_with(const std::string& tag) const {
    for (const auto& l : loops)
      if (l.count(tag)) return &l;
    return nullptr;
  }
};

/// The first data block with fractional atom sites (else the first block): a CIF's leading
/// `data_global` block of publication data is skipped.
CifBlock first_block(const std::string& text, const std::string& source) {
  const auto tok = cif_tokens(text, source);
  size_t i = 0;
  std::optional<CifBlock> first;
  while (i < tok.size() && !is_keyword(tok[i], "data_")) {
    if (!tok[i].quoted && tok[i].text[0] == '_')
      throw InputError(located(source, tok[i].line, "CIF item " + in_quotes(tok[i].text) + " before any data_ block"));
    ++i;
  }
  if (i == tok.size()) throw InputError(located(source, 0, "not a CIF file: no data_ block"));
  for (;;) {
  CifBlock block;
  block.line = tok[i].line;
  ++i;
  while (i < tok.size() && !is_keyword(tok[i], "data_")) {
    const Token& t = tok[i];
    if (is_keyword(t, "loop_")) {
      ++i;
      std::vector<std::string> tags;
      while (i < tok.size() && !tok[i].quoted && tok[i].text[0] == '_') tags.push_back(lower(tok[i++].text));
      if (tags.empty()) throw InputError(located(source, t.line, "loop_ without tags"));
      for (size_t k = 0; k < tags.size(); ++k)
        if (std::find(tags.begin(), tags.begin() + k, tags[k]) != tags.begin() + k)
          throw InputError(located(source, t.line, "loop_ lists the tag " + in_quotes(tags[k]) + " twice"));
      std::vector<CifValue> values;
      while (i < tok.size() && !(!tok[i].quoted && (tok[i].text[0] == '_' || is_keyword(tok[i], "loop_") ||
                                                   is_keyword(tok[i], "data_")))) {
        values.push_back({tok[i].text, tok[i].line});
        ++i;
      }
      if (values.size() % tags.size() != 0)
        throw InputError(located(source, values.empty() ? t.line : values.back().line,
                                 "loop_ starting on line " + std::to_string(t.line) + " has " +
                                     std::to_string(values.size()) + " values for " + std::to_string(tags.size()) +
                                     " columns (not a whole number of rows)"));
      std::map<std::string, std::vector<CifValue>> loop;
      for (size_t k = 0; k < values.size(); ++k) loop[tags[k % tags.size()]].push_back(values[k]);
      for (const auto& tag : tags) loop[tag];  // columns exist even when the loop is empty
      block.loops.push_back(std::move(loop));
      continue;
    }
    if (!t.quoted && t.text[0] == '_') {
      if (i + 1 >= tok.size() || (!tok[i + 1].quoted && (tok[i + 1].text[0] == '_' || is_keyword(tok[i + 1], "loop_"))))
        throw InputError(located(source, t.line, "CIF item " + in_quotes(t.text) + " has no value"));
      block.items[lower(t.text)] = {tok[i + 1].text, tok[i + 1].line};
      i += 2;
      continue;
    }
    throw InputError(located(source, t.line, "unexpected " + in_quotes(t.text) + " (expected a _tag, loop_ or data_)"));
  }
  if (block.loop_with("_atom_site_fract_x")) return block;
  if (!first) first = block;
  if (i >= tok.size()) return *first;
  }
}

double required_number(const CifBlock& b, const std::string& tag, const std::string& source, double lo, double hi) {
  const auto it = b.items.find(tag);
  if (it == b.items.end())
    throw InputError(located(source, 0, "missing " + tag + " (the cell is required)"));
  const auto v = to_number(it->second.text);
  if (!v) throw InputError(located(source, it->second.line, tag + " is not a number: " + in_quotes(it->second.text)));
  if (*v <= lo || *v >= hi)
    throw InputError(located(source, it->second.line, tag + " = " + it->second.text + " is out of range"));
  return *v;
}

/// A single item with a value ('?' and '.' mean unknown and count as absent).
const CifValue* given(const CifBlock& b, const std::string& tag) {
  const auto it = b.items.find(tag);
  if (it == b.items.end() || it->second.text == "?" || it->second.text == ".") return nullptr;
  return &it->second;
}

/// Symmetry operations of a CIF block: explicit list, Hall symbol, H-M name or IT number.
std::vector<SymOp> cif_symmetry_unchecked(const CifBlock& b, const std::string& source) {
  for (const char* tag : {"_space_group_symop_operation_xyz", "_symmetry_equiv_pos_as_xyz"}) {
    if (const auto* loop = b.loop_with(tag)) {
      std::vector<SymOp> ops;
      for (const auto& v : loop->at(tag)) {
        const auto op = parse_symop(v.text);
        if (!op) throw InputError(located(source, v.line, "cannot read symmetry operation " + in_quotes(v.text)));
        ops.push_back(*op);
      }
      if (!ops.empty()) return ops;
    }
    if (const CifValue* v = given(b, tag)) {  // a single operation
      const auto op = parse_symop(v->text);
      if (!op) throw InputError(located(source, v->line, "cannot read symmetry operation " + in_quotes(v->text)));
      return {*op};
    }
  }
  for (const char* tag : {"_space_group_name_hall", "_symmetry_space_group_name_hall"}) {
    if (const CifValue* v = given(b, tag)) {
      const int h = hall_number_of(v->text, true);
      if (!h) throw InputError(located(source, v->line, "unknown Hall symbol " + in_quotes(v->text)));
      return database_operations(h);
    }
  }
  for (const char* tag : {"_space_group_name_h-m_alt", "_symmetry_space_group_name_h-m"}) {
    if (const CifValue* v = given(b, tag)) {
      const int h = hall_number_of(v->text, false);
      if (!h) throw InputError(located(source, v->line, "unknown space-group name " + in_quotes(v->text)));
      return database_operations(h);
    }
  }
  for (const char* tag : {"_space_group_it_number", "_symmetry_int_tables_number"}) {
    if (const CifValue* v = given(b, tag)) {
      const auto n = to_number(v->text);
      if (!n || *n < 1 || *n > 230 || *n != std::round(*n))
        throw InputError(located(source, v->line, "space-group number must be 1..230, got " + in_quotes(v->text)));
      return database_operations(hall_number_of_it(static_cast<int>(*n)));
    }
  }
  throw InputError(located(source, b.line,
                           "no symmetry given: add _space_group_symop_operation_xyz operations, a "
                           "_space_group_name_H-M_alt name or _space_group_IT_number (use 'x,y,z' for P1)"));
}

/// cif_symmetry_unchecked, then a check that every operation is a symmetry of the cell's metric
/// (integer rotation with determinant ±1 and R^T G R = G): a name or number resolves to spglib's
/// first setting, which need not be the file's (rhombohedral axes, another origin choice).
std::vector<SymOp> cif_symmetry(const CifBlock& b, const std::string& source, const Mat3& cell) {
  const auto ops = cif_symmetry_unchecked(b, source);
  double G[3][3], gmax = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) gmax = std::max(gmax, std::abs(G[i][j] = dot(cell[i], cell[j])));
  for (size_t k = 0; k < ops.size(); ++k) {
    const auto& R = ops[k].R;
    const long det = static_cast<long>(R[0][0]) * (R[1][1] * R[2][2] - R[1][2] * R[2][1]) -
                     static_cast<long>(R[0][1]) * (R[1][0] * R[2][2] - R[1][2] * R[2][0]) +
                     static_cast<long>(R[0][2]) * (R[1][0] * R[2][1] - R[1][1] * R[2][0]);
    double worst = 0;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        double g = 0;
        for (int p = 0; p < 3; ++p)
          for (int q = 0; q < 3; ++q) g += R[p][i] * G[p][q] * R[q][j];
        worst = std::max(worst, std::abs(g - G[i][j]));
      }
    if (std::abs(det) != 1)
      throw InputError(located(source, b.line,
                               "symmetry operation " + std::to_string(k + 1) + " of " + std::to_string(ops.size()) +
                                   " is not an isometry: its rotation part has determinant " + std::to_string(det) +
                                   ", not +1 or -1"));
    if (worst > 2e-3 * gmax)
      throw InputError(located(source, b.line,
                               "symmetry operation " + std::to_string(k + 1) + " of " + std::to_string(ops.size()) +
                                   " does not fit the cell (it changes the metric" +
                                   "): the symmetry is in another setting than the cell; give the operations explicitly "
                                   "(_space_group_symop_operation_xyz)"));
  }
  return ops;
}

}  // namespace

Vec3 Crystal::fractional(const Vec3& r) const {
  // f = r · (reciprocal rows) / V: the rows of the inverse transposed cell.
  const Vec3 bc = cross(cell[1], cell[2]), ca = cross(cell[2], cell[0]), ab = cross(cell[0], cell[1]);
  const double v = dot(cell[0], bc);
  return {dot(r, bc) / v, dot(r, ca) / v, dot(r, ab) / v};
}

double Crystal::volume() const { return std::abs(dot(cell[0], cross(cell[1], cell[2]))); }

std::string Crystal::formula() const {
  std::map<int, int> count;
  for (const auto& s : sites) ++count[s.Z];
  auto put = [](std::string& out, int Z, int n) {
    out += element(Z).symbol;
    if (n > 1) out += std::to_string(n);
  };
  std::string out;
  const bool has_c = count.count(6) > 0;
  if (has_c) {
    put(out, 6, count[6]);
    if (count.count(1)) put(out, 1, count[1]);
  }
  std::vector<std::pair<std::string, int>> rest;
  for (const auto& [Z, n] : count)
    if (!(has_c && (Z == 6 || Z == 1))) rest.emplace_back(element(Z).symbol, Z);
  std::sort(rest.begin(), rest.end());
  for (const auto& [sym, Z] : rest) put(out, Z, count[Z]);
  return out;
}

Crystal parse_cif(const std::string& text, const std::string& source) {
  check_no_control_characters(text, source);
  const CifBlock b = first_block(text, source);
  Crystal c;
  c.source = source;
  if (const auto it = b.items.find("_chemical_name_mineral"); it != b.items.end()) c.name = it->second.text;
  const double a = required_number(b, "_cell_length_a", source, 0.5, 500),
               bb = required_number(b, "_cell_length_b", source, 0.5, 500),
               cc = required_number(b, "_cell_length_c", source, 0.5, 500),
               al = required_number(b, "_cell_angle_alpha", source, 10, 170),
               be = required_number(b, "_cell_angle_beta", source, 10, 170),
               ga = required_number(b, "_cell_angle_gamma", source, 10, 170);
  c.cell = cell_from_parameters(a, bb, cc, al, be, ga);
  if (c.volume() < 1e-3) throw InputError(located(source, b.items.at("_cell_angle_gamma").line, "cell angles give no volume"));

  const auto* loop = b.loop_with("_atom_site_fract_x");
  std::map<std::string, std::vector<CifValue>> single;  // one atom given as plain items
  if (!loop && b.items.count("_atom_site_fract_x")) {
    for (const auto& [tag, v] : b.items)
      if (tag.rfind("_atom_site_", 0) == 0) single[tag].push_back(v);
    loop = &single;
  }
  if (!loop) {
    if (b.loop_with("_atom_site_cartn_x") || b.items.count("_atom_site_cartn_x"))
      throw InputError(located(source, 0, "atom sites are Cartesian (_atom_site_Cartn_x): only fractional coordinates are supported"));
    throw InputError(located(source, 0, "no _atom_site_ loop with _atom_site_fract_x/y/z"));
  }
  const int loop_line = loop->at("_atom_site_fract_x").empty() ? 0 : loop->at("_atom_site_fract_x")[0].line;
  for (const char* tag : {"_atom_site_fract_y", "_atom_site_fract_z"})
    if (!loop->count(tag)) throw InputError(located(source, loop_line, std::string("the _atom_site_ loop has no ") + tag));
  const auto* type = loop->count("_atom_site_type_symbol") ? &loop->at("_atom_site_type_symbol") : nullptr;
  const auto* label = loop->count("_atom_site_label") ? &loop->at("_atom_site_label") : nullptr;
  const auto* occ = loop->count("_atom_site_occupancy") ? &loop->at("_atom_site_occupancy") : nullptr;
  if (!type && !label)
    throw InputError(located(source, loop_line, "the _atom_site_ loop has neither _atom_site_type_symbol nor _atom_site_label"));
  const auto& fx = loop->at("_atom_site_fract_x");
  if (fx.empty()) throw InputError(located(source, 0, "the _atom_site_ loop has no atoms"));

  std::vector<CrystalSite> asym;
  for (size_t i = 0; i < fx.size(); ++i) {
    const int line = fx[i].line;
    const std::string& name = label ? (*label)[i].text : (*type)[i].text;
    const std::string& sym = type ? (*type)[i].text : (*label)[i].text;
    const auto Z = element_of_label(sym);
    if (!Z) throw InputError(located(source, line, "unknown element " + in_quotes(sym) + " (atom " + name + ")"));
    if (occ) {
      const auto o = to_number((*occ)[i].text);
      if (!o && (*occ)[i].text != "." && (*occ)[i].text != "?")
        throw InputError(located(source, (*occ)[i].line, "occupancy of " + name + " is not a number: " + in_quotes((*occ)[i].text)));
      if (o && std::abs(*o - 1.0) > 1e-3)
        throw InputError(located(source, (*occ)[i].line, "atom " + name + " has occupancy " + (*occ)[i].text +
                                                             ": partial occupancy (disorder) is not supported"));
    }
    CrystalSite s;
    s.Z = *Z;
    s.label = name;
    s.line = line;
    const std::vector<CifValue>* col[3] = {&fx, &loop->at("_atom_site_fract_y"), &loop->at("_atom_site_fract_z")};
    for (int k = 0; k < 3; ++k) {
      const auto v = to_number((*col[k])[i].text);
      if (!v) throw InputError(located(source, (*col[k])[i].line, std::string("fractional ") + "xyz"[k] + " of " + name +
                                                                     " is not a number: " + in_quotes((*col[k])[i].text)));
      s.frac[k] = *v;
    }
    asym.push_back(s);
  }

  // Expand by symmetry; merge copies closer than 0.02 Å (special positions).
  const auto ops = cif_symmetry(b, source, c.cell);
  const double merge = 0.02 * units::angstrom_in_bohr;
  for (const auto& s : asym) {
    for (const auto& op : ops) {
      Vec3 f{};
      for (int i = 0; i < 3; ++i) f[i] = wrap(op.R[i][0] * s.frac[0] + op.R[i][1] * s.frac[1] + op.R[i][2] * s.frac[2] + op.t[i]);
      bool duplicate = false;
      for (const auto& e : c.sites) {
        Vec3 d{};
        for (int i = 0; i < 3; ++i) d[i] = f[i] - e.frac[i] - std::round(f[i] - e.frac[i]);
        const Vec3 r = c.cartesian(d);
        if (std::sqrt(dot(r, r)) < merge) {
          if (e.Z != s.Z)
            throw InputError(located(source, s.line, "atom " + s.label + " and atom " + e.label +
                                                         " occupy the same position (disorder is not supported)"));
          duplicate = true;
          break;
        }
      }
      if (!duplicate) c.sites.push_back({s.Z, f, s.label, s.line});
      if (c.sites.size() > 5000)
        throw InputError(located(source, s.line, "the cell holds more than 5000 atoms after symmetry expansion; "
                                                 "cagescreen reads cells of up to 5000 atoms"));
    }
  }
  check_crystal_distances(c);
  return c;
}

Crystal parse_poscar(const std::string& text, const std::string& source) {
  check_no_control_characters(text, source);
  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
      if (!l.empty() && l.back() == '\r') l.pop_back();
      lines.push_back(l);
    }
  }
  auto line_tokens = [&](size_t i, const std::string& what) {
    if (i >= lines.size()) throw InputError(located(source, static_cast<int>(i + 1), "file ends before " + what));
    return split_ws(lines[i]);
  };
  auto number = [&](const std::string& s, size_t i, const std::string& what) {
    const auto v = to_number(s);
    if (!v) throw InputError(located(source, static_cast<int>(i + 1), what + " is not a number: " + in_quotes(s)));
    return *v;
  };
  Crystal c;
  c.source = source;
  if (lines.empty()) throw InputError(located(source, 0, "empty file"));
  c.name = lines[0].substr(0, lines[0].find_first_of("\t"));
  while (!c.name.empty() && std::isspace(static_cast<unsigned char>(c.name.back()))) c.name.pop_back();

  const auto scale_tok = line_tokens(1, "the scale factor");
  if (scale_tok.empty()) throw InputError(located(source, 2, "expected the scale factor"));
  const double scale = number(scale_tok[0], 1, "scale factor");
  if (scale == 0) throw InputError(located(source, 2, "scale factor is zero"));
  for (int i = 0; i < 3; ++i) {
    const auto tok = line_tokens(2 + i, "lattice vector " + std::to_string(i + 1));
    if (tok.size() < 3) throw InputError(located(source, 3 + i, "expected three components of lattice vector " + std::to_string(i + 1)));
    for (int k = 0; k < 3; ++k) c.cell[i][k] = number(tok[k], 2 + i, "lattice component") * units::angstrom_in_bohr;
  }
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 3; ++k)
      if (!std::isfinite(c.cell[i][k]) || std::abs(c.cell[i][k]) > 1e4)
        throw InputError(located(source, 3 + i, "lattice vector " + std::to_string(i + 1) + " is not finite or beyond 5000 Angstrom"));
  const double v0 = c.volume();
  if (!(v0 >= 1e-6)) throw InputError(located(source, 5, "lattice vectors are linearly dependent (zero cell volume)"));
  const double f = scale > 0 ? scale : std::cbrt(-scale * std::pow(units::angstrom_in_bohr, 3) / v0);
  if (!std::isfinite(f) || !(std::abs(scale) < 1e6))
    throw InputError(located(source, 2, "scale factor " + scale_tok[0] + " is out of range"));
  for (auto& row : c.cell)
    for (auto& x : row) x *= f;

  const auto symbols = line_tokens(5, "the element symbols");
  if (symbols.empty() || to_number(symbols[0]))
    throw InputError(located(source, 6, "expected element symbols (VASP 5 format); VASP 4 files without them are not supported"));
  std::vector<int> Zs;
  for (const auto& s : symbols) {
    const std::string sym = s.substr(0, s.find_first_of("_/"));  // "Zn_pv", "O/abc123" (VASP 6)
    const auto Z = find_element(sym);
    if (!Z || std::isdigit(static_cast<unsigned char>(sym[0]))) throw InputError(located(source, 6, "unknown element " + in_quotes(s)));
    Zs.push_back(*Z);
  }
  const auto counts = line_tokens(6, "the atom counts");
  if (counts.size() != symbols.size())
    throw InputError(located(source, 7, "expected " + std::to_string(symbols.size()) + " atom counts (one per element), got " +
                                            std::to_string(counts.size())));
  std::vector<int> per;
  int total = 0;
  for (const auto& s : counts) {
    const auto v = to_number(s);
    if (!v || *v < 1 || *v != std::round(*v) || *v > 100000)
      throw InputError(located(source, 7, "atom count must be a positive integer, got " + in_quotes(s)));
    per.push_back(static_cast<int>(*v));
    total += per.back();
  }
  size_t li = 7;
  auto mode = line_tokens(li, "the coordinate mode");
  if (!mode.empty() && std::tolower(static_cast<unsigned char>(mode[0][0])) == 's') mode = line_tokens(++li, "the coordinate mode");
  if (mode.empty()) throw InputError(located(source, static_cast<int>(li + 1), "expected 'Direct' or 'Cartesian'"));
  const char m = static_cast<char>(std::tolower(static_cast<unsigned char>(mode[0][0])));
  if (m != 'd' && m != 'c' && m != 'k')
    throw InputError(located(source, static_cast<int>(li + 1), "expected 'Direct' or 'Cartesian', got " + in_quotes(lines[li])));
  const bool cartesian = m != 'd';
  ++li;
  for (size_t e = 0; e < per.size(); ++e) {
    for (int n = 0; n < per[e]; ++n, ++li) {
      const auto tok = line_tokens(li, "all " + std::to_string(total) + " atoms are listed");
      if (tok.size() < 3)
        throw InputError(located(source, static_cast<int>(li + 1), "expected three coordinates, got " + in_quotes(lines[li])));
      Vec3 x{};
      for (int k = 0; k < 3; ++k) x[k] = number(tok[k], li, "coordinate");
      CrystalSite s;
      s.Z = Zs[e];
      s.line = static_cast<int>(li + 1);
      if (cartesian) {
        for (auto& xi : x) xi *= (scale > 0 ? scale : f) * units::angstrom_in_bohr;
        s.frac = c.fractional(x);
      } else {
        s.frac = x;
      }
      for (auto& fi : s.frac) fi = wrap(fi);
      c.sites.push_back(s);
    }
  }
  label_sites(c);
  check_crystal_distances(c);
  return c;
}

void check_crystal_distances(const Crystal& crystal, double min_distance_angstrom) {
  const double dmin = min_distance_angstrom * units::angstrom_in_bohr;
  const auto& s = crystal.sites;
  if (s.size() > 5000)
    throw InputError(located(crystal.source, 0, "the cell holds " + std::to_string(s.size()) +
                                                    " atoms; cagescreen reads cells of up to 5000 atoms"));
  // Lattice translations that can bring two atoms (after the fractional minimum image, each
  // component in [-1/2, 1/2]) within dmin: |f_i + n_i| <= dmin / (plane spacing i), so
  // |n_i| <= dmin / spacing_i + 1/2. One for ordinary cells; more for thin or skewed ones.
  int nm[3];
  for (int i = 0; i < 3; ++i) {
    const Vec3 x = cross(crystal.cell[(i + 1) % 3], crystal.cell[(i + 2) % 3]);
    const double spacing = crystal.volume() / std::sqrt(dot(x, x));
    const double n = std::ceil(dmin / spacing + 0.5);  // (double first: a thin cell overflows int)
    // More images than this: a cell too thin or skewed to be a crystal cagescreen can cut.
    if (!(n <= 10))
      throw InputError(located(crystal.source, 0, "the cell's lattice planes along axis " + std::to_string(i + 1) +
                                                      " are closer than 0.05 Angstrom: the cell is too thin or skewed "
                                                      "(reduce it, e.g. to its Niggli cell)"));
    nm[i] = std::max(1, static_cast<int>(n));
  }
  for (size_t i = 0; i < s.size(); ++i)
    for (size_t j = 0; j <= i; ++j)
      for (int n0 = -nm[0]; n0 <= nm[0]; ++n0)
        for (int n1 = -nm[1]; n1 <= nm[1]; ++n1)
          for (int n2 = -nm[2]; n2 <= nm[2]; ++n2) {
            if (i == j && n0 == 0 && n1 == 0 && n2 == 0) continue;
            Vec3 d{};
            const int n[3] = {n0, n1, n2};
            for (int k = 0; k < 3; ++k) {
              const double x = s[i].frac[k] - s[j].frac[k];
              d[k] = x - std::round(x) + n[k];
            }
            const Vec3 r = crystal.cartesian(d);
            const double dist = std::sqrt(dot(r, r));
            if (dist < dmin) {
              std::ostringstream msg;
              msg << std::setprecision(3) << "atoms " << s[j].label << " and " << s[i].label << " are "
                  << dist * units::bohr_in_angstrom << " Angstrom apart in the crystal (closer than "
                  << min_distance_angstrom << " Angstrom)";
              throw InputError(located(crystal.source, s[i].line, msg.str()));
            }
          }
}

Crystal read_crystal_file(const std::string& path) {
  const std::string text = read_text_file(path);
  const std::string ext = lower(std::filesystem::path(path).extension().string());
  Crystal c = ext == ".cif" ? parse_cif(text, path) : parse_poscar(text, path);
  if (c.name.empty()) c.name = std::filesystem::path(path).stem().string();
  return c;
}

const std::vector<BuiltinCrystal>& builtin_crystals() {
  static const std::vector<BuiltinCrystal> list{
      {"zno-wurtzite", {"zno", "wurtzite"}, "zno-wurtzite.cif", "wurtzite ZnO, P6_3mc"},
      {"znf2-rutile", {"znf2"}, "znf2-rutile.cif", "rutile-type ZnF2, P4_2/mnm"},
      {"zn(oh)2-epsilon", {"zn(oh)2", "wulfingite", "epsilon-zn(oh)2"}, "zn_oh_2-epsilon.cif",
       "epsilon-Zn(OH)2 (wulfingite), P2_12_12_1, DFT-relaxed (see data/crystals/README.md)"},
  };
  return list;
}

std::optional<BuiltinCrystal> find_crystal(const std::string& name) { return find_named(builtin_crystals(), name); }

Crystal resolve_crystal(const std::string& input) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(input, ec)) return read_crystal_file(input);
  if (const auto b = find_crystal(input)) {
    Crystal c = read_crystal_file(data_dir() + "/crystals/" + b->file);
    c.name = b->name;
    return c;
  }
  throw InputError((input.size() > 200 ? input.substr(0, 200) + "..." : input) +
                   ": no such file and not a built-in crystal (see `cagescreen crystal --list`)");
}

std::string write_poscar(const Crystal& crystal) {
  std::vector<int> order;
  for (const auto& s : crystal.sites)
    if (std::find(order.begin(), order.end(), s.Z) == order.end()) order.push_back(s.Z);
  std::ostringstream out;
  out << (crystal.name.empty() ? "crystal" : crystal.name) << "\n1.0\n" << std::fixed << std::setprecision(10);
  for (const auto& row : crystal.cell)
    out << std::setw(18) << row[0] * units::bohr_in_angstrom << std::setw(18) << row[1] * units::bohr_in_angstrom
        << std::setw(18) << row[2] * units::bohr_in_angstrom << "\n";
  for (int Z : order) out << " " << element(Z).symbol;
  out << "\n";
  for (int Z : order)
    out << " " << std::count_if(crystal.sites.begin(), crystal.sites.end(), [&](const auto& s) { return s.Z == Z; });
  out << "\nDirect\n";
  for (int Z : order)
    for (const auto& s : crystal.sites)
      if (s.Z == Z) out << std::setw(16) << s.frac[0] << std::setw(16) << s.frac[1] << std::setw(16) << s.frac[2] << "\n";
  return out.str();
}

}  // namespace cagescreen::molecules
