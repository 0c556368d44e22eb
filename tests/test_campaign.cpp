// Screening campaigns: manifest checking, the results store, ranking, and (tier "campaign") whole
// campaigns run through the command line: failure classes, resume, crash safety under SIGKILL, and
// the HTML report in headless Chromium.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "cli_helpers.hpp"
#include "molecules/error.hpp"
#include "molecules/units.hpp"
#include "workflows/campaign/runner.hpp"
#include "workflows/qcschema.hpp"
#include "workflows/campaign/manifest.hpp"
#include "workflows/campaign/ranking.hpp"
#include "workflows/campaign/report.hpp"
#include "workflows/scalars.hpp"
#include "workflows/campaign/store.hpp"
#include "workflows/campaign/output_files.hpp"

namespace fs = std::filesystem;
using namespace cagescreen;
using namespace cagescreen::workflows;

namespace {

/// The InputError message parse_manifest gives for `text` (empty if it parses).
std::string manifest_error(const std::string& text, const fs::path& file) {
  try {
    parse_manifest(text, file);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Every row of a store as (candidate -> row), checking that no candidate appears twice.
std::map<std::string, ResultRow> table_of(const fs::path& store_file) {
  const Store store(store_file, false, true);
  std::map<std::string, ResultRow> t;
  for (auto& r : store.rows()) {
    INFO(r.candidate);
    CHECK(t.count(r.candidate + "@" + r.level) == 0);
    t[r.candidate + "@" + r.level] = r;
  }
  return t;
}

int scalar(const char* name) {
  for (std::size_t i = 0; i < scalar_descriptors().size(); ++i)
    if (std::string(scalar_descriptors()[i].name) == name) return static_cast<int>(i);
  return -1;
}

const std::string qm9 = std::string(CAGESCREEN_TEST_REFERENCE) + "/../../data/reference/qm9-sample";

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("manifest: every mistake names the file, line and key") {
    const fs::path dir = scratch("manifest");
    const fs::path file = dir / "m.toml";
    const std::string head = "name = \"t\"\n";
    const std::string water = "[[candidates]]\nspecies = \"water\"\n";
    CHECK(manifest_error(head + water, file).empty());
    CHECK(manifest_error(head + "colour = 1\n" + water, file) ==
          file.string() + ":2: unknown key 'colour' (allowed here: name, output, baseline, descriptors, level, "
                          "limits, candidates, ranking, redox)");
    // The redox group: a [redox] table needs the descriptor; its keys and a candidate's role are checked.
    CHECK(manifest_error(head + "[redox]\nph = 5\n" + water, file).find(":2: a [redox] table needs \"redox\"") !=
          std::string::npos);
    const std::string redox = "descriptors = [\"frontier\", \"redox\"]\n";
    CHECK(manifest_error(head + redox + "[redox]\nph = 15\n" + water, file).find(":4: 'redox.ph' = 15") !=
          std::string::npos);
    CHECK(manifest_error(head + redox + "[redox]\nwindow = [1.8, -0.76]\n" + water, file).find(":4: 'redox.window'") !=
          std::string::npos);
    CHECK(manifest_error(head + redox + "[redox]\nprocesses = \"all\"\n" + water, file)
              .find(":4: 'redox.processes' = 'all'") != std::string::npos);
    CHECK(manifest_error(head + "[[candidates]]\nspecies = \"water\"\nrole = \"baseline\"\n", file)
              .find(":4: 'candidates.role' = 'baseline'") != std::string::npos);
    CHECK(manifest_error(head + redox + "[redox]\nph = 4.5\n" + water, file).empty());
    CHECK(manifest_error(head + "[level]\nmethod = \"b3lpy\"\n" + water, file).find(":3: 'level.method'") !=
          std::string::npos);
    CHECK(manifest_error(head + "[level]\nbasis = \"6-31g**x\"\n" + water, file).find(":3: 'level.basis': unknown basis") !=
          std::string::npos);
    CHECK(manifest_error(head + "[level]\nmax_iterations = \"many\"\n" + water, file)
              .find(":3: 'level.max_iterations' must be an integer") != std::string::npos);
    CHECK(manifest_error(head + "[limits]\nmemory_mib = -5\n" + water, file).find(":3: 'limits.memory_mib' = -5") !=
          std::string::npos);
    CHECK(manifest_error(head + "[[candidates]]\nspecies = \"waterr\"\n", file).find(":3: unknown built-in species 'waterr'") !=
          std::string::npos);
    CHECK(manifest_error(head + "[[candidates]]\nfile = \"nothere.xyz\"\n", file).find(":3: 'candidates.file': ") !=
          std::string::npos);
    CHECK(manifest_error(head + "[[candidates]]\nfile = \"nothere.xyz\"\n", file).find("nothere.xyz: no such file") !=
          std::string::npos);
    CHECK(manifest_error(head + "[[candidates]]\nglob = \"*.nothing\"\n", file).find(":3: the pattern") !=
          std::string::npos);
    CHECK(manifest_error(head + "[[candidates]]\nspecies = \"water\"\nfile = \"a.xyz\"\n", file)
              .find(":2: a [[candidates]] entry needs exactly one of") != std::string::npos);
    CHECK(manifest_error(head + water + water, file).find(":4: two candidates are labelled 'water'") !=
          std::string::npos);
    CHECK(manifest_error(head, file).find("at least one [[candidates]]") != std::string::npos);
    CHECK(manifest_error("name = \"t\"\nname = \"u\"\n" + water, file).find(file.string() + ":2:") == 0);  // TOML syntax
    CHECK(manifest_error(head + "baseline = \"nobody\"\n" + water, file).find(":2: 'baseline' = 'nobody'") !=
          std::string::npos);
    CHECK(manifest_error(head + water + "[ranking]\n[[ranking.criteria]]\ndescriptor = \"gap\"\ndirection = \"max\"\n",
                         file)
              .find(":6: unknown descriptor 'gap'") != std::string::npos);
    CHECK(manifest_error(head + water + "[[ranking.criteria]]\ndescriptor = \"gap_ev\"\ndirection = \"up\"\n", file)
              .find("must be \"max\" or \"min\"") != std::string::npos);
    CHECK(manifest_error(head + "descriptors = [\"frontier\", \"colour\"]\n" + water, file).find(":2: 'descriptors'") !=
          std::string::npos);
    // Crystal entries (one cluster per radius).
    const std::string zno = "[[candidates]]\ncrystal = \"zno\"\n";
    CHECK(manifest_error(head + "[[candidates]]\ncrystal = \"zinc\"\nradii = [2.0]\n", file)
              .find(":3: 'zinc' is neither a crystal file nor a built-in crystal") != std::string::npos);
    CHECK(manifest_error(head + zno, file).find(":2: a 'crystal' entry needs 'radii'") != std::string::npos);
    CHECK(manifest_error(head + zno + "radii = [2.0, 0.0]\n", file)
              .find(":4: 'candidates.radii' value 0 must be between 0.1 and 30") != std::string::npos);
    CHECK(manifest_error(head + zno + "radii = 2.0\nterminate = \"capped\"\n", file)
              .find(":5: 'candidates.terminate' = 'capped': use none, h, oh or pseudo") != std::string::npos);
    CHECK(manifest_error(head + zno + "radii = 2.0\nstoichiometric = 1\n", file)
              .find(":5: 'candidates.stoichiometric' must be true or false") != std::string::npos);
    CHECK(manifest_error(head + water + "radii = [2.0]\n", file)
              .find(":4: 'candidates.radii' belongs to a 'crystal' entry") != std::string::npos);
    CHECK(manifest_error(head + zno + "radii = 2.0\nreference = \"nobody\"\n", file)
              .find(":5: 'reference' = 'nobody' of the crystal entry 'zno-wurtzite' is not the label of a candidate") !=
          std::string::npos);
    // A cluster that cannot be cut is a failed candidate (bad_input), not a broken manifest.
    const auto m = parse_manifest(head + zno + "radii = [2.0, 3.5]\ncharge = 1\n" + water, file);
    REQUIRE(m.candidates.size() == 3);
    CHECK(m.candidates[0].label == "zno-wurtzite-r2.00");
    CHECK(m.candidates[0].error.find("has charge 1") != std::string::npos);
    const auto ok = parse_manifest(head + zno + "radii = [4.0, 2.0]\nlabel = \"w\"\nreference = \"water\"\n" + water, file);
    REQUIRE(ok.candidates.size() == 3);
    CHECK(ok.candidates[0].label == "w-r2.00");  // radii in increasing order
    CHECK(ok.candidates[1].label == "w-r4.00");
    CHECK(ok.candidates[1].molecule.formula() == "O13Zn13");
    CHECK(ok.candidates[1].molecule.charge == 0);
    REQUIRE(ok.candidates[1].cluster);
    CHECK(ok.candidates[1].cluster->point_group == "C3v");
    CHECK(ok.candidates[1].cluster->reference == "water");
  }

  TEST_CASE("manifest: globs, directories, labels, per-candidate limits, bad files kept as failures") {
    const fs::path dir = scratch("manifest-files");
    fs::create_directories(dir / "mols");
    fs::create_directories(dir / "more");
    std::ofstream(dir / "mols" / "a.xyz") << "1\n\nH 0 0 0\n";
    std::ofstream(dir / "mols" / "b.xyz") << "2\ncharge=0\nH 0 0 0\nH 0 0 0.74\n";
    std::ofstream(dir / "mols" / "bad.xyz") << "2\n\nH 0 0 0\nXx 0 0 1\n";
    std::ofstream(dir / "mols" / "notes.txt") << "ignored";
    std::ofstream(dir / "more" / "c1.xyz") << "2\n\nH 0 0 0\nH 0 0 0.74\n";
    std::ofstream(dir / "more" / "c2.xyz") << "2\n\nH 0 0 0\nH 0 0 0.75\n";
    const auto m = parse_manifest(
        "name = \"files\"\noutput = \"out\"\n[level]\nmethod = \"HF\"\nbasis = \"sto-3g\"\n"
        "[limits]\nmemory_mib = 1000\ntime_minutes = 2\n"
        "[[candidates]]\ndirectory = \"mols\"\n"
        "[[candidates]]\nglob = \"more/c*.xyz\"\nmemory_mib = 10\n"
        "[[candidates]]\nfile = \"mols/a.xyz\"\nlabel = \"H anion\"\ncharge = -1\nmax_iterations = 7\n",
        dir / "m.toml");
    CHECK(m.output == dir / "out");
    CHECK(m.level.method == "hf");
    CHECK(m.level.key() == "hf/sto-3g/grid=default");
    CHECK(m.memory_mib == 1000);
    CHECK(m.time_minutes == 2);
    REQUIRE(m.candidates.size() == 6);
    std::vector<std::string> labels;
    for (const auto& c : m.candidates) labels.push_back(c.label);
    CHECK(labels == std::vector<std::string>{"a", "b", "bad", "c1", "c2", "H anion"});
    CHECK(m.candidates[0].molecule.multiplicity == 2);
    CHECK(m.candidates[2].error.find("bad.xyz:4") != std::string::npos);  // kept, recorded as bad input later
    CHECK(*m.candidates[3].memory_mib == 10);
    CHECK(!m.candidates[0].memory_mib);
    CHECK(m.candidates[5].molecule.charge == -1);
    CHECK(*m.candidates[5].max_iterations == 7);
    CHECK(m.candidates[5].molecule.name == "H anion");
    // A label on an entry that matches several files is refused.
    CHECK(manifest_error("name = \"x\"\n[[candidates]]\nglob = \"more/*.xyz\"\nlabel = \"c\"\n", dir / "m.toml")
              .find(":4: 'label' names one candidate") != std::string::npos);
  }

  TEST_CASE("manifest: generator entries (one derivative, a list, an enumeration)") {
    const fs::path dir = scratch("manifest-generate");
    const auto m = parse_manifest(
        "name = \"gen\"\n"
        "[[candidates]]\nderivative = \"o-carborane:12,9-F2\"\nlabel = \"difluoro\"\n"
        "[[candidates]]\nderivative = [\"m-carborane:1-Me\", \"cb11h12:12-Br\"]\n"
        "[[candidates]]\ngenerate = \"p-carborane\"\nsubstituents = [\"F\", \"CH3\"]\ncount = \"1-2\"\n"
        "[[candidates]]\ngenerate = \"o-carborane\"\nsubstituents = \"F\"\nsites = \"boron\"\n",
        dir / "m.toml");
    // 1 + 2 + (p-carborane: 2 + 2 mono, 8 + 8 + 10 di) + 4 B-fluoro o-carboranes.
    REQUIRE(m.candidates.size() == 1 + 2 + 30 + 4);
    CHECK(m.candidates[0].label == "difluoro");
    CHECK(m.candidates[0].source == "derivative o-carborane:12,9-F2");
    CHECK(m.candidates[0].molecule.formula() == "C2H10B10F2");
    CHECK(m.candidates[1].label == "m-carborane:1-CH3");
    CHECK(m.candidates[2].molecule.charge == -1);
    CHECK(m.candidates[3].label == "p-carborane:1-CH3");
    CHECK(m.candidates.back().label == "o-carborane:9-F");
    for (const auto& c : m.candidates) CHECK(c.error.empty());
    const auto pre = parse_manifest("name = \"p\"\n[level]\noptimize = \"XTB\"\n[[candidates]]\nspecies = \"water\"\n",
                                    dir / "m.toml");
    CHECK(pre.level.key() == "b3lyp/6-31g*/grid=default/optimize=xtb");
    CHECK(manifest_error("name = \"x\"\n[level]\noptimize = \"crest\"\n[[candidates]]\nspecies = \"water\"\n", dir / "m.toml")
              .find(":3: 'level.optimize' = 'crest': use \"none\", \"xtb\"") != std::string::npos);
    // A method without analytic gradients cannot be optimised at its own level.
    CHECK(manifest_error("name = \"x\"\n[level]\nmethod = \"tpss\"\noptimize = \"xtb+dft\"\n[[candidates]]\nspecies = \"water\"\n",
                         dir / "m.toml")
              .find("meta-GGA") != std::string::npos);
    // Mistakes name the line.
    CHECK(manifest_error("name = \"x\"\n[[candidates]]\nderivative = \"o-carborane:13-F\"\n", dir / "m.toml")
              .find(":3: 'o-carborane:13-F': vertex 13 does not exist") != std::string::npos);
    CHECK(manifest_error("name = \"x\"\n[[candidates]]\ngenerate = \"o-carborane\"\n", dir / "m.toml")
              .find(":3: a 'generate' entry needs 'substituents'") != std::string::npos);
    CHECK(manifest_error("name = \"x\"\n[[candidates]]\ngenerate = \"q-carborane\"\nsubstituents = \"F\"\n", dir / "m.toml")
              .find(":3: unknown cage 'q-carborane'") != std::string::npos);
    CHECK(manifest_error("name = \"x\"\n[[candidates]]\ngenerate = \"o-carborane\"\nsubstituents = \"F\"\ncount = \"2-1\"\n",
                         dir / "m.toml")
              .find(":5: 'candidates.count' = '2-1'") != std::string::npos);
    CHECK(manifest_error("name = \"x\"\n[[candidates]]\nspecies = \"water\"\nsubstituents = \"F\"\n", dir / "m.toml")
              .find(":4: 'candidates.substituents' belongs to a 'generate' entry") != std::string::npos);
    CHECK(manifest_error("name = \"x\"\n[[candidates]]\ngenerate = \"o-carborane\"\nsubstituents = \"F\"\nlabel = \"f\"\n",
                         dir / "m.toml")
              .find(":5: 'label' names one candidate, but this entry yields 5 derivatives") != std::string::npos);
  }

  TEST_CASE("scalars: computed once from the run's values, read back from extras.cagescreen.scalars") {
    scf::Wavefunction wfn;
    wfn.energies.total = -76.0;
    descriptors::DescriptorSet d;
    d.request = descriptors::parse_descriptor_request("frontier");
    d.frontier.homo = -0.3;
    d.frontier.lumo = 0.05;
    d.frontier.gap = 0.35;
    d.frontier.has_lumo = true;
    d.conceptual = descriptors::conceptual_dft(d.frontier);
    Preoptimization po;
    po.energy = -5.07;
    po.gap_ev = 14.2;
    auto value = [&](const std::vector<std::optional<double>>& v, const char* name) {
      for (std::size_t i = 0; i < scalar_descriptors().size(); ++i)
        if (std::string(scalar_descriptors()[i].name) == name) return v[i];
      return std::optional<double>{};
    };
    const auto v = scalar_values(wfn, d, &po);
    CHECK(value(v, "energy_eh") == -76.0);
    CHECK(value(v, "xtb_energy_eh") == -5.07);
    CHECK(value(v, "xtb_gap_ev") == 14.2);
    CHECK(*value(v, "gap_ev") == doctest::Approx(0.35 * units::hartree_in_ev).epsilon(1e-14));
    CHECK(*value(v, "hardness_ev") == doctest::Approx(0.35 * units::hartree_in_ev).epsilon(1e-14));
    CHECK(!value(v, "dipole_debye"));  // not requested
    CHECK(!value(v, "max_h_charge"));
    CHECK(!value(v, "vs_max_kcal"));   // no surface analysis
    const auto j = nlohmann::json::parse(R"({"return_result": -76.0, "extras": {"cagescreen": {
        "scalars": {"energy_eh": -76.0, "xtb_energy_eh": -5.07, "gap_ev": 9.5, "lumo_ev": null}}}})");
    const auto r = extract_scalars(j);
    CHECK(value(r, "energy_eh") == -76.0);
    CHECK(value(r, "xtb_energy_eh") == -5.07);
    CHECK(value(r, "gap_ev") == 9.5);
    CHECK(!value(r, "lumo_ev"));
    CHECK(!value(r, "vs_max_kcal"));
    for (const auto& x : extract_scalars(nlohmann::json::parse(R"({"return_result": -1.0})"))) CHECK(!x);
  }

  TEST_CASE("manifest: duplicate labels from two entries are an error") {
    const fs::path dir = scratch("manifest-dup");
    std::ofstream(dir / "b.xyz") << "1\n\nH 0 0 0\n";
    const auto err = manifest_error("name = \"d\"\n[[candidates]]\nglob = \"*.xyz\"\n[[candidates]]\nfile = \"b.xyz\"\n",
                                    dir / "m.toml");
    CHECK(err.find(":4: two candidates are labelled 'b'") != std::string::npos);
  }

  TEST_CASE("ranking: Pareto fronts, z-score contributions, directions, missing values") {
    RankingModel m;
    m.criteria = {{"gap_ev", true, 1.0, ""}, {"vs_max_kcal", true, 1.0, ""}};
    // A dominates everyone; C and D trade off; B is dominated by C and D.
    const std::vector<std::vector<std::optional<double>>> v = {
        {3.0, 3.0}, {1.0, 1.0}, {3.0, 1.0}, {1.0, 3.0}, {std::nullopt, 9.0}};
    const auto r = rank_candidates(m, v);
    REQUIRE(r.size() == 4);  // the candidate without a gap is not ranked
    std::map<std::size_t, Ranked> by;
    for (const auto& x : r) by[x.index] = x;
    CHECK(by[0].pareto_front == 1);
    CHECK(by[2].pareto_front == 2);
    CHECK(by[3].pareto_front == 2);
    CHECK(by[1].pareto_front == 3);
    // z of 3 among {3,1,3,1}: (3-2)/sqrt(4/3) = 0.8660; two criteria of weight 1.
    CHECK(by[0].score == doctest::Approx(0.8660254).epsilon(1e-6));
    CHECK(by[1].score == doctest::Approx(-0.8660254).epsilon(1e-6));
    CHECK(by[2].score == doctest::Approx(0.0).epsilon(1e-12));
    CHECK(by[2].best_criterion == 0);
    CHECK(by[2].worst_criterion == 1);
    CHECK(r.front().index == 0);
    CHECK(r.front().rank == 1);
    CHECK(r.back().index == 1);
    // Minimising the second criterion: now C (3, 1) dominates everyone.
    m.criteria[1].maximise = false;
    const auto r2 = rank_candidates(m, v);
    CHECK(r2.front().index == 2);
    CHECK(r2.front().pareto_front == 1);
    for (std::size_t k = 1; k < r2.size(); ++k) CHECK(r2[k].pareto_front > 1);
  }

  TEST_CASE("store: round trip, refusal of foreign, damaged and other-version files") {
    const fs::path dir = scratch("store");
    const fs::path file = dir / "results.sqlite";
    {
      Store s(file, true);
      ResultRow row;
      row.candidate = "water";
      row.level = "hf/sto-3g/grid=default";
      row.input_hash = input_hash("x");
      row.formula = "H2O";
      s.set_pending(row);
      s.set_running("water", row.level, 2);
      std::vector<std::optional<double>> sc(scalar_descriptors().size());
      sc[scalar("gap_ev")] = 12.5;
      s.set_done("water", row.level, 1.5, sc, "{\"success\": true}");
      row.candidate = "ice";
      s.set_pending(row);
      s.set_running("ice", row.level, 1);
      CHECK(s.reset_running() == 1);
    }
    {
      const Store s(file, false, true);
      const auto w = s.find("water", "hf/sto-3g/grid=default");
      REQUIRE(w);
      CHECK(w->status == "done");
      CHECK(w->attempts == 1);
      CHECK(w->threads == 2);
      CHECK(*w->scalars[scalar("gap_ev")] == 12.5);
      CHECK(!w->scalars[scalar("homo_ev")]);
      CHECK(s.find("ice", "hf/sto-3g/grid=default")->status == "pending");
      CHECK(s.rows("", "gap_ev > 12").size() == 1);
      CHECK(s.rows("other level").empty());
      CHECK_THROWS_WITH_AS(s.rows("", "colour = 1"), doctest::Contains("no such column: colour"), InputError);
    }
    CHECK(input_hash("a") != input_hash("b"));
    CHECK(input_hash("a").size() == 32);

    auto open_error = [](const fs::path& f) {
      try {
        Store s(f, true);
      } catch (const InputError& e) {
        return std::string(e.what());
      }
      return std::string();
    };
    std::ofstream(dir / "text.sqlite") << "this is not a database, just text that is long enough to have a header....";
    CHECK(open_error(dir / "text.sqlite").find("not a database") != std::string::npos);

    // Another program's SQLite file.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir / "other.sqlite").c_str(), &db) == SQLITE_OK);
    sqlite3_exec(db, "CREATE TABLE t (x)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    CHECK(open_error(dir / "other.sqlite").find("not a cagescreen results store") != std::string::npos);

    // A store from another release.
    fs::copy_file(file, dir / "old.sqlite");
    REQUIRE(sqlite3_open((dir / "old.sqlite").c_str(), &db) == SQLITE_OK);
    sqlite3_exec(db, "UPDATE meta SET value='0.0.9' WHERE key='program_version'", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    CHECK(open_error(dir / "old.sqlite").find("written by cagescreen 0.0.9") != std::string::npos);

    // Damage inside the file (a page of the results table overwritten).
    fs::copy_file(file, dir / "damaged.sqlite");
    {
      std::fstream f(dir / "damaged.sqlite", std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(4096 + 8);
      const std::string junk(3000, '\xA5');
      f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    const auto damaged = open_error(dir / "damaged.sqlite");
    INFO(damaged);
    CHECK(!damaged.empty());
  }

  TEST_CASE("report helpers: HTML escaping and CSV quoting") {
    CHECK(html_escape("<script>alert('x')</script> & \"y\"") ==
          "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;");
    ResultRow r;
    r.candidate = "a,b \"c\"";
    r.scalars.resize(scalar_descriptors().size());
    const auto csv = rows_csv({r});
    CHECK(csv.find("\"a,b \"\"c\"\"\"") != std::string::npos);
  }
}

TEST_SUITE("campaign") {
  TEST_CASE("campaign: optimize = \"dft\" optimises each candidate at the level's own method and basis") {
    const fs::path dir = scratch("campaign-optimize-dft");
    std::ofstream(dir / "m.toml") << "name = \"opt\"\noutput = \"out\"\ndescriptors = [\"frontier\"]\n"
                                     "[level]\nmethod = \"hf\"\nbasis = \"sto-3g\"\nscf_type = \"conv\"\noptimize = \"dft\"\n"
                                     "[[candidates]]\nspecies = \"water\"\n";
    const auto r = cli("screen " + (dir / "m.toml").string() + " --jobs 1");
    INFO(r.output);
    CHECK(r.code == 0);
    auto t = table_of(dir / "out" / "results.sqlite");
    const std::string key = "water@hf/sto-3g/grid=default/scf_type=conv/optimize=dft";
    REQUIRE(t.count(key) == 1);
    CHECK(t[key].status == "done");
    const auto j = nlohmann::json::parse(t[key].result_json);
    const auto& o = j["extras"]["cagescreen"]["optimization"];
    CHECK(o["converged"] == true);
    CHECK(o["energy"].get<double>() < -74.9659);  // the HF/STO-3G minimum, −74.96590 Eh (cli test)
    CHECK(std::abs(o["energy"].get<double>() - j["return_result"].get<double>()) < 1e-8);
  }

  TEST_CASE("failures: bad file, SCF that cannot converge, memory and time caps; resume and retry") {
    const fs::path dir = scratch("campaign-failures");
    std::ofstream(dir / "broken.xyz") << "3\nwater with a typo\nO 0 0 0\nH 0 0 0.96\nH 0.93 zero 0\n";
    const std::string manifest =
        "name = \"failures\"\noutput = \"out\"\ndescriptors = [\"charges\", \"frontier\", \"dipole\"]\n"
        "[level]\nmethod = \"hf\"\nbasis = \"sto-3g\"\n"
        "[[candidates]]\nspecies = \"water\"\n"
        "[[candidates]]\nfile = \"broken.xyz\"\n"
        "[[candidates]]\nspecies = \"znf2\"\nlabel = \"stubborn\"\nmax_iterations = 2\n"
        "[[candidates]]\nspecies = \"o-carborane\"\nlabel = \"too big\"\nmemory_mib = 20\n"
        "[[candidates]]\nspecies = \"p-carborane\"\nlabel = \"too slow\"\ntime_minutes = 0.001\n"
        "[[candidates]]\nspecies = \"zno\"\n";
    std::ofstream(dir / "m.toml") << manifest;
    const std::string cmd = "screen " + (dir / "m.toml").string() + " --jobs 2 --threads-per-job 1";
    const auto r = cli(cmd);
    INFO(r.output);
    CHECK(r.code == 5);  // finished, some candidates failed
    auto t = table_of(dir / "out" / "results.sqlite");
    const std::string level = "@hf/sto-3g/grid=default";
    REQUIRE(t.size() == 6);
    CHECK(t["water" + level].status == "done");
    CHECK(t["zno" + level].status == "done");
    CHECK(t["broken" + level].failure_class == "bad_input");
    CHECK(t["broken" + level].failure_message.find("broken.xyz:5: y coordinate of atom 3") != std::string::npos);
    CHECK(t["stubborn" + level].failure_class == "scf_not_converged");
    CHECK(t["stubborn" + level].attempts == 2);  // retried once with the level-shift ladder
    CHECK(t["too big" + level].failure_class == "out_of_memory");
#ifdef __SANITIZE_ADDRESS__  // ASan's shadow memory alone passes 20 MiB: the runner's cap may fire first
    CHECK((t["too big" + level].failure_message.find("over the memory limit of 20 MiB") != std::string::npos ||
           t["too big" + level].failure_message.find("over the cap of 20 MiB") != std::string::npos));
#else
    CHECK(t["too big" + level].failure_message.find("over the memory limit of 20 MiB") != std::string::npos);
#endif
    CHECK(t["too slow" + level].failure_class == "time_limit");
    CHECK(t["water" + level].result_json.find("\"success\": true") != std::string::npos);
    CHECK(t["water" + level].scalars[scalar("gap_ev")].has_value());
    CHECK(fs::exists(dir / "out" / "report.html"));
    CHECK(read(dir / "out" / "results.csv").find("stubborn,hf/sto-3g/grid=default,failed") != std::string::npos);

    // Without --resume an existing store is refused; with it nothing reruns.
    const auto again = cli(cmd);
    CHECK(again.code == 2);
    CHECK(again.output.find("pass --resume") != std::string::npos);
    const auto resumed = cli(cmd + " --resume");
    INFO(resumed.output);
    CHECK(resumed.code == 5);
    auto t2 = table_of(dir / "out" / "results.sqlite");
    CHECK(t2["water" + level].finished_at == t["water" + level].finished_at);
    CHECK(t2["stubborn" + level].attempts == 2);
    CHECK(resumed.output.find("stubborn failed before (scf_not_converged)") != std::string::npos);

    // --retry-failed runs the failures again (and only them).
    const auto retried = cli(cmd + " --resume --retry-failed");
    CHECK(retried.code == 5);
    auto t3 = table_of(dir / "out" / "results.sqlite");
    CHECK(t3["water" + level].finished_at == t["water" + level].finished_at);
    CHECK(t3["water" + level].attempts == 1);
    CHECK(t3["stubborn" + level].attempts == 2);  // reset, then run twice again
    CHECK(t3["stubborn" + level].status == "failed");

    // A different level of theory is a different row: everything runs again there.
    std::string other = manifest;
    other.replace(other.find("sto-3g"), 6, "3-21g");
    std::ofstream(dir / "m.toml") << other;
    const auto changed = cli(cmd + " --resume");
    CHECK(changed.code == 5);
    auto t4 = table_of(dir / "out" / "results.sqlite");
    CHECK(t4.size() == 12);
    CHECK(t4["water@hf/3-21g/grid=default"].status == "done");
    CHECK(t4["water" + level].finished_at == t["water" + level].finished_at);

    // `results`: table, CSV, JSON and a --where filter.
    const auto csv = cli("results " + (dir / "out").string() + " --format csv --where \"status = 'done'\"");
    CHECK(csv.code == 0);
    CHECK(std::count(csv.output.begin(), csv.output.end(), '\n') == 5);  // header + water, zno at two levels
    const auto js = cli("results " + (dir / "out").string() + " --format json --level hf/3-21g/grid=default");
    CHECK(js.code == 0);
    const auto j = nlohmann::json::parse(js.output);
    CHECK(j.size() == 6);
    const auto bad = cli("results " + (dir / "out").string() + " --where \"colour = 1\"");
    CHECK(bad.code == 2);
    CHECK(bad.output.find("no such column: colour") != std::string::npos);
    const auto none = cli("results " + dir.string());
    CHECK(none.code == 2);
    CHECK(none.output.find("no results store here") != std::string::npos);
  }

  TEST_CASE("crash safety: SIGKILL at random points, then --resume, gives every candidate once with the same results") {
    const fs::path dir = scratch("campaign-kill");
    const std::string manifest = "name = \"kill\"\noutput = \"OUT\"\ndescriptors = [\"frontier\", \"dipole\"]\n"
                                 "[level]\nmethod = \"hf\"\nbasis = \"6-31g\"\n"
                                 "stability = \"off\"\n"  // (the check is not what this tests: it doubles the time)
                                 "[[candidates]]\nglob = \"" + qm9 + "/gdb_7771*.xyz\"\n"
                                 "[[candidates]]\nglob = \"" + qm9 + "/gdb_7772*.xyz\"\n";
    std::ofstream(dir / "m.toml") << manifest;
    const std::string args = " --jobs 2 --threads-per-job 1";
    // Uninterrupted reference run.
    const auto ref = cli("screen " + (dir / "m.toml").string() + " --output " + (dir / "ref").string() + args);
    INFO(ref.output);
    REQUIRE(ref.code == 0);
    const auto reference = table_of(dir / "ref" / "results.sqlite");
    REQUIRE(reference.size() == 10);

    std::mt19937 rng(20261126);
    std::uniform_int_distribution<int> delay_ms(150, 2500);
    const std::string out = (dir / "killed").string();
    int kills = 0;
    for (int round = 0; round < 8; ++round) {
      const pid_t pid = fork();
      REQUIRE(pid >= 0);
      if (pid == 0) {
        const int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        if (round == 0)
          execl(CAGESCREEN_EXE, CAGESCREEN_EXE, "screen", (dir / "m.toml").c_str(), "--output", out.c_str(), "--jobs",
                "2", "--threads-per-job", "1", static_cast<char*>(nullptr));
        else
          execl(CAGESCREEN_EXE, CAGESCREEN_EXE, "screen", (dir / "m.toml").c_str(), "--output", out.c_str(), "--jobs",
                "2", "--threads-per-job", "1", "--resume", static_cast<char*>(nullptr));
        _exit(127);
      }
      const int wait_ms = delay_ms(rng);
      int status = 0;
      pid_t done = 0;
      for (int waited = 0; waited < wait_ms && done == 0; waited += 10) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        done = waitpid(pid, &status, WNOHANG);
      }
      if (done == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        ++kills;
      } else {
        REQUIRE(WIFEXITED(status));
        REQUIRE(WEXITSTATUS(status) == 0);
        break;  // finished before the kill
      }
    }
    MESSAGE("campaign killed " << kills << " times before it was let finish");
    CHECK(kills >= 3);
    // No job outlives its campaign (they die with it): no process still works in the killed folder.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    int orphans = 0;
    for (const auto& e : fs::directory_iterator("/proc")) {
      const std::string cmdline = read(e.path() / "cmdline");
      if (cmdline.find(out + "/work/") != std::string::npos) ++orphans;
    }
    CHECK(orphans == 0);
    const auto fin = cli("screen " + (dir / "m.toml").string() + " --output " + out + args + " --resume");
    INFO(fin.output);
    REQUIRE(fin.code == 0);
    const auto killed = table_of(dir / "killed" / "results.sqlite");
    REQUIRE(killed.size() == reference.size());
    for (const auto& [key, row] : reference) {
      INFO(key);
      REQUIRE(killed.count(key) == 1);
      const auto& k = killed.at(key);
      CHECK(k.status == "done");
      CHECK(k.input_hash == row.input_hash);
      for (const char* name : {"energy_eh", "homo_ev", "lumo_ev", "dipole_debye"})
        CHECK(*k.scalars[scalar(name)] == doctest::Approx(*row.scalars[scalar(name)]).epsilon(1e-9));
    }
    // Nothing is left pending or running in the store.
    const auto still = cli("results " + out + " --where \"status <> 'done'\"");
    CHECK(std::count(still.output.begin(), still.output.end(), '\n') == 1);
  }

  TEST_CASE("crash safety: SIGKILL during an ion's job of the redox group, then --resume, loses and repeats nothing") {
    const fs::path dir = scratch("campaign-kill-redox");
    const std::string manifest = "name = \"kill-redox\"\noutput = \"OUT\"\ndescriptors = [\"frontier\", \"redox\"]\n"
                                 "[level]\nmethod = \"hf\"\nbasis = \"6-31g\"\nstability = \"off\"\n"
                                 "[[candidates]]\nglob = \"" + std::string(CAGESCREEN_TEST_REFERENCE) +
                                 "/redox/geometries/[abew]*.xyz\"\n";  // acetonitrile, benzene, EC, water
    std::ofstream(dir / "m.toml") << manifest;
    const std::string out = (dir / "out").string();
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      const int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      execl(CAGESCREEN_EXE, CAGESCREEN_EXE, "screen", (dir / "m.toml").c_str(), "--output", out.c_str(), "--jobs", "2",
            "--threads-per-job", "1", static_cast<char*>(nullptr));
      _exit(127);
    }
    // Kill the campaign once an ion's job runs and some state is finished.
    std::map<std::string, ResultRow> at_kill;
    std::string running_ion;
    int status = 0;
    for (int waited = 0; waited < 120000 && running_ion.empty(); waited += 20) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      REQUIRE(waitpid(pid, &status, WNOHANG) == 0);  // the campaign must not finish before
      if (!fs::exists(dir / "out" / "results.sqlite")) continue;
      std::map<std::string, ResultRow> t;
      try {
        t = table_of(dir / "out" / "results.sqlite");
      } catch (const std::exception&) {
        continue;  // the store is being created
      }
      bool some_done = false;
      std::string ion;
      for (const auto& [key, row] : t) {
        some_done = some_done || row.status == "done";
        if (row.status == "running" && row.level.find("/redox=") != std::string::npos) ion = key;
      }
      if (some_done && !ion.empty()) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        at_kill = t;
        running_ion = ion;
      }
    }
    REQUIRE_FALSE(running_ion.empty());
    MESSAGE("killed while " << running_ion << " ran");
    const auto fin = cli("screen " + (dir / "m.toml").string() + " --output " + out + " --jobs 2 --threads-per-job 1 --resume");
    INFO(fin.output);
    REQUIRE(fin.code == 0);
    const auto t = table_of(dir / "out" / "results.sqlite");
    REQUIRE(t.size() == 12);  // 4 molecules, each with its cation and anion: every state once
    int ions = 0;
    for (const auto& [key, row] : t) {
      INFO(key);
      CHECK(row.status == "done");
      ions += row.level.find("/redox=") != std::string::npos;
      if (auto it = at_kill.find(key); it != at_kill.end() && it->second.status == "done") {
        CHECK(row.finished_at == it->second.finished_at);  // not repeated
        CHECK(row.attempts == 1);
      }
    }
    CHECK(ions == 8);
    // The interrupted ion ran again, from the start (attempts count from the resume's reset).
    CHECK(t.at(running_ion).status == "done");
    CHECK(t.at(running_ion).started_at >= at_kill.at(running_ion).started_at);
    CHECK(fin.output.find("interrupted earlier will run again") != std::string::npos);
    // Every candidate has its potentials, from its own ions.
    const auto j = nlohmann::json::parse(read(dir / "out" / "results.json"));
    REQUIRE(j.at("candidates").size() == 4);
    for (const auto& c : j.at("candidates")) {
      INFO(c.at("candidate"));
      CHECK(c.at("oxidation_potential_v_she").is_number());
      CHECK(c.at("reduction_potential_v_she").is_number());
      const double ip = c.at("ionization_energy_ev").get<double>();
      CHECK(c.at("oxidation_potential_v_she").get<double>() == doctest::Approx(ip - 4.44).epsilon(1e-12));
    }
    CHECK(j.at("redox_ions").size() == 8);
  }

  TEST_CASE("caps: a job over its resident-memory cap or its wall time is killed and recorded as such") {
    // The jobs here are stand-ins for cagescreen run: perl allocating 400 MiB, and sleep.
    const fs::path dir = scratch("campaign-caps");
    const fs::path program = dir / "fake-run";
    std::ofstream(program) << "#!/bin/sh\ncase \"$2\" in\n"
                              "  *hog*) exec perl -e '$x = \"a\" x (400*1024*1024); sleep 30' ;;\n"
                              "  *) exec sleep 30 ;;\nesac\n";
    fs::permissions(program, fs::perms::owner_all);
    std::ofstream(dir / "m.toml") << "name = \"caps\"\n[level]\nmethod = \"hf\"\nbasis = \"sto-3g\"\n"
                                     "[limits]\nmemory_mib = 100\ntime_minutes = 0.02\n"
                                     "[[candidates]]\nspecies = \"water\"\nlabel = \"hog\"\ntime_minutes = 1\n"
                                     "[[candidates]]\nspecies = \"water\"\nlabel = \"sleepy\"\n";
    ScreenOptions opt;
    opt.program = program.string();
    opt.jobs = 2;
    opt.threads_per_job = 1;
    CHECK(screen(read_manifest(dir / "m.toml"), opt) == 5);
    auto t = table_of(dir / "results" / "results.sqlite");
    const auto& hog = t["hog@hf/sto-3g/grid=default"];
    CHECK(hog.failure_class == "out_of_memory");
    CHECK(hog.failure_message.find("over the cap of 100 MiB") != std::string::npos);
    const auto& sleepy = t["sleepy@hf/sto-3g/grid=default"];
    CHECK(sleepy.failure_class == "time_limit");
    CHECK(sleepy.wall_seconds < 10);
    // A second campaign on a folder in use is refused.
    const int fd = open((dir / "results" / ".lock").c_str(), O_RDWR);
    REQUIRE(fd >= 0);
    REQUIRE(flock(fd, LOCK_EX | LOCK_NB) == 0);
    const auto busy = cli("screen " + (dir / "m.toml").string() + " --resume");
    CHECK(busy.code == 2);
    CHECK(busy.output.find("another cagescreen screen is running on this folder") != std::string::npos);
    close(fd);
  }

