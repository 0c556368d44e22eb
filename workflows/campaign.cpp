#include "workflows/campaign.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "molecules/error.hpp"
#include "molecules/units.hpp"
#include "workflows/cli.hpp"
#include "workflows/qcschema.hpp"
#include "workflows/report.hpp"
#include "workflows/scalars.hpp"
#include "workflows/store.hpp"

namespace cagescreen::workflows {

namespace fs = std::filesystem;

std::string canonical_input(const Candidate& c, const Manifest& m) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(10);
  for (const auto& a : c.molecule.atoms) s << a.Z << ' ' << a.r[0] << ' ' << a.r[1] << ' ' << a.r[2] << '\n';
  s << "charge " << c.molecule.charge << " multiplicity " << c.molecule.multiplicity << '\n';
  const auto& l = m.level;
  s << "level " << l.key() << " max_iterations " << l.max_iterations << std::scientific << " e_convergence "
    << l.e_convergence << " d_convergence " << l.d_convergence << '\n';
  if (c.max_iterations) s << "candidate max_iterations " << *c.max_iterations << '\n';
  s << "descriptors " << m.descriptors << '\n' << "cagescreen " << program_version() << '\n';
  return s.str();
}

namespace {

using Clock = std::chrono::steady_clock;

/// A file-system-safe name for a label (logs and work files).
std::string safe_name(const std::string& label, std::size_t index) {
  std::string s;
  for (char ch : label) s += std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.' ? ch : '_';
  if (s.size() > 60) s.resize(60);
  return std::to_string(index + 1) + "-" + s;
}

/// Rough cost of a candidate (for largest-first scheduling): (basis-size proxy)^3.
double cost_estimate(const molecules::Molecule& mol) {
  double n = 0;
  for (const auto& a : mol.atoms) n += a.Z <= 2 ? 2 : a.Z <= 10 ? 9 : a.Z <= 18 ? 13 : 25;
  return n * n * n;
}

/// Resident set size of a process in MiB (0 when it is gone).
double rss_mib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/statm");
  long pages = 0, resident = 0;
  if (!(in >> pages >> resident)) return 0.0;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

/// The last error line a `cagescreen run` wrote to its log, without the prefix.
std::string error_from_log(const fs::path& log) {
  std::ifstream in(log);
  std::string line, found;
  while (std::getline(in, line)) {
    for (const char* prefix : {"cagescreen: error: ", "cagescreen: internal error: "})
      if (line.rfind(prefix, 0) == 0) found = line.substr(std::string(prefix).size());
    if (found.empty() && line.find("terminate called") != std::string::npos) found = line;
  }
  return found;
}

std::string format_duration(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

struct Running {
  std::size_t index = 0;
  pid_t pid = 0;
  int threads = 1, ladder = 0;
  Clock::time_point start;
  fs::path log, result;
  double memory_cap = 0, time_cap = 0;
  double peak_rss = 0;
  std::string killed_for;  ///< set when the campaign killed it: "memory" or "time"
};

class Runner {
 public:
  Runner(const Manifest& m, const ScreenOptions& opt, Store& store, fs::path out)
      : m_(m), opt_(opt), store_(store), out_(std::move(out)), level_(m.level.key()) {
    cores_ = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    program_ = opt.program;
    if (program_.empty()) {
      char buf[4096];
      const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
      if (n <= 0) throw std::runtime_error("cannot find the cagescreen executable (/proc/self/exe)");
      program_.assign(buf, static_cast<std::size_t>(n));
    }
    tty_ = isatty(STDERR_FILENO);
  }

  /// Decides what to run; records bad inputs at once.
  void plan() {
    if (opt_.resume) {
      if (const int n = store_.reset_running())
        std::cerr << "screen: " << n << " calculation(s) interrupted earlier will run again\n";
    }
    total_ = m_.candidates.size();
    for (std::size_t i = 0; i < m_.candidates.size(); ++i) {
      const Candidate& c = m_.candidates[i];
      ResultRow row;
      row.candidate = c.label;
      row.level = level_;
      row.source = c.source;
      row.input_hash = input_hash(c.error.empty() ? canonical_input(c, m_) : "bad input\n" + c.source + "\n" + c.error);
      if (c.error.empty()) {
        row.formula = c.molecule.formula();
        row.charge = c.molecule.charge;
        row.multiplicity = c.molecule.multiplicity;
        row.n_atoms = static_cast<int>(c.molecule.atoms.size());
      }
      const auto existing = store_.find(c.label, level_);
      const bool same = existing && existing->input_hash == row.input_hash;
      if (existing && same && existing->status == "done") {
        ++done_;
        continue;
      }
      if (existing && same && existing->status == "failed" && !opt_.retry_failed) {
        ++failed_;
        std::cerr << "screen: " << c.label << " failed before (" << existing->failure_class
                  << "); skipped (--retry-failed runs it again)\n";
        continue;
      }
      if (existing && existing->status == "done")
        std::cerr << "screen: " << c.label << ": its input changed since it was computed; computing it again\n";
      store_.set_pending(row);
      if (!c.error.empty()) {
        store_.set_failed(c.label, level_, FailureClass::BadInput, c.error, 0.0);
        ++failed_;
        log_finished(c.label, "failed", std::string("bad_input: ") + c.error);
        continue;
      }
      queue_.push_back({i, 0});
    }
    std::stable_sort(queue_.begin(), queue_.end(), [&](const auto& a, const auto& b) {
      return cost_estimate(m_.candidates[a.first].molecule) > cost_estimate(m_.candidates[b.first].molecule);
    });
    jobs_ = opt_.jobs > 0 ? opt_.jobs : cores_;
  }

  void run() {
    start_ = Clock::now();
    if (!queue_.empty())
      std::cerr << "screen: " << queue_.size() << " to run (" << done_ << " done, " << failed_ << " failed); " << std::min<std::size_t>(jobs_, queue_.size()) << " at a time on " << cores_
                << " cores\n";
    while (!queue_.empty() || !running_.empty()) {
      while (static_cast<int>(running_.size()) < jobs_ && !queue_.empty()) {
        const auto [index, ladder] = queue_.front();
        queue_.erase(queue_.begin());
        launch(index, ladder);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      reap();
      watch();
      progress(false);
    }
    if (tty_) std::cerr << "\r\033[K";
  }

  std::size_t done() const { return done_; }
  std::size_t failed() const { return failed_; }

 private:
  void launch(std::size_t index, int ladder) {
    const Candidate& c = m_.candidates[index];
    int threads = opt_.threads_per_job;
    if (threads <= 0) {
      int busy = 0;
      for (const auto& r : running_) busy += r.threads;
      const int slots = static_cast<int>(std::min<std::size_t>(jobs_ - running_.size(), queue_.size() + 1));
      threads = std::max(1, (cores_ - busy) / std::max(1, slots));
    }
    Running r;
    r.index = index;
    r.threads = threads;
    r.ladder = ladder;
    r.memory_cap = c.memory_mib.value_or(m_.memory_mib);
    r.time_cap = 60.0 * c.time_minutes.value_or(m_.time_minutes);
    const std::string base = safe_name(c.label, index);
    const fs::path input = out_ / "work" / (base + ".molecule.json");
    r.result = out_ / "work" / (base + ".result.json");
    r.log = out_ / "logs" / (base + ".log");
    {
      std::ofstream f(input);
      f << qcschema_molecule(c.molecule).dump(1) << "\n";
      if (!f) throw std::runtime_error(input.string() + ": cannot write");
    }
    fs::remove(r.result);
    const auto& l = m_.level;
    auto num = [](double v) {
      std::ostringstream s;
      s << std::setprecision(17) << v;
      return s.str();
    };
    // The in-core integral budget leaves room for the program and its working set under the cap.
    const double budget = std::max(0.0, 0.75 * r.memory_cap - 128.0);
    std::vector<std::string> args = {program_, "run", input.string(), "--method", l.method, "--basis", l.basis,
                                     "--grid", l.grid, "--reference", l.reference, "--shell-type", l.shell_type,
                                     "--descriptors", m_.descriptors, "--threads", std::to_string(threads),
                                     "--json", r.result.string(), "--memory", num(budget), "--memory-limit",
                                     num(r.memory_cap), "--max-iterations", std::to_string(c.max_iterations.value_or(l.max_iterations)),
                                     "--e-convergence", num(l.e_convergence), "--d-convergence",
                                     num(l.d_convergence), "--scf-ladder", std::to_string(ladder)};
    store_.set_running(c.label, level_, threads);
    std::ofstream(r.log, std::ios::app) << "=== " << utc_now() << " attempt at " << level_
                                        << (ladder ? " (level-shift ladder)" : "") << "\n";
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
    if (pid == 0) {
      // The job dies with the campaign, so a killed campaign leaves no orphans.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      const int fd = open(r.log.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
      const int null = open("/dev/null", O_RDONLY);
      if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
      }
      if (null >= 0) dup2(null, STDIN_FILENO);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(program_.c_str(), argv.data());
      _exit(127);
    }
    r.pid = pid;
    r.start = Clock::now();
    running_.push_back(r);
  }

  void reap() {
    for (;;) {
      int status = 0;
      const pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) return;
      auto it = std::find_if(running_.begin(), running_.end(), [&](const Running& r) { return r.pid == pid; });
      if (it == running_.end()) continue;
      Running r = *it;
      running_.erase(it);
      finish(r, status);
    }
  }

  /// Enforces the memory and time caps.
  void watch() {
    for (auto& r : running_) {
      if (!r.killed_for.empty()) continue;
      const double rss = rss_mib(r.pid);
      r.peak_rss = std::max(r.peak_rss, rss);
      const double elapsed = std::chrono::duration<double>(Clock::now() - r.start).count();
      if (rss > r.memory_cap) r.killed_for = "memory";
      else if (elapsed > r.time_cap) r.killed_for = "time";
      if (!r.killed_for.empty()) kill(r.pid, SIGKILL);
    }
  }

  void finish(const Running& r, int status) {
    const Candidate& c = m_.candidates[r.index];
    const double wall = std::chrono::duration<double>(Clock::now() - r.start).count();
    std::ostringstream msg;
    msg << std::fixed << std::setprecision(0);
    auto fail = [&](FailureClass cls, const std::string& message) {
      store_.set_failed(c.label, level_, cls, message, wall);
      ++failed_;
      log_finished(c.label, "failed", std::string(to_string(cls)) + ": " + message, wall);
    };
    if (r.killed_for == "memory") {
      msg << "resident memory reached " << r.peak_rss << " MiB, over the cap of " << r.memory_cap
          << " MiB (limits.memory_mib)";
      return fail(FailureClass::OutOfMemory, msg.str());
    }
    if (r.killed_for == "time") {
      msg << "still running after " << wall << " s, over the cap of " << r.time_cap << " s (limits.time_minutes)";
      return fail(FailureClass::TimeLimit, msg.str());
    }
    if (WIFSIGNALED(status)) {
      msg << "the calculation was killed by signal " << WTERMSIG(status) << " (" << strsignal(WTERMSIG(status))
          << "); see " << r.log.string();
      return fail(FailureClass::Internal, msg.str());
    }
    const int code = WEXITSTATUS(status);
    std::string error = error_from_log(r.log);
    if (error.empty()) error = "exit code " + std::to_string(code) + "; see " + r.log.string();
    if (code == exit_not_converged && r.ladder == 0) {
      std::cerr << "screen: " << c.label << ": SCF not converged; retrying once with the level-shift ladder\n";
      queue_.insert(queue_.begin(), {r.index, 2});
      return;
    }
    if (code == exit_bad_input) return fail(FailureClass::BadInput, error);
    if (code == exit_not_converged) return fail(FailureClass::NotConverged, error);
    if (code == exit_out_of_memory) return fail(FailureClass::OutOfMemory, error);
    if (code != 0) return fail(FailureClass::Internal, error);
    nlohmann::json result;
    std::string text;
    try {
      std::ifstream in(r.result);
      std::stringstream ss;
      ss << in.rdbuf();
      text = ss.str();
      result = nlohmann::json::parse(text);
    } catch (const std::exception& e) {
      return fail(FailureClass::Internal, r.result.string() + ": unreadable result (" + e.what() + ")");
    }
    const auto scalars = extract_scalars(result);
    store_.set_done(c.label, level_, wall, scalars, text);
    fs::remove(r.result);
    ++done_;
    ++finished_now_;
    busy_seconds_ += wall * r.threads;
    std::ostringstream line;
    line << std::fixed << std::setprecision(2);
    const auto& list = scalar_descriptors();
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string name = list[i].name;
      if (scalars[i] && (name == "gap_ev" || name == "vs_max_kcal" || name == "dipole_debye"))
        line << name << " " << *scalars[i] << "  ";
    }
    log_finished(c.label, "done", line.str(), wall);
  }

