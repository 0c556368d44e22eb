#include "workflows/commands/cli.hpp"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <new>
#include <vector>

#include "workflows/commands/command.hpp"
#include "workflows/validators.hpp"
#include "workflows/qcschema.hpp"

namespace cagescreen::workflows {

namespace {

/// Runs a command, turning its errors into one line on standard error and the exit code.
int run_guarded(const Command& command) {
  try {
    return command.run();
  } catch (const InputError& e) {
    std::cerr << "cagescreen: error: " << e.what() << "\n";
    return exit_bad_input;
  } catch (const NotConverged& e) {
    std::cerr << "cagescreen: error: " << e.what() << "\n";
    return exit_not_converged;
  } catch (const Unstable& e) {
    std::cerr << "cagescreen: error: " << e.what() << "\n";
    return exit_unstable;
  } catch (const OutOfMemory& e) {
    std::cerr << "cagescreen: error: out of memory: " << e.what() << "\n";
    return exit_out_of_memory;
  } catch (const std::bad_alloc&) {
    std::cerr << "cagescreen: error: out of memory: a memory allocation failed\n";
    return exit_out_of_memory;
  } catch (const std::filesystem::filesystem_error& e) {  // a file or folder the checks could not foresee
    std::cerr << "cagescreen: error: " << in_quotes(e.path1().string(), 120) << ": " << e.code().message() << "\n";
    return exit_bad_input;
  } catch (const std::exception& e) {
    std::cerr << "cagescreen: internal error: " << e.what() << "\n";
    return exit_failure;
  }
}

}  // namespace

int main_cli(int argc, char** argv) {
  CLI::App app{"cagescreen: quantum-chemical screening of cage clusters"};
  app.set_version_flag("--version", version_string());
  app.require_subcommand(1);
  const std::vector<Command> commands = {
      add_run_command(app),      add_screen_command(app),   add_results_command(app),
      add_validate_command(app), add_crystal_command(app),  add_cluster_command(app),
      add_generate_command(app), add_optimize_command(app), add_species_command(app),
      add_basis_command(app),    add_functionals_command(app), add_solvents_command(app),
      add_redox_command(app)};
  // Every value-taking option refuses empty values and control characters; an unknown command
  // is named (CLI11 would only say that a subcommand is required).
  std::string names;
  bool known = false;
  for (auto* command : app.get_subcommands({})) {
    for (auto* option : command->get_options())
      if (option->get_expected_min() > 0 && option->get_type_size() != 0) option->check(plain_text());
    names += (names.empty() ? "" : ", ") + command->get_name();
    known = known || (argc > 1 && command->check_name(argv[1]));
  }
  if (argc > 1 && argv[1][0] != '-' && !known) {
    std::cerr << "cagescreen: error: unknown command " << in_quotes(argv[1]) << " (commands: " << names << "; try --help)\n";
    return exit_bad_input;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "cagescreen: error: " << e.what() << " (try --help)\n";
    return exit_bad_input;
  }
  for (const auto& command : commands)
    if (command.app->parsed()) return run_guarded(command);
  return exit_bad_input;  // unreachable: require_subcommand(1)
}

}  // namespace cagescreen::workflows
