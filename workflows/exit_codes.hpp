#pragma once

namespace cagescreen::workflows {

/// Exit codes of the command line (docs/cli.md); `screen` and `validate` return them too.
enum ExitCode : int {
  exit_ok = 0,
  exit_failure = 1,
  exit_bad_input = 2,         ///< InputError
  exit_not_converged = 3,     ///< NotConverged
  exit_out_of_memory = 4,     ///< OutOfMemory: run over --memory-limit
  exit_campaign_failed = 5,   ///< screen: finished, but some candidates failed
  exit_validation_failed = 6, ///< validate: a quantity is outside its tolerance, or an entry failed
  exit_unstable = 7           ///< Unstable: --stability follow did not reach a stable SCF state
};

}  // namespace cagescreen::workflows
