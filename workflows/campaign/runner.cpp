#include "workflows/campaign/runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <memory>
#include <thread>

#ifdef CAGESCREEN_WITH_MPI
#include <mpi.h>
#endif

#include "molecules/error.hpp"
#include "molecules/text.hpp"
#include "molecules/units.hpp"
#include "molecules/parse.hpp"
#include "workflows/exit_codes.hpp"
#include "workflows/output_paths.hpp"
#include "workflows/qcschema.hpp"
#include "workflows/campaign/report.hpp"
#include "workflows/scalars.hpp"
#include "workflows/campaign/store.hpp"
#include "workflows/process.hpp"
#include "workflows/redox.hpp"

namespace cagescreen::workflows {

namespace fs = std::filesystem;

std::string canonical_input(const Candidate& c, const Manifest& m) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(10);
  for (const auto& a : c.molecule.atoms) {
    s << a.Z << ' ' << a.r[0] << ' ' << a.r[1] << ' ' << a.r[2];
    if (a.nuclear_charge) s << " nuclear_charge " << *a.nuclear_charge;  // pseudo-atoms only: old hashes stay
    s << '\n';
  }
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
  std::string s = safe_file_name(label, "-.");
  if (s.size() > 60) s.resize(60);
  return std::to_string(index + 1) + "-" + s;
}

