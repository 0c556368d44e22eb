// `cagescreen screen`: a campaign from a TOML manifest (docs/campaigns.md).
#include <memory>

#include "workflows/campaign/manifest.hpp"
#include "workflows/campaign/runner.hpp"
#include "workflows/commands/command.hpp"
#include "workflows/validators.hpp"

namespace cagescreen::workflows {

namespace {

/// `cagescreen screen` options: the manifest and how to run it.
struct ScreenCommand {
  std::string manifest;
  ScreenOptions options;
};

}  // namespace

Command add_screen_command(CLI::App& app) {
  auto c = std::make_shared<ScreenCommand>();
  auto* sub = app.add_subcommand("screen", "run a screening campaign from a TOML manifest (docs/campaigns.md)");
  sub->add_option("manifest", c->manifest, "campaign manifest (TOML)")->required();
  sub->add_option("--jobs", c->options.jobs, "candidates at a time (0: one per core)")->capture_default_str()->check(integer_in(0, 1024));
  sub->add_option("--threads-per-job", c->options.threads_per_job,
                  "OpenMP threads per candidate (0: the cores shared among running jobs)")
      ->capture_default_str()
      ->check(integer_in(0, 1024));
  sub->add_flag("--resume", c->options.resume, "continue: skip candidates already done with the same inputs");
  sub->add_flag("--retry-failed", c->options.retry_failed, "with --resume: run failed candidates again");
  sub->add_option("--output", c->options.output, "output folder (overrides the manifest's 'output')");
  return {sub, [c] { return screen(read_manifest(c->manifest), c->options); }};
}

}  // namespace cagescreen::workflows
