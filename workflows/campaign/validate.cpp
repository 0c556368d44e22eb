#include "workflows/campaign/validate.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "molecules/data_dir.hpp"
#include "molecules/elements.hpp"
#include "molecules/io.hpp"
#include "molecules/error.hpp"
#include "molecules/molecule.hpp"
#include "molecules/parse.hpp"
#include "molecules/species.hpp"
#include "molecules/text.hpp"
#include "molecules/units.hpp"
#include "workflows/campaign/runner.hpp"
#include "workflows/exit_codes.hpp"
#include "workflows/output_paths.hpp"
#include "workflows/campaign/plot.hpp"
#include "workflows/qcschema.hpp"
#include "workflows/campaign/report.hpp"
#include "workflows/scalars.hpp"
#include "workflows/campaign/store.hpp"
#include "workflows/campaign/toml_reader.hpp"
#include "workflows/campaign/output_files.hpp"
#include "workflows/redox.hpp"

namespace cagescreen::workflows {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

/// Quantities a reference set can hold: scalar descriptors, Mulliken charges, and distances.
bool known_quantity(const std::string& q) {
  return find_scalar(q) || q == "mulliken_charges" || q.rfind("distance_angstrom:", 0) == 0;
}

/// The 1-based atoms I, J of a quantity "distance_angstrom:I-J" with atoms 1..n (empty when it
/// is not one, or names an atom twice or one beyond n).
std::optional<std::pair<int, int>> distance_atoms(const std::string& q, int n) {
  const std::string prefix = "distance_angstrom:";
  if (q.rfind(prefix, 0) != 0) return std::nullopt;
  const std::string pair = q.substr(prefix.size());
  const auto dash = pair.find('-');
  const auto i = parse_integer_in(pair.substr(0, dash), 1, n);
  const auto j = dash == std::string::npos ? std::nullopt : parse_integer_in(pair.substr(dash + 1), 1, n);
  if (!i || !j || *i == *j) return std::nullopt;
  return std::pair{static_cast<int>(*i), static_cast<int>(*j)};
}

std::string unit_of(const std::string& q) {
  if (const auto* s = find_scalar(q)) return s->unit;
  if (q == "mulliken_charges") return "e";
  return "A";
}

/// Reads a number in QM9's notation (Mathematica writes 1.2*^-6 for 1.2e-6).
std::optional<double> qm9_number(std::string text) {
  if (const auto p = text.find("*^"); p != std::string::npos) text.replace(p, 2, "e");
  return parse_real(text);
}

/// True when the file's second line looks like QM9's property line ("gdb N" and 15 numbers).
bool is_qm9_file(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  if (!std::getline(in, line)) return false;
  std::istringstream ss(line);
  std::string tag;
  ss >> tag;
  return tag == "gdb";
}

/// One QM9 file: atom count, the property line ("gdb N" and 15 numbers), one line per atom
/// (element, x, y, z in Angstrom, Mulliken charge), and in the original files three more lines
/// (frequencies, SMILES, InChI) that are ignored. Numbers may use Mathematica's 1.2*^-6.
ReferenceEntry read_qm9(std::istream& in, const fs::path& file) {
  const std::string name = file.string();
  auto fields = [](const std::string& line) {
    std::istringstream ss(line);
    std::vector<std::string> f;
    for (std::string t; ss >> t;) f.push_back(t);
    return f;
  };
  std::string line;
  std::getline(in, line);
  const auto count = fields(line);
  const auto atoms = count.size() == 1 ? parse_integer_in(count[0], 1, 1000) : std::nullopt;
  const int n = atoms ? static_cast<int>(*atoms) : 0;
  if (!atoms) throw InputError(located(name, 1, "QM9 file: the first line must be the number of atoms"));
  std::getline(in, line);
  const auto f = fields(line);
  static const char* names[] = {"gdb", "index", "A", "B", "C", "mu", "alpha", "HOMO", "LUMO", "gap", "<R2>",
                                "ZPVE", "U0", "U", "H", "G", "Cv"};
  if (f.size() != 17 || f[0] != "gdb")
    throw InputError(located(name, 2, "QM9 property line: expected 'gdb N' and 15 numbers, found " +
                                          std::to_string(f.size()) + " fields"));
  std::vector<double> v(17);
  for (std::size_t i = 2; i < 17; ++i) {
    const auto x = qm9_number(f[i]);
    if (!x) throw InputError(located(name, 2, std::string("QM9 property line: ") + names[i] + " is not a number: " + in_quotes(f[i])));
    v[i] = *x;
  }
  ReferenceEntry e;
  e.candidate.label = file.stem().string();
  e.candidate.source = name;
  auto& mol = e.candidate.molecule;
  mol.name = e.candidate.label;
  std::vector<int> lines;
  for (int a = 0; a < n; ++a) {
    const int ln = a + 3;
    if (!std::getline(in, line)) throw InputError(located(name, ln, "QM9 file: missing atom line " + std::to_string(a + 1)));
    const auto t = fields(line);
    if (t.size() != 5) throw InputError(located(name, ln, "QM9 atom line: expected element, x, y, z and the Mulliken charge"));
    const auto Z = molecules::find_element(t[0]);
    if (!Z) throw InputError(located(name, ln, "unknown element " + in_quotes(t[0])));
    molecules::Atom atom;
    atom.Z = *Z;
    for (int k = 0; k < 3; ++k) {
      const auto x = qm9_number(t[1 + k]);
      if (!x || std::abs(*x) > 1e4)
        throw InputError(located(name, ln, std::string(1, "xyz"[k]) + " coordinate is not a number within 10000 Angstrom: " +
                                               in_quotes(t[1 + k])));
      atom.r[k] = *x * units::angstrom_in_bohr;
    }
    const auto q = qm9_number(t[4]);
    if (!q) throw InputError(located(name, ln, "QM9 atom line: the Mulliken charge is not a number: " + in_quotes(t[4])));
    mol.atoms.push_back(atom);
    e.mulliken.push_back(*q);
    lines.push_back(ln);
  }
  molecules::finalize_spin(mol, name);
  molecules::check_distances(mol, name, lines);
  const double ev = units::hartree_in_ev;
  e.values = {{"homo_ev", v[7] * ev}, {"lumo_ev", v[8] * ev}, {"gap_ev", v[9] * ev},
              {"energy_eh", v[12] - v[11]}, {"dipole_debye", v[5]}};
  return e;
}

/// True when the file's second line carries FreeSolv's experimental value ("dG_hyd_exp=").
bool is_freesolv_file(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return std::getline(in, line) && line.find("dG_hyd_exp=") != std::string::npos;
}

/// One FreeSolv-sample file: an XYZ file whose comment line holds "dG_hyd_exp=<kcal/mol>" (the
/// experimental hydration free energy) besides the usual charge= and multiplicity= fields.
ReferenceEntry parse_freesolv_entry(const std::string& text, const fs::path& file) {
  const std::string name = file.string();
  ReferenceEntry e;
  e.candidate.label = file.stem().string();
  e.candidate.source = name;
  e.candidate.molecule = molecules::parse_xyz(text, name);
  e.candidate.molecule.name = e.candidate.label;
  const auto eol = text.find('\n');
  const std::string comment = eol == std::string::npos ? "" : text.substr(eol + 1, text.find('\n', eol + 1) - eol - 1);
  const auto at = comment.find("dG_hyd_exp=");
  if (at == std::string::npos) throw InputError(located(name, 2, "FreeSolv file: no dG_hyd_exp=<kcal/mol> on the comment line"));
  std::istringstream ss(comment.substr(at + 11));
  std::string token;
  ss >> token;
  const auto value = parse_real(token);
  if (!value || std::abs(*value) > 1000)
    throw InputError(located(name, 2, "FreeSolv file: dG_hyd_exp is not a number of kcal/mol: " + in_quotes(token)));
  e.values = {{"solvation_free_energy_kcal", *value}};
  return e;
}

/// True when the file's second line carries an experimental ionisation energy ("IE_exp=").
bool is_ionization_file(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return std::getline(in, line) && line.find("IE_exp=") != std::string::npos;
}

/// One ionisation-energy file: an XYZ file whose comment line holds "IE_exp=<eV>" (the experimental
/// adiabatic ionisation energy, data/reference/ionization-nist/README.md).
ReferenceEntry parse_ionization_entry(const std::string& text, const fs::path& file) {
  const std::string name = file.string();
  ReferenceEntry e;
  e.candidate.label = file.stem().string();
  e.candidate.source = name;
  e.candidate.molecule = molecules::parse_xyz(text, name);
  e.candidate.molecule.name = e.candidate.label;
  const auto eol = text.find('\n');
  const std::string comment = eol == std::string::npos ? "" : text.substr(eol + 1, text.find('\n', eol + 1) - eol - 1);
  const auto at = comment.find("IE_exp=");
  if (at == std::string::npos) throw InputError(located(name, 2, "ionisation-energy file: no IE_exp=<eV> on the comment line"));
  std::istringstream ss(comment.substr(at + 7));
  std::string token;
  ss >> token;
  const auto value = parse_real(token);
  if (!value || !(*value > 0 && *value < 100))
    throw InputError(located(name, 2, "ionisation-energy file: IE_exp is not a number of eV: " + in_quotes(token)));
  e.values = {{"ionization_energy_ev", *value}};
  return e;
}

/// The .xyz files of a folder in natural order (gdb_777 before gdb_7774), each read by `read`.
template <class Read>
std::vector<ReferenceEntry> read_folder(const fs::path& folder, Read read) {
  std::vector<fs::path> files;
  for (const auto& d : fs::directory_iterator(folder))
    if (d.is_regular_file() && d.path().extension() == ".xyz") files.push_back(d.path());
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    const auto na = a.stem().string(), nb = b.stem().string();
    return na.size() != nb.size() ? na.size() < nb.size() : na < nb;
  });
  std::vector<ReferenceEntry> out;
  for (const auto& f : files) out.push_back(read(read_text_file(f.string()), f));
  return out;
}

