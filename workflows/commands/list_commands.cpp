// `cagescreen species`, `basis` and `functionals`: what is built in.
#include <iomanip>
#include <iostream>

#include "molecules/species.hpp"
#include "scf/basis.hpp"
#include "scf/xc.hpp"
#include "workflows/commands/command.hpp"
#include "workflows/exit_codes.hpp"

namespace cagescreen::workflows {

namespace {

int list_species() {
  std::cout << std::left << std::setw(14) << "name" << std::setw(12) << "formula" << std::setw(8) << "charge"
            << std::setw(14) << "multiplicity"
            << "description\n";
  for (const auto& s : molecules::builtin_species()) {
    const auto mol = molecules::load_species(s);
    std::cout << std::left << std::setw(14) << s.name << std::setw(12) << mol.formula() << std::setw(8) << mol.charge
              << std::setw(14) << mol.multiplicity << s.description << "\n";
  }
  return exit_ok;
}

int list_functionals() {
  for (const auto& [name, description] : scf::Functional::builtin())
    std::cout << std::left << std::setw(12) << name << description << "\n";
  return exit_ok;
}

int list_basis_sets() {
  for (const auto& n : scf::available_basis_sets()) std::cout << n << "\n";
  return exit_ok;
}

}  // namespace

Command add_species_command(CLI::App& app) {
  return {app.add_subcommand("species", "list the built-in species"), list_species};
}

Command add_basis_command(CLI::App& app) {
  return {app.add_subcommand("basis", "list the shipped basis sets"), list_basis_sets};
}

Command add_functionals_command(CLI::App& app) {
  return {app.add_subcommand("functionals", "list the exchange-correlation functionals"), list_functionals};
}

}  // namespace cagescreen::workflows
