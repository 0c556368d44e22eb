#pragma once
#include <filesystem>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "workflows/campaign/output_files.hpp"
#include "workflows/campaign/manifest.hpp"
#include "workflows/campaign/store.hpp"

namespace cagescreen::workflows {

/// Writes results.csv, results.json and report.html for the manifest's candidates at its level of
/// theory into `folder` (each written to a temporary file, then renamed).
void write_reports(const Manifest& m, const Store& store, const std::filesystem::path& folder);

/// The ranking table as text (stdout of `cagescreen screen`).
void print_ranking(std::ostream& out, const Manifest& m, const Store& store);

/// Fills the redox scalars of a candidate's row (ionization_energy_ev, ..., electrochemical_window_v)
/// from its own energy and those of its cation and anion rows at `level` (redox_level_key) when
/// they are done; returns the ion rows found (cation, anion).
std::pair<std::optional<ResultRow>, std::optional<ResultRow>> fill_redox_scalars(ResultRow& row, const Store& store,
                                                                                 const LevelOfTheory& level,
                                                                                 double she_absolute);

/// Rows as CSV (every column but result_json; RFC 4180 quoting).
std::string rows_csv(const std::vector<ResultRow>& rows);

/// Rows as a JSON array of objects (columns, plus the QCSchema result under "qcschema").
nlohmann::json rows_json(const std::vector<ResultRow>& rows);

/// Rows as an aligned text table (main columns).
void print_rows(std::ostream& out, const std::vector<ResultRow>& rows);

}  // namespace cagescreen::workflows
