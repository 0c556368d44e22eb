// `cagescreen screen` (a campaign from a TOML manifest) and `cagescreen results` (its store).
#include <filesystem>
#include <iostream>
#include <memory>

#include "molecules/error.hpp"
#include "molecules/text.hpp"
#include "workflows/campaign/manifest.hpp"
#include "workflows/campaign/report.hpp"
#include "workflows/campaign/runner.hpp"
#include "workflows/campaign/store.hpp"
#include "workflows/commands/command.hpp"
#include "workflows/exit_codes.hpp"

namespace cagescreen::workflows {

namespace {

/// `cagescreen screen` options: the manifest and how to run it.
struct ScreenCommand {
  std::string manifest;
  ScreenOptions options;
};

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

Command add_screen_command(CLI::App& app) {
  auto c = std::make_shared<ScreenCommand>();
  auto* sub = app.add_subcommand("screen", "run a screening campaign from a TOML manifest (docs/campaigns.md)");
  sub->add_option("manifest", c->manifest, "campaign manifest (TOML)")->required();
  sub->add_option("--jobs", c->options.jobs, "candidates at a time (0: one per core)")->capture_default_str();
  sub->add_option("--threads-per-job", c->options.threads_per_job,
                  "OpenMP threads per candidate (0: the cores shared among running jobs)")
      ->capture_default_str();
  sub->add_flag("--resume", c->options.resume, "continue: skip candidates already done with the same inputs");
  sub->add_flag("--retry-failed", c->options.retry_failed, "with --resume: run failed candidates again");
  sub->add_option("--output", c->options.output, "output folder (overrides the manifest's 'output')");
  return {sub, [c] { return screen(read_manifest(c->manifest), c->options); }};
}

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
