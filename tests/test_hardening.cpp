// Hostile input (issue 21): every reader and option refuses what it cannot read with a one-line
// message naming the file, line or option, and exit code 2, before any work. The numbered cases
// are those of the issue, each reproduced on the build before the fix.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli_helpers.hpp"
#include "molecules/crystal.hpp"
#include "molecules/error.hpp"
#include "molecules/io.hpp"
#include "molecules/parse.hpp"
#include "scf/basis.hpp"

namespace fs = std::filesystem;
using namespace cagescreen;

namespace {

/// `cagescreen ARGS` exits 2 with `message` on its one error line, and prints no library text.
void expect_refused(const std::string& args, const std::string& message) {
  const auto r = expect_error(args, 2, message);
  INFO("cagescreen " << args << "\n" << r.output);
  for (const char* leak : {"exception", "filesystem error", "internal error", "what()", "stoi", "stod"})
    CHECK(r.output.find(leak) == std::string::npos);
  CHECK(r.output.size() < 2000);
}

const std::string water_xyz = "3\nwater\nO 0 0 0.1173\nH 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692\n";

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("parse_real and parse_integer: the whole token, finite, representable") {
    CHECK(parse_real("1.5") == 1.5);
    CHECK(parse_real("-0.7572") == -0.7572);
    CHECK(parse_real("+2e-3") == 2e-3);
    CHECK(parse_real(".5") == 0.5);
    CHECK(parse_real("5.") == 5.0);
    CHECK(parse_real("0") == 0.0);
    CHECK(parse_real("0.0e-400") == 0.0);  // an exact zero in any exponent
    CHECK(parse_real("1.0D-3", true) == 1e-3);
    CHECK_FALSE(parse_real("1.0D-3"));
    for (const char* bad : {"", " 1", "1 ", "1.2.3", "0x10", "inf", "-inf", "nan", "NaN", "1e999", "1e-400",
                            "1e-308", "e5", "1e", "1e+", "--1", "+-1", "1,5", "."})
      CHECK_MESSAGE(!parse_real(bad), bad);
    const std::string nul("-0\0.7572", 8);  // case 1: a NUL inside a number
    CHECK_FALSE(parse_real(nul));
    CHECK(parse_integer("42") == 42);
    CHECK(parse_integer("+7") == 7);
    CHECK(parse_integer("-3") == -3);
    for (const char* bad : {"", "4.0", "1e3", "99999999999999999999", "+-1", "12a", " 1"})
      CHECK_MESSAGE(!parse_integer(bad), bad);
    CHECK(parse_integer_in("5", 1, 5) == 5);
    CHECK_FALSE(parse_integer_in("0", 1, 5));
  }

  TEST_CASE("control characters, excerpts") {
    CHECK(find_control_character("a\tb\r\n") == std::string::npos);
    CHECK(find_control_character(std::string("ab\0c", 4)) == 2);
    CHECK(find_control_character("a\x7f") == 1);
    CHECK_THROWS_WITH_AS(check_no_control_characters("ok\nok\nb\x01\n", "f.txt"),
                         doctest::Contains("f.txt:3: control character 0x01"), InputError);
    CHECK(excerpt("abc") == "abc");
    CHECK(excerpt(std::string("a\0b", 3)) == "a\\x00b");
    CHECK(excerpt(std::string(100, 'x'), 10) == "xxxxxxxxxx...");
    CHECK(in_quotes("q") == "'q'");
  }

