#pragma once
#include <string>
#include <vector>

namespace cagescreen::workflows {

/// `cagescreen generate`: cage derivatives from notations or by enumeration (docs/generator.md).
struct GenerateCommand {
  std::vector<std::string> inputs;        ///< cage names or derivative notations
  std::vector<std::string> substituents;  ///< enumerate with these; empty: build the inputs as given
  int min_count = 1, max_count = 1;       ///< groups per derivative when enumerating
  std::string sites = "all";              ///< all, boron or carbon
  std::string output;                     ///< folder for one XYZ file per derivative (optional)
  bool list_cages = false;
};

/// Prints one line per derivative (notation, formula, charge, IUPAC-like name) and writes the XYZ
/// files when `output` is set.
int generate_command(const GenerateCommand& command);

}  // namespace cagescreen::workflows