#ifdef CAGESCREEN_TEST_MPIRUN
  TEST_CASE("mpi: three ranks give the same table as a serial run") {
    const fs::path dir = scratch("campaign-mpi");
    std::ofstream(dir / "m.toml") << "name = \"mpi\"\ndescriptors = [\"charges\", \"frontier\", \"dipole\"]\n"
                                     "[level]\nmethod = \"hf\"\nbasis = \"6-31g\"\nstability = \"off\"\n"
                                     "[[candidates]]\nglob = \"" + qm9 + "/gdb_7772*.xyz\"\n"
                                     "[[candidates]]\nspecies = \"water\"\n"
                                     "[[candidates]]\nspecies = \"zno\"\nmax_iterations = 3\n";
    const std::string common = " screen " + (dir / "m.toml").string() + " --threads-per-job 1 --output ";
    const auto serial = cli(common + (dir / "serial").string());
    INFO(serial.output);
    CHECK(serial.code == 5);  // zno cannot converge in 3 iterations
    const std::string cmd = std::string(CAGESCREEN_TEST_MPIRUN) + " -np 3 --oversubscribe --allow-run-as-root " +
                            CAGESCREEN_EXE + common + (dir / "mpi").string() + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    std::string output;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) output.append(buf, n);
    const int status = pclose(p);
    INFO(output);
    CHECK(output.find("on 2 MPI worker ranks") != std::string::npos);
    CHECK(WEXITSTATUS(status) == 5);
    const auto a = table_of(dir / "serial" / "results.sqlite");
    const auto b = table_of(dir / "mpi" / "results.sqlite");
    REQUIRE(a.size() == 7);
    REQUIRE(b.size() == a.size());
    for (const auto& [key, row] : a) {
      INFO(key);
      REQUIRE(b.count(key) == 1);
      const auto& other = b.at(key);
      CHECK(other.status == row.status);
      CHECK(other.input_hash == row.input_hash);
      CHECK(other.attempts == row.attempts);
      CHECK(other.failure_class == row.failure_class);
      for (std::size_t i = 0; i < row.scalars.size(); ++i) {
        REQUIRE(other.scalars[i].has_value() == row.scalars[i].has_value());
        if (row.scalars[i]) CHECK(*other.scalars[i] == doctest::Approx(*row.scalars[i]).epsilon(1e-9));
      }
    }
    CHECK(b.at("zno@hf/6-31g/grid=default/stability=off").failure_class == "scf_not_converged");
  }
