#include "molecules/io.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/parse.hpp"
#include "molecules/text.hpp"
#include "molecules/units.hpp"

namespace cagescreen::molecules {
namespace {

bool parse_int(const std::string& s, int& value) {
  const auto v = parse_integer_in(s, -100000, 100000);
  if (v) value = static_cast<int>(*v);
  return v.has_value();
}

double parse_coordinate(const std::string& s, const std::string& source, int line, int atom, char axis) {
  const auto v = parse_real(s);
  if (!v)
    throw InputError(located(source, line, std::string(1, axis) + " coordinate of atom " + std::to_string(atom) +
                                               " is not a finite number: " + in_quotes(s)));
  if (std::abs(*v) > 1e4)
    throw InputError(located(source, line, std::string(1, axis) + " coordinate of atom " +
                                               std::to_string(atom) + " is beyond 10000 Angstrom: " + in_quotes(s)));
  return *v;
}

/// Sets a pseudo-atom's nuclear charge (kept only when it differs from Z).
void set_nuclear_charge(Atom& a, double q, const std::string& source, int line, size_t index) {
  if (!std::isfinite(q) || q <= 0 || q > 2.0 * a.Z + 2.0)
    throw InputError(located(source, line, "nuclear charge " + std::to_string(q) + " of atom " + std::to_string(index + 1) +
                                               " must be positive and at most 2 Z + 2"));
  if (std::abs(q - a.Z) > 1e-12) a.nuclear_charge = q;
}

/// Reads `pseudo_charges=I:Q,J:Q` (1-based atom, nuclear charge) from an XYZ comment line.
void parse_pseudo_charges(const std::string& comment, Molecule& mol, const std::string& source) {
  for (const auto& tok : split_ws(comment)) {
    if (tok.rfind("pseudo_charges=", 0) != 0) continue;
    std::istringstream in(tok.substr(15));
    for (std::string item; std::getline(in, item, ',');) {
      const auto colon = item.find(':');
      int index = 0;
      const auto q = colon == std::string::npos ? std::nullopt : parse_real(std::string_view(item).substr(colon + 1));
      if (!q || !parse_int(item.substr(0, colon), index))
        throw InputError(located(source, 2, "pseudo_charges: expected ATOM:CHARGE, got " + in_quotes(item)));
      if (index < 1 || index > static_cast<int>(mol.atoms.size()))
        throw InputError(located(source, 2, "pseudo_charges: atom " + std::to_string(index) + " does not exist"));
      set_nuclear_charge(mol.atoms[index - 1], *q, source, 2, index - 1);
    }
  }
}

// Reads `charge=` and `multiplicity=` (also `mult=`) from an XYZ comment line.
void parse_comment(const std::string& comment, Molecule& mol, const std::string& source) {
  for (const auto& tok : split_ws(comment)) {
    const auto eq = tok.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = lower(tok.substr(0, eq));
    std::string value = tok.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    int v = 0;
    if (key == "charge") {
      if (!parse_int(value, v))
        throw InputError(located(source, 2, "charge must be an integer, got " + in_quotes(value)));
      mol.charge = v;
    } else if (key == "multiplicity" || key == "mult") {
      if (!parse_int(value, v) || v < 1)
        throw InputError(located(source, 2, "multiplicity must be a positive integer, got " + in_quotes(value)));
      mol.multiplicity = v;
    }
  }
}

}  // namespace

Molecule parse_xyz(const std::string& text, const std::string& source) {
  check_no_control_characters(text, source);
  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
      if (!l.empty() && l.back() == '\r') l.pop_back();
      lines.push_back(l);
    }
  }
  size_t first = 0;
  while (first < lines.size() && split_ws(lines[first]).empty()) ++first;
  if (first == lines.size()) throw InputError(located(source, 0, "empty file"));
  if (first != 0)
    throw InputError(located(source, 1, "blank line before the atom count"));

  const auto head = split_ws(lines[0]);
  int natom = 0;
  if (head.size() != 1 || !parse_int(head[0], natom) || natom < 1)
    throw InputError(located(source, 1, "expected the number of atoms (a positive integer), got " + in_quotes(lines[0])));

  Molecule mol;
  if (lines.size() > 1) {
    parse_comment(lines[1], mol, source);
    const auto tok = split_ws(lines[1]);
    if (!tok.empty() && tok[0].find('=') == std::string::npos) mol.name = tok[0];
  }
  std::vector<int> atom_lines;
  size_t li = 2;
  for (int i = 0; i < natom; ++i, ++li) {
    if (li >= lines.size() || split_ws(lines[li]).empty())
      throw InputError(located(source, static_cast<int>(li + 1),
                               "wrong atom count: the first line says " + std::to_string(natom) +
                                   " atoms but only " + std::to_string(i) + " atom lines follow"));
    const auto tok = split_ws(lines[li]);
    const int line_no = static_cast<int>(li + 1);
    if (tok.size() < 4)
      throw InputError(located(source, line_no, "expected 'symbol x y z', got " + in_quotes(lines[li])));
    const auto Z = find_element(tok[0]);
    if (!Z) throw InputError(located(source, line_no, "unknown element " + in_quotes(tok[0])));
    Atom a;
    a.Z = *Z;
    for (int k = 0; k < 3; ++k)
      a.r[k] = parse_coordinate(tok[1 + k], source, line_no, i + 1, "xyz"[k]) * units::angstrom_in_bohr;
    mol.atoms.push_back(a);
    atom_lines.push_back(line_no);
  }
  for (; li < lines.size(); ++li)
    if (!split_ws(lines[li]).empty())
      throw InputError(located(source, static_cast<int>(li + 1),
                               "wrong atom count: the first line says " + std::to_string(natom) +
                                   " atoms but more atom lines follow"));
  if (lines.size() > 1) parse_pseudo_charges(lines[1], mol, source);
  check_distances(mol, source, atom_lines);
  return mol;
}