std::vector<ReferenceEntry> read_qm9_folder(const fs::path& folder) { return read_folder(folder, parse_qm9_entry); }
std::vector<ReferenceEntry> read_freesolv_folder(const fs::path& folder) {
  return read_folder(folder, parse_freesolv_entry);
}
std::vector<ReferenceEntry> read_ionization_folder(const fs::path& folder) {
  return read_folder(folder, parse_ionization_entry);
}

/// Adiabatic ionisation energies at B3LYP/def2-TZVP: neutral and cation each relaxed (GFN2-xTB,
/// then B3LYP/def2-TZVP on analytic gradients) in the gas phase; no zero-point correction.
LevelOfTheory ionization_level() {
  LevelOfTheory l;
  l.method = "b3lyp";
  l.basis = "def2-tzvp";
  l.grid = "default";
  l.optimize = "xtb+dft";
  return l;
}

/// The literature's B3LYP/def2-TZVP mean absolute error for small-molecule adiabatic IEs is about
/// 0.15-0.25 eV; 0.3 eV flags a broken workflow, not a tuned one.
std::map<std::string, Tolerance> ionization_tolerances() { return {{"ionization_energy_ev", {0.3, std::nullopt}}}; }

/// FreeSolv's hydration free energies against SMD in water at B3LYP/6-31G* (the SMD paper's
/// level family); 1.0 kcal/mol mean unsigned error (docs/validation.md).
LevelOfTheory freesolv_level() {
  LevelOfTheory l;
  l.method = "b3lyp";
  l.basis = "6-31g*";
  l.grid = "default";
  l.solvent = "water";
  l.solvation = "smd";
  return l;
}

std::map<std::string, Tolerance> freesolv_tolerances() { return {{"solvation_free_energy_kcal", {1.0, std::nullopt}}}; }


LevelOfTheory qm9_level() {
  LevelOfTheory l;
  l.method = "b3lyp";  // Gaussian's B3LYP (VWN-RPA): libxc HYB_GGA_XC_B3LYP
  l.basis = "6-31g(2df,p)";
  l.grid = "default";
  // Gaussian's four-index integrals: density fitting would add its own 1e-5..5e-5 Eh
  // (gdb_777: −3.1e-5 Eh with def2-universal-jkfit), the size of the energy tolerance.
  l.scf_type = "conv";
  return l;
}

