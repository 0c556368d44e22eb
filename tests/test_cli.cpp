// Command-line tier: every subcommand's --help and --version, exit codes, one-line errors for
// each kind of bad input, and the QCSchema JSON output.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "descriptors/cube.hpp"
#include "molecules/io.hpp"
#include "scf/basis.hpp"

#include "check.hpp"
#include "cli_helpers.hpp"

namespace fs = std::filesystem;

TEST_SUITE("cli") {
  TEST_CASE("help and version succeed; no arguments fails") {
    CHECK(cli("--help").code == 0);
    const auto v = cli("--version");
    CHECK(v.code == 0);
    CHECK(v.output.find("0.1.0") != std::string::npos);
    for (const char* sub : {"run", "species", "basis", "functionals", "generate", "optimize"})
      CHECK(cli(std::string(sub) + " --help").code == 0);
    const auto f = cli("functionals");
    CHECK(f.code == 0);
    CHECK(f.output.find("b3lyp") != std::string::npos);
    CHECK(cli("").code == 2);
    CHECK(cli("frobnicate").code == 2);
    CHECK(cli("run").code == 2);
  }

  TEST_CASE("species and basis listings") {
    const auto s = cli("species");
    CHECK(s.code == 0);
    CHECK(s.output.find("o-carborane   C2H12B10") != std::string::npos);
    CHECK(s.output.find("b12h12        B12H12      -2") != std::string::npos);
    const auto b = cli("basis");
    CHECK(b.code == 0);
    CHECK(b.output.find("def2-universal-jkfit") != std::string::npos);
  }

  TEST_CASE("generate: cages, notations, enumeration, XYZ files, errors") {
    const auto cages = cli("generate --cages");
    CHECK(cages.code == 0);
    CHECK(cages.output.find("o-carborane   12        0       4         1,2-dicarba-closo-dodecaborane(12)") !=
          std::string::npos);
    const auto one = cli("generate o-carborane:9,12-F2");
    CHECK(one.code == 0);
    CHECK(one.output.find("o-carborane:9,12-F2                C2H10B10F2   0   9,12-difluoro-1,2-dicarba-closo-dodecaborane(12)") !=
          std::string::npos);
    const std::string dir = std::string(CAGESCREEN_TEST_TMP) + "/generated";
    const auto all = cli("generate o-carborane m-carborane -s F,CH3 --count 1 --sites boron -o " + dir);
    CHECK(all.code == 0);
    CHECK(all.output.find("# 8 symmetry-distinct derivatives of o-carborane with 1-1 groups on boron sites") !=
          std::string::npos);
    CHECK(std::filesystem::exists(dir + "/o-carborane_9-F.xyz"));
    CHECK(std::filesystem::exists(dir + "/m-carborane_5-CH3.xyz"));
    // A generated file runs like any other input.
    const auto mol = cagescreen::molecules::read_molecule_file(dir + "/o-carborane_9-F.xyz");
    CHECK(mol.formula() == "C2H11B10F");
    expect_error("generate o-carborane:13-F", 2, "'o-carborane:13-F': vertex 13 does not exist (o-carborane has vertices 1-12)");
    expect_error("generate o-carborane -s Xx", 2, "unknown substituent 'Xx'");
    expect_error("generate o-carborane -s F --count 2-1", 2, "--count '2-1': use N or MIN-MAX, e.g. 1-2");
    expect_error("generate o-carborane -s F --count 1x", 2, "--count '1x': use N or MIN-MAX");
    expect_error("generate o-carborane -s F --count 99999999999", 2, "--count '99999999999': use N or MIN-MAX");
    expect_error("generate o-carborane -s H", 2, "no derivative with 1-1 groups");
    expect_error("generate o-carborane -s F,Cl,Br,CH3,CF3,OH,NH2,CN,SH,C6H5 --count 0-10", 2, "substitution patterns (limit");
    expect_error("generate o-carborane:9-F99999999999", 2, "bad count");
    expect_error("generate o-carborane:9,,12-F2", 2, "empty item");
    expect_error("generate o-carborane -s F --count x", 2, "--count 'x': use N or MIN-MAX, e.g. 1-2");
    expect_error("generate o-carborane -s F --sites nitrogen", 2, "--sites 'nitrogen': use all, boron or carbon");
    expect_error("run q-carborane:1-F", 2, "q-carborane:1-F: no such file, not a built-in species");
  }

  TEST_CASE("optimize: GFN2-xTB geometry, trajectory, step limit, errors") {
    const std::string dir = std::string(CAGESCREEN_TEST_TMP) + "/optimize";
    std::filesystem::create_directories(dir);
    const auto ok = cli("optimize m-carborane:9-F -o " + dir + "/f.xyz --trajectory " + dir + "/f.trj.xyz");
    INFO(ok.output);
    CHECK(ok.code == 0);
    CHECK(ok.output.find("FINAL OPTIMIZED ENERGY") != std::string::npos);
    CHECK(ok.output.find("@opt    1") != std::string::npos);
    const auto mol = cagescreen::molecules::read_molecule_file(dir + "/f.xyz");
    CHECK(mol.formula() == "C2H11B10F");
    CHECK(std::filesystem::file_size(dir + "/f.trj.xyz") > std::filesystem::file_size(dir + "/f.xyz"));
    const auto cut = cli("optimize o-carborane:9-OH --max-steps 1 -o " + dir + "/g.xyz --trajectory " + dir + "/g.trj.xyz");
    CHECK(cut.code == 3);
    CHECK(cut.output.find("cagescreen: error: the optimisation did not converge in 1 steps") != std::string::npos);
    // run --preopt xtb: the SCF runs at the GFN2-xTB geometry, which the JSON records.
    const std::string json = dir + "/pre.json";
    const auto pre = cli("run water --method hf --basis sto-3g --preopt xtb --json " + json);
    CHECK(pre.code == 0);
    CHECK(pre.output.find("@opt    1") != std::string::npos);
    std::ifstream in(json);
    const auto j = nlohmann::json::parse(in);
    const auto& po = j["extras"]["cagescreen"]["preoptimization"];
    CHECK(po["method"] == "gfn2-xtb");
    CHECK(po["converged"] == true);
    CHECK(po["bonds_changed"] == false);
    // GFN2-xTB water minimum: xtb 6.5.1 `--opt` (normal) gives -5.070544343674 Eh, O–H 0.95921 Å.
    CHECK(std::abs(po["energy"].get<double>() - (-5.070544343674)) < 2e-6);
    const auto& g = j["molecule"]["geometry"];  // O–H
    const double dx = g[3].get<double>() - g[0].get<double>(), dy = g[4].get<double>() - g[1].get<double>(),
                 dz = g[5].get<double>() - g[2].get<double>();
    CHECK(std::abs(std::sqrt(dx * dx + dy * dy + dz * dz) * 0.529177210903 - 0.95921) < 0.002);
    // --preopt dft: optimised at the run's own level (HF/STO-3G, four-index like the final SCF),
    // then the final SCF at that geometry has the optimisation's energy.
    const std::string json_dft = dir + "/dft.json";
    const auto opt = cli("run water --method hf --basis sto-3g --scf-type conv --preopt dft --json " + json_dft);
    CHECK(opt.code == 0);
    {
      std::ifstream in_dft(json_dft);
      const auto jd = nlohmann::json::parse(in_dft);
      const auto& o = jd["extras"]["cagescreen"]["optimization"];
      CHECK(o["method"] == "hf");
      CHECK(o["converged"] == true);
      CHECK(std::abs(o["energy"].get<double>() - jd["return_result"].get<double>()) < 1e-8);
      CHECK(o["energy"].get<double>() < -74.9659);  // the HF/STO-3G minimum, −74.96590 Eh
    }
    expect_error("run water --preopt crest", 2, "--preopt 'crest': use none, xtb, dft or xtb+dft");
    expect_error("run water --method tpss --preopt dft", 2, "--preopt dft: 'tpss' is a meta-GGA");
    expect_error("optimize water --method wb97x", 2, "--method 'wb97x' is range-separated");
    expect_error("optimize water --method b3lyp --basis nope", 2, "unknown basis set 'nope'");
    expect_error("optimize water --method hf --preopt gfn1", 2, "--preopt 'gfn1': use none or xtb");
    expect_error("optimize water --convergence loose", 2, "convergence 'loose': use normal, tight or verytight");
    expect_error("optimize o-carborane:9-Q", 2, "unknown substituent 'Q'");
    // Checked before any optimisation: the derivative limit of the basis (an h shell), the
    // reference, and the run's cube requests.
    const std::string h5 = tmp_file("h5.gbs", "spherical\n****\nH 0\nS 1 1.00\n  1.0 1.0\nH 1 1.00\n  1.0 1.0\n****\n");
    const std::string h2 = tmp_file("h2.xyz", "2\nH2\nH 0 0 0\nH 0 0 0.74\n");
    for (const std::string& args : {"optimize " + h2 + " --method hf --basis " + h5 + " --preopt xtb",
                                    "run " + h2 + " --method hf --basis " + h5 + " --preopt xtb+dft"}) {
      expect_error(args, 2, "basis " + h5 + " has L=5 shells; this libint2 differentiates electron-repulsion integrals up to L=" +
                                std::to_string(cagescreen::scf::libint_max_l_derivative()));
      CHECK(cli(args).output.find("GFN2-xTB energy") == std::string::npos);
    }
    const std::string oh = tmp_file("oh.xyz", "2\nOH\nO 0 0 0\nH 0 0 0.97\n");
    for (const std::string& args : {"optimize " + oh + " --multiplicity 2 --method hf --reference rhf --preopt xtb",
                                    "run " + oh + " --multiplicity 2 --method hf --reference rhf --preopt xtb+dft"}) {
      expect_error(args, 2, "a restricted reference (rhf/rks) needs a closed shell");
      CHECK(cli(args).output.find("GFN2-xTB energy") == std::string::npos);
    }
    const auto cube = cli("run water --method hf --basis sto-3g --preopt dft --cube nonsense");
    CHECK(cube.code == 2);
    CHECK(cube.output.find("--cube: 'nonsense'") != std::string::npos);
    CHECK(cube.output.find("optimisation") == std::string::npos);
  }

  TEST_CASE("optimize: UKS PBE/6-31G* OH against psi4") {
    // psi4 1.3.2 optimize('pbe'), reference uks, 6-31G* (Cartesian d), scf_type pk, 99 × 590 grid,
    // e/d_convergence 1e-10/1e-8, g_convergence gau_tight, from O 0 0 0, H 0 0 0.97 Angstrom:
    // E = −75.636836088997 Eh, R(OH) = 1.8737404777 Bohr (tests/reference/gradients/oh_uks_pbe_opt.in,
    // outputs/oh_uks_pbe_opt.out). Same quadrature here (99,590:psi4); psi4 stops at gau_tight with
    // a residual force, we converge further, so R agrees to 1e-4 Bohr and E to 1e-8 Eh.
    const std::string dir = std::string(CAGESCREEN_TEST_TMP) + "/optimize_uks";
    fs::create_directories(dir);
    const std::string oh = tmp_file("oh_uks.xyz", "2\nOH\nO 0 0 0\nH 0 0 0.97\n");
    const auto r = cli("optimize " + oh + " --multiplicity 2 --method pbe --basis 6-31g* --grid 99,590:psi4 "
                       "--convergence tight -o " + dir + "/oh.xyz --trajectory " + dir + "/oh.trj.xyz");
    INFO(r.output);
    REQUIRE(r.code == 0);
    CHECK(r.output.find("reference uhf") != std::string::npos);
    // Each step after the first starts from the previous step's density: fewer SCF iterations
    // than the SAD start (measured 11, then 9, 8, 7, 7).
    std::vector<int> iterations;
    for (std::size_t at = r.output.find("      SCF "); at != std::string::npos; at = r.output.find("      SCF ", at + 1))
      iterations.push_back(std::stoi(r.output.substr(at + 10)));
    REQUIRE(iterations.size() >= 3);
    for (std::size_t i = 1; i < iterations.size(); ++i) CHECK(iterations[i] < iterations[0]);
    const auto pos = r.output.find("FINAL OPTIMIZED ENERGY");
    REQUIRE(pos != std::string::npos);
    check_near(std::stod(r.output.substr(pos + 22)), -75.636836088997, 1e-8, "OH UKS PBE energy vs psi4");
    const auto mol = cagescreen::molecules::read_molecule_file(dir + "/oh.xyz");
    REQUIRE(mol.atoms.size() == 2);
    const auto& a = mol.atoms[0].r;
    const auto& b = mol.atoms[1].r;
    check_near(std::hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]), 1.8737404777, 1e-4, "OH bond vs psi4");
  }

  TEST_CASE("bad molecule input: exit code 2 and a one-line message naming file and line") {
    expect_error("run " + tmp_file("empty.xyz", ""), 2, "empty.xyz: empty file");
    expect_error("run " + tmp_file("count.xyz", "4\nc\nH 0 0 0\nH 0 0 0.74\n"), 2,
                 "count.xyz:5: wrong atom count: the first line says 4 atoms but only 2 atom lines follow");
    expect_error("run " + tmp_file("element.xyz", "2\nc\nH 0 0 0\nQ 0 0 0.74\n"), 2,
                 "element.xyz:4: unknown element 'Q'");
    expect_error("run " + tmp_file("number.xyz", "2\nc\nH 0 0 0\nH 0 0 0.7.4\n"), 2,
                 "number.xyz:4: z coordinate of atom 2 is not a finite number: '0.7.4'");
    expect_error("run " + tmp_file("nan.xyz", "2\nc\nH 0 0 0\nH NaN 0 0.74\n"), 2,
                 "nan.xyz:4: x coordinate of atom 2 is not a finite number: 'NaN'");
    expect_error("run " + tmp_file("inf.xyz", "2\nc\nH 0 0 0\nH 0 -inf 0.74\n"), 2,
                 "inf.xyz:4: y coordinate of atom 2 is not a finite number: '-inf'");
    expect_error("run " + tmp_file("close.xyz", "2\nc\nH 0 0 0\nH 0 0 0.01\n"), 2,
                 "close.xyz:4: atoms 1 (H) and 2 (H) are 0.01 Angstrom apart (closer than 0.1 Angstrom)");
    expect_error("run " + tmp_file("spin.xyz", "2\nc multiplicity=2\nH 0 0 0\nH 0 0 0.74\n"), 2,
                 "spin.xyz: charge 0 and multiplicity 2 are impossible with 2 electrons");
    expect_error("run water --charge 1", 2, "water: charge 1 and multiplicity 1 are impossible with 9 electrons");
    expect_error("run water --charge 10", 2, "water: charge 10 and multiplicity 1 leave no electrons");
    expect_error("run " + tmp_file("bad.json", "{\"symbols\": [\"H\"\n,,}"), 2, "bad.json:2: malformed JSON");
    expect_error("run " + tmp_file("latin1.xyz", "2\nc\n\xe9 0 0 0\nH 0 0 0.74\n") + " --json " +
                     tmp_file("latin1.json", ""),
                 2, "latin1.xyz:3: unknown element");
    expect_error("run " + std::string(3000, 'x'), 2, "no such file, not a built-in species");
    expect_error("run no-such-molecule", 2,
                 "no-such-molecule: no such file, not a built-in species (see `cagescreen species`) and not a cage derivative");
  }

  TEST_CASE("bad basis and settings: exit code 2") {
    expect_error("run zno --basis 6-31+g*", 2, "basis set '6-31+g*' has no functions for Zn (atom 1)");
    expect_error("run water --basis 6-31q", 2, "unknown basis set '6-31q'");
    const auto high_l = tmp_file("high_l.gbs", "spherical\n****\nH 0\nS 1 1.0\n1.0 1.0\nI 1 1.0\n2.0 1.0\n****\n"
                                              "O 0\nS 1 1.0\n1.0 1.0\n****\n");
    expect_error("run water --basis " + high_l, 2,
                 "has an L=6 shell on H but the installed libint2 computes these integrals only up to L=5");
    const auto broken = tmp_file("broken.gbs", "****\nH 0\nS 3 1.0\n1.0 1.0\n****\n");
    expect_error("run water --basis " + broken, 2, "broken.gbs:5: expected 2 numbers (exponent and coefficient)");
    expect_error("run water --basis " + tmp_file("missing.gbs", "****\nH 0\nS 1 1.0\n1.0 1.0\n****\n"), 2,
                 "has no functions for O (atom 1)");
    expect_error("run water --basis " + tmp_file("empty_block.gbs", "****\nH 0\n****\nO 0\nS 1 1.0\n1.0 1.0\n****\n"), 2,
                 "has no functions for H (atom 2)");
    expect_error("run water --basis " + tmp_file("zero.gbs", "****\nH 0\nS 1 1.0\n1.0 0.0\n****\n"), 2,
                 "zero.gbs:3: shell with only zero contraction coefficients");
    expect_error("run water --method b3lypp", 2, "unknown method 'b3lypp' (closest: b3lyp");
    expect_error("run water --method libxc:MGGA_X_BR89", 2, "Laplacian");
    expect_error("run water --memory -5", 2, "--memory");
    expect_error("run water --threads -1", 2, "--threads: '-1' must be an integer in [0, 1024]");
    expect_error("run water --reference rohf", 2, "reference 'rohf' must be one of rhf, uhf");
    expect_error("run water --shell-type weird", 2, "shell type 'weird' must be one of");
    expect_error("run " + tmp_file("o2.xyz", "2\no2 multiplicity=3\nO 0 0 0\nO 0 0 1.2075\n") + " --reference rhf", 2,
                 "a restricted reference (rhf/rks) needs a closed shell");
    expect_error("run " + tmp_file("oh_rks.xyz", "2\noh multiplicity=2\nO 0 0 0\nH 0 0 0.97\n") +
                     " --method b3lyp --reference rks",
                 2, "a restricted reference (rhf/rks) needs a closed shell, but multiplicity 2 has 1 unpaired electrons");
    expect_error("run water --method b3lyp --grid 99,300", 2, "no Lebedev grid with 300 points");
    expect_error("run water --threads x", 2, "--threads");
    expect_error("run water --descriptors charges,esp", 2,
                 "--descriptors: 'esp' is not one of all, charges, frontier, dipole, surface, hirshfeld, chelpg, "
                 "hydrophobicity");
    expect_error("run water --surface --surface-spacing 0", 2, "--surface-spacing: '0' must be a finite number in [0.05, 1]");
  }

  TEST_CASE("--descriptors selects the summary sections and JSON keys; --surface adds the ESP surface") {
    const auto json_path = (fs::path(CAGESCREEN_TEST_TMP) / "water_surface.json").string();
    const auto r = cli("run water --basis sto-3g --descriptors frontier --surface --json " + json_path);
    REQUIRE(r.code == 0);
    CHECK(r.output.find("Atomic charges") == std::string::npos);
    CHECK(r.output.find("ESP on the rho = 0.001 surface") != std::string::npos);
    std::ifstream in(json_path);
    const auto d = nlohmann::json::parse(in)["extras"]["cagescreen"]["descriptors"];
    CHECK_FALSE(d.contains("mulliken_charges"));
    CHECK(d.contains("homo_ev"));
    const auto& s = d["esp_surface"];
    for (const char* key : {"vs_max_kcal", "vs_min_kcal", "vs_max_atom", "vs_min_atom", "area_bohr2", "positive_area_bohr2",
                            "negative_area_bohr2", "sigma2_tot", "nu", "pi_kcal", "local_maxima", "local_minima"})
      CHECK(s.contains(key));
    CHECK(s["vs_max_kcal"].get<double>() > 0);  // on a hydrogen of water
    CHECK(s["vs_min_kcal"].get<double>() < 0);  // at the oxygen's lone pairs
    CHECK(s["vs_max_atom"].get<int>() != 0);
    CHECK(s["vs_min_atom"].get<int>() == 0);
  }

  TEST_CASE("charge and multiplicity options override the file before it is checked") {
    const auto oh = tmp_file("oh_singlet.xyz", "2\noh multiplicity=1\nO 0 0 0\nH 0 0 0.9697\n");
    CHECK(cli("run " + oh + " --basis sto-3g").code == 2);
    CHECK(cli("run " + oh + " --basis sto-3g --multiplicity 2").code == 0);
    const auto h = tmp_file("h.xyz", "1\nhydrogen atom\nH 0 0 0\n");  // doublet by default
    const auto r = cli("run " + h + " --basis sto-3g");
    CHECK(r.code == 0);
    CHECK(r.output.find("multiplicity 2") != std::string::npos);
  }

  TEST_CASE("non-convergence exits with 3 unless allowed") {
    const auto r = cli("run water --basis sto-3g --max-iterations 2");
    CHECK(r.code == 3);
    CHECK(r.output.find("cagescreen: error: SCF not converged after 2 iterations; last iterations:") != std::string::npos);
    CHECK(cli("run water --basis sto-3g --max-iterations 2 --allow-unconverged").code == 0);
  }

  TEST_CASE("run writes a human summary and a QCSchema AtomicResult") {
    const auto json_path = (fs::path(CAGESCREEN_TEST_TMP) / "water.json").string();
    const auto r = cli("run water --basis sto-3g --threads 2 --json " + json_path);
    REQUIRE(r.code == 0);
    CHECK(r.output.find("FINAL SINGLE POINT ENERGY -74.96451850") != std::string::npos);
    CHECK(r.output.find("@iter   1") != std::string::npos);
    std::ifstream in(json_path);
    const auto j = nlohmann::json::parse(in);
    CHECK(j["schema_name"] == "qcschema_output");
    CHECK(j["schema_version"] == 1);
    CHECK(j["success"] == true);
    CHECK(j["driver"] == "energy");
    CHECK(j["model"]["basis"] == "sto-3g");
    const auto& p = j["properties"];
    CHECK(p["calcinfo_nbasis"] == 7);
    CHECK(p["calcinfo_nalpha"] == 5);
    CHECK(p["calcinfo_nbeta"] == 5);
    CHECK(p["calcinfo_natom"] == 3);
    // psi4 1.3.2 RHF/STO-3G at the same geometry (hf_references.hpp, water_sto3g).
    check_near(p["return_energy"].get<double>(), -74.964518501265, 1e-8, "return_energy");
    check_near(p["scf_total_energy"].get<double>(), p["return_energy"].get<double>(), 0, "scf_total_energy");
    check_near(p["nuclear_repulsion_energy"].get<double>() + p["scf_one_electron_energy"].get<double>() +
                   p["scf_two_electron_energy"].get<double>(),
               p["scf_total_energy"].get<double>(), 1e-10, "energy components add up");
    const auto& w = j["wavefunction"];
    CHECK(w["scf_eigenvalues_a"].size() == 7);
    CHECK(w["scf_occupations_a"][4] == 1.0);
    CHECK(w["scf_occupations_a"][5] == 0.0);
    const auto& x = j["extras"]["cagescreen"];
    check_near(x["homo_energy"].get<double>(), w["scf_eigenvalues_a"][4].get<double>(), 0, "homo");
    check_near(x["lumo_energy"].get<double>(), w["scf_eigenvalues_a"][5].get<double>(), 0, "lumo");
    check_near(x["gap"].get<double>(), x["lumo_energy"].get<double>() - x["homo_energy"].get<double>(), 1e-15, "gap");
    CHECK(j["molecule"]["symbols"].size() == 3);
  }

  TEST_CASE("solvent: SMD water run, its summary and JSON, the solvent list and bad solvent input") {
    const auto json_path = (fs::path(CAGESCREEN_TEST_TMP) / "water_smd.json").string();
    const std::string water = std::string(CAGESCREEN_TEST_REFERENCE) + "/solvation/geometries/water.xyz";
    const auto r = cli("run " + water + " --method b3lyp --basis 6-31g* --shell-type cartesian --solvent water --json " +
                       json_path);
    REQUIRE(r.code == 0);
    CHECK(r.output.find("Solvent water (smd, epsilon 78.4000") != std::string::npos);
    CHECK(r.output.find("dG_solv (1 M -> 1 M)") != std::string::npos);
    std::ifstream in(json_path);
    const auto j = nlohmann::json::parse(in);
    CHECK(j["keywords"]["solvation"] == "smd");
    CHECK(j["keywords"]["solvent"] == "water");
    const auto& s = j["extras"]["cagescreen"]["solvation"];
    const double kcal = 627.5094740631;
    // NWChem 7.0.2, B3LYP/6-31G* (Cartesian), grid xfine, `cosmo; do_cosmo_smd true; solvent water;
    // end` (its defaults: minbem 3, Lagrangian charge correction): G_CDS 1.451 kcal/mol, dG_solv
    // -8.525 kcal/mol (tests/reference/solvation, job smd_water).
    check_near(s["g_cds_kcal"].get<double>(), 1.45128927, 0.01, "water G_CDS vs NWChem");
    check_near(s["dg_solv_kcal"].get<double>(), -8.5251287, 0.2, "water dG_solv vs NWChem");
    check_near(s["dg_elec_kcal"].get<double>() + s["g_cds_kcal"].get<double>(), s["dg_solv_kcal"].get<double>(), 1e-9,
               "dG_solv = dG_elec + G_CDS");
    check_near(s["gas_energy"].get<double>() + s["dg_solv_kcal"].get<double>() / kcal, j["properties"]["return_energy"].get<double>(),
               1e-10, "return_energy = gas + dG_solv");
    CHECK(s["cavity_points"].get<int>() > 100);
    CHECK(s["cavity_area_angstrom2"].get<double>() > 30);
    CHECK(s["standard_state"] == "1 M gas -> 1 M solution");
    CHECK(j["extras"]["cagescreen"]["scalars"]["solvation_free_energy_kcal"].get<double>() ==
          s["dg_solv_kcal"].get<double>());

    const auto list = cli("solvents");
    REQUIRE(list.code == 0);
    CHECK(list.output.find("1-octanol") != std::string::npos);
    CHECK(list.output.find("tetrahydrofuran") != std::string::npos);
    expect_error("run water --solvent watr", 2, "unknown solvent 'watr' (closest: water");
    expect_error("run water --solvation none --solvent water", 2, "solvation none");
    expect_error("run water --solvation smd --epsilon 20", 2, "SMD needs a tabulated solvent");
    expect_error("run water --epsilon 1", 2, "--epsilon");
    expect_error("run water --solvation pcm", 2, "must be one of none, cpcm, cosmo, smd");
    expect_error("run water --solvent water --solvent-points 100", 2, "no cavity with 100 points per sphere");
  }

  TEST_CASE("DFT run: summary and JSON fields") {
    const auto json_path = (fs::path(CAGESCREEN_TEST_TMP) / "water_b3lyp.json").string();
    const auto r = cli("run water --method b3lyp --basis def2-svp --grid fine --json " + json_path);
    REQUIRE(r.code == 0);
    CHECK(r.output.find("Exchange-correlation energy") != std::string::npos);
    CHECK(r.output.find("integrated electrons") != std::string::npos);
    CHECK(r.output.find("Timings: J/K") != std::string::npos);
    std::ifstream in(json_path);
    const auto j = nlohmann::json::parse(in);
    CHECK(j["model"]["method"] == "b3lyp");
    const auto& p = j["properties"];
    check_near(p["nuclear_repulsion_energy"].get<double>() + p["scf_one_electron_energy"].get<double>() +
                   p["scf_two_electron_energy"].get<double>() + p["scf_xc_energy"].get<double>(),
               p["scf_total_energy"].get<double>(), 1e-10, "DFT energy components add up");
    // psi4 1.3.2 B3LYP/def2-SVP on 99 x 590 (dft_references.hpp, water_b3lyp), default convergence here
    check_near(p["return_energy"].get<double>(), -76.3582966399348, 2e-5, "B3LYP energy");
    const auto& d = j["extras"]["cagescreen"]["dft"];
    CHECK(d["grid"] == "fine");
    check_near(d["electrons_integrated"].get<double>(), 10.0, 1e-5, "electrons");
    check_near(d["exact_exchange"].get<double>(), 0.2, 1e-12, "B3LYP exact exchange");
    // Descriptors: psi4 values for this calculation in test_descriptors.cpp; here the fields.
    const auto& desc = j["extras"]["cagescreen"]["descriptors"];
    REQUIRE(desc["mulliken_charges"].size() == 3);
    check_near(desc["mulliken_charges"][0].get<double>(), -0.2979975879, 1e-4, "O Mulliken charge");
    check_near(desc["dipole_debye"].get<double>(), 1.9980370654, 1e-4, "dipole / D");
    check_near(desc["hardness_ev"].get<double>(), desc["gap_ev"].get<double>(), 1e-12, "eta = IP - EA = gap");
    CHECK(p["scf_dipole_moment"].size() == 3);
    CHECK(p["scf_quadrupole_moment"].size() == 3);
    CHECK(r.output.find("Atomic charges") != std::string::npos);
    CHECK(r.output.find("Dipole moment 1.998") != std::string::npos);
  }

  TEST_CASE("--cube writes cube files that read back; bad kinds are refused before the SCF") {
    const auto prefix = (fs::path(CAGESCREEN_TEST_TMP) / "w").string();
    const auto r = cli("run water --basis sto-3g --cube density,esp,homo,lumo,1 --cube-spacing 0.5 --cube-prefix " + prefix);
    REQUIRE(r.code == 0);
    for (const char* kind : {"density", "esp", "homo", "lumo", "1"}) {
      CAPTURE(kind);
      const auto c = cagescreen::descriptors::read_cube(prefix + "." + kind + ".cube");
      CHECK(c.atoms.size() == 3);
      CHECK(c.values.size() == c.grid.size());
    }
    expect_error("run water --basis sto-3g --cube potential", 2, "--cube: 'potential' must be density, esp, homo");
    expect_error("run water --basis sto-3g --cube density --cube-spacing 0", 2, "--cube-spacing: '0' must be a finite number in [0.01, 2]");
  }

  TEST_CASE("--molden writes a Molden file; shells beyond g are refused before the SCF") {
    const auto path = (fs::path(CAGESCREEN_TEST_TMP) / "water.molden").string();
    const auto r = cli("run water --basis def2-svp --molden " + path);
    REQUIRE(r.code == 0);
    std::ifstream in(path);
    std::string first;
    std::getline(in, first);
    CHECK(first == "[Molden Format]");
    const auto h = tmp_file("h_with_h.gbs", "H 0\nS 1 1.0\n 1.0 1.0\nH 1 1.0\n 1.0 1.0\n****\n");
    expect_error("run " + tmp_file("h2.xyz", "2\n\nH 0 0 0\nH 0 0 0.74\n") + " --basis " + h + " --molden " + path, 2,
                 "Molden files hold shells up to g");
  }

  TEST_CASE("UHF JSON and failure JSON") {
    const auto oh = tmp_file("oh.xyz", "2\noh multiplicity=2\nO 0 0 0\nH 0 0 0.9697\n");
    const auto json_path = (fs::path(CAGESCREEN_TEST_TMP) / "oh.json").string();
    const auto r = cli("run " + oh + " --basis def2-svp --json " + json_path);
    REQUIRE(r.code == 0);
    std::ifstream in(json_path);
    const auto j = nlohmann::json::parse(in);
    CHECK(j["keywords"]["reference"] == "uhf");
    CHECK(j["properties"]["calcinfo_nalpha"] == 5);
    CHECK(j["properties"]["calcinfo_nbeta"] == 4);
    // psi4 1.3.2 UHF/def2-SVP, same geometry (hf_references.hpp, oh_def2svp_uhf).
    check_near(j["properties"]["return_energy"].get<double>(), -75.325108417977, 1e-8, "OH energy");
    CHECK(j["extras"]["cagescreen"]["s_squared"].get<double>() > 0.75);
    // Open shell: per-spin frontier orbitals and spin populations that add up to 2S = 1.
    const auto& d = j["extras"]["cagescreen"]["descriptors"];
    const auto& eps_a = j["wavefunction"]["scf_eigenvalues_a"];
    check_near(d["homo_alpha_ev"].get<double>(), eps_a[4].get<double>() * 27.211386245988, 1e-9, "alpha HOMO");
    check_near(d["lumo_beta_ev"].get<double>(), j["wavefunction"]["scf_eigenvalues_b"][4].get<double>() * 27.211386245988,
               1e-9, "beta LUMO");
    check_near(d["mulliken_spin_populations"][0].get<double>() + d["mulliken_spin_populations"][1].get<double>(), 1.0,
               1e-10, "Mulliken spin populations sum to 2S");
    check_near(d["lowdin_spin_populations"][0].get<double>() + d["lowdin_spin_populations"][1].get<double>(), 1.0,
               1e-10, "Löwdin spin populations sum to 2S");
    const auto fail_path = (fs::path(CAGESCREEN_TEST_TMP) / "fail.json").string();
    CHECK(cli("run water --basis nope --json " + fail_path).code == 2);
    std::ifstream fin(fail_path);
    const auto f = nlohmann::json::parse(fin);
    CHECK(f["success"] == false);
    CHECK(f["error"]["error_type"] == "input_error");
  }
}
