// `cagescreen species`, `basis`, `functionals` and `solvents`: what is built in.
#include <iomanip>
#include <iostream>

#include "molecules/species.hpp"
#include "scf/basis.hpp"
#include "scf/solvation.hpp"
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

int list_solvents() {
  std::cout << "SMD solvent descriptors (Minnesota Solvent Descriptor Database; data/solvents/mnsol.tsv):\n"
            << "eps dielectric constant, n refractive index, alpha/beta Abraham H-bond acidity/basicity,\n"
            << "gamma surface tension cal/(mol A^2), phi aromatic and psi halogen fraction of heavy atoms\n";
  std::cout << std::left << std::setw(34) << "name" << std::setw(14) << "short" << std::right << std::fixed;
  for (const char* h : {"eps", "n", "alpha", "beta", "gamma", "phi", "psi"}) std::cout << std::setw(9) << h;
  std::cout << "\n";
  for (const auto& s : scf::solvents()) {
    std::cout << std::left << std::setw(34) << s.name << std::setw(14) << s.short_name << std::right
              << std::setprecision(4) << std::setw(9) << s.epsilon << std::setw(9) << s.n << std::setprecision(2)
              << std::setw(9) << s.alpha << std::setw(9) << s.beta << std::setw(9) << s.gamma << std::setw(9)
              << s.phi << std::setw(9) << s.psi << "\n";
  }
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

Command add_solvents_command(CLI::App& app) {
  return {app.add_subcommand("solvents", "list the solvents of --solvent with their SMD descriptors"), list_solvents};
}

Command add_functionals_command(CLI::App& app) {
  return {app.add_subcommand("functionals", "list the exchange-correlation functionals"), list_functionals};
}

}  // namespace cagescreen::workflows