std::map<std::string, Tolerance> qm9_tolerances() {
  // HOMO/LUMO are published to 1e-4 Eh (2.7 meV); energies to 1e-6 Eh; charges to 1e-6 e.
  return {{"homo_ev", {0.0015, 0.004}}, {"lumo_ev", {0.0015, 0.004}}, {"energy_eh", {std::nullopt, 5e-5}},
          {"mulliken_charges", {0.002, std::nullopt}}};
}

/// A folder of files in one published format: what it implies without a reference.toml (metadata,
/// level of theory, tolerances) and how its files are recognised and read.
struct FolderLayout {
  const char *name, *description, *citation, *program, *conventions;
  bool (*recognises)(const fs::path&);
  std::vector<ReferenceEntry> (*read)(const fs::path&);
  LevelOfTheory (*level)();
  std::map<std::string, Tolerance> (*tolerances)();
};

const FolderLayout folder_layouts[] = {
    {"qm9", "QM9-format files (recognised by their property line)",
     "R. Ramakrishnan, P. O. Dral, M. Rupp, O. A. von Lilienfeld, Sci. Data 1, 140022 (2014)", "Gaussian 09",
     "B3LYP (VWN-RPA)/6-31G(2df,p); E = U0 - ZPVE", is_qm9_file, read_qm9_folder, qm9_level, qm9_tolerances},
    {"freesolv", "FreeSolv-format files (recognised by dG_hyd_exp= on the comment line)",
     "D. L. Mobley, J. P. Guthrie, J. Comput.-Aided Mol. Des. 28, 711 (2014)", "experiment",
     "hydration free energies, 298 K, 1 M -> 1 M", is_freesolv_file, read_freesolv_folder, freesolv_level,
     freesolv_tolerances},
    {"ionization", "ionisation-energy files (recognised by IE_exp= on the comment line)",
     "NIST Chemistry WebBook, NIST Standard Reference Database 69 (P. J. Linstrom, W. G. Mallard, Eds.)", "experiment",
     "adiabatic ionisation energies, eV; computed as E(cation) - E(neutral), each relaxed, no ZPE", is_ionization_file,
     read_ionization_folder, ionization_level, ionization_tolerances}};

const FolderLayout* find_layout(const std::string& name) {
  for (const auto& l : folder_layouts)
    if (name == l.name) return &l;
  return nullptr;
}

void read_level_keys(const Reader& r, const toml::table& t, const std::string& prefix, LevelOfTheory& level) {
  for (const char* key :
       {"method", "basis", "grid", "shell_type", "reference", "scf_type", "solvent", "solvation", "optimize"}) {
    const auto v = r.string(t, key, prefix);
    if (!v) continue;
    const std::string x = lower(*v);
    if (std::string(key) == "solvent") level.solvent = x;
    else if (std::string(key) == "solvation") level.solvation = x;
    else if (std::string(key) == "method") level.method = x;
    else if (std::string(key) == "basis") level.basis = x;
    else if (std::string(key) == "grid") level.grid = x;
    else if (std::string(key) == "shell_type") level.shell_type = x;
    else if (std::string(key) == "scf_type") level.scf_type = x;
    else if (std::string(key) == "optimize") level.optimize = x;
    else level.reference = x;
  }
  r.checked(t, "scf_type", prefix, [&] { scf::parse_scf_type(level.scf_type); });
  if (t.get("optimize") && !parse_preopt(level.optimize))
    r.fail(t.get("optimize"), "'" + prefix + "optimize' must be none, xtb, dft or xtb+dft");
  for (const char* key : {"solvent", "solvation"})
    if (t.get(key)) r.checked(t, key, prefix, [&] { solvation_settings(level); });
}