  void log_finished(const std::string& label, const char* what, const std::string& detail, double wall = 0) {
    if (tty_) std::cerr << "\r\033[K";
    std::cerr << "screen: " << std::left << std::setw(7) << what << std::setw(18) << label << std::right;
    if (wall > 0) std::cerr << std::fixed << std::setprecision(1) << std::setw(8) << wall << " s  ";
    std::cerr << detail << "\n";
    progress(true);
  }

  void progress(bool force) {
    const auto now = Clock::now();
    if (!force && (!tty_ || now - last_progress_ < std::chrono::seconds(1))) return;
    last_progress_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const std::size_t left = queue_.size() + running_.size();
    std::ostringstream s;
    s << "screen: " << done_ << "/" << total_ << " done, " << failed_ << " failed, " << running_.size()
      << " running | " << format_duration(elapsed) << " elapsed";
    if (finished_now_ > 0 && left > 0)
      s << ", ETA " << format_duration(busy_seconds_ / finished_now_ * static_cast<double>(left) / cores_);
    if (tty_) std::cerr << "\r\033[K" << s.str() << std::flush;
    else std::cerr << s.str() << "\n";
  }

  const Manifest& m_;
  const ScreenOptions& opt_;
  Store& store_;
  fs::path out_;
  std::string level_, program_;
  int cores_ = 1, jobs_ = 1;
  bool tty_ = false;
  std::vector<std::pair<std::size_t, int>> queue_;  // (candidate, ladder stage)
  std::vector<Running> running_;
  std::size_t total_ = 0, done_ = 0, failed_ = 0, finished_now_ = 0;
  double busy_seconds_ = 0;
  Clock::time_point start_ = Clock::now(), last_progress_{};
};

}  // namespace

