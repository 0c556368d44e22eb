#include "workflows/commands/generate_command.hpp"

#include <memory>
#include <tuple>

#include "workflows/commands/command.hpp"
#include "workflows/output_paths.hpp"

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>

#include "molecules/error.hpp"
#include "molecules/generator.hpp"
#include "molecules/io.hpp"
#include "molecules/text.hpp"

namespace cagescreen::workflows {

namespace fs = std::filesystem;

namespace {

/// File name of a derivative: the notation with ':' and '(' ')' replaced ("o-carborane_9,12-F2").
std::string file_name(const std::string& notation) {
  return safe_file_name(notation, "-,") + ".xyz";
}

}  // namespace

int generate_command(const GenerateCommand& command) {
  using namespace molecules;
  if (command.list_cages) {
    std::cout << std::left << std::setw(14) << "cage" << std::setw(10) << "vertices" << std::setw(8) << "charge"
              << std::setw(10) << "symmetry" << std::setw(38) << "parent name" << "geometry\n";
    for (const auto& c : cage_templates())
      std::cout << std::left << std::setw(14) << c.name << std::setw(10) << c.size() << std::setw(8) << c.charge
                << std::setw(10) << c.symmetry.size() << std::setw(38) << c.parent << c.geometry << "\n";
    return 0;
  }
  if (command.inputs.empty()) throw InputError("generate: give a cage or a derivative (or --cages to list the cages)");
  const auto sites = parse_sites(command.sites);
  if (!sites) throw InputError("--sites '" + command.sites + "': use all, boron or carbon");
  if (command.min_count < 0 || command.max_count < command.min_count)
    throw InputError("--count: need 0 <= min <= max (got " + std::to_string(command.min_count) + " to " +
                     std::to_string(command.max_count) + ")");
  std::vector<Derivative> list;
  for (const auto& in : command.inputs) {
    const Derivative d = parse_derivative(in);
    if (command.substituents.empty()) {
      list.push_back(d);
      continue;
    }
    if (!d.groups.empty())
      throw InputError("'" + in + "': enumeration (--substituents) starts from a bare cage, not a derivative");
    const auto all = enumerate_derivatives(*find_cage(d.cage), command.substituents, command.min_count,
                                           command.max_count, *sites);
    if (all.empty())
      throw InputError("'" + in + "': no derivative with " + std::to_string(command.min_count) + "-" +
                       std::to_string(command.max_count) + " groups from the given substituents on " +
                       lower(command.sites) + " sites (H only substitutes nothing)");
    std::cerr << "# " << all.size() << " symmetry-distinct derivatives of " << d.cage << " with "
              << command.min_count << "-" << command.max_count << " groups on " << lower(command.sites) << " sites\n";
    list.insert(list.end(), all.begin(), all.end());
  }
  check_output_folder(command.output, "--output");
  if (!command.output.empty()) fs::create_directories(command.output);
  for (const auto& d : list) {
    const Molecule mol = build_derivative(d);
    std::cout << std::left << std::setw(34) << d.notation() << " " << std::setw(12) << mol.formula() << " "
              << std::setw(3) << mol.charge << " " << d.iupac_name() << "\n";
    if (!command.output.empty()) {
      const fs::path path = fs::path(command.output) / file_name(d.notation());
      std::ofstream out(path);
      write_xyz(mol, out);
      if (!out) throw InputError(path.string() + ": cannot write");
    }
  }
  return 0;
}

Command add_generate_command(CLI::App& app) {
  auto c = std::make_shared<GenerateCommand>();
  auto count = std::make_shared<std::string>("1");
  auto* sub = app.add_subcommand(
      "generate", "cage derivatives from a notation (o-carborane:9,12-F2) or all symmetry-distinct ones (docs/generator.md)");
  sub->add_option("input", c->inputs, "cages or derivatives, e.g. o-carborane or m-carborane:1-CH3");
  sub->add_option("--substituents,-s", c->substituents,
                  "enumerate derivatives with these groups (comma-separated: F,Cl,Br,CH3,CF3,OH,NH2,CN,SH,C6H5)")
      ->delimiter(',');
  sub->add_option("--count", *count, "groups per derivative when enumerating: N or MIN-MAX, each 0..99 (at most the cage's vertices are used)")->capture_default_str();
  sub->add_option("--sites", c->sites, "vertices to substitute: all, boron or carbon")->capture_default_str();
  sub->add_option("--output,-o", c->output, "folder for one XYZ file per derivative");
  sub->add_flag("--cages", c->list_cages, "list the cage templates");
  return {sub, [c, count] {
            const auto range = molecules::parse_count_range(*count);
            if (!range) throw InputError("--count '" + *count + "': use N or MIN-MAX, e.g. 1-2");
            std::tie(c->min_count, c->max_count) = *range;
            return generate_command(*c);
          }};
}

}  // namespace cagescreen::workflows
