#include "scf/basis.hpp"

#include <libint2/config.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "molecules/data_dir.hpp"
#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/parse.hpp"
#include "molecules/text.hpp"

namespace cagescreen::scf {
namespace {

/// A number in a basis file (Fortran's D exponent allowed); see cagescreen::parse_real.
bool parse_real(const std::string& s, double& v) {
  const auto r = cagescreen::parse_real(s, /*fortran_exponent=*/true);
  if (r) v = *r;
  return r.has_value();
}

// Exponents and contraction coefficients a basis file may hold (shipped sets: exponents from
// 7.5e-4 to 1.2e7, |coefficients| up to 1.5e3): beyond these, integrals overflow or lose all
// precision, and a file that has them is malformed.
constexpr double min_exponent = 1e-7, max_exponent = 1e10, max_coefficient = 1e6;

// Symbols of all elements, to recognise (and skip) basis blocks beyond our element table.
int any_element(const std::string& sym) {
  static const char* all[] = {
      "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si", "P",  "S",  "Cl",
      "Ar", "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se",
      "Br", "Kr", "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb",
      "Te", "I",  "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er",
      "Tm", "Yb", "Lu", "Hf", "Ta", "W",  "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At",
      "Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U",  "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No",
      "Lr", "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og"};
  for (int i = 0; i < 118; ++i)
    if (lower(sym) == lower(all[i])) return i + 1;
  return 0;
}

int shell_letter_l(const std::string& t) {
  static const std::string letters = "spdfghik";
  if (t.size() != 1) return -1;
  const auto pos = letters.find(static_cast<char>(std::tolower(static_cast<unsigned char>(t[0]))));
  return pos == std::string::npos ? -1 : static_cast<int>(pos);
}

// Shipped names and their files (psi4's file naming: * -> s, + -> p, ( , ) -> _).
const std::vector<std::pair<std::string, std::string>>& shipped() {
  static const std::vector<std::pair<std::string, std::string>> list{
      {"sto-3g", "sto-3g"},          {"3-21g", "3-21g"},
      {"6-31g", "6-31g"},            {"6-31g*", "6-31gs"},
      {"6-31g**", "6-31gss"},        {"6-31+g*", "6-31pgs"},
      {"6-311g**", "6-311gss"},      {"6-311+g(d,p)", "6-311pg_d_p_"},
      {"6-31g(2df,p)", "6-31g_2df_p_"}, {"6-31g(2df,p)-nwchem", "6-31g_2df_p_-nwchem"},
      {"def2-svp", "def2-svp"},
      {"def2-tzvp", "def2-tzvp"},    {"cc-pvdz", "cc-pvdz"},
      {"cc-pvtz", "cc-pvtz"},        {"def2-universal-jkfit", "def2-universal-jkfit"},
      {"def2-universal-jfit", "def2-universal-jfit"},
  };
  return list;
}

const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> m{
      {"6-31g(d)", "6-31g*"},         {"6-31g(d,p)", "6-31g**"},    {"6-31+g(d)", "6-31+g*"},
      {"6-311g(d,p)", "6-311g**"},    {"6-311+g**", "6-311+g(d,p)"}, {"sto3g", "sto-3g"},
      {"def2svp", "def2-svp"},        {"def2tzvp", "def2-tzvp"},     {"ccpvdz", "cc-pvdz"},
      {"ccpvtz", "cc-pvtz"},          {"def2-jkfit", "def2-universal-jkfit"},
      {"def2-jfit", "def2-universal-jfit"}, {"weigend", "def2-universal-jfit"},
  };
  return m;
}

}  // namespace

ShellType parse_shell_type(const std::string& text) {
  const auto t = lower(text);
  if (t == "auto") return ShellType::Auto;
  if (t == "spherical" || t == "pure") return ShellType::Spherical;
  if (t == "cartesian") return ShellType::Cartesian;
  if (t == "6d7f") return ShellType::Pople6D7F;
  throw InputError("shell type " + in_quotes(text) + " must be one of auto, spherical, cartesian, 6d7f");
}