#endif

  TEST_CASE("report: headless Chromium renders the ranking table, the level diagram, the scatter plots and a cluster series") {
    const fs::path dir = scratch("campaign-report");
    std::ofstream(dir / "evil.xyz") << "3\ncharge=0\nO 0 0 0\nH 0 0.757 0.587\nH 0 -0.757 0.587\n";
    std::ofstream(dir / "m.toml")
        << "name = \"report <b>test</b>\"\noutput = \"out\"\nbaseline = \"water\"\n"
           "[level]\nmethod = \"hf\"\nbasis = \"sto-3g\"\n"
           "[[candidates]]\nspecies = \"water\"\n"
           "[[candidates]]\nfile = \"evil.xyz\"\nlabel = \"<script>document.title='owned'</script>\"\n"
           "[[candidates]]\nspecies = \"znf2\"\n[[candidates]]\nspecies = \"zno\"\n"
           "[[candidates]]\ncrystal = \"znf2\"\ncenter = \"F1\"\nradii = [2.0, 2.5]\nreference = \"znf2\"\n";
    const auto r = cli("screen " + (dir / "m.toml").string() + " --jobs 2 --threads-per-job 1");
    INFO(r.output);
    REQUIRE(r.code == 0);
    const std::string chromium = "/usr/bin/chromium";
    REQUIRE_MESSAGE(fs::exists(chromium), "Debian's chromium is needed for this test (scripts/setup --tests)");
    const std::string flags = " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --user-data-dir=" +
                              (dir / "profile").string() + " ";
    const std::string url = "file://" + (dir / "out" / "report.html").string();
    FILE* p = popen((chromium + flags + "--dump-dom " + url + " 2>/dev/null").c_str(), "r");
    REQUIRE(p);
    std::string html;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) html.append(buf, n);
    pclose(p);
    INFO(html.substr(0, 2000));
    CHECK(html.find("<table id=\"ranking\">") != std::string::npos);
    CHECK(html.find("<svg class=\"levels\"") != std::string::npos);
    CHECK(html.find("<svg class=\"scatter\"") != std::string::npos);
    CHECK(html.find("id=\"verdict\"") != std::string::npos);
    // Size convergence of the ZnF2 series: two clusters, the molecule and the baseline as lines.
    CHECK(html.find("<svg class=\"convergence\"") != std::string::npos);
    CHECK(html.find("znf2-rutile-r2.50") != std::string::npos);
    CHECK(html.find("molecule znf2 ") != std::string::npos);
    // The hostile label is text, not a script: the title is unchanged and no script element exists.
    CHECK(html.find("&lt;script&gt;document.title") != std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("<title>cagescreen: report &lt;b&gt;test&lt;/b&gt;</title>") != std::string::npos);
    const fs::path shot = dir / "report.png";
    std::system((chromium + flags + "--window-size=1200,1600 --screenshot=" + shot.string() + " " + url +
                 " >/dev/null 2>&1")
                    .c_str());
    CHECK(fs::exists(shot));
    CHECK(fs::file_size(shot) > 20000);
  }
}
