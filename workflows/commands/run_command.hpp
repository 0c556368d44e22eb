#pragma once
#include <optional>
#include <string>

#include "scf/tolerances.hpp"
#include "workflows/level.hpp"

namespace cagescreen::workflows {

/// `cagescreen run`: the SCF of one molecule and its descriptors (docs/cli.md).
struct RunOptions {
  std::string input;
  /// Method, basis, grid, reference, shell type, integrals, convergence, --preopt (as `optimize`).
  LevelOfTheory level = [] {
    LevelOfTheory l;
    l.method = "hf";
    return l;
  }();
  std::string guess = "sad";
  std::optional<int> charge, multiplicity;
  int threads = 0;
  std::string json_file;
  std::string molden_file;
  std::string cube_list;        ///< comma-separated: density, esp, homo, lumo, or a 1-based orbital number
  double cube_spacing = 0.2;    ///< Angstrom
  double cube_padding = 4.0;    ///< Angstrom
  std::string cube_prefix;      ///< default: the molecule's name
  std::string descriptors = "charges,frontier,dipole";
  bool surface = false;         ///< adds "surface" to the descriptors
  double surface_spacing = 0.25;  ///< Bohr
  double memory_mib = scf::defaults::memory_mib;
  double memory_limit_mib = 0;  ///< 0: none
  int scf_ladder = 0;
  bool allow_unconverged = false;
  bool no_gas_phase = false;    ///< in a solvent, no gas-phase SCF first (no dG_solv; campaigns' redox ions)
  bool dry_run = false;
  bool quiet = false;
};

/// Runs the SCF, computes the descriptor set, writes the requested files and prints the summary.
/// Writes a QCSchema failure record to `json_file` when it fails. Returns the exit code.
int run_command(const RunOptions& options);

}  // namespace cagescreen::workflows