int screen(const Manifest& manifest, const ScreenOptions& opt) {
  if (opt.jobs < 0 || opt.jobs > 4096) throw InputError("--jobs must be between 1 and 4096");
  if (opt.threads_per_job < 0 || opt.threads_per_job > 1024)
    throw InputError("--threads-per-job must be between 1 and 1024");
  if (opt.retry_failed && !opt.resume) throw InputError("--retry-failed continues a campaign: use it with --resume");
  const fs::path out = opt.output.empty() ? manifest.output : fs::absolute(opt.output);
  fs::create_directories(out / "logs");
  fs::create_directories(out / "work");
  Store store(out / "results.sqlite", true);
  if (!opt.resume && store.count() > 0)
    throw InputError((out / "results.sqlite").string() + " already holds " + std::to_string(store.count()) +
                     " results: pass --resume to continue this campaign, or choose another output folder");
  std::cerr << "screen: campaign '" << manifest.name << "', " << manifest.candidates.size() << " candidates at "
            << manifest.level.key() << ", results in " << out.string() << "\n";
  Runner runner(manifest, opt, store, out);
  runner.plan();
  runner.run();
  write_reports(manifest, store, out);
  std::cerr << "screen: " << runner.done() << " done, " << runner.failed() << " failed; wrote "
            << (out / "report.html").string() << ", results.csv, results.json\n";
  print_ranking(std::cout, manifest, store);
  return runner.failed() > 0 ? exit_campaign_failed : exit_ok;
}

}  // namespace cagescreen::workflows