/// Rough cost of a candidate (for largest-first scheduling): (basis-size proxy)^3.
double cost_estimate(const molecules::Molecule& mol) {
  double n = 0;
  for (const auto& a : mol.atoms) n += a.Z <= 2 ? 2 : a.Z <= 10 ? 9 : a.Z <= 18 ? 13 : 25;
  return n * n * n;
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

int core_count() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

/// A job: a candidate (or, in the redox group, its cation or anion) and the convergence-ladder
/// stage to start from.
struct Job {
  std::size_t index = 0;
  int ladder = 0;
  int ion = 0;  ///< 0 the candidate, +1 its cation, -1 its anion
};

/// "o-carborane", "o-carborane (cation)".
std::string job_label(const Candidate& c, int ion) {
  return ion == 0 ? c.label : c.label + (ion > 0 ? " (cation)" : " (anion)");
}

/// The molecule a job computes.
molecules::Molecule job_molecule(const Candidate& c, int ion) { return ion == 0 ? c.molecule : ion_of(c.molecule, ion); }

/// What became of one job: done (with its QCSchema result), failed (class and message), or to be
/// retried with the level-shift ladder.
struct Outcome {
  Job job;
  enum Kind { Done, Failed, Retry } kind = Failed;
  FailureClass cls = FailureClass::Internal;
  std::string message, result_json;
  double wall = 0;
  int threads = 1;

  nlohmann::json to_json() const {
    return {{"index", job.index}, {"ladder", job.ladder}, {"ion", job.ion}, {"kind", static_cast<int>(kind)},
            {"class", static_cast<int>(cls)}, {"message", message}, {"result", result_json},
            {"wall", wall}, {"threads", threads}};
  }
  static Outcome from_json(const nlohmann::json& j) {
    Outcome o;
    o.job = {j.at("index").get<std::size_t>(), j.at("ladder").get<int>(), j.at("ion").get<int>()};
    o.kind = static_cast<Kind>(j.at("kind").get<int>());
    o.cls = static_cast<FailureClass>(j.at("class").get<int>());
    o.message = j.at("message").get<std::string>();
    o.result_json = j.at("result").get<std::string>();
    o.wall = j.at("wall").get<double>();
    o.threads = j.at("threads").get<int>();
    return o;
  }
};

/// Runs jobs as `cagescreen run` child processes of this process, with the memory and time caps.
class Executor {
 public:
  Executor(const Manifest& m, fs::path out, std::string program)
      : m_(m), out_(std::move(out)), program_(std::move(program)) {
    if (program_.empty()) {
      char buf[4096];
      const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
      if (n <= 0) throw std::runtime_error("cannot find the cagescreen executable (/proc/self/exe)");
      program_.assign(buf, static_cast<std::size_t>(n));
    }
  }

  std::size_t running() const { return running_.size(); }
  int busy_threads() const {
    int busy = 0;
    for (const auto& r : running_) busy += r.threads;
    return busy;
  }

  void launch(const Job& job, int threads) {
    const Candidate& c = m_.candidates[job.index];
    Running r;
    r.job = job;
    r.threads = threads;
    r.memory_cap = c.memory_mib.value_or(m_.memory_mib);
    r.time_cap = 60.0 * c.time_minutes.value_or(m_.time_minutes);
    const std::string base = safe_name(c.label, job.index) + (job.ion > 0 ? ".cation" : job.ion < 0 ? ".anion" : "");
    const fs::path input = out_ / "work" / (base + ".molecule.json");
    r.result = out_ / "work" / (base + ".result.json");
    r.log = out_ / "logs" / (base + ".log");
    {
      std::ofstream f(input);
      f << qcschema_molecule(job_molecule(c, job.ion)).dump(1) << "\n";
      if (!f) throw std::runtime_error(input.string() + ": cannot write");
    }
    fs::remove(r.result);
    LevelOfTheory l = m_.level;
    l.max_iterations = c.max_iterations.value_or(l.max_iterations);
    auto num = [](double v) {
      std::ostringstream s;
      s << std::setprecision(17) << v;
      return s.str();
    };
    // The in-core integral budget leaves room for the program and its working set under the cap.
    const double budget = std::max(0.0, 0.75 * r.memory_cap - 128.0);
    std::vector<std::string> args = {program_, "run", input.string()};
    for (auto& a : level_arguments(l)) args.push_back(std::move(a));
    // An ion of the redox group needs its energy (and orbitals for the record), not the surface.
    args.insert(args.end(), {"--descriptors", job.ion ? std::string("frontier") : m_.descriptors, "--threads", std::to_string(threads), "--json",
                             r.result.string(), "--memory", num(budget), "--memory-limit", num(r.memory_cap),
                             "--scf-ladder", std::to_string(job.ladder)});
    if (job.ion && solvation_settings(l).enabled()) args.push_back("--no-gas-phase");  // potentials need the solution only
    std::ofstream(r.log, std::ios::app) << "=== " << utc_now() << " attempt at "
                                        << (job.ion ? redox_level_key(l, job.ion) : l.key())
                                        << (job.ladder ? " (level-shift ladder)" : "") << "\n";
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

  /// Enforces the caps and collects the jobs that ended.
  std::vector<Outcome> poll() {
    for (auto& r : running_) {
      if (!r.killed_for.empty()) continue;
      const double rss = resident_mib(r.pid);
      r.peak_rss = std::max(r.peak_rss, rss);
      const double elapsed = std::chrono::duration<double>(Clock::now() - r.start).count();
      if (rss > r.memory_cap) r.killed_for = "memory";
      else if (elapsed > r.time_cap) r.killed_for = "time";
      if (!r.killed_for.empty()) kill(r.pid, SIGKILL);
    }
    std::vector<Outcome> out;
    for (;;) {
      int status = 0;
      const pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      auto it = std::find_if(running_.begin(), running_.end(), [&](const Running& r) { return r.pid == pid; });
      if (it == running_.end()) continue;
      const Running r = *it;
      running_.erase(it);
      out.push_back(classify(r, status));
    }
    return out;
  }

 private:
  struct Running {
    Job job;
    pid_t pid = 0;
    int threads = 1;
    Clock::time_point start;
    fs::path log, result;
    double memory_cap = 0, time_cap = 0, peak_rss = 0;
    std::string killed_for;  ///< set when the campaign killed it: "memory" or "time"
  };

  Outcome classify(const Running& r, int status) const {
    Outcome o;
    o.job = r.job;
    o.threads = r.threads;
    o.wall = std::chrono::duration<double>(Clock::now() - r.start).count();
    std::ostringstream msg;
    msg << std::fixed << std::setprecision(0);
    auto fail = [&](FailureClass cls, const std::string& message) {
      o.kind = Outcome::Failed;
      o.cls = cls;
      o.message = message;
      return o;
    };
    if (r.killed_for == "memory") {
      msg << "resident memory reached " << r.peak_rss << " MiB, over the cap of " << r.memory_cap
          << " MiB (limits.memory_mib)";
      return fail(FailureClass::OutOfMemory, msg.str());
    }
    if (r.killed_for == "time") {
      msg << "still running after " << o.wall << " s, over the cap of " << r.time_cap << " s (limits.time_minutes)";
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
    if (code == exit_not_converged && r.job.ladder == 0) {
      o.kind = Outcome::Retry;
      return o;
    }
    if (code == exit_bad_input) return fail(FailureClass::BadInput, error);
    if (code == exit_not_converged) return fail(FailureClass::NotConverged, error);
    if (code == exit_unstable) return fail(FailureClass::Unstable, error);
    if (code == exit_out_of_memory) return fail(FailureClass::OutOfMemory, error);
    if (code != 0) return fail(FailureClass::Internal, error);
    std::ifstream in(r.result);
    std::stringstream ss;
    ss << in.rdbuf();
    o.result_json = ss.str();
    if (!nlohmann::json::accept(o.result_json))
      return fail(FailureClass::Internal, r.result.string() + ": missing or unreadable result");
    fs::remove(r.result);
    o.kind = Outcome::Done;
    return o;
  }

  const Manifest& m_;
  fs::path out_;
  std::string program_;
  std::vector<Running> running_;
};

/// The campaign's bookkeeping: what to run, the store, the log lines and the progress line.
class Campaign {
 public:
  Campaign(const Manifest& m, Store& store) : m_(m), store_(store), level_(m.level.key()) {
    tty_ = isatty(STDERR_FILENO);
  }

  /// The store level of a job's row: the campaign's, or its ion's in the redox group.
  std::string level_of(const Job& j) const { return j.ion ? redox_level_key(m_.level, j.ion) : level_; }

  /// Decides what to run; records bad inputs at once.
  void plan(bool resume, bool retry_failed) {
    if (resume) {
      if (const int n = store_.reset_running())
        std::cerr << "screen: " << n << " calculation(s) interrupted earlier will run again\n";
    }
    for (std::size_t i = 0; i < m_.candidates.size(); ++i) {
      plan_job({i, 0, 0}, retry_failed);
      if (m_.redox.enabled && m_.redox.oxidation) plan_job({i, 0, +1}, retry_failed);
      if (m_.redox.enabled && m_.redox.reduction) plan_job({i, 0, -1}, retry_failed);
    }
    // Largest first, so the long jobs do not start last.
    std::stable_sort(queue_.begin(), queue_.end(), [&](const Job& a, const Job& b) {
      return cost_estimate(m_.candidates[a.index].molecule) > cost_estimate(m_.candidates[b.index].molecule);
    });
    start_ = Clock::now();
  }

  /// One job's row: done or failed before (skipped), bad input (failed now), else queued.
  void plan_job(const Job& job, bool retry_failed) {
    ++total_;
    const Candidate& c = m_.candidates[job.index];
    const std::string level = level_of(job), label = job_label(c, job.ion);
    ResultRow row;
    row.candidate = c.label;
    row.level = level;
    row.source = c.source;
    std::string error = c.error;
    molecules::Molecule mol;
    if (error.empty()) {
      try {
        mol = job_molecule(c, job.ion);
      } catch (const InputError& e) {
        error = e.what();
      }
    }
    if (error.empty()) {
      Candidate jc = c;
      jc.molecule = mol;
      row.input_hash = input_hash(canonical_input(jc, m_) +
                                  (job.ion ? "redox ion " + std::to_string(job.ion) + " descriptors frontier\n" : ""));
      row.formula = mol.formula();
      row.charge = mol.charge;
      row.multiplicity = mol.multiplicity;
      row.n_atoms = static_cast<int>(mol.atoms.size());
    } else {
      row.input_hash = input_hash("bad input\n" + c.source + "\n" + level + "\n" + error);
    }
    const auto existing = store_.find(c.label, level);
    const bool same = existing && existing->input_hash == row.input_hash;
    if (existing && same && existing->status == "done") {
      ++done_;
      return;
    }
    if (existing && same && existing->status == "failed" && !retry_failed) {
      ++failed_;
      std::cerr << "screen: " << label << " failed before (" << existing->failure_class
                << "); skipped (--retry-failed runs it again)\n";
      return;
    }
    if (existing && existing->status == "done")
      std::cerr << "screen: " << label << ": its input changed since it was computed; computing it again\n";
    store_.set_pending(row);
    if (!error.empty()) {
      store_.set_failed(c.label, level, FailureClass::BadInput, error, 0.0);
      ++failed_;
      log_finished(label, "failed", std::string("bad_input: ") + error);
      return;
    }
    queue_.push_back(job);
  }

  bool has_work() const { return !queue_.empty(); }
  int running() const { return running_; }
  std::size_t queued() const { return queue_.size(); }
  Job next(int threads) {
    const Job j = queue_.front();
    queue_.erase(queue_.begin());
    store_.set_running(m_.candidates[j.index].label, level_of(j), threads);
    ++running_;
    return j;
  }

  /// Records an outcome in the store (its own transaction) and logs it.
  void apply(const Outcome& o) {
    --running_;
    const Candidate& c = m_.candidates[o.job.index];
    const std::string level = level_of(o.job), label = job_label(c, o.job.ion);
    if (o.kind == Outcome::Retry) {
      std::cerr << "screen: " << label << ": SCF not converged; retrying once with the level-shift ladder\n";
      queue_.insert(queue_.begin(), {o.job.index, 2, o.job.ion});
      return;
    }
    if (o.kind == Outcome::Failed) {
      store_.set_failed(c.label, level, o.cls, o.message, o.wall);
      ++failed_;
      log_finished(label, "failed", std::string(to_string(o.cls)) + ": " + o.message, o.wall);
      return;
    }
    const auto scalars = extract_scalars(nlohmann::json::parse(o.result_json));
    store_.set_done(c.label, level, o.wall, scalars, o.result_json);
    ++done_;
    ++finished_now_;
    busy_seconds_ += o.wall * o.threads;
    std::ostringstream line;
    line << std::fixed << std::setprecision(2);
    const auto& list = scalar_descriptors();
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string name = list[i].name;
      if (scalars[i] && (name == "gap_ev" || name == "vs_max_kcal" || name == "dipole_debye"))
        line << name << " " << *scalars[i] << "  ";
    }
    if (o.job.ion) line << "energy " << std::setprecision(8) << scalars[0].value_or(0.0) << " Eh";
    log_finished(label, "done", line.str(), o.wall);
  }

  void progress(bool force) {
    const auto now = Clock::now();
    if (!force && (!tty_ || now - last_progress_ < std::chrono::seconds(1))) return;
    last_progress_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const std::size_t left = queue_.size() + static_cast<std::size_t>(running_);
    std::ostringstream s;
    s << "screen: " << done_ << "/" << total_ << " done, " << failed_ << " failed, " << running_ << " running | "
      << format_duration(elapsed) << " elapsed";
    if (finished_now_ > 0 && left > 0)
      s << ", ETA " << format_duration(busy_seconds_ / finished_now_ * static_cast<double>(left) / cores_);
    if (tty_) std::cerr << "\r\033[K" << s.str() << std::flush;
    else std::cerr << s.str() << "\n";
  }
  void end_progress() const {
    if (tty_) std::cerr << "\r\033[K";
  }

  std::size_t done() const { return done_; }
  std::size_t failed() const { return failed_; }

 private:
  void log_finished(const std::string& label, const char* what, const std::string& detail, double wall = 0) {
    if (tty_) std::cerr << "\r\033[K";
    // A label longer than the column keeps one space before what follows.
    std::cerr << "screen: " << std::left << std::setw(7) << what << std::setw(18) << excerpt(label, 60)
              << (label.size() >= 18 ? " " : "") << std::right;
    if (wall > 0) std::cerr << std::fixed << std::setprecision(1) << std::setw(8) << wall << " s  ";
    std::cerr << detail << "\n";
    if (total_) progress(true);
  }

  const Manifest& m_;
  Store& store_;
  std::string level_;
  int cores_ = core_count();
  bool tty_ = false;
  std::vector<Job> queue_;
  int running_ = 0;
  std::size_t total_ = 0, done_ = 0, failed_ = 0, finished_now_ = 0;
  double busy_seconds_ = 0;
  Clock::time_point start_ = Clock::now(), last_progress_{};
};

/// Runs the campaign's jobs on this machine, `jobs` at a time.
void run_local(Campaign& campaign, Executor& exec, const ScreenOptions& opt) {
  const int cores = core_count();
  const int jobs = opt.jobs > 0 ? opt.jobs : cores;
  if (campaign.has_work())
    std::cerr << "screen: " << campaign.queued() << " to run; " << std::min<std::size_t>(jobs, campaign.queued())
              << " at a time on " << cores << " cores\n";
  while (campaign.has_work() || exec.running() > 0) {
    while (static_cast<int>(exec.running()) < jobs && campaign.has_work()) {
      int threads = opt.threads_per_job;
      if (threads <= 0) {
        // The free cores shared among the jobs that can start now.
        const int slots = static_cast<int>(std::min<std::size_t>(jobs - exec.running(), campaign.queued()));
        threads = std::max(1, (cores - exec.busy_threads()) / std::max(1, slots));
      }
      exec.launch(campaign.next(threads), threads);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (const auto& o : exec.poll()) campaign.apply(o);
    campaign.progress(false);
  }
  campaign.end_progress();
}


#ifdef CAGESCREEN_WITH_MPI
// ------------------------------------------------------------------------------------------ MPI
// Rank 0 owns the store and hands out one job at a time to whichever worker asks; each worker runs
// its job as a child process with its OpenMP threads and sends back the outcome. Messages are JSON
// text: a request {"threads": T, "outcome": {...}} from a worker, a job {"index", "ladder"} or a stop
// from rank 0.

enum Tag : int { tag_request = 1, tag_job = 2, tag_stop = 3 };

bool launched_by_mpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK");
}

void send_text(const std::string& text, int dest, int tag) {
  MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, dest, tag, MPI_COMM_WORLD);
}

/// Receives the next message, sleeping between probes (so a waiting rank leaves its core free).
std::string receive_text(int source, int& from, int& tag) {
  MPI_Status st;
  for (int flag = 0;;) {
    MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
    if (flag) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  int n = 0;
  MPI_Get_count(&st, MPI_CHAR, &n);
  std::string text(static_cast<std::size_t>(n), '\0');
  MPI_Recv(text.data(), n, MPI_CHAR, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  from = st.MPI_SOURCE;
  tag = st.MPI_TAG;
  return text;
}

void run_coordinator(Campaign& campaign, int size) {
  std::vector<int> idle;
  std::map<int, int> threads;
  int active = size - 1;
  if (campaign.has_work())
    std::cerr << "screen: " << campaign.queued() << " to run on " << size - 1 << " MPI worker ranks\n";
  while (active > 0) {
    int from = 0, tag = 0;
    const auto msg = nlohmann::json::parse(receive_text(MPI_ANY_SOURCE, from, tag));
    if (msg.contains("outcome")) campaign.apply(Outcome::from_json(msg["outcome"]));
    threads[from] = msg.at("threads").get<int>();
    idle.push_back(from);
    while (!idle.empty() && campaign.has_work()) {
      const int w = idle.back();
      idle.pop_back();
      const Job job = campaign.next(threads[w]);
      send_text(nlohmann::json{{"index", job.index}, {"ladder", job.ladder}, {"ion", job.ion}}.dump(), w, tag_job);
    }
    if (!campaign.has_work() && campaign.running() == 0) {
      for (int w : idle) send_text("{}", w, tag_stop);
      active -= static_cast<int>(idle.size());
      idle.clear();
    }
  }
}

void run_worker(Executor& exec, int threads) {
  nlohmann::json request = {{"threads", threads}};
  for (;;) {
    send_text(request.dump(), 0, tag_request);
    int from = 0, tag = 0;
    const std::string text = receive_text(0, from, tag);
    if (tag == tag_stop) return;
    const auto j = nlohmann::json::parse(text);
    exec.launch({j.at("index").get<std::size_t>(), j.at("ladder").get<int>(), j.at("ion").get<int>()}, threads);
    std::vector<Outcome> done;
    while (done.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      done = exec.poll();
    }
    request = {{"threads", threads}, {"outcome", done.front().to_json()}};
  }
}

/// OpenMP threads for each worker: the node's cores shared among the workers on that node.
int worker_threads(const ScreenOptions& opt) {
  if (opt.threads_per_job > 0) return opt.threads_per_job;
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int node_size = 1, rank = 0, lowest = 0;
  MPI_Comm_size(node, &node_size);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Allreduce(&rank, &lowest, 1, MPI_INT, MPI_MIN, node);
  MPI_Comm_free(&node);
  const int workers = std::max(1, node_size - (lowest == 0 ? 1 : 0));
  return std::max(1, core_count() / workers);
}
#endif
}  // namespace

namespace {

/// One campaign per output folder at a time: an flock on OUTPUT/.lock, released when the campaign
/// ends, however it ends.
class FolderLock {
 public:
  explicit FolderLock(const fs::path& out) {
    fs::create_directories(out);
    fd_ = open((out / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0 || flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (fd_ >= 0) close(fd_);
      throw InputError(out.string() + ": another cagescreen screen is running on this folder");
    }
  }
  ~FolderLock() { close(fd_); }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_ = -1;
};

/// Checks the options and opens the store (rank 0 or a serial run).
std::unique_ptr<Store> open_campaign(const Manifest& manifest, const ScreenOptions& opt, const fs::path& out) {
  if (opt.jobs < 0 || opt.jobs > 4096) throw InputError("--jobs must be between 1 and 4096");
  if (opt.threads_per_job < 0 || opt.threads_per_job > 1024)
    throw InputError("--threads-per-job must be between 1 and 1024");
  if (opt.retry_failed && !opt.resume) throw InputError("--retry-failed continues a campaign: use it with --resume");
  fs::create_directories(out / "logs");
  fs::create_directories(out / "work");
  auto store = std::make_unique<Store>(out / "results.sqlite", true);
  if (!opt.resume && store->count() > 0)
    throw InputError((out / "results.sqlite").string() + " already holds " + std::to_string(store->count()) +
                     " results: pass --resume to continue this campaign, or choose another output folder");
  std::cerr << "screen: campaign '" << manifest.name << "', " << manifest.candidates.size() << " candidates at "
            << manifest.level.key() << ", results in " << out.string() << "\n";
  return store;
}

int finish_campaign(const Manifest& manifest, const Store& store, const Campaign& campaign, const fs::path& out,
                    bool reports) {
  if (reports) {
    write_reports(manifest, store, out);
    std::cerr << "screen: " << campaign.done() << " done, " << campaign.failed() << " failed; wrote "
              << (out / "report.html").string() << ", results.csv, results.json\n";
    print_ranking(std::cout, manifest, store);
  }
  return campaign.failed() > 0 ? exit_campaign_failed : exit_ok;
}

/// The campaign on this machine: the store, the plan, the jobs, the reports.
int screen_serial(const Manifest& manifest, const ScreenOptions& opt, const fs::path& out) {
  const FolderLock lock(out);
  auto store = open_campaign(manifest, opt, out);
  Campaign campaign(manifest, *store);
  campaign.plan(opt.resume, opt.retry_failed);
  Executor exec(manifest, out, opt.program);
  run_local(campaign, exec, opt);
  return finish_campaign(manifest, *store, campaign, out, opt.reports);
}

#ifdef CAGESCREEN_WITH_MPI
int screen_mpi(const Manifest& manifest, const ScreenOptions& opt, const fs::path& out) {
  MPI_Init(nullptr, nullptr);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int threads = worker_threads(opt);
  int code = exit_ok;
  if (size == 1) {
    MPI_Finalize();
    return screen_serial(manifest, opt, out);
  }
  if (rank == 0) {
    std::unique_ptr<FolderLock> lock;
    std::unique_ptr<Store> store;
    try {
      lock = std::make_unique<FolderLock>(out);
      store = open_campaign(manifest, opt, out);
    } catch (...) {
      // Release the workers (each has sent its first request), then report the error.
      for (int w = 1; w < size; ++w) {
        int from = 0, tag = 0;
        receive_text(MPI_ANY_SOURCE, from, tag);
        send_text("{}", from, tag_stop);
      }
      MPI_Finalize();
      throw;
    }
    try {
      Campaign campaign(manifest, *store);
      campaign.plan(opt.resume, opt.retry_failed);
      run_coordinator(campaign, size);
      code = finish_campaign(manifest, *store, campaign, out, opt.reports);
    } catch (const std::exception& e) {
      std::cerr << "cagescreen: error: " << e.what() << "\n";
      MPI_Abort(MPI_COMM_WORLD, exit_failure);
    }
  } else {
    try {
      Executor exec(manifest, out, opt.program);
      run_worker(exec, threads);
    } catch (const std::exception& e) {
      std::cerr << "cagescreen: error: MPI rank " << rank << ": " << e.what() << "\n";
      MPI_Abort(MPI_COMM_WORLD, exit_failure);
    }
  }
  MPI_Finalize();
  return code;
}
#endif

}  // namespace

int screen(const Manifest& manifest, const ScreenOptions& opt) {
  const fs::path out = opt.output.empty() ? manifest.output : fs::absolute(opt.output);
  check_output_folder(out.string(), opt.output.empty() ? "output" : "--output");
#ifdef CAGESCREEN_WITH_MPI
  if (opt.allow_mpi && launched_by_mpirun()) return screen_mpi(manifest, opt, out);
#endif
  return screen_serial(manifest, opt, out);
}

}  // namespace cagescreen::workflows