std::string to_string(ShellType t) {
  switch (t) {
    case ShellType::Auto: return "auto";
    case ShellType::Spherical: return "spherical";
    case ShellType::Cartesian: return "cartesian";
    case ShellType::Pople6D7F: return "6d7f";
  }
  return "?";
}

std::vector<int> BasisSet::function_atoms() const {
  std::vector<int> a(nbf);
  for (size_t s = 0; s < shells.size(); ++s)
    for (int f = 0; f < shells[s].size(); ++f) a[offsets[s] + f] = shells[s].atom;
  return a;
}

int libint_max_l() {
  // ERI_MAX_AM_LIST is "energy,first-derivative"; LIBINT_MAX_AM the global limit.
#ifdef ERI_MAX_AM_LIST
  return std::atoi(ERI_MAX_AM_LIST);
#else
  return LIBINT_MAX_AM;
#endif
}

BasisFile parse_gbs(const std::string& text, const std::string& source) {
  check_no_control_characters(text, source);
  BasisFile file;
  file.path = source;
  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
      if (!l.empty() && l.back() == '\r') l.pop_back();
      const auto c = l.find_first_of("!#");
      if (c != std::string::npos) l = l.substr(0, c);
      lines.push_back(l);
    }
  }
  auto fail = [&](size_t i, const std::string& msg) -> void {
    throw InputError(located(source, static_cast<int>(i + 1), msg));
  };
  int current = 0;  // element being read (0: none)
  bool seen_header = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto t = split_ws(lines[i]);
    if (t.empty()) continue;
    const auto first = lower(t[0]);
    if (first == "****") {
      current = 0;
      continue;
    }
    if (t.size() == 1 && (first == "spherical" || first == "cartesian")) {
      if (seen_header || !file.elements.empty() || current != 0)
        fail(i, in_quotes(t[0]) + " must come once, before the first element");
      file.spherical_header = first == "spherical";
      seen_header = true;
      continue;
    }
    if (current == 0) {  // element line: "C 0" (Gaussian also allows "-C 0")
      std::string sym = t[0];
      if (!sym.empty() && sym[0] == '-') sym = sym.substr(1);
      const int Z = any_element(sym);
      if (!Z || t.size() != 2 || t[1] != "0")
        fail(i, "expected an element line such as 'C 0', got " + in_quotes(lines[i]));
      // An ECP section: "SYM 0", "SYM-ECP LMAX NCORE", then LMAX+1 blocks of a title line,
      // a count n and n lines "power exponent coefficient".
      size_t j = i + 1;
      while (j < lines.size() && split_ws(lines[j]).empty()) ++j;
      if (j < lines.size() && lower(split_ws(lines[j])[0]).ends_with("-ecp")) {
        const auto h = split_ws(lines[j]);
        const auto lmax = h.size() == 3 ? parse_integer_in(h[1], 0, 10) : std::nullopt;
        const auto ncore = h.size() == 3 ? parse_integer_in(h[2], 0, Z) : std::nullopt;
        if (!lmax || !ncore)
          fail(j, "expected an ECP header 'SYM-ECP LMAX NCORE' (LMAX 0..10, NCORE 0..Z), got " + in_quotes(lines[j]));
        for (long long b = 0; b <= *lmax; ++b) {
          ++j;  // title line
          const auto count = j + 1 < lines.size() && split_ws(lines[j + 1]).size() == 1
                                 ? parse_integer_in(split_ws(lines[j + 1])[0], 0, 1000)
                                 : std::nullopt;
          if (!count) fail(std::min(j + 1, lines.size() - 1), "malformed ECP block for " + sym);
          j += 1 + static_cast<size_t>(*count);
          if (j >= lines.size()) fail(lines.size() - 1, "the file ends inside the ECP of " + sym);
        }
        file.ecp_electrons[Z] = static_cast<int>(*ncore);
        i = j;
        continue;
      }
      if (file.elements.count(Z)) fail(i, "element " + sym + " appears twice");
      current = Z;
      file.elements[current];
      continue;
    }
    // shell line: TYPE NPRIM SCALE
    if (t.size() < 2 || t.size() > 3)
      fail(i, "expected a shell line such as 'S 3 1.00', got " + in_quotes(lines[i]));
    const auto type = lower(t[0]);
    const bool sp = type == "sp" || type == "l";
    const int l = sp ? 0 : shell_letter_l(type);
    if (l < 0) fail(i, "unknown shell type " + in_quotes(t[0]));
    double nprim_real = 0, scale = 1.0;
    if (!parse_real(t[1], nprim_real) || nprim_real < 1 || nprim_real != std::floor(nprim_real) || nprim_real > 100)
      fail(i, "number of primitives " + in_quotes(t[1]) + " must be a positive integer");
    if (t.size() == 3 && (!parse_real(t[2], scale) || scale <= 0))
      fail(i, "scale factor " + in_quotes(t[2]) + " must be a positive number");
    const int nprim = static_cast<int>(nprim_real);
    Shell s, p;
    s.l = l;
    p.l = 1;
    for (int k = 0; k < nprim; ++k) {
      const size_t j = i + 1 + k;
      if (j >= lines.size())
        fail(j - 1, "the file ends inside a shell (" + std::to_string(nprim) + " primitives announced)");
      const auto pt = split_ws(lines[j]);
      const size_t want = sp ? 3 : 2;
      if (pt.size() != want)
        fail(j, "expected " + std::to_string(want) + " numbers (exponent and coefficient" +
                    (sp ? "s for s and p" : "") + "), got " + in_quotes(lines[j]));
      double e = 0, c = 0, cp = 0;
      if (!parse_real(pt[0], e)) fail(j, "exponent " + in_quotes(pt[0]) + " is not a number");
      if (e <= 0) fail(j, "exponent " + in_quotes(pt[0]) + " must be positive");
      if (!parse_real(pt[1], c)) fail(j, "coefficient " + in_quotes(pt[1]) + " is not a number");
      if (sp && !parse_real(pt[2], cp)) fail(j, "coefficient " + in_quotes(pt[2]) + " is not a number");
      if (e * scale * scale < min_exponent || e * scale * scale > max_exponent)
        fail(j, "exponent " + in_quotes(pt[0]) + " (times the scale factor squared) is outside [1e-7, 1e10]");
      if (std::abs(c) > max_coefficient || std::abs(cp) > max_coefficient)
        fail(j, "contraction coefficient beyond 1e6 in absolute value");
      s.exponents.push_back(e * scale * scale);
      s.coefficients.push_back(c);
      if (sp) {
        p.exponents.push_back(e * scale * scale);
        p.coefficients.push_back(cp);
      }
    }
    auto all_zero = [](const std::vector<double>& c) {
      return std::all_of(c.begin(), c.end(), [](double x) { return x == 0.0; });
    };
    if (all_zero(s.coefficients) || (sp && all_zero(p.coefficients)))
      fail(i, "shell with only zero contraction coefficients");
    i += nprim;
    if (current > molecules::max_Z) continue;  // parsed for syntax, not kept
    file.elements[current].shells.push_back(s);
    if (sp) file.elements[current].shells.push_back(p);
  }
  if (file.elements.empty()) throw InputError(located(source, 0, "no basis functions in file"));
  return file;
}