/// reference.toml's text; `folder` holds the QM9 files of layout "qm9" and anchors relative `file` entries.
ReferenceSet read_reference_toml(const std::string& text, const fs::path& file, const fs::path& folder) {
  const toml::table root = parse_toml(text, file);
  const Reader r(file);
  r.check_keys(root, "", {"set", "tolerances", "scan", "entries"});
  ReferenceSet s;
  s.folder = folder;
  const toml::table* set = r.table(root, "set");
  if (!set) throw InputError(located(file.string(), 0, "a reference set needs a [set] table"));
  r.check_keys(*set, "set.", {"name", "description", "citation", "program", "conventions", "layout", "method",
                              "basis", "grid", "shell_type", "reference", "scf_type", "solvent", "solvation",
                              "optimize"});
  s.name = r.string(*set, "name", "set.").value_or(folder.filename().string());
  s.description = r.string(*set, "description", "set.").value_or("");
  s.citation = r.string(*set, "citation", "set.").value_or("");
  s.program = r.string(*set, "program", "set.").value_or("");
  s.conventions = r.string(*set, "conventions", "set.").value_or("");
  s.layout = r.string(*set, "layout", "set.").value_or("table");
  const FolderLayout* layout = find_layout(s.layout);
  if (!layout && s.layout != "table")
    r.fail(set->get("layout"), "'set.layout' must be \"qm9\", \"freesolv\", \"ionization\" or \"table\"");
  if (layout) {
    s.level = layout->level();
    s.tolerances = layout->tolerances();
  }
  read_level_keys(r, *set, "set.", s.level);
  if (const toml::table* tol = r.table(root, "tolerances")) {
    for (auto&& [k, v] : *tol) {
      const std::string q(k.str());
      if (!known_quantity(q))
        throw InputError(located(file.string(), static_cast<int>(k.source().begin.line), "unknown quantity 'tolerances." + q + "'"));
      const toml::table* t = v.as_table();
      if (!t) r.fail(&v, "'tolerances." + q + "' must be a table such as { mae = 0.0015, max = 0.004 }");
      r.check_keys(*t, "tolerances." + q + ".", {"mae", "max"});
      s.tolerances[q] = {r.number(*t, "mae", "tolerances." + q + ".", 0, 1e9), r.number(*t, "max", "tolerances." + q + ".", 0, 1e9)};
    }
  }
  if (const toml::table* scan = r.table(root, "scan")) {
    r.check_keys(*scan, "scan.", {"methods", "basis", "skip"});
    if (const toml::node* n = scan->get("skip")) {
      const toml::array* a = n->as_array();
      if (!a) r.fail(n, "'scan.skip' must be an array of \"method/basis\" strings");
      for (const auto& x : *a) {
        if (!x.is_string() || x.value<std::string>()->find('/') == std::string::npos)
          r.fail(&x, "'scan.skip' must hold \"method/basis\" strings");
        s.scan_skip.push_back(*x.value<std::string>());
      }
    }
    for (const char* key : {"methods", "basis"}) {
      const toml::node* n = scan->get(key);
      const toml::array* a = n ? n->as_array() : nullptr;
      if (!a) r.fail(n ? n : &root, std::string("'scan.") + key + "' must be an array of strings");
      for (const auto& x : *a) {
        if (!x.is_string()) r.fail(&x, std::string("'scan.") + key + "' must hold strings");
        (std::string(key) == "methods" ? s.scan_methods : s.scan_basis).push_back(*x.value<std::string>());
      }
    }
  }
  if (layout) {
    s.entries = layout->read(folder);
    if (s.entries.empty())
      throw InputError(file.string() + ": layout \"" + s.layout + "\", but the folder holds no .xyz files");
    return s;
  }
  const toml::node* en = root.get("entries");
  const toml::array* arr = en ? en->as_array() : nullptr;
  if (!arr || arr->empty()) r.fail(en, "a reference set needs at least one [[entries]] table");
  std::set<std::string> labels;
  for (const auto& item : *arr) {
    const toml::table* t = item.as_table();
    if (!t) r.fail(&item, "each [[entries]] item must be a table");
    const std::string p = "entries.";
    r.check_keys(*t, p, {"label", "species", "file", "charge", "multiplicity", "method", "basis", "grid", "shell_type",
                         "reference", "scf_type", "values"});
    ReferenceEntry e;
    e.line = static_cast<int>(item.source().begin.line);
    const auto species = r.string(*t, "species", p);
    const auto path = r.string(*t, "file", p);
    if (species.has_value() == path.has_value()) r.fail(&item, "an entry needs exactly one of species, file");
    std::string input = species ? *species : (fs::path(*path).is_absolute() ? *path : (folder / *path).string());
    if (species && !molecules::find_species(*species)) r.fail(t->get("species"), "unknown built-in species '" + *species + "'");
    if (path && !fs::is_regular_file(input)) r.fail(t->get("file"), "no such file: " + input);
    e.candidate.label = r.string(*t, "label", p).value_or(species ? *species : fs::path(input).stem().string());
    if (!labels.insert(e.candidate.label).second) r.fail(&item, "two entries are labelled '" + e.candidate.label + "'");
    e.candidate.source = species ? "species " + *species : input;
    e.candidate.molecule = molecules::resolve_input(input, r.integer(*t, "charge", p, -20, 20), r.integer(*t, "multiplicity", p, 1, 20));
    e.candidate.molecule.name = e.candidate.label;
    bool own_level = false;
    for (const char* key : {"method", "basis", "grid", "shell_type", "reference", "scf_type"})
      own_level = own_level || t->contains(key);
    if (own_level) {
      LevelOfTheory l = s.level;
      read_level_keys(r, *t, p, l);
      e.level = l;
    }
    const toml::table* values = r.table(*t, "values");
    if (!values || values->empty()) r.fail(&item, "an entry needs a [entries.values] table with at least one value");
    for (auto&& [k, v] : *values) {
      const std::string q(k.str());
      const int line = static_cast<int>(k.source().begin.line);
      if (!known_quantity(q)) throw InputError(located(file.string(), line, "unknown quantity '" + q + "'"));
      if (q == "mulliken_charges") {
        const toml::array* a = v.as_array();
        if (!a || a->size() != e.candidate.molecule.atoms.size())
          throw InputError(located(file.string(), line, "'mulliken_charges' must list one number per atom"));
        for (const auto& x : *a) {
          if (!x.is_number()) throw InputError(located(file.string(), line, "'mulliken_charges' must hold numbers"));
          e.mulliken.push_back(r.real_of(x, "mulliken_charges", "entries.values."));
        }
        continue;
      }
      if (!v.is_number()) throw InputError(located(file.string(), line, "'" + q + "' must be a number"));
      if (q.rfind("distance_angstrom:", 0) == 0) {
        const int n = static_cast<int>(e.candidate.molecule.atoms.size());
        if (!distance_atoms(q, n))
          throw InputError(located(file.string(), line, "'" + q + "': use distance_angstrom:I-J with atom numbers 1.." + std::to_string(n)));
      }
      e.values[q] = r.real_of(v, q, "entries.values.");
    }
    s.entries.push_back(std::move(e));
  }
  return s;
}

}  // namespace

ReferenceSet load_reference_set(const std::string& name_or_folder) {
  fs::path folder = name_or_folder;
  if (!fs::is_directory(folder)) {
    folder = fs::path(data_dir()) / "reference" / name_or_folder;
    if (!fs::is_directory(folder)) {
      std::string names;
      for (const auto& d : fs::directory_iterator(fs::path(data_dir()) / "reference"))
        if (d.is_directory()) names += (names.empty() ? "" : ", ") + d.path().filename().string();
      throw InputError("'" + name_or_folder + "' is neither a folder nor a shipped reference set (" + names + ")");
    }
  }
  if (fs::exists(folder / "reference.toml")) {
    const fs::path file = folder / "reference.toml";
    return read_reference_toml(read_text_file(file.string()), file, folder);
  }
  // No reference.toml: a folder of QM9 files implies the QM9 level of theory, one of FreeSolv
  // files SMD water at B3LYP/6-31G* (the first layout whose files the folder holds).
  const FolderLayout* layout = nullptr;
  for (const auto& l : folder_layouts) {
    for (const auto& d : fs::directory_iterator(folder))
      if (d.is_regular_file() && d.path().extension() == ".xyz" && l.recognises(d.path())) layout = &l;
    if (layout) break;
  }
  if (!layout)
    throw InputError(folder.string() +
                     ": not a reference set (no reference.toml, and no QM9- or FreeSolv-format .xyz files)");
  ReferenceSet s;
  s.folder = folder;
  s.name = fs::absolute(folder).lexically_normal().filename().string();
  if (s.name.empty()) s.name = fs::absolute(folder).parent_path().filename().string();
  s.layout = layout->name;
  s.description = layout->description;
  s.citation = layout->citation;
  s.program = layout->program;
  s.conventions = layout->conventions;
  s.level = layout->level();
  s.tolerances = layout->tolerances();
  s.entries = layout->read(folder);
  return s;
}

