#include "workflows/campaign/manifest.hpp"

#include <glob.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>

#include "molecules/cluster.hpp"
#include "molecules/crystal.hpp"
#include "molecules/error.hpp"
#include "molecules/parse.hpp"
#include "molecules/text.hpp"
#include "molecules/generator.hpp"
#include "molecules/species.hpp"
#include "scf/basis.hpp"
#include "scf/grid.hpp"
#include "scf/scf.hpp"
#include "scf/gradient.hpp"
#include "scf/xc.hpp"
#include "workflows/qcschema.hpp"
#include "workflows/scalars.hpp"
#include "workflows/campaign/toml_reader.hpp"

namespace cagescreen::workflows {

namespace {

namespace fs = std::filesystem;

void read_level(const Reader& r, const toml::table& t, LevelOfTheory& level) {
  const std::string p = "level.";
  r.check_keys(t, p, {"method", "basis", "grid", "reference", "shell_type", "scf_type", "optimize", "max_iterations",
                      "e_convergence", "d_convergence", "solvent", "solvation", "epsilon", "solvent_points",
                      "stability"});
  if (auto v = r.string(t, "method", p)) level.method = lower(*v);
  if (auto v = r.string(t, "basis", p)) level.basis = lower(*v);
  if (auto v = r.string(t, "grid", p)) level.grid = lower(*v);
  if (auto v = r.string(t, "reference", p)) level.reference = lower(*v);
  if (auto v = r.string(t, "shell_type", p)) level.shell_type = lower(*v);
  if (auto v = r.string(t, "scf_type", p)) level.scf_type = lower(*v);
  if (auto v = r.string(t, "solvent", p)) level.solvent = lower(*v);
  if (auto v = r.string(t, "solvation", p)) level.solvation = lower(*v);
  if (auto v = r.number(t, "epsilon", p, 1.0, 1e4)) level.epsilon = *v;
  if (auto v = r.integer(t, "solvent_points", p, 26, 5810)) level.solvent_points = *v;
  if (auto v = r.string(t, "stability", p)) level.stability = lower(*v);
  if (auto v = r.string(t, "optimize", p)) {
    level.optimize = lower(*v);
    const auto preopt = parse_preopt(level.optimize);
    if (!preopt)
      r.fail(t.get("optimize"), "'level.optimize' = '" + *v +
                                    "': use \"none\", \"xtb\" (GFN2-xTB), \"dft\" (the level's method and basis) or \"xtb+dft\"");
    if (preopt && preopt->scf)
      r.checked(t, "optimize", p, [&] {
        if (const std::string why = scf::gradient_unsupported(scf::Functional::from_name(level.method)); !why.empty()) throw InputError(why);
      });
  }
  using namespace scf::limits;
  if (auto v = r.integer(t, "max_iterations", p, max_iterations_min, max_iterations_max)) level.max_iterations = *v;
  if (auto v = r.number(t, "e_convergence", p, e_convergence_min, e_convergence_max)) level.e_convergence = *v;
  if (auto v = r.number(t, "d_convergence", p, d_convergence_min, d_convergence_max)) level.d_convergence = *v;
  r.checked(t, "method", p, [&] { scf::Functional::from_name(level.method); });
  r.checked(t, "grid", p, [&] { scf::parse_grid(level.grid); });
  r.checked(t, "shell_type", p, [&] { scf::parse_shell_type(level.shell_type); });
  r.checked(t, "scf_type", p, [&] { scf::parse_scf_type(level.scf_type); });
  r.checked(t, "reference", p, [&] {
    if (level.reference != "auto") scf::parse_reference(level.reference);
  });
  r.checked(t, "basis", p, [&] { scf::resolve_basis_path(level.basis); });  // as `run` resolves it
  for (const char* key : {"solvent", "solvation", "epsilon", "solvent_points"})
    if (t.get(key)) r.checked(t, key, p, [&] { solvation_settings(level); });
  if (t.get("stability")) r.checked(t, "stability", p, [&] { check_stability(level); });
}

void read_ranking(const Reader& r, const toml::table& t, RankingModel& model) {
  r.check_keys(t, "ranking.", {"model", "criteria"});
  if (auto v = r.string(t, "model", "ranking.")) {
    if (lower(*v) != "interphase") r.fail(t.get("model"), "'ranking.model' = '" + *v + "': the built-in model is 'interphase'");
  }
  const toml::node* n = t.get("criteria");
  if (!n) return;
  const toml::array* arr = n->as_array();
  if (!arr || arr->empty()) r.fail(n, "'ranking.criteria' must be a non-empty array of tables ([[ranking.criteria]])");
  model.name = "custom";
  model.criteria.clear();
  for (const auto& item : *arr) {
    const toml::table* c = item.as_table();
    if (!c) r.fail(&item, "each [[ranking.criteria]] entry must be a table");
    const std::string p = "ranking.criteria.";
    r.check_keys(*c, p, {"descriptor", "direction", "weight", "reason", "pareto"});
    Criterion cr;
    const auto d = r.string(*c, "descriptor", p);
    if (!d) r.fail(&item, "a ranking criterion needs 'descriptor'");
    if (!find_scalar(*d)) {
      std::string names;
      for (const auto& s : scalar_descriptors()) names += (names.empty() ? "" : ", ") + std::string(s.name);
      r.fail(c->get("descriptor"), "unknown descriptor '" + *d + "' (one of " + names + ")");
    }
    cr.descriptor = *d;
    const auto dir = r.string(*c, "direction", p);
    if (!dir || (*dir != "max" && *dir != "min"))
      r.fail(dir ? c->get("direction") : &item, "'ranking.criteria.direction' must be \"max\" or \"min\"");
    cr.maximise = *dir == "max";
    cr.weight = r.number(*c, "weight", p, 0.0, 1e6).value_or(1.0);
    cr.reason = r.string(*c, "reason", p).value_or("");
    cr.pareto = r.boolean(*c, "pareto", p).value_or(true);
    model.criteria.push_back(cr);
  }
}

/// The derivatives a `generate` entry enumerates, as (label, notation): its cage, `substituents`
/// (required), `count` (N or "MIN-MAX", default 1) and `sites` (all, boron, carbon).
std::vector<std::pair<std::string, std::string>> generated_inputs(const Reader& r, const toml::table& t,
                                                                  const std::string& cage_name) {
  const std::string p = "candidates.";
  const auto cage = molecules::find_cage(cage_name);
  if (!cage) {
    std::string names;
    for (const auto& c : molecules::cage_templates()) names += (names.empty() ? "" : ", ") + c.name;
    r.fail(t.get("generate"), "unknown cage '" + cage_name + "' (cages: " + names + ")");
  }
  const auto subs = r.strings(t, "substituents", p);
  if (!subs) r.fail(t.get("generate"), "a 'generate' entry needs 'substituents', e.g. [\"F\", \"CH3\"]");
  for (const auto& s : *subs)
    if (!molecules::find_substituent(s)) r.fail(t.get("substituents"), "unknown substituent '" + s + "'");
  int lo = 1, hi = 1;
  if (const toml::node* n = t.get("count")) {
    if (n->is_integer()) {
      lo = hi = *r.integer(t, "count", p, 0, 12);
    } else if (n->is_string()) {
      const std::string v = *n->value<std::string>();
      const auto range = molecules::parse_count_range(v);
      if (range) std::tie(lo, hi) = *range;
      else lo = -1;
      if (lo < 0 || hi < lo || hi > 12) r.fail(n, "'candidates.count' = '" + v + "': use N or \"MIN-MAX\", e.g. \"1-2\"");
    } else {
      r.fail(n, "'candidates.count' must be an integer or a string \"MIN-MAX\"");
    }
  }
  auto sites = molecules::Sites::All;
  if (auto s = r.string(t, "sites", p)) {
    const auto parsed = molecules::parse_sites(*s);
    if (!parsed) r.fail(t.get("sites"), "'candidates.sites' = '" + *s + "': use all, boron or carbon");
    sites = *parsed;
  }
  std::vector<std::pair<std::string, std::string>> out;
  try {
    for (const auto& d : molecules::enumerate_derivatives(*cage, *subs, lo, hi, sites))
      out.emplace_back(d.notation(), d.notation());
  } catch (const InputError& e) {
    r.fail(t.get("generate"), e.what());
  }
  if (out.empty()) r.fail(t.get("generate"), "this 'generate' entry yields no derivative");
  return out;
}

/// Files a glob pattern matches, sorted.
std::vector<fs::path> glob_files(const std::string& pattern) {
  glob_t g{};
  std::vector<fs::path> out;
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
    for (std::size_t i = 0; i < g.gl_pathc; ++i)
      if (fs::is_regular_file(g.gl_pathv[i])) out.emplace_back(g.gl_pathv[i]);
  globfree(&g);
  std::sort(out.begin(), out.end());
  return out;
}

/// A `crystal` entry: one cluster per radius, labelled LABEL-rR.RR (docs/crystals.md).
void read_cluster_series(const Reader& r, const toml::table& t, const fs::path& base, std::set<std::string>& labels,
                         Manifest& m) {
  const std::string p = "candidates.";
  const std::string input = *r.string(t, "crystal", p);
  const fs::path path = fs::path(input).is_absolute() ? fs::path(input) : base / input;
  const std::string resolved = fs::is_regular_file(path) ? path.string() : input;
  if (!fs::is_regular_file(path) && !molecules::find_crystal(input))
    r.fail(t.get("crystal"), "'" + input + "' is neither a crystal file nor a built-in crystal (cagescreen crystal --list)");
  const auto radii = r.numbers(t, "radii", p, 0.1, 30);
  if (!radii) r.fail(&t, "a 'crystal' entry needs 'radii' (Angstrom), e.g. radii = [3.0, 4.0, 5.0]");
  if (t.contains("multiplicity")) r.fail(t.get("multiplicity"), "clusters take the lowest multiplicity; 'multiplicity' is not allowed here");
  molecules::ClusterOptions o;
  o.center = r.string(t, "center", p).value_or("");
  o.stoichiometric = r.boolean(t, "stoichiometric", p).value_or(true);
  o.charge = r.integer(t, "charge", p, -20, 20);
  if (auto term = r.string(t, "terminate", p)) {
    const auto parsed = molecules::parse_termination(lower(*term));
    if (!parsed) r.fail(t.get("terminate"), "'candidates.terminate' = '" + *term + "': use none, h, oh or pseudo");
    o.terminate = *parsed;
  }
  const auto reference = r.string(t, "reference", p);
  molecules::Crystal crystal;
  r.checked(t, "crystal", p, [&] { crystal = molecules::resolve_crystal(resolved); });
  const std::string series = r.string(t, "label", p).value_or(crystal.name);
  const auto memory = r.number(t, "memory_mib", p, 1, 1 << 24);
  const auto minutes = r.number(t, "time_minutes", p, 0.001, 1e6);
  const auto iterations = r.integer(t, "max_iterations", p, scf::limits::max_iterations_min, scf::limits::max_iterations_max);
  std::vector<double> sorted = *radii;
  std::sort(sorted.begin(), sorted.end());
  for (double radius : sorted) {
    o.radius_angstrom = radius;
    std::ostringstream label;
    label << series << "-r" << std::fixed << std::setprecision(2) << radius;
    Candidate c;
    c.label = label.str();
    c.source = "crystal " + resolved + " radius " + label.str().substr(series.size() + 2) + " Angstrom";
    c.memory_mib = memory;
    c.time_minutes = minutes;
    c.max_iterations = iterations;
    if (!labels.insert(c.label).second)
      r.fail(&t, "two candidates are labelled '" + c.label +
                     "' (labels must be unique: radii that round to the same 0.01 Angstrom, or another entry's label)");
    ClusterOrigin origin{series, crystal.name, radius, o.center, "", reference.value_or(""),
                         reference ? static_cast<int>(t.get("reference")->source().begin.line) : 0};
    try {
      const auto cl = molecules::carve_cluster(crystal, o);
      c.molecule = cl.molecule;
      c.molecule.name = c.label;
      origin.point_group = cl.point_group;
    } catch (const InputError& e) {
      c.error = e.what();
    }
    c.cluster = origin;
    m.candidates.push_back(std::move(c));
  }
}

void read_candidates(const Reader& r, const toml::node* n, Manifest& m) {
  const toml::array* arr = n ? n->as_array() : nullptr;
  if (!arr || arr->empty()) r.fail(n, "the manifest needs at least one [[candidates]] entry");
  const fs::path base = fs::absolute(r.file()).parent_path();
  std::set<std::string> labels;
  for (const auto& item : *arr) {
    const toml::table* t = item.as_table();
    if (!t) r.fail(&item, "each [[candidates]] entry must be a table");
    const std::string p = "candidates.";
    r.check_keys(*t, p, {"species", "file", "glob", "directory", "crystal", "derivative", "generate", "label",
                         "charge", "multiplicity", "memory_mib", "time_minutes", "max_iterations", "radii", "center",
                         "stoichiometric", "terminate", "reference", "substituents", "count", "sites", "role"});
    int kinds = 0;
    for (auto k : {"species", "file", "glob", "directory", "crystal", "derivative", "generate"}) kinds += t->contains(k);
    if (kinds != 1)
      r.fail(&item, "a [[candidates]] entry needs exactly one of species, file, glob, directory, crystal, derivative, generate");
    if (!t->contains("generate"))
      for (auto k : {"substituents", "count", "sites"})
        if (t->contains(k)) r.fail(t->get(k), std::string("'candidates.") + k + "' belongs to a 'generate' entry");
    if (t->contains("crystal")) {
      read_cluster_series(r, *t, base, labels, m);
      continue;
    }
    for (auto k : {"radii", "center", "stoichiometric", "terminate", "reference"})
      if (t->contains(k)) r.fail(t->get(k), std::string("'candidates.") + k + "' belongs to a 'crystal' entry");
    const auto label = r.string(*t, "label", p);
    const auto role = r.string(*t, "role", p);
    if (role && *role != "candidate" && *role != "reference")
      r.fail(t->get("role"), "'candidates.role' = '" + *role + "': use candidate (ranked) or reference (drawn as a reference, not ranked)");
    const auto charge = r.integer(*t, "charge", p, -20, 20);
    const auto mult = r.integer(*t, "multiplicity", p, 1, 20);
    const auto memory = r.number(*t, "memory_mib", p, 1, 1 << 24);
    const auto minutes = r.number(*t, "time_minutes", p, 0.001, 1e6);
    const auto iterations = r.integer(*t, "max_iterations", p, scf::limits::max_iterations_min, scf::limits::max_iterations_max);

    std::vector<std::pair<std::string, std::string>> inputs;  // (label, input for resolve_input)
    std::string kind;
    if (auto s = r.string(*t, "species", p)) {
      kind = "species";
      if (!molecules::find_species(*s)) r.fail(t->get("species"), "unknown built-in species '" + *s + "' (cagescreen species lists them)");
      inputs.emplace_back(*s, *s);
    } else if (auto f = r.string(*t, "file", p)) {
      kind = "file";
      const fs::path path = fs::path(*f).is_absolute() ? fs::path(*f) : base / *f;
      r.checked(*t, "file", p, [&] { check_regular_file(path.string()); });
      inputs.emplace_back(path.stem().string(), path.string());
    } else if (auto ds = r.strings(*t, "derivative", p)) {
      kind = "derivative";
      for (const auto& d : *ds) {
        if (!molecules::is_derivative_notation(d))
          r.fail(t->get("derivative"), "'" + d + "' is not a cage derivative (e.g. o-carborane:9,12-F2; cagescreen generate --cages lists the cages)");
        try {
          inputs.emplace_back(molecules::canonical(molecules::parse_derivative(d)).notation(), d);
        } catch (const InputError& e) {
          r.fail(t->get("derivative"), e.what());
        }
      }
    } else if (auto cage = r.string(*t, "generate", p)) {
      kind = "derivative";
      for (const auto& [name, input] : generated_inputs(r, *t, *cage)) inputs.emplace_back(name, input);
    } else if (auto g = r.string(*t, "glob", p)) {
      kind = "glob";
      const std::string pattern = fs::path(*g).is_absolute() ? *g : (base / *g).string();
      for (const auto& path : glob_files(pattern)) inputs.emplace_back(path.stem().string(), path.string());
      if (inputs.empty()) r.fail(t->get("glob"), "the pattern '" + pattern + "' matches no file");
    } else {
      kind = "directory";
      const auto d = r.string(*t, "directory", p);
      const fs::path dir = fs::path(*d).is_absolute() ? fs::path(*d) : base / *d;
      if (!fs::is_directory(dir)) r.fail(t->get("directory"), "no such directory: " + dir.string());
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && (e.path().extension() == ".xyz" || e.path().extension() == ".json"))
          files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& path : files) inputs.emplace_back(path.stem().string(), path.string());
      if (inputs.empty()) r.fail(t->get("directory"), "the directory " + dir.string() + " holds no .xyz or .json file");
    }
    if (label && inputs.size() > 1)
      r.fail(t->get("label"), "'label' names one candidate, but this entry yields " + std::to_string(inputs.size()) +
                                  (kind == "derivative" ? " derivatives (leave it out: each is labelled by its notation)"
                                                        : " files (leave it out: each file's name becomes its label)"));
    for (auto& [name, input] : inputs) {
      Candidate c;
      c.label = label.value_or(name);
      c.source = kind == "species" ? "species " + input : kind == "derivative" ? "derivative " + input : input;
      c.memory_mib = memory;
      c.time_minutes = minutes;
      c.max_iterations = iterations;
      c.reference_species = role && *role == "reference";
      if (c.label.empty()) r.fail(&item, "empty candidate label");
      if (!labels.insert(c.label).second)
        r.fail(&item, "two candidates are labelled '" + c.label + "' (labels must be unique: set 'label')");
      try {
        c.molecule = molecules::resolve_input(input, charge, mult);
        c.molecule.name = c.label;
      } catch (const InputError& e) {
        c.error = e.what();
      }
      m.candidates.push_back(std::move(c));
    }
  }
}

}  // namespace