std::vector<std::string> available_basis_sets() {
  std::vector<std::string> names;
  for (const auto& [n, f] : shipped()) names.push_back(n);
  return names;
}

std::string resolve_basis_path(const std::string& name) {
  namespace fs = std::filesystem;
  const auto l = lower(name);
  const bool looks_like_file = name.find('/') != std::string::npos ||
                               (l.size() > 4 && (l.ends_with(".gbs") || l.ends_with(".g94")));
  if (looks_like_file) {
    std::error_code ec;
    if (!fs::is_regular_file(name, ec)) throw InputError(name + ": basis file not found");
    return name;
  }
  std::string key = l;
  if (auto it = aliases().find(key); it != aliases().end()) key = it->second;
  for (const auto& [n, f] : shipped())
    if (n == key) return data_dir() + "/basis/" + f + ".gbs";
  std::string known;
  for (const auto& n : available_basis_sets()) known += (known.empty() ? "" : ", ") + n;
  throw InputError("unknown basis set " + in_quotes(name) + " (shipped: " + known + "; or give a path to a .gbs file)");
}

namespace {
BasisSet assemble_basis(const molecules::Molecule& mol, const std::string& name, ShellType type, int max_l) {
  const auto path = resolve_basis_path(name);
  const BasisFile file = parse_gbs(read_text_file(path), path);

  BasisSet basis;
  basis.name = path == name ? name : lower(name);  // keep a file path as given
  if (auto it = aliases().find(basis.name); it != aliases().end()) basis.name = it->second;
  // A "cartesian" header marks Pople-style sets: Gaussian's 6D 7F convention.
  basis.shell_type = type != ShellType::Auto ? type
                     : file.spherical_header  ? ShellType::Spherical
                                              : ShellType::Pople6D7F;
  for (size_t a = 0; a < mol.atoms.size(); ++a) {
    const int Z = mol.atoms[a].Z;
    auto it = file.elements.find(Z);
    if (it == file.elements.end())
      throw InputError(path + ": basis set " + in_quotes(name) + " has no functions for " +
                       molecules::element(Z).symbol + " (atom " + std::to_string(a + 1) + ")");
    if (it->second.shells.empty())
      throw InputError(path + ": basis set " + in_quotes(name) + " has no functions for " + molecules::element(Z).symbol +
                       " (atom " + std::to_string(a + 1) + ")");
    if (file.ecp_electrons.count(Z))
      throw InputError(path + ": basis set " + in_quotes(name) + " uses an effective core potential for " +
                       molecules::element(Z).symbol + ", which cagescreen does not support");
    for (Shell s : it->second.shells) {
      if (s.l > max_l)
        throw InputError(path + ": basis set " + in_quotes(name) + " has an L=" + std::to_string(s.l) + " shell on " +
                         molecules::element(Z).symbol + " but the installed libint2 computes these integrals only up to L=" +
                         std::to_string(max_l));
      s.center = mol.atoms[a].r;
      s.atom = static_cast<int>(a);
      s.pure = basis.shell_type == ShellType::Spherical ||
               (basis.shell_type == ShellType::Pople6D7F && s.l >= 3);
      if (s.l < 2) s.pure = false;  // s and p: same functions; Cartesian order x, y, z for p
      basis.offsets.push_back(basis.nbf);
      basis.nbf += s.size();
      basis.max_l = std::max(basis.max_l, s.l);
      basis.max_nprim = std::max(basis.max_nprim, static_cast<int>(s.exponents.size()));
      basis.shells.push_back(std::move(s));
    }
  }
  return basis;
}

}  // namespace

BasisSet build_basis(const molecules::Molecule& mol, const std::string& name, ShellType type) {
  return assemble_basis(mol, name, type, libint_max_l());
}

int libint_max_l_derivative() {
  // The entry after the first comma of ERI_MAX_AM_LIST: first-derivative ERIs.
#ifdef ERI_MAX_AM_LIST
  const char* list = ERI_MAX_AM_LIST;
  if (const char* comma = std::strchr(list, ',')) return std::atoi(comma + 1);
  return -1;  // this libint2 has no derivative ERIs
#elif defined(ERI_MAX_AM) && defined(INCLUDE_ERI)
  return INCLUDE_ERI >= 1 ? ERI_MAX_AM : -1;
#else
  return -1;
#endif
}

int libint_max_l_fitting() {
  // ERI3_MAX_AM_LIST is "energy,first-derivative" for three-centre integrals.
#ifdef ERI3_MAX_AM_LIST
  return std::atoi(ERI3_MAX_AM_LIST);
#else
  return LIBINT_MAX_AM;
#endif
}

BasisSet build_fitting_basis(const molecules::Molecule& mol, const std::string& name) {
  return assemble_basis(mol, name, ShellType::Spherical, libint_max_l_fitting());
}

}  // namespace cagescreen::scf