  TEST_CASE("readers refuse control characters and unrepresentable numbers") {
    // case 1: XYZ and POSCAR with a NUL inside a coordinate
    const std::string nul_xyz = "3\nwater\nO 0 0 0.1173\nH 0 0.7572 -0.4692\nH 0 -0" + std::string(1, '\0') + ".7572 -0.4692\n";
    CHECK_THROWS_WITH_AS(molecules::parse_xyz(nul_xyz, "w.xyz"), doctest::Contains("w.xyz:5: control character 0x00"),
                         InputError);
    const std::string poscar = "zno\n1.0\n3.25 0 0\n-1.625 2.8146691648 0\n0 0 5.2071\nZn O\n2 2\nDirect\n"
                               "0.3333333333 0.6666666667 0.0\n0.6666666667 0.3333333333 0." + std::string(1, '\0') +
                               "5000000000\n0.3333333333 0.6666666667 0.3817\n0.6666666667 0.3333333333 0.8817\n";
    CHECK_THROWS_WITH_AS(molecules::parse_poscar(poscar, "z.vasp"), doctest::Contains("z.vasp:10: control character 0x00"),
                         InputError);
    // case 10: a JSON number beyond double, a wrong type: no library text
    CHECK_THROWS_WITH_AS(molecules::parse_qcschema_molecule(R"({"symbols":["H","H"],"geometry":[0,0,0,0,0,1e999]})", "m.json"),
                         "m.json: a number in the JSON is out of range", InputError);
    try {
      molecules::parse_qcschema_molecule(R"({"symbols":["H","H"],"geometry":[0,0,0,0,0,"x"]})", "m.json");
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).find("json.exception") == std::string::npos);
      CHECK(std::string(e.what()).find("m.json: wrong type in QCSchema molecule") == 0);
    }
    // case 10: basis exponents that overflow or underflow the integrals
    const std::string gbs = "spherical\n****\nH 0\nS 1 1.00\n  EXP 1.0\n****\n";
    for (const char* e : {"1e308", "1e-308", "1.0D+300"}) {
      std::string text = gbs;
      text.replace(text.find("EXP"), 3, e);
      CHECK_THROWS_WITH_AS(scf::parse_gbs(text, "b.gbs"), doctest::Contains("b.gbs:5: exponent"), InputError);
    }
    // case 11: a long binary line is quoted short and escaped
    const std::string garbage = "2\nx\nH " + std::string(100000, '\x01') + "\nH 0 0 1\n";
    try {
      molecules::parse_xyz(garbage, "g.xyz");
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).size() < 200);
      CHECK(std::string(e.what()).find("g.xyz:3: control character 0x01") == 0);
    }
    const std::string long_line = "2\nx\nH " + std::string(100000, 'A') + " 0 0\nH 0 0 1\n";
    CHECK_THROWS_WITH_AS(molecules::parse_xyz(long_line, "l.xyz"), doctest::Contains("..."), InputError);
    try {
      molecules::parse_xyz(long_line, "l.xyz");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).size() < 200);
    }
  }

  TEST_CASE("CIF symmetry operations must be isometries") {
    // case 7: '2x,2y,2z' read as a doubling (not as x + 2), and refused
    const std::string cif = "data_t\n_cell_length_a 4.0\n_cell_length_b 4.0\n_cell_length_c 4.0\n_cell_angle_alpha 90\n"
                            "_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_space_group_symop_operation_xyz\n"
                            "'x, y, z'\nOPS\nloop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n"
                            "_atom_site_fract_y\n_atom_site_fract_z\nZn1 Zn 0.1 0.2 0.3\n";
    auto with = [&](const std::string& op) {
      std::string t = cif;
      t.replace(t.find("OPS"), 3, op);
      return t;
    };
    CHECK(molecules::parse_cif(with("'-x, -y, -z'"), "c.cif").sites.size() == 2);
    CHECK_THROWS_WITH_AS(molecules::parse_cif(with("'2x,2y,2z'"), "c.cif"),
                         doctest::Contains("is not an isometry: its rotation part has determinant 8"), InputError);
    CHECK_THROWS_AS(molecules::parse_cif(with("'x+y, y, z'"), "c.cif"), InputError);  // det 1, changes the metric
  }

  TEST_CASE("files that are not regular files") {
    const auto dir = scratch("hardening-paths");
    CHECK_THROWS_WITH_AS(read_text_file((dir / "none.xyz").string()), doctest::Contains("no such file"), InputError);
    CHECK_THROWS_WITH_AS(read_text_file(dir.string()), doctest::Contains("is a directory"), InputError);
    CHECK_THROWS_WITH_AS(read_text_file("/dev/zero"), doctest::Contains("is not a regular file"), InputError);
    fs::create_symlink(dir / "b", dir / "a");
    fs::create_symlink(dir / "a", dir / "b");
    CHECK_THROWS_WITH_AS(read_text_file((dir / "a").string()), doctest::Contains("a loop of symbolic links"), InputError);
  }
}

