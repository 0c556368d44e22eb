// `cagescreen validate`: reference sets (QM9 files, reference.toml), their error messages, and a run
// on QM9 files the project has never seen.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"
#include "molecules/error.hpp"
#include "workflows/campaign/validate.hpp"

namespace fs = std::filesystem;
using namespace cagescreen;
using namespace cagescreen::workflows;

namespace {

std::string load_error(const fs::path& folder) {
  try {
    load_reference_set(folder.string());
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

const std::string methane_props =
    "gdb 1\t157.7118\t157.70997\t157.70699\t0.\t13.21\t-0.3877\t0.1171\t0.5048\t35.3641\t0.044749\t-40.47893\t"
    "-40.476062\t-40.475117\t-40.498597\t6.469\t\n";
const std::string methane_atoms =
    "C\t-0.0126981359\t 1.0858041578\t 0.0080009958\t-0.535689\n"
    "H\t 0.002150416\t-0.0060313176\t 0.0019761204\t 0.133921\n"
    "H\t 1.0117308433\t 1.4637511618\t 0.0002765748\t 0.133922\n"
    "H\t-0.540815069\t 1.4475266138\t-0.8766437152\t 0.133923\n"
    "H\t-0.5238136345\t 1.4379326443\t 0.9063972942\t 0.133923\n";

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("reference sets: shipped sets load with their levels and values") {
    const auto q = load_reference_set("qm9-sample");
    CHECK(q.layout == "qm9");
    CHECK(q.entries.size() == 40);
    CHECK(q.level.key() == "b3lyp/6-31g(2df,p)/grid=default/scf_type=conv");
    CHECK(q.entries.front().candidate.label == "gdb_777");
    CHECK(q.entries.front().values.at("energy_eh") == doctest::Approx(-353.359877).epsilon(1e-12));
    CHECK(q.entries.front().mulliken.size() == q.entries.front().candidate.molecule.atoms.size());
    CHECK(q.tolerances.at("homo_ev").mae == 0.0015);
    const auto s = load_reference_set("seed-paper");
    REQUIRE(s.entries.size() == 1);
    CHECK(s.entries[0].values.at("homo_ev") == -8.58);
    CHECK(s.scan_methods.size() * s.scan_basis.size() == 12);
    const auto p = load_reference_set("psi4-crosscheck");
    CHECK(p.entries.size() == 19);
    for (const auto& e : p.entries) CHECK(e.level.has_value());
  }

  TEST_CASE("reference sets: the FreeSolv sample and FreeSolv-format folders") {
    const auto f = load_reference_set("freesolv-sample");
    CHECK(f.layout == "freesolv");
    REQUIRE(f.entries.size() == 60);
    CHECK(f.level.key() == "b3lyp/6-31g*/grid=default/solvation=smd/solvent=water");
    CHECK(f.entries.front().candidate.label == "mobley_676247");  // natural order: shortest id first
    CHECK(f.tolerances.at("solvation_free_energy_kcal").mae == 1.0);
    for (const auto& e : f.entries) CHECK(e.values.count("solvation_free_energy_kcal") == 1);

    const fs::path dir = scratch("freesolv-format");
    const std::string water = "3\nwat charge=0 multiplicity=1 | water | O | dG_hyd_exp=-6.31 +- 0.6 kcal/mol\n"
                              "O 0 0 0.117\nH 0 0.757 -0.469\nH 0 -0.757 -0.469\n";
    std::ofstream(dir / "wat.xyz") << water;
    const auto s = load_reference_set(dir.string());
    CHECK(s.layout == "freesolv");
    REQUIRE(s.entries.size() == 1);
    CHECK(s.entries[0].values.at("solvation_free_energy_kcal") == -6.31);
    CHECK(s.level.solvent == "water");
    std::ofstream(dir / "bad.xyz") << "3\nbad | dG_hyd_exp=minus6 kcal/mol\nO 0 0 0.117\nH 0 0.757 -0.469\nH 0 -0.757 -0.469\n";
    CHECK(load_error(dir) == (dir / "bad.xyz").string() + ":2: FreeSolv file: dG_hyd_exp is not a number of kcal/mol: 'minus6'");
  }

  TEST_CASE("reference sets: QM9 files in their original form (trailing lines, Mathematica exponents)") {
    const fs::path dir = scratch("qm9-format");
    std::ofstream(dir / "m.xyz") << "5\n" << methane_props
                                 << "C\t-0.0126981359\t 1.0858041578\t 8.0009958*^-3\t-0.535689\n"
                                 << methane_atoms.substr(methane_atoms.find('\n') + 1)
                                 << "1341.3\t1341.3\n C\tC\nInChI=1S/CH4/h1H4\tInChI=1S/CH4/h1H4\n";
    const auto s = load_reference_set(dir.string());
    REQUIRE(s.entries.size() == 1);
    CHECK(s.name == "qm9-format");
    CHECK(s.entries[0].candidate.molecule.atoms[0].r[2] == doctest::Approx(0.0080009958 / 0.529177210903));
    CHECK(s.entries[0].values.at("homo_ev") == doctest::Approx(-0.3877 * 27.211386245988));
    CHECK(s.entries[0].values.at("energy_eh") == doctest::Approx(-40.523679));
  }

  TEST_CASE("reference sets: malformed files name the file and line") {
    const fs::path dir = scratch("qm9-bad");
    std::ofstream(dir / "a.xyz") << "5\n" << methane_props << methane_atoms;
    std::ofstream(dir / "b.xyz") << "5\n" << "gdb 2\t1\t2\t3\t0.\t13.21\t-0.3877\tzero\t0.5048\t35.3641\t0.044749\t"
                                             "-40.47893\t-40.476062\t-40.475117\t-40.498597\t6.469\n" << methane_atoms;
    CHECK(load_error(dir) == (dir / "b.xyz").string() + ":2: QM9 property line: LUMO is not a number: 'zero'");
    std::ofstream(dir / "b.xyz") << "5\n" << methane_props << methane_atoms.substr(0, methane_atoms.find('\n') + 1) << "Qq 0 0 0 0.1\n";
    CHECK(load_error(dir).find("b.xyz:4: unknown element 'Qq'") != std::string::npos);
    std::ofstream(dir / "b.xyz") << "5\n" << methane_props << "C 0 0 0\n";
    CHECK(load_error(dir).find("b.xyz:3: QM9 atom line: expected element, x, y, z and the Mulliken charge") !=
          std::string::npos);
    std::ofstream(dir / "b.xyz") << "5\n" << methane_props << methane_atoms.substr(0, methane_atoms.find('\n') + 1);
    CHECK(load_error(dir).find("b.xyz:4: QM9 file: missing atom line 2") != std::string::npos);
    std::ofstream(dir / "b.xyz") << "five\n" << methane_props;
    CHECK(load_error(dir).find("b.xyz:1: QM9 file: the first line must be the number of atoms") != std::string::npos);

    const fs::path t = scratch("table-bad");
    auto toml_error = [&](const std::string& text) {
      std::ofstream(t / "reference.toml") << text;
      return load_error(t);
    };
    const std::string set = "[set]\nname = \"t\"\nmethod = \"hf\"\nbasis = \"sto-3g\"\n";
    const std::string entry = "[[entries]]\nspecies = \"water\"\n[entries.values]\nhomo_ev = -10.0\n";
    CHECK(toml_error(set + entry).empty());
    const std::string file = (t / "reference.toml").string();
    CHECK(toml_error(set + "colour = 2\n" + entry).find(file + ":5: unknown key 'set.colour'") == 0);
    CHECK(toml_error(set + "[[entries]]\nspecies = \"water\"\n[entries.values]\nhomo = -10.0\n")
              .find(file + ":8: unknown quantity 'homo'") == 0);
    CHECK(toml_error(set + "[[entries]]\nlabel = \"x\"\n[entries.values]\nhomo_ev = 1.0\n")
              .find(":5: an entry needs exactly one of species, file") != std::string::npos);
    CHECK(toml_error(set + "[[entries]]\nspecies = \"water\"\n[entries.values]\nmulliken_charges = [0.1, 0.2]\n")
              .find(":8: 'mulliken_charges' must list one number per atom") != std::string::npos);
    CHECK(toml_error(set + "[[entries]]\nspecies = \"water\"\n[entries.values]\n\"distance_angstrom:1-7\" = 1.0\n")
              .find(":8: 'distance_angstrom:1-7': use distance_angstrom:I-J with atom numbers 1..3") != std::string::npos);
    CHECK(toml_error(set + "[tolerances]\nhomo_ev = 0.1\n" + entry)
              .find(":6: 'tolerances.homo_ev' must be a table") != std::string::npos);
    CHECK(toml_error(set + "[[entries]]\nspecies = \"water\"\nhomo_ev = -10\n")
              .find(":7: unknown key 'entries.homo_ev'") != std::string::npos);
    CHECK(toml_error("[set\nname = 1\n").find(file + ":1:") == 0);

    fs::remove(t / "reference.toml");
    CHECK(load_error(t).find("not a reference set (no reference.toml, and no QM9- or FreeSolv-format .xyz files)") !=
          std::string::npos);
    CHECK(load_error("no-such-set").find("neither a folder nor a shipped reference set (") != std::string::npos);
  }
}

TEST_SUITE("validate") {
  TEST_CASE("validate: QM9 files the project has never seen, with no manifest") {
    // Methane and water (QM9 gdb 1 and 3) in QM9's original file format, trailing lines included;
    // they are not in the shipped sample. The folder alone implies B3LYP/6-31G(2df,p).
    const fs::path out = scratch("validate-unseen");
    const std::string folder = std::string(CAGESCREEN_TEST_REFERENCE) + "/qm9-unseen";
    const auto r = cli("validate " + folder + " --output " + out.string() + " --threads-per-job 1");
    INFO(r.output);
    CHECK(r.code == 0);
    CHECK(r.output.find("level b3lyp/6-31g(2df,p)/grid=default") != std::string::npos);
    CHECK(r.output.find("validation passed") != std::string::npos);
    std::ifstream in(out / "validation.json");
    const auto j = nlohmann::json::parse(in);
    CHECK(j["like_for_like"] == true);
    CHECK(j["quantities"]["homo_ev"]["n"] == 2);
    CHECK(j["quantities"]["mulliken_charges"]["n"] == 8);
    CHECK(j["quantities"]["energy_eh"]["max"].get<double>() < 5e-5);
    CHECK(fs::exists(out / "validation.html"));

    // Another level is allowed, and said to be not like for like; it does not pass here.
    const auto other = cli("validate " + folder + " --output " + out.string() + " --method pbe0 --threads-per-job 1");
    INFO(other.output);
    CHECK(other.code == 6);
    CHECK(other.output.find("not like for like") != std::string::npos);
    CHECK(other.output.find("validation FAILED") != std::string::npos);
  }
}
