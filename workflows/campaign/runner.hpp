#pragma once
#include <string>

#include "workflows/campaign/manifest.hpp"

namespace cagescreen::workflows {

/// Options of `cagescreen screen`.
struct ScreenOptions {
  int jobs = 0;             ///< candidates at a time (0: one per core)
  int threads_per_job = 0;  ///< OpenMP threads each (0: cores shared among the running jobs)
  bool resume = false;      ///< continue the campaign in an existing store
  bool retry_failed = false;
  std::string output;       ///< overrides the manifest's output folder
  std::string program;      ///< the cagescreen executable the jobs run (default: this one)
  bool reports = true;      ///< write the campaign reports and print the ranking
  bool allow_mpi = true;    ///< under mpirun, spread the jobs over the ranks
};

/// Runs a campaign: every candidate of the manifest that is not already done at this level of theory
/// runs as its own `cagescreen run` process, with the manifest's memory and time caps; results
/// go to the store as they finish; then results.csv, results.json and report.html are written.
/// Returns 0 when every candidate is done, exit_campaign_failed when some failed.
int screen(const Manifest& manifest, const ScreenOptions& options);

/// The canonical text the input hash of a candidate is computed from.
std::string canonical_input(const Candidate& c, const Manifest& m);

}  // namespace cagescreen::workflows