TEST_SUITE("cli") {
  TEST_CASE("hardening: files with control characters (case 1)") {
    const auto dir = scratch("hardening-1");
    const auto xyz = (dir / "nul.xyz").string();
    std::ofstream(xyz) << "3\nwater\nO 0 0 0.1173\nH 0 0.7572 -0.4692\nH 0 -0" << '\0' << ".7572 -0.4692\n";
    expect_refused("run " + xyz + " --dry-run", "nul.xyz:5: control character 0x00");
    // POSCAR: a NUL inside a coordinate once moved an atom and changed the space group
    REQUIRE(cli("crystal zno --primitive " + (dir / "p.vasp").string()).code == 0);
    std::string text = read_all((dir / "p.vasp").string());
    text.replace(text.find("0.5000000000"), 12, std::string("0.") + '\0' + "5000000000");
    std::ofstream((dir / "nul.vasp").string(), std::ios::binary) << text;
    expect_refused("crystal " + (dir / "nul.vasp").string(), "nul.vasp:10: control character 0x00");
    expect_refused("cluster " + (dir / "nul.vasp").string(), "nul.vasp:10: control character 0x00");
  }

  TEST_CASE("hardening: options out of range or empty (cases 2, 3)") {
    const auto xyz = tmp_file("hardening-water.xyz", water_xyz);
    const std::string run = "run " + xyz + " --basis sto-3g --dry-run ";
    expect_refused(run + "--multiplicity 0", "--multiplicity: '0' must be an integer in [1, 1000]");
    expect_refused("optimize water --multiplicity 0", "--multiplicity: '0' must be an integer in [1, 1000]");
    expect_refused(run + "--threads ''", "--threads: '' must be an integer in [0, 1024]");
    expect_refused(run + "--charge ''", "--charge: '' must be an integer in [-1000, 1000]");
    expect_refused(run + "--multiplicity ''", "--multiplicity: '' must be an integer in [1, 1000]");
    expect_refused(run + "--json ''", "--json: an empty value is not allowed");
    expect_refused(run + "--d-convergence inf", "--d-convergence: 'inf' must be a finite number in [1e-12, 0.1]");
    expect_refused(run + "--e-convergence nan", "--e-convergence: 'nan' must be a finite number in [1e-14, 0.01]");
    expect_refused(run + "--e-convergence -1", "--e-convergence: '-1' must be a finite number in [1e-14, 0.01]");
    expect_refused(run + "--max-iterations 0", "--max-iterations: '0' must be an integer in [1, 10000]");
    CHECK(cli(run + "--e-convergence 1e-8 --multiplicity 1").code == 0);
  }

  TEST_CASE("hardening: --dry-run checks what the run would need (case 4)") {
    const auto xyz = tmp_file("hardening-water.xyz", water_xyz);
    const std::string run = "run " + xyz + " --basis sto-3g --dry-run ";
    expect_refused(run + "--cube 999", "--cube 999: there are 7 orbitals");
    expect_refused(run + "--cube 99999999999999999999", "--cube: '99999999999999999999' must be density, esp, homo, lumo");
    expect_refused(run + "--scf-type df --fitting-basis nope", "fitting basis: unknown basis set 'nope'");
    expect_refused(run + "--method b3lyp --fitting-basis nope", "fitting basis: unknown basis set 'nope'");
    expect_refused(run + "--method b3lyp --grid 75,302:psi4:psi4", "':psi4' may follow a grid once");
    CHECK(cli(run + "--cube 7 --method b3lyp --grid 75,302:psi4").code == 0);
  }

  TEST_CASE("hardening: manifest numbers, labels and files (cases 5, 6, 11)") {
    const auto dir = scratch("hardening-manifest");
    auto manifest = [&](const std::string& body) {
      const auto path = (dir / "m.toml").string();
      std::ofstream(path, std::ios::binary) << "name = \"t\"\noutput = \"out\"\n[level]\nmethod = \"hf\"\nbasis = \"sto-3g\"\n" << body;
      return path;
    };
    const std::string water = "[[candidates]]\nspecies = \"water\"\n";
    expect_refused("screen " + manifest("[ranking]\n[[ranking.criteria]]\ndescriptor = \"gap_ev\"\ndirection = \"max\"\n"
                                        "weight = 9007199254740993\n" + water),
                   "m.toml:10: 'ranking.criteria.weight' = 9007199254740993 is too large (beyond 2^53)");
    expect_refused("screen " + manifest("[limits]\nmemory_mib = 16777217\n" + water),
                   "m.toml:7: 'limits.memory_mib' = 16777217 must be between 1 and 16777216");
    expect_refused("screen " + manifest("[limits]\nmemory_mib = 9007199254740993\n" + water), "is too large (beyond 2^53)");
    expect_refused("screen " + manifest("[limits]\ntime_minutes = nan\n" + water), "'limits.time_minutes' must be a finite number");
    expect_refused("screen " + manifest(water + "label = \"wa\\u0000ter\"\n"),
                   "m.toml:8: 'candidates.label' = 'wa\\x00ter' has a control character");
    expect_refused("screen " + manifest("[[candidates]]\nfile = \"/dev/zero\"\n"), "/dev/zero: is not a regular file");
    expect_refused("screen " + manifest("[[candidates]]\nfile = \".\"\n"), "is a directory, not a file");
    fs::create_symlink(dir / "loop2.xyz", dir / "loop1.xyz");
    fs::create_symlink(dir / "loop1.xyz", dir / "loop2.xyz");
    expect_refused("screen " + manifest("[[candidates]]\nfile = \"loop1.xyz\"\n"), "loop1.xyz: cannot open: a loop of symbolic links");
    // A raw control character in the manifest itself
    expect_refused("screen " + manifest(water + "# \x01\n"), "m.toml:8: control character 0x01");
  }

  TEST_CASE("hardening: a long label keeps its failure class apart in the screen log (case 11)") {
    const auto dir = scratch("hardening-label");
    std::ofstream(dir / "bad.xyz") << "2\nx\nXx 0 0 0\nH 0 0 1\n";
    std::ofstream(dir / "m.toml") << "name = \"t\"\noutput = \"out\"\n[level]\nmethod = \"hf\"\nbasis = \"sto-3g\"\n"
                                     "[[candidates]]\nfile = \"bad.xyz\"\nlabel = \"a_label_of_eighteen_plus\"\n";
    const auto r = cli("screen " + (dir / "m.toml").string());
    INFO(r.output);
    CHECK(r.code == 5);
    CHECK(r.output.find("a_label_of_eighteen_plus bad_input") != std::string::npos);
  }

  TEST_CASE("hardening: reference sets and validate (cases 8, 9)") {
    const auto dir = scratch("hardening-reference");
    std::ofstream(dir / "reference.toml") << "[set]\nname = \"n\"\nmethod = \"hf\"\nbasis = \"sto-3g\"\n[[entries]]\n"
                                             "species = \"water\"\n[entries.values]\nhomo_ev = nan\n";
    expect_refused("validate " + dir.string() + " --output " + (dir / "out").string(),
                   "reference.toml:8: 'entries.values.homo_ev' must be a finite number, not inf or nan");
    // Checked before the first of the 40 jobs starts: exit 2, not 6, and no output folder.
    const auto out = (dir / "qm9").string();
    expect_refused("validate qm9-sample --method nope --output " + out, "validate: unknown method 'nope'");
    expect_refused("validate qm9-sample --grid 0,0 --output " + out, "validate: grid '0,0' must be");
    CHECK_FALSE(fs::exists(dir / "qm9" / "results.sqlite"));
  }

  TEST_CASE("hardening: output paths checked before computing, filesystem errors in one line (case 10)") {
    const auto dir = scratch("hardening-output");
    const auto file = tmp_file("hardening-water.xyz", water_xyz);
    const std::string not_folder = file + "/x";  // a path under a regular file
    expect_refused("run " + file + " --basis sto-3g --json " + not_folder, "--json '" + not_folder + "': ");
    expect_refused("run " + file + " --basis sto-3g --molden " + dir.string(), "is a folder, not a file");
    expect_refused("run " + file + " --basis sto-3g --cube density --cube-prefix " + not_folder, "--cube '" + not_folder);
    expect_refused("cluster zno -o " + not_folder, "--output '" + not_folder + "': ");
    expect_refused("crystal zno --json " + not_folder, "--json '" + not_folder + "': ");
    expect_refused("generate o-carborane -s F -o " + not_folder, "--output '" + not_folder + "': ");
    expect_refused("optimize water --output " + not_folder, "--output '" + not_folder + "': ");
    std::ofstream(dir / "m.toml") << "name = \"t\"\noutput = \"out\"\n[level]\nmethod = \"hf\"\nbasis = \"sto-3g\"\n"
                                     "[[candidates]]\nspecies = \"water\"\n";
    expect_refused("screen " + (dir / "m.toml").string() + " --output " + not_folder, "--output '" + not_folder + "': ");
    fs::create_symlink(dir / "l2", dir / "l1");
    fs::create_symlink(dir / "l1", dir / "l2");
    expect_refused("run " + file + " --basis sto-3g --json " + (dir / "l1").string(), "a loop of symbolic links");
    expect_refused("run " + (dir / "l1").string(), "a loop of symbolic links");
    CHECK_FALSE(fs::exists(dir / "out"));
  }

  TEST_CASE("hardening: an unknown command is named (case 11)") {
    expect_refused("frobnicate", "unknown command 'frobnicate' (commands: run, screen");
  }
}