Manifest parse_manifest(const std::string& text, const fs::path& file) {
  const toml::table root = parse_toml(text, file);
  Reader r(file);
  Manifest m;
  m.file = fs::absolute(file);
  r.check_keys(root, "", {"name", "output", "baseline", "descriptors", "level", "limits", "candidates", "ranking", "redox"});
  const auto name = r.string(root, "name", "");
  if (!name || name->empty()) throw InputError(located(file.string(), 0, "the manifest needs a 'name'"));
  m.name = *name;
  const fs::path out = r.string(root, "output", "").value_or("results");
  m.output = out.is_absolute() ? out : m.file.parent_path() / out;
  if (const toml::node* d = root.get("descriptors")) {
    const toml::array* arr = d->as_array();
    if (!arr) r.fail(d, "'descriptors' must be an array of strings, e.g. [\"frontier\", \"surface\"]");
    std::string list;
    for (const auto& x : *arr) {
      if (!x.is_string()) r.fail(&x, "'descriptors' must hold strings");
      const std::string word = lower(*x.value<std::string>());
      if (word == "redox") {  // the candidate's ions: their own jobs, not a `run` descriptor
        m.redox.enabled = true;
        continue;
      }
      list += (list.empty() ? "" : ",") + word;
    }
    if (list.empty()) list = "frontier";
    r.checked(root, "descriptors", "", [&] { descriptors::parse_descriptor_request(list); });
    m.descriptors = list;
  }
  if (const auto* t = r.table(root, "level")) read_level(r, *t, m.level);
  if (const auto* t = r.table(root, "limits")) {
    r.check_keys(*t, "limits.", {"memory_mib", "time_minutes"});
    m.memory_mib = r.number(*t, "memory_mib", "limits.", 1, 1 << 24).value_or(m.memory_mib);
    m.time_minutes = r.number(*t, "time_minutes", "limits.", 0.001, 1e6).value_or(m.time_minutes);
  }
  if (const auto* t = r.table(root, "redox")) {
    r.check_keys(*t, "redox.", {"ph", "she_absolute", "window", "processes"});
    if (auto v = r.string(*t, "processes", "redox.")) {
      if (*v != "both" && *v != "oxidation" && *v != "reduction")
        r.fail(t->get("processes"), "'redox.processes' = '" + *v + "': use both, oxidation or reduction");
      m.redox.oxidation = *v != "reduction";
      m.redox.reduction = *v != "oxidation";
    }
    if (!m.redox.enabled) r.fail(t, "a [redox] table needs \"redox\" among the descriptors");
    m.redox.ph = r.number(*t, "ph", "redox.", 0, 14).value_or(m.redox.ph);
    m.redox.she_absolute = r.number(*t, "she_absolute", "redox.", 4.0, 5.0).value_or(m.redox.she_absolute);
    if (const toml::node* w = t->get("window")) {
      const toml::array* a = w->as_array();
      if (!a || a->size() != 2 || !a->get(0)->is_number() || !a->get(1)->is_number())
        r.fail(w, "'redox.window' must be [low, high] in V vs SHE, e.g. [-0.76, 1.8]");
      m.redox.window_low = a->get(0)->value<double>().value();
      m.redox.window_high = a->get(1)->value<double>().value();
      if (!(m.redox.window_low < m.redox.window_high) || std::abs(m.redox.window_low) > 10 || std::abs(m.redox.window_high) > 10)
        r.fail(w, "'redox.window' must be [low, high] with low < high, within 10 V of SHE");
    }
  }
  if (m.redox.enabled) m.ranking = RankingModel::interphase(true);
  if (const auto* t = r.table(root, "ranking")) read_ranking(r, *t, m.ranking);
  read_candidates(r, root.get("candidates"), m);
  for (const auto& c : m.candidates)
    if (c.cluster && !c.cluster->reference.empty() &&
        std::none_of(m.candidates.begin(), m.candidates.end(), [&](const Candidate& o) { return o.label == c.cluster->reference; }))
      throw InputError(located(file.string(), c.cluster->reference_line, "'reference' = '" + c.cluster->reference + "' of the crystal entry '" +
                                                     c.cluster->series + "' is not the label of a candidate"));
  if (auto b = r.string(root, "baseline", "")) {
    if (std::none_of(m.candidates.begin(), m.candidates.end(), [&](const Candidate& c) { return c.label == *b; }))
      r.fail(root.get("baseline"), "'baseline' = '" + *b + "' is not the label of a candidate");
    m.baseline = *b;
  }
  return m;
}

Manifest read_manifest(const fs::path& file) {
  return parse_manifest(read_text_file(file.string()), file);
}

}  // namespace cagescreen::workflows
