#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "workflows/campaign/manifest.hpp"

namespace cagescreen::workflows {

/// Tolerances of one quantity: the mean absolute and the largest absolute error allowed.
struct Tolerance {
  std::optional<double> mae, max;
};

/// One molecule of a reference set with its published values.
struct ReferenceEntry {
  Candidate candidate;                   ///< geometry, charge, multiplicity (or a bad-input error)
  std::map<std::string, double> values;  ///< quantity -> published value
  std::vector<double> mulliken;          ///< published Mulliken charges (empty if none)
  std::optional<LevelOfTheory> level;    ///< when the entry has its own level of theory
  int line = 0;                          ///< of the entry in reference.toml (0 for QM9 files)
};

/// A reference set: a folder with published values (docs/validation.md). Two layouts: a folder of
/// QM9-format .xyz files (recognised by their property line; level B3LYP/6-31G(2df,p)), or a
/// reference.toml listing entries and values. reference.toml may also just describe a QM9 folder.
struct ReferenceSet {
  std::string name, description, citation, program, conventions;
  std::filesystem::path folder;
  std::string layout;   ///< "qm9" or "table"
  LevelOfTheory level;  ///< the set's own level of theory
  std::vector<ReferenceEntry> entries;
  std::map<std::string, Tolerance> tolerances;
  /// Levels to scan when the published level is unknown (method x basis).
  std::vector<std::string> scan_methods, scan_basis;
  /// "method/basis" pairs of the product left out (each documented in the set's README).
  std::vector<std::string> scan_skip;
};

/// Loads a shipped set by name (data/reference/NAME) or a folder. Throws InputError naming the
/// file and line for malformed files.
ReferenceSet load_reference_set(const std::string& name_or_folder);

/// Parses a reference.toml given as text (load_reference_set reads the file and calls this): `file`
/// names it in messages, and its folder anchors relative `file` entries and holds the QM9 files of
/// layout "qm9". Throws InputError like load_reference_set.
ReferenceSet parse_reference_toml(const std::string& text, const std::filesystem::path& file);

/// Parses one QM9-format file given as text (`file` names it in messages; its stem is the label).
ReferenceEntry parse_qm9_entry(const std::string& text, const std::filesystem::path& file);

/// Options of `cagescreen validate`.
struct ValidateOptions {
  std::string method, basis, grid;  ///< overrides of the set's level (empty: the set's)
  int jobs = 0, threads_per_job = 0;
  std::string output;               ///< default: validation/SET
  std::string program;              ///< the cagescreen executable the jobs run
};

/// Runs every entry (reusing what the output folder's store already holds), prints per-quantity
/// statistics, writes validation.json and validation.html; returns 0 only when every quantity with a
/// tolerance passes.
int validate(const ReferenceSet& set, const ValidateOptions& options);

}  // namespace cagescreen::workflows