Molecule parse_qcschema_molecule(const std::string& text, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is the offset of the error; turn it into a line number.
    int line = 1;
    for (size_t i = 0; i < e.byte && i < text.size(); ++i) line += text[i] == '\n';
    throw InputError(located(source, line, "malformed JSON"));
  } catch (const nlohmann::json::exception&) {  // out_of_range 406: a number beyond double
    throw InputError(located(source, 0, "a number in the JSON is out of range"));
  }
  if (j.is_object() && j.contains("molecule")) j = j["molecule"];
  if (!j.is_object()) throw InputError(located(source, 0, "expected a QCSchema molecule object"));
  Molecule mol;
  try {
    if (!j.contains("symbols") || !j["symbols"].is_array())
      throw InputError(located(source, 0, "QCSchema molecule has no 'symbols' array"));
    if (!j.contains("geometry") || !j["geometry"].is_array())
      throw InputError(located(source, 0, "QCSchema molecule has no 'geometry' array"));
    const auto& sym = j["symbols"];
    std::vector<double> geom;
    for (const auto& g : j["geometry"]) {  // flat [x0,y0,z0,...] or nested [[x,y,z],...]
      if (g.is_array())
        for (const auto& v : g) geom.push_back(v.get<double>());
      else
        geom.push_back(g.get<double>());
    }
    if (sym.empty()) throw InputError(located(source, 0, "QCSchema molecule has no atoms"));
    if (geom.size() != 3 * sym.size())
      throw InputError(located(source, 0, "wrong atom count: 'geometry' has " + std::to_string(geom.size()) +
                                              " numbers for " + std::to_string(sym.size()) + " symbols"));
    for (size_t i = 0; i < sym.size(); ++i) {
      const auto s = sym[i].get<std::string>();
      const auto Z = find_element(s);
      if (!Z) throw InputError(located(source, 0, "unknown element " + in_quotes(s) + " (symbols[" + std::to_string(i) + "])"));
      Atom a;
      a.Z = *Z;
      for (int k = 0; k < 3; ++k) {
        a.r[k] = geom[3 * i + k];
        if (!std::isfinite(a.r[k]) || std::abs(a.r[k]) > 2e4)
          throw InputError(located(source, 0, "geometry of atom " + std::to_string(i + 1) +
                                                  " is not finite or beyond 20000 bohr"));
      }
      mol.atoms.push_back(a);
    }
    if (j.contains("molecular_charge")) {
      const double q = j["molecular_charge"].get<double>();
      if (q != std::round(q) || std::abs(q) > 10000)
        throw InputError(located(source, 0, "molecular_charge must be an integer (|charge| <= 10000)"));
      mol.charge = static_cast<int>(q);
    }
    if (j.contains("molecular_multiplicity")) {
      const auto& m = j["molecular_multiplicity"];
      if (!m.is_number_integer() || m.get<long>() < 1 || m.get<long>() > 10000)
        throw InputError(located(source, 0, "molecular_multiplicity must be a positive integer"));
      mol.multiplicity = m.get<int>();
    }
    if (j.contains("name")) {
      mol.name = j["name"].get<std::string>();
      if (!is_one_line_text(mol.name))
        throw InputError(located(source, 0, "name " + in_quotes(mol.name) + " has a control character"));
    }
    if (j.contains("extras") && j["extras"].is_object() && j["extras"].contains("nuclear_charges")) {
      const auto& q = j["extras"]["nuclear_charges"];
      if (!q.is_array() || q.size() != mol.atoms.size())
        throw InputError(located(source, 0, "extras.nuclear_charges must hold one number per atom"));
      for (size_t i = 0; i < q.size(); ++i) set_nuclear_charge(mol.atoms[i], q[i].get<double>(), source, 0, i);
    }
  } catch (const nlohmann::json::exception&) {
    throw InputError(located(source, 0,
                             "wrong type in QCSchema molecule: 'symbols' must hold strings, 'geometry', "
                             "'molecular_charge' and 'extras.nuclear_charges' numbers, 'molecular_multiplicity' "
                             "an integer, 'name' a string"));
  }
  check_distances(mol, source);
  return mol;
}

