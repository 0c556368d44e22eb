// `cagescreen validate`: reproduce a reference set of published values (docs/validation.md).
#include <memory>

#include "molecules/text.hpp"
#include "workflows/campaign/validate.hpp"
#include "workflows/commands/command.hpp"
#include "workflows/validators.hpp"

namespace cagescreen::workflows {

namespace {

/// `cagescreen validate` options: the set and the overrides of its level.
struct ValidateCommand {
  std::string set;
  ValidateOptions options;
};

int validate_command(ValidateCommand c) {
  for (auto* s : {&c.options.method, &c.options.basis, &c.options.grid}) *s = lower(*s);
  return validate(load_reference_set(c.set), c.options);
}

}  // namespace

Command add_validate_command(CLI::App& app) {
  auto c = std::make_shared<ValidateCommand>();
  auto& o = c->options;
  auto* sub = app.add_subcommand("validate", "reproduce a reference set of published values (docs/validation.md)");
  sub->add_option("set", c->set, "a shipped set (qm9-sample, freesolv-sample, seed-paper, psi4-crosscheck) or a folder")->required();
  sub->add_option("--method", o.method, "run at this method instead of the set's own (not like for like)");
  sub->add_option("--basis", o.basis, "run with this basis set instead of the set's own");
  sub->add_option("--grid", o.grid, "run on this DFT grid instead of the set's own");
  sub->add_option("--jobs", o.jobs, "molecules at a time (0: one per core)")->capture_default_str()->check(integer_in(0, 1024));
  sub->add_option("--threads-per-job", o.threads_per_job, "OpenMP threads per molecule (0: shared)")
      ->check(integer_in(0, 1024))
      ->capture_default_str();
  sub->add_option("--output", o.output, "output folder (default: validation/SET)");
  return {sub, [c] { return validate_command(*c); }};
}

}  // namespace cagescreen::workflows
