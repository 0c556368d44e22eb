#pragma once
// The resident memory of a process, from Linux's /proc (the run's --memory-limit check and the
// campaign's per-job memory cap).
#include <sys/types.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace cagescreen::workflows {

/// Resident set size of process `pid` (0: this process) in MiB; 0 when it is gone.
inline double resident_mib(pid_t pid = 0) {
  std::ifstream in(pid == 0 ? std::string("/proc/self/statm") : "/proc/" + std::to_string(pid) + "/statm");
  long pages = 0, resident = 0;
  if (!(in >> pages >> resident)) return 0.0;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

}  // namespace cagescreen::workflows
