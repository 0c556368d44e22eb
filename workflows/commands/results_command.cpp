// `cagescreen results`: print or export a campaign's results store.
#include <filesystem>
#include <iostream>
#include <memory>

#include "molecules/error.hpp"
#include "molecules/text.hpp"
#include "workflows/campaign/report.hpp"
#include "workflows/campaign/store.hpp"
#include "workflows/commands/command.hpp"
#include "workflows/exit_codes.hpp"

namespace cagescreen::workflows {

namespace {

/// `cagescreen results` options.
struct ResultsCommand {
  std::string folder;
  std::string format = "table";  ///< table, csv or json
  std::string where;             ///< SQL condition on the columns
  std::string level;             ///< only this level of theory
};

int results_command(const ResultsCommand& c) {
  const std::string fmt = lower(c.format);
  if (fmt != "table" && fmt != "csv" && fmt != "json")
    throw InputError("--format '" + c.format + "': use table, csv or json");
  const std::filesystem::path path = std::filesystem::is_directory(c.folder)
                                         ? std::filesystem::path(c.folder) / "results.sqlite"
                                         : std::filesystem::path(c.folder);
  const Store store(path, false, true);
  const auto rows = store.rows(c.level, c.where);
  if (fmt == "csv") std::cout << rows_csv(rows);
  else if (fmt == "json") std::cout << rows_json(rows).dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  else print_rows(std::cout, rows);
  return exit_ok;
}

}  // namespace

Command add_results_command(CLI::App& app) {
  auto c = std::make_shared<ResultsCommand>();
  auto* sub = app.add_subcommand("results", "print or export a campaign's results store");
  sub->add_option("folder", c->folder, "campaign output folder (or its results.sqlite)")->required();
  sub->add_option("--format", c->format, "table, csv or json")->capture_default_str();
  sub->add_option("--where", c->where, "SQL condition on the columns, e.g. \"status = 'done' AND gap_ev > 7\"");
  sub->add_option("--level", c->level, "only this level of theory (e.g. b3lyp/6-31g*/grid=default)");
  return {sub, [c] { return results_command(*c); }};
}

}  // namespace cagescreen::workflows