ReferenceSet parse_reference_toml(const std::string& text, const fs::path& file) {
  return read_reference_toml(text, file, file.parent_path());
}

ReferenceEntry parse_qm9_entry(const std::string& text, const fs::path& file) {
  check_no_control_characters(text, file.string());
  std::istringstream in(text);
  return read_qm9(in, file);
}

namespace {

struct Sample {
  std::string entry, where;  ///< entry label; atom for charges
  double published = 0, computed = 0;
  double error() const { return computed - published; }
};

struct Stats {
  std::string quantity, unit;
  std::vector<Sample> samples;
  Tolerance tolerance;
  double mse = 0, mae = 0, rmse = 0, max = 0;
  const Sample* worst = nullptr;
  std::optional<bool> pass;  ///< empty when the quantity has no tolerance
};

void finish_stats(Stats& s) {
  const double n = static_cast<double>(s.samples.size());
  if (s.samples.empty()) return;
  for (const auto& x : s.samples) {
    s.mse += x.error() / n;
    s.mae += std::abs(x.error()) / n;
    s.rmse += x.error() * x.error() / n;
    if (!s.worst || std::abs(x.error()) > s.max) {
      s.max = std::abs(x.error());
      s.worst = &x;
    }
  }
  s.rmse = std::sqrt(s.rmse);
  if (s.tolerance.mae || s.tolerance.max)
    s.pass = (!s.tolerance.mae || s.mae <= *s.tolerance.mae) && (!s.tolerance.max || s.max <= *s.tolerance.max);
}

int scalar_column(const std::string& name) {
  const auto& list = scalar_descriptors();
  for (std::size_t i = 0; i < list.size(); ++i)
    if (name == list[i].name) return static_cast<int>(i);
  return -1;
}

/// The computed value of a quantity from a finished row (empty if it does not hold it).
std::optional<double> computed_value(const ResultRow& row, const json& result, const std::string& q) {
  if (const int c = scalar_column(q); c >= 0) return row.scalars[c];
  if (q.rfind("distance_angstrom:", 0) != 0) return std::nullopt;
  const auto& g = result.at("molecule").at("geometry");
  if (const auto atoms = distance_atoms(q, static_cast<int>(g.size() / 3))) {  // checked when the set was read
    const auto [i, j] = *atoms;
    double d2 = 0;
    for (int k = 0; k < 3; ++k) {
      const double d = g.at(3 * (i - 1) + k).get<double>() - g.at(3 * (j - 1) + k).get<double>();
      d2 += d * d;
    }
    return std::sqrt(d2) * units::bohr_in_angstrom;
  }
  return std::nullopt;
}

std::string num(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

int digits_for(const std::string& q) { return q == "energy_eh" ? 7 : q == "mulliken_charges" ? 4 : 4; }

std::string parity_svg(const Stats& s) {
  std::vector<double> all;
  for (const auto& x : s.samples) {
    all.push_back(x.published);
    all.push_back(x.computed);
  }
  const double span = all.empty() ? 1 : *std::max_element(all.begin(), all.end()) - *std::min_element(all.begin(), all.end());
  const Axis ax = Axis::around(all, std::max(1e-6, 0.05 * span));
  const double w = 360, h = 340, l = 70, b = 45, t = 25, r = 15;
  auto X = [&](double v) { return ax.map(v, l, w - r); };
  auto Y = [&](double v) { return ax.map(v, h - b, t); };
  std::ostringstream o;
  o << std::fixed << std::setprecision(1);
  o << "<svg class=\"parity\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\"" << h << "\">\n"
    << "<text x=\"" << w / 2 << "\" y=\"15\" font-size=\"13\" text-anchor=\"middle\">" << html_escape(s.quantity)
    << " (" << html_escape(s.unit) << ")</text>\n"
    << "<rect x=\"" << l << "\" y=\"" << t << "\" width=\"" << w - l - r << "\" height=\"" << h - b - t
    << "\" fill=\"none\" stroke=\"#999\"/>\n"
    << "<line x1=\"" << X(ax.lo) << "\" y1=\"" << Y(ax.lo) << "\" x2=\"" << X(ax.hi) << "\" y2=\"" << Y(ax.hi)
    << "\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>\n";
  for (double tk : ticks(ax)) {
    o << "<text x=\"" << X(tk) << "\" y=\"" << h - b + 14 << "\" font-size=\"9\" text-anchor=\"middle\">" << tk << "</text>\n";
    o << "<text x=\"" << l - 4 << "\" y=\"" << Y(tk) + 3 << "\" font-size=\"9\" text-anchor=\"end\">" << tk << "</text>\n";
  }
  o << "<text x=\"" << (l + w - r) / 2 << "\" y=\"" << h - 8 << "\" font-size=\"11\" text-anchor=\"middle\">published</text>\n"
    << "<text x=\"12\" y=\"" << (t + h - b) / 2 << "\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 "
    << (t + h - b) / 2 << ")\">computed</text>\n";
  for (const auto& x : s.samples)
    o << "<circle cx=\"" << X(x.published) << "\" cy=\"" << Y(x.computed) << "\" r=\"3\" fill=\"#1f5fbf\" fill-opacity=\"0.6\"><title>"
      << html_escape(x.entry + (x.where.empty() ? "" : " " + x.where)) << ": published " << x.published << ", computed "
      << x.computed << "</title></circle>\n";
  o << "</svg>\n";
  return o.str();
}

/// A validation run's plan: the level of theory, the output folder, and the calculations (entries
/// grouped by level of theory; the scan adds every (method, basis) pair).
struct Plan {
  LevelOfTheory main;  ///< the set's level with the overrides
  bool overridden = false;
  fs::path out;
  std::map<std::string, std::pair<LevelOfTheory, std::vector<Candidate>>> groups;
  std::vector<std::string> entry_level;  ///< key of each entry's own level (overrides applied)
  std::vector<LevelOfTheory> scan;       ///< levels scanned (none when the level is overridden)
};

/// What the calculations give: statistics per quantity, failed entries, and the scan.
struct Results {
  std::map<std::string, Stats> stats;
  std::vector<std::string> failed;
  bool all_pass = false;
  json scan_json = json::array();
  std::string closest;  ///< the scanned level nearest the published HOMO and LUMO
};

LevelOfTheory with_overrides(LevelOfTheory l, const ValidateOptions& opt) {
  if (!opt.method.empty()) l.method = opt.method;
  if (!opt.basis.empty()) l.basis = opt.basis;
  if (!opt.grid.empty()) l.grid = opt.grid;
  return l;
}

Plan plan_validation(const ReferenceSet& set, const ValidateOptions& opt) {
  Plan p;
  p.overridden = !opt.method.empty() || !opt.basis.empty() || !opt.grid.empty();
  p.main = with_overrides(set.level, opt);
  p.out = opt.output.empty() ? fs::absolute("validation") / set.name : fs::absolute(opt.output);
  check_output_folder(p.out.string(), "--output");
  p.entry_level.resize(set.entries.size());
  for (std::size_t i = 0; i < set.entries.size(); ++i) {
    const LevelOfTheory l = set.entries[i].level ? with_overrides(*set.entries[i].level, opt) : p.main;
    p.entry_level[i] = l.key();
    p.groups[l.key()].first = l;
    p.groups[l.key()].second.push_back(set.entries[i].candidate);
  }
  if (!p.overridden)
    for (const auto& m : set.scan_methods)
      for (const auto& b : set.scan_basis) {
        if (std::find(set.scan_skip.begin(), set.scan_skip.end(), m + "/" + b) != set.scan_skip.end()) continue;
        LevelOfTheory l = p.main;
        l.method = m;
        l.basis = b;
        p.scan.push_back(l);
        auto& g = p.groups[l.key()];
        g.first = l;
        if (g.second.empty())
          for (const auto& e : set.entries) g.second.push_back(e.candidate);
      }
  // Every level is checked before the first job starts (a bad --method fails here, exit 2).
  for (const auto& [key, group] : p.groups) {
    try {
      check_level(group.first);
    } catch (const InputError& e) {
      throw InputError(std::string(p.overridden ? "validate: " : set.folder.string() + ": level " + key + ": ") + e.what());
    }
  }
  return p;
}

/// Runs every group of entries as a campaign in the output folder.
void run_calculations(const ReferenceSet& set, const Plan& p, const ValidateOptions& opt) {
  std::cerr << "validate: set '" << set.name << "' (" << set.entries.size() << " entries) at " << p.main.key()
            << (p.overridden ? " (not the set's own level: not like for like)" : "") << "; results in "
            << p.out.string() << "\n";
  for (const auto& [key, group] : p.groups) {
    Manifest m;
    m.name = set.name;
    m.output = p.out;
    m.level = group.first;
    m.descriptors = "charges,frontier,dipole";
    m.candidates = group.second;
    // Quantities of the redox group (ionisation energies, potentials) need the candidates' ions.
    bool cation = false, anion = false;
    for (const auto& e : set.entries)
      for (const auto& [q, v] : e.values) {
        cation = cation || q == "ionization_energy_ev" || q.rfind("oxidation_potential", 0) == 0 ||
                 q == "electrochemical_window_v";
        anion = anion || q == "electron_affinity_ev" || q.rfind("reduction_potential", 0) == 0 ||
                q == "electrochemical_window_v";
      }
    m.redox.enabled = cation || anion;
    m.redox.oxidation = cation;
    m.redox.reduction = anion;
    ScreenOptions so;
    so.jobs = opt.jobs;
    so.threads_per_job = opt.threads_per_job;
    so.resume = true;        // a rerun continues where the last one stopped,
    so.retry_failed = true;  // and runs failed entries again (a validation wants every number)
    so.reports = false;
    so.allow_mpi = false;
    so.output = p.out.string();
    so.program = opt.program;
    screen(m, so);
  }
}

/// Statistics over the entries at their own level.
void compute_statistics(const ReferenceSet& set, const Plan& p, const Store& store, Results& res) {
  for (std::size_t i = 0; i < set.entries.size(); ++i) {
    const auto& e = set.entries[i];
    const auto row = store.find(e.candidate.label, p.entry_level[i]);
    if (!row || row->status != "done") {
      res.failed.push_back(e.candidate.label +
                           (row ? " (" + row->failure_class + ": " + row->failure_message + ")" : ""));
      continue;
    }
    const json result = json::parse(row->result_json);
    ResultRow filled = *row;  // with the redox scalars from its ions' rows, if it has any
    fill_redox_scalars(filled, store, p.groups.at(p.entry_level[i]).first, electrode::she_absolute_iupac);
    for (const auto& [q, published] : e.values) {
      const auto c = computed_value(filled, result, q);
      if (!c) continue;
      auto& s = res.stats[q];
      s.samples.push_back({e.candidate.label, "", published, *c});
    }
    if (!e.mulliken.empty()) {
      const auto& q = result.at("extras").at("cagescreen").at("descriptors").at("mulliken_charges");
      const auto& sym = result.at("molecule").at("symbols");
      auto& s = res.stats["mulliken_charges"];
      for (std::size_t a = 0; a < e.mulliken.size() && a < q.size(); ++a)
        s.samples.push_back({e.candidate.label, sym[a].get<std::string>() + std::to_string(a + 1), e.mulliken[a],
                             q[a].get<double>()});
    }
  }
  res.all_pass = res.failed.empty();
  for (auto& [q, s] : res.stats) {
    s.quantity = q;
    s.unit = unit_of(q);
    if (const auto it = set.tolerances.find(q); it != set.tolerances.end()) s.tolerance = it->second;
    finish_stats(s);
    if (s.pass && !*s.pass) res.all_pass = false;
  }
}

/// The entry (and atom) of a quantity's largest error; "" when it has no samples.
std::string worst_of(const Stats& s, const std::string& separator) {
  return s.worst ? s.worst->entry + (s.worst->where.empty() ? "" : separator + s.worst->where) : "";
}

/// The console table of statistics, and the failed calculations.
void print_statistics(const ReferenceSet& set, const Plan& p, const Results& res) {
  std::cout << "Validation against " << set.name << ": " << set.description << "\n"
            << "level " << p.main.key()
            << (p.overridden ? "  (NOT the set's own level " + set.level.key() + ": not like for like)" : "") << "\n\n";
  std::cout << std::left << std::setw(24) << "quantity" << std::setw(9) << "unit" << std::right << std::setw(5) << "n"
            << std::setw(12) << "MSE" << std::setw(12) << "MAE" << std::setw(12) << "RMSE" << std::setw(12) << "max"
            << "  " << std::left << std::setw(22) << "worst" << std::setw(26) << "tolerance (MAE / max)" << "result\n";
  for (const auto& [q, s] : res.stats) {
    const int d = digits_for(q) + 1;
    std::ostringstream tol;
    tol << (s.tolerance.mae ? num(*s.tolerance.mae, d) : "-") << " / " << (s.tolerance.max ? num(*s.tolerance.max, d) : "-");
    std::cout << std::left << std::setw(24) << q << std::setw(9) << s.unit << std::right << std::setw(5) << s.samples.size()
              << std::setw(12) << num(s.mse, d) << std::setw(12) << num(s.mae, d) << std::setw(12) << num(s.rmse, d)
              << std::setw(12) << num(s.max, d) << "  " << std::left << std::setw(22) << worst_of(s, " ")
              << std::setw(26) << tol.str() << (s.pass ? (*s.pass ? "pass" : "FAIL") : "(no tolerance)") << "\n";
  }
  for (const auto& f : res.failed) std::cout << "FAILED calculation: " << f << "\n";
}

/// One scanned level: its HOMO and LUMO and their errors (of the last entry that has them), and
/// the RMS error over all entries.
struct ScanRow {
  std::optional<double> homo, lumo, dh, dl;
  double sum2 = 0;
  int n = 0;
};

ScanRow scan_row(const ReferenceSet& set, const Store& store, const LevelOfTheory& l) {
  ScanRow row;
  for (const auto& e : set.entries) {
    const auto r = store.find(e.candidate.label, l.key());
    if (!r || r->status != "done") continue;
    for (const char* q : {"homo_ev", "lumo_ev"}) {
      const auto it = e.values.find(q);
      const auto c = r->scalars[scalar_column(q)];
      if (it == e.values.end() || !c) continue;
      row.sum2 += (*c - it->second) * (*c - it->second);
      ++row.n;
      (std::string(q) == "homo_ev" ? row.homo : row.lumo) = *c;
      (std::string(q) == "homo_ev" ? row.dh : row.dl) = *c - it->second;
    }
  }
  return row;
}

/// The scan: which level comes closest to the published HOMO and LUMO (console table and JSON).
void scan_levels(const ReferenceSet& set, const Plan& p, const Store& store, Results& res) {
  if (p.scan.empty()) return;
  double best = 1e300;
  std::cout << "\nScan of levels of theory (published level unknown): HOMO and LUMO (eV) against the published values\n";
  std::cout << std::left << std::setw(34) << "level" << std::right << std::setw(9) << "HOMO" << std::setw(9) << "LUMO"
            << std::setw(10) << "dHOMO" << std::setw(10) << "dLUMO" << std::setw(10) << "RMS\n";
  for (const auto& l : p.scan) {
    const ScanRow s = scan_row(set, store, l);
    const double rms = s.n ? std::sqrt(s.sum2 / s.n) : NAN;
    json row = {{"level", l.key()}, {"method", l.method}, {"basis", l.basis}};
    row["homo_ev"] = s.homo ? json(*s.homo) : json(nullptr);
    row["lumo_ev"] = s.lumo ? json(*s.lumo) : json(nullptr);
    row["rms_error_ev"] = s.n ? json(rms) : json(nullptr);
    res.scan_json.push_back(row);
    if (s.n && rms < best) {
      best = rms;
      res.closest = l.key();
    }
    std::cout << std::left << std::setw(34) << l.key() << std::right << std::setw(9) << (s.homo ? num(*s.homo, 2) : "-")
              << std::setw(9) << (s.lumo ? num(*s.lumo, 2) : "-") << std::setw(10) << (s.dh ? num(*s.dh, 2) : "-")
              << std::setw(10) << (s.dl ? num(*s.dl, 2) : "-") << std::setw(9) << (s.n ? num(rms, 3) : "-") << "\n";
  }
  if (!res.closest.empty()) std::cout << "closest: " << res.closest << "\n";
}

json validation_json(const ReferenceSet& set, const Plan& p, const Results& res) {
  json j = {{"set", set.name}, {"description", set.description}, {"citation", set.citation}, {"program", set.program},
            {"conventions", set.conventions}, {"level", p.main.key()}, {"set_level", set.level.key()},
            {"like_for_like", !p.overridden}, {"passed", res.all_pass}, {"failed_entries", res.failed},
            {"cagescreen_version", version_string()}};
  json q = json::object();
  for (const auto& [name, s] : res.stats) {
    json samples = json::array();
    for (const auto& x : s.samples)
      samples.push_back({{"entry", x.entry}, {"atom", x.where}, {"published", x.published}, {"computed", x.computed}});
    q[name] = {{"unit", s.unit}, {"n", s.samples.size()}, {"mse", s.mse}, {"mae", s.mae}, {"rmse", s.rmse},
               {"max", s.max}, {"worst", worst_of(s, " ")},
               {"tolerance_mae", s.tolerance.mae ? json(*s.tolerance.mae) : json(nullptr)},
               {"tolerance_max", s.tolerance.max ? json(*s.tolerance.max) : json(nullptr)},
               {"pass", s.pass ? json(*s.pass) : json(nullptr)}, {"samples", samples}};
  }
  j["quantities"] = q;
  if (!p.scan.empty()) j["scan"] = {{"levels", res.scan_json}, {"closest", res.closest}};
  return j;
}

/// validation.html: the head, the title and the pass/fail verdict.
void html_head(std::ostream& h, const ReferenceSet& set, const Plan& p, const Results& res) {
  h << html_page_start("cagescreen validation: " + set.name,
                       "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;"
                       "padding:0 1em}table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ddd;"
                       "padding:3px 8px}td.num{text-align:right;font-variant-numeric:tabular-nums}.fail{color:#b00;"
                       "font-weight:bold}.pass{color:#070}.plots{display:flex;flex-wrap:wrap;gap:1em}"
                       ".warn{background:#fff4e0;padding:.5em 1em}")
    << "<h1>Validation: " << html_escape(set.name) << "</h1>\n<p>" << html_escape(set.description) << "<br>Published with "
    << html_escape(set.program) << "; " << html_escape(set.conventions) << "<br>" << html_escape(set.citation) << "</p>\n"
    << "<p>Computed with cagescreen " << html_escape(version_string()) << " at <b>" << html_escape(p.main.key())
    << "</b>.</p>\n";
  if (p.overridden)
    h << "<p class=\"warn\">This is not the set's own level of theory (" << html_escape(set.level.key())
      << "): the comparison is not like for like.</p>\n";
  h << "<p class=\"" << (res.all_pass ? "pass\">Passed" : "fail\">Failed") << "</p>\n";
}

/// validation.html: the statistics table and the failed calculations.
void html_statistics(std::ostream& h, const Results& res) {
  h << "<table id=\"statistics\"><tr><th>quantity</th>"
    << "<th>unit</th><th>n</th><th>MSE</th><th>MAE</th><th>RMSE</th><th>max</th><th>worst</th><th>tolerance MAE / max</th>"
       "<th>result</th></tr>\n";
  for (const auto& [name, s] : res.stats) {
    const int d = digits_for(name) + 1;
    h << "<tr><td>" << html_escape(name) << "</td><td>" << html_escape(s.unit) << "</td><td class=\"num\">"
      << s.samples.size() << "</td><td class=\"num\">" << num(s.mse, d) << "</td><td class=\"num\">" << num(s.mae, d)
      << "</td><td class=\"num\">" << num(s.rmse, d) << "</td><td class=\"num\">" << num(s.max, d) << "</td><td>"
      << html_escape(s.worst ? s.worst->entry + " " + s.worst->where : "") << "</td><td>"
      << (s.tolerance.mae ? num(*s.tolerance.mae, d) : "-") << " / " << (s.tolerance.max ? num(*s.tolerance.max, d) : "-")
      << "</td><td class=\"" << (s.pass && !*s.pass ? "fail" : "pass") << "\">"
      << (s.pass ? (*s.pass ? "pass" : "FAIL") : "no tolerance") << "</td></tr>\n";
  }
  h << "</table>\n";
  for (const auto& f : res.failed) h << "<p class=\"fail\">Failed calculation: " << html_escape(f) << "</p>\n";
}

/// validation.html: parity plots and the five worst cases of each quantity.
void html_plots_and_worst(std::ostream& h, const Results& res) {
  h << "<h2>Parity plots</h2><div class=\"plots\">\n";
  for (const auto& [name, s] : res.stats) h << parity_svg(s);
  h << "</div>\n<h2>Worst cases</h2>\n<table id=\"worst\"><tr><th>quantity</th><th>entry</th><th>published</th>"
       "<th>computed</th><th>error</th></tr>\n";
  for (const auto& [name, s] : res.stats) {
    std::vector<const Sample*> v;
    for (const auto& x : s.samples) v.push_back(&x);
    std::sort(v.begin(), v.end(), [](const Sample* a, const Sample* b) { return std::abs(a->error()) > std::abs(b->error()); });
    const int d = digits_for(name) + 1;
    for (std::size_t k = 0; k < v.size() && k < 5; ++k)
      h << "<tr><td>" << html_escape(name) << "</td><td>" << html_escape(v[k]->entry + " " + v[k]->where)
        << "</td><td class=\"num\">" << num(v[k]->published, d) << "</td><td class=\"num\">" << num(v[k]->computed, d)
        << "</td><td class=\"num\">" << num(v[k]->error(), d) << "</td></tr>\n";
  }
  h << "</table>\n";
}

/// validation.html: the scan of levels of theory.
void html_scan(std::ostream& h, const Results& res) {
  h << "<h2>Scan of levels of theory</h2><p>The published level is unknown; closest: <b>" << html_escape(res.closest)
    << "</b>.</p><table id=\"scan\"><tr><th>level</th><th>HOMO (eV)</th><th>LUMO (eV)</th><th>RMS error (eV)</th></tr>\n";
  for (const auto& r : res.scan_json)
    h << "<tr><td>" << html_escape(r["level"].get<std::string>()) << "</td><td class=\"num\">"
      << (r["homo_ev"].is_null() ? "-" : num(r["homo_ev"].get<double>(), 2)) << "</td><td class=\"num\">"
      << (r["lumo_ev"].is_null() ? "-" : num(r["lumo_ev"].get<double>(), 2)) << "</td><td class=\"num\">"
      << (r["rms_error_ev"].is_null() ? "-" : num(r["rms_error_ev"].get<double>(), 3)) << "</td></tr>\n";
  h << "</table>\n";
}

std::string validation_html(const ReferenceSet& set, const Plan& p, const Results& res) {
  std::ostringstream h;
  html_head(h, set, p, res);
  html_statistics(h, res);
  html_plots_and_worst(h, res);
  if (!p.scan.empty()) html_scan(h, res);
  h << "</body></html>\n";
  return h.str();
}

}  // namespace

int validate(const ReferenceSet& set, const ValidateOptions& opt) {
  const Plan plan = plan_validation(set, opt);
  run_calculations(set, plan, opt);
  const Store store(plan.out / "results.sqlite", false, true);
  Results res;
  compute_statistics(set, plan, store, res);
  print_statistics(set, plan, res);
  scan_levels(set, plan, store, res);
  std::cout << "\n" << (res.all_pass ? "validation passed" : "validation FAILED") << "\n";
  write_file(plan.out / "validation.json", validation_json(set, plan, res).dump(1) + "\n");
  write_file(plan.out / "validation.html", validation_html(set, plan, res));
  std::cerr << "validate: wrote " << (plan.out / "validation.html").string() << " and validation.json\n";
  return res.all_pass ? exit_ok : exit_validation_failed;
}

}  // namespace cagescreen::workflows