Molecule read_molecule_unchecked(const std::string& path) {
  const std::string text = read_text_file(path);
  const std::string ext = lower(path.size() > 5 ? path.substr(path.size() - 5) : "");
  Molecule mol = ext == ".json" ? parse_qcschema_molecule(text, path) : parse_xyz(text, path);
  if (mol.name.empty()) {
    auto base = path.substr(path.find_last_of('/') + 1);
    mol.name = base.substr(0, base.find_last_of('.'));
  }
  return mol;
}

Molecule read_molecule_file(const std::string& path) {
  Molecule mol = read_molecule_unchecked(path);
  finalize_spin(mol, path);
  return mol;
}

std::string pseudo_charges_field(const Molecule& mol) {
  std::ostringstream s;
  s << std::setprecision(15);
  for (size_t i = 0; i < mol.atoms.size(); ++i)
    if (mol.atoms[i].nuclear_charge) s << (s.tellp() == 0 ? " pseudo_charges=" : ",") << i + 1 << ":" << *mol.atoms[i].nuclear_charge;
  return s.str();
}

void write_xyz(const Molecule& mol, std::ostream& out) {
  out << mol.atoms.size() << "\n";
  out << (mol.name.empty() ? "molecule" : mol.name) << " charge=" << mol.charge
      << " multiplicity=" << mol.multiplicity << pseudo_charges_field(mol) << "\n";
  out << std::fixed << std::setprecision(10);
  for (const auto& a : mol.atoms)
    out << std::left << std::setw(3) << element(a.Z).symbol << std::right << std::setw(18)
        << a.r[0] * units::bohr_in_angstrom << std::setw(18) << a.r[1] * units::bohr_in_angstrom
        << std::setw(18) << a.r[2] * units::bohr_in_angstrom << "\n";
}

}  // namespace cagescreen::molecules
