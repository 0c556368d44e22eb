#pragma once
// A subcommand of `cagescreen`: its CLI11 parser and what runs when it was given. Each command
// lives in its own file with its own options struct (run_command.cpp: RunOptions, ...); main_cli
// (cli.cpp) registers them, parses, runs the one given and turns its errors into exit codes.
#include <CLI/CLI.hpp>
#include <functional>

namespace cagescreen::workflows {

struct Command {
  CLI::App* app = nullptr;   ///< the subcommand's parser (owned by the top-level CLI::App)
  std::function<int()> run;  ///< runs it with the parsed options; returns the exit code
};

Command add_run_command(CLI::App& app);
Command add_screen_command(CLI::App& app);
Command add_results_command(CLI::App& app);
Command add_validate_command(CLI::App& app);
Command add_crystal_command(CLI::App& app);
Command add_cluster_command(CLI::App& app);
Command add_generate_command(CLI::App& app);
Command add_optimize_command(CLI::App& app);
Command add_species_command(CLI::App& app);
Command add_basis_command(CLI::App& app);
Command add_functionals_command(CLI::App& app);
Command add_solvents_command(CLI::App& app);
Command add_redox_command(CLI::App& app);

}  // namespace cagescreen::workflows
