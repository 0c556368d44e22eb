#pragma once
#include <stdexcept>

namespace cagescreen::workflows {

/// Exit codes of the command line (docs/cli.md).
enum ExitCode : int {
  exit_ok = 0,
  exit_failure = 1,
  exit_bad_input = 2,
  exit_not_converged = 3,
  exit_out_of_memory = 4,  ///< run: over --memory-limit
  exit_campaign_failed = 5,  ///< screen: finished, but some candidates failed
  exit_validation_failed = 6  ///< validate: a quantity is outside its tolerance, or an entry failed
};

/// Thrown when an SCF (or an optimisation step's SCF) does not converge (exit code 3).
struct NotConverged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The `cagescreen` command line; returns the exit code.
int main_cli(int argc, char** argv);

}  // namespace cagescreen::workflows
