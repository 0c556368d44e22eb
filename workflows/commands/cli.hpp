#pragma once
#include "molecules/error.hpp"
#include "workflows/exit_codes.hpp"

namespace cagescreen::workflows {

/// The `cagescreen` command line; returns the exit code (ExitCode).
int main_cli(int argc, char** argv);

}  // namespace cagescreen::workflows
