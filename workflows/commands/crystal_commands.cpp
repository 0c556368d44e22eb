#include "workflows/commands/crystal_commands.hpp"

#include <memory>

#include "workflows/commands/command.hpp"
#include "workflows/output_paths.hpp"
#include "workflows/validators.hpp"

#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "molecules/crystal.hpp"
#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/symmetry.hpp"
#include "molecules/units.hpp"
#include "workflows/exit_codes.hpp"
#include "workflows/campaign/plot.hpp"
#include "workflows/campaign/output_files.hpp"

namespace cagescreen::workflows {
namespace {

using molecules::Crystal;
using molecules::Vec3;

double length(const Vec3& v) { return std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }
double angle(const Vec3& a, const Vec3& b) {
  return std::acos((a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (length(a) * length(b))) * 180.0 / M_PI;
}

/// a, b, c (Å) and alpha, beta, gamma (degrees).
std::array<double, 6> parameters(const Crystal& c) {
  const double k = units::bohr_in_angstrom;
  return {length(c.cell[0]) * k, length(c.cell[1]) * k, length(c.cell[2]) * k,
          angle(c.cell[1], c.cell[2]), angle(c.cell[0], c.cell[2]), angle(c.cell[0], c.cell[1])};
}

void write_text(const std::string& path, const std::string& text) {
  write_file(path, text);
  std::cerr << "crystal: wrote " << path << "\n";
}

}  // namespace

int crystal_command(const CrystalCommand& cmd) {
  if (cmd.list) {
    std::cout << std::left << std::setw(18) << "name" << std::setw(10) << "formula" << "description\n";
    for (const auto& b : molecules::builtin_crystals())
      std::cout << std::left << std::setw(18) << b.name << std::setw(10) << molecules::resolve_crystal(b.name).formula()
                << b.description << "\n";
    return exit_ok;
  }
  if (cmd.input.empty()) throw InputError("crystal: give a crystal file or built-in name (or --list)");
  if (!(cmd.symprec_angstrom > 0) || cmd.symprec_angstrom > 1)
    throw InputError("--symprec " + std::to_string(cmd.symprec_angstrom) + " must be in (0, 1] Angstrom");
  const Crystal c = molecules::resolve_crystal(cmd.input);
  const auto s = molecules::analyse_symmetry(c, cmd.symprec_angstrom);
  const auto p = parameters(c);
  const double vol = c.volume() * std::pow(units::bohr_in_angstrom, 3);
  std::cout << std::fixed << std::setprecision(4);
  std::cout << "crystal: " << c.name << " (" << c.source << ")\n"
            << "cell: a = " << p[0] << " b = " << p[1] << " c = " << p[2] << " Angstrom, alpha = " << std::setprecision(3)
            << p[3] << " beta = " << p[4] << " gamma = " << p[5] << " degrees, volume " << vol << " Angstrom^3\n"
            << "content: " << c.sites.size() << " atoms, " << c.formula() << "\n"
            << "space group: " << s.international << " (No. " << s.number << "), Hall symbol '" << s.hall_symbol
            << "', Schoenflies " << s.schoenflies << ", crystal class " << s.point_group << " ("
            << molecules::schoenflies_of_point_group(s.point_group) << "), " << s.operations.size()
            << " operations in this cell (spglib " << molecules::spglib_version() << ", tolerance " << std::setprecision(4)
            << cmd.symprec_angstrom << " Angstrom)\n"
            << "primitive cell: " << s.primitive.sites.size() << " atoms; conventional standard cell: "
            << s.conventional.sites.size() << " atoms\n\n";
  std::cout << std::right << std::setw(5) << "#" << "  " << std::left << std::setw(8) << "label" << std::setw(4) << "el"
            << std::right << std::setw(10) << "x" << std::setw(10) << "y" << std::setw(10) << "z" << "  " << std::left
            << std::setw(9) << "Wyckoff" << std::setw(15) << "site symmetry" << "orbit of\n";
  check_output_file(cmd.json_file, "--json");
  check_output_file(cmd.primitive_file, "--primitive");
  check_output_file(cmd.conventional_file, "--conventional");
  for (size_t i = 0; i < c.sites.size(); ++i) {
    const auto& a = c.sites[i];
    std::cout << std::right << std::setw(5) << i + 1 << "  " << std::left << std::setw(8) << a.label << std::setw(4)
              << molecules::element(a.Z).symbol << std::right << std::setprecision(5) << std::setw(10) << a.frac[0]
              << std::setw(10) << a.frac[1] << std::setw(10) << a.frac[2] << "  " << std::left << std::setw(9)
              << (std::to_string(s.multiplicity[i]) + s.wyckoff[i]) << std::setw(15) << s.site_symmetry[i]
              << s.equivalent_atoms[i] + 1 << "\n";
  }
  if (!cmd.json_file.empty()) {
    nlohmann::json j;
    j["name"] = c.name;
    j["source"] = c.source;
    j["cell_angstrom"] = {{"a", p[0]}, {"b", p[1]}, {"c", p[2]}, {"alpha", p[3]}, {"beta", p[4]}, {"gamma", p[5]}};
    j["volume_angstrom3"] = vol;
    j["formula"] = c.formula();
    j["symprec_angstrom"] = cmd.symprec_angstrom;
    j["space_group"] = {{"number", s.number},          {"international", s.international},
                        {"hall_number", s.hall_number}, {"hall_symbol", s.hall_symbol},
                        {"schoenflies", s.schoenflies}, {"point_group", s.point_group},
                        {"n_operations", s.operations.size()}};
    for (size_t i = 0; i < c.sites.size(); ++i)
      j["atoms"].push_back({{"label", c.sites[i].label},
                            {"symbol", molecules::element(c.sites[i].Z).symbol},
                            {"fractional", c.sites[i].frac},
                            {"wyckoff", std::to_string(s.multiplicity[i]) + s.wyckoff[i]},
                            {"site_symmetry", s.site_symmetry[i]},
                            {"equivalent_atom", s.equivalent_atoms[i] + 1}});
    j["primitive_atoms"] = s.primitive.sites.size();
    j["conventional_atoms"] = s.conventional.sites.size();
    write_text(cmd.json_file, j.dump(1) + "\n");
  }
  if (!cmd.primitive_file.empty()) write_text(cmd.primitive_file, molecules::write_poscar(s.primitive));
  if (!cmd.conventional_file.empty()) write_text(cmd.conventional_file, molecules::write_poscar(s.conventional));
  return exit_ok;
}

Command add_crystal_command(CLI::App& app) {
  auto c = std::make_shared<CrystalCommand>();
  auto* sub = app.add_subcommand("crystal", "space group, Wyckoff positions and site symmetries of a crystal (spglib)");
  sub->add_option("crystal", c->input, "CIF or POSCAR file, or a built-in crystal name");
  sub->add_flag("--list", c->list, "list the built-in crystals");
  sub->add_option("--symprec", c->symprec_angstrom, "symmetry tolerance, Angstrom")->capture_default_str()->check(real_in(0, 1, true));
  sub->add_option("--json", c->json_file, "write the symmetry report as JSON");
  sub->add_option("--primitive", c->primitive_file, "write spglib's primitive cell (POSCAR)");
  sub->add_option("--conventional", c->conventional_file, "write spglib's conventional standard cell (POSCAR)");
  return {sub, [c] { return crystal_command(*c); }};
}

}  // namespace cagescreen::workflows
