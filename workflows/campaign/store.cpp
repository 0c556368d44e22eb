#include "workflows/campaign/store.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include "molecules/error.hpp"
#include "workflows/qcschema.hpp"
#include "workflows/scalars.hpp"

namespace cagescreen::workflows {

const char* to_string(FailureClass c) {
  switch (c) {
    case FailureClass::BadInput: return "bad_input";
    case FailureClass::NotConverged: return "scf_not_converged";
    case FailureClass::Unstable: return "scf_unstable";
    case FailureClass::OutOfMemory: return "out_of_memory";
    case FailureClass::TimeLimit: return "time_limit";
    case FailureClass::Internal: return "internal_error";
  }
  return "internal_error";
}

std::string input_hash(const std::string& text) {
  auto fnv = [&](std::uint64_t h) {
    for (unsigned char c : text) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
    return h;
  };
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(fnv(0xcbf29ce484222325ULL)),
                static_cast<unsigned long long>(fnv(0x84222325cbf29ce4ULL)));
  return buf;
}

std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

/// Prepared statement with RAII finalisation.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql, const std::filesystem::path& file) : db_(db), file_(file) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st_, nullptr) != SQLITE_OK)
      throw InputError(file.string() + ": " + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(st_); }
  Statement& bind(int i, const std::string& s) {
    sqlite3_bind_text(st_, i, s.c_str(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, double v) {
    sqlite3_bind_double(st_, i, v);
    return *this;
  }
  Statement& bind(int i, int v) {
    sqlite3_bind_int(st_, i, v);
    return *this;
  }
  Statement& bind(int i, const std::optional<double>& v) {
    if (v) sqlite3_bind_double(st_, i, *v);
    else sqlite3_bind_null(st_, i);
    return *this;
  }
  /// True while rows come; throws on errors.
  bool step() {
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(file_.string() + ": results store: " + sqlite3_errmsg(db_));
  }
  std::string text(int c) const {
    const auto* p = sqlite3_column_text(st_, c);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  double real(int c) const { return sqlite3_column_double(st_, c); }
  int integer(int c) const { return sqlite3_column_int(st_, c); }
  std::optional<double> optional(int c) const {
    if (sqlite3_column_type(st_, c) == SQLITE_NULL) return std::nullopt;
    return sqlite3_column_double(st_, c);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  std::filesystem::path file_;
};

const char* const fixed_columns[] = {
    "candidate", "level", "status", "input_hash", "source", "formula", "charge", "multiplicity", "n_atoms",
    "attempts", "started_at", "finished_at", "wall_seconds", "threads"};
const char* const tail_columns[] = {"failure_class", "failure_message", "program_version", "result_json"};

std::string select_list() {
  std::string s;
  for (const auto& c : Store::columns()) s += (s.empty() ? "" : ", ") + c;
  return s;
}

ResultRow read_row(const Statement& st) {
  ResultRow r;
  int c = 0;
  r.candidate = st.text(c++);
  r.level = st.text(c++);
  r.status = st.text(c++);
  r.input_hash = st.text(c++);
  r.source = st.text(c++);
  r.formula = st.text(c++);
  r.charge = st.integer(c++);
  r.multiplicity = st.integer(c++);
  r.n_atoms = st.integer(c++);
  r.attempts = st.integer(c++);
  r.started_at = st.text(c++);
  r.finished_at = st.text(c++);
  r.wall_seconds = st.real(c++);
  r.threads = st.integer(c++);
  for (std::size_t i = 0; i < scalar_descriptors().size(); ++i) r.scalars.push_back(st.optional(c++));
  r.failure_class = st.text(c++);
  r.failure_message = st.text(c++);
  r.program_version = st.text(c++);
  r.result_json = st.text(c++);
  return r;
}

}  // namespace

std::vector<std::string> Store::columns() {
  std::vector<std::string> c(std::begin(fixed_columns), std::end(fixed_columns));
  for (const auto& s : scalar_descriptors()) c.emplace_back(s.name);
  c.insert(c.end(), std::begin(tail_columns), std::end(tail_columns));
  return c;
}

void Store::exec(const std::string& sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw InputError(file_.string() + ": results store: " + msg);
  }
}

Store::Store(const std::filesystem::path& file, bool create, bool read_only) : file_(file) {
  const bool existed = std::filesystem::exists(file);
  if (!existed && !create) throw InputError(file.string() + ": no results store here (run cagescreen screen first)");
  const int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(file.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : "cannot open";
    sqlite3_close(db_);
    db_ = nullptr;
    throw InputError(file.string() + ": cannot open the results store: " + msg);
  }
  sqlite3_busy_timeout(db_, 10000);
  try {
    // A damaged or foreign file fails here ("file is not a database").
    exec("SELECT count(*) FROM sqlite_master");
    bool has_meta = false;
    {
      Statement st(db_, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'", file_);
      st.step();
      has_meta = st.integer(0) > 0;
    }
    if (!has_meta) {
      int objects = 0;
      {
        Statement st(db_, "SELECT count(*) FROM sqlite_master", file_);
        st.step();
        objects = st.integer(0);
      }
      if (objects > 0 || read_only)
        throw InputError(file.string() + ": this SQLite file is not a cagescreen results store (no meta table)");
      exec("PRAGMA journal_mode=WAL");
      std::string sql = "BEGIN; CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                        "CREATE TABLE results (id INTEGER PRIMARY KEY, candidate TEXT NOT NULL, level TEXT NOT NULL,"
                        " status TEXT NOT NULL CHECK (status IN ('pending','running','done','failed')),"
                        " input_hash TEXT NOT NULL, source TEXT, formula TEXT, charge INTEGER, multiplicity INTEGER,"
                        " n_atoms INTEGER, attempts INTEGER NOT NULL DEFAULT 0, started_at TEXT, finished_at TEXT,"
                        " wall_seconds REAL, threads INTEGER";
      for (const auto& s : scalar_descriptors()) sql += std::string(", ") + s.name + " REAL";
      sql += ", failure_class TEXT, failure_message TEXT, program_version TEXT, result_json TEXT,"
             " UNIQUE (candidate, level));";
      sql += "INSERT INTO meta VALUES ('store_format', '" + std::to_string(store_format) + "');";
      sql += "INSERT INTO meta VALUES ('program', 'cagescreen');";
      sql += "INSERT INTO meta VALUES ('program_version', '" + program_version() + "');";
      sql += "INSERT INTO meta VALUES ('created_at', '" + utc_now() + "'); COMMIT;";
      exec(sql);
    }
    auto meta = [&](const char* key) {
      Statement st(db_, std::string("SELECT value FROM meta WHERE key='") + key + "'", file_);
      return st.step() ? st.text(0) : std::string();
    };
    if (meta("program") != "cagescreen")
      throw InputError(file.string() + ": this SQLite file is not a cagescreen results store");
    if (meta("store_format") != std::to_string(store_format))
      throw InputError(file.string() + ": results store format " + meta("store_format") + ", this cagescreen reads format " +
                       std::to_string(store_format) + " (use a new output folder)");
    if (meta("program_version") != program_version())
      throw InputError(file.string() + ": results store written by cagescreen " + meta("program_version") +
                       ", this is cagescreen " + program_version() +
                       " (its results are not reused: use a new output folder, or the version that wrote it)");
    if (!read_only) {
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=FULL");
      // Catches torn pages and damaged indexes before anything is reused.
      std::string check;
      {
        Statement st(db_, "PRAGMA quick_check", file_);
        if (st.step()) check = st.text(0);
      }
      if (check != "ok")
        throw InputError(file.string() + ": the results store is damaged (" + check + ")");
    }
  } catch (const std::exception& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    if (dynamic_cast<const InputError*>(&e)) throw;
    throw InputError(file.string() + ": cannot use the results store: " + e.what());
  }
}

Store::~Store() { sqlite3_close(db_); }

std::optional<ResultRow> Store::find(const std::string& candidate, const std::string& level) const {
  Statement st(db_, "SELECT " + select_list() + " FROM results WHERE candidate=?1 AND level=?2", file_);
  st.bind(1, candidate).bind(2, level);
  if (!st.step()) return std::nullopt;
  return read_row(st);
}

std::vector<ResultRow> Store::rows(const std::string& level, const std::string& where) const {
  std::string sql = "SELECT " + select_list() + " FROM results WHERE (?1 = '' OR level = ?1)";
  if (!where.empty()) sql += " AND (" + where + ")";
  sql += " ORDER BY id";
  Statement st(db_, sql, file_);
  st.bind(1, level);
  std::vector<ResultRow> out;
  while (st.step()) out.push_back(read_row(st));
  return out;
}

std::size_t Store::count() const {
  Statement st(db_, "SELECT count(*) FROM results", file_);
  st.step();
  return static_cast<std::size_t>(st.integer(0));
}

void Store::set_pending(const ResultRow& r) {
  std::string sql =
      "INSERT INTO results (candidate, level, status, input_hash, source, formula, charge, multiplicity, n_atoms,"
      " attempts, program_version) VALUES (?1, ?2, 'pending', ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9)"
      " ON CONFLICT (candidate, level) DO UPDATE SET status='pending', input_hash=?3, source=?4, formula=?5,"
      " charge=?6, multiplicity=?7, n_atoms=?8, attempts=0, started_at=NULL, finished_at=NULL, wall_seconds=NULL,"
      " failure_class=NULL, failure_message=NULL, result_json=NULL, program_version=?9";
  for (const auto& s : scalar_descriptors()) sql += std::string(", ") + s.name + "=NULL";
  Statement st(db_, sql, file_);
  st.bind(1, r.candidate).bind(2, r.level).bind(3, r.input_hash).bind(4, r.source).bind(5, r.formula);
  st.bind(6, r.charge).bind(7, r.multiplicity).bind(8, r.n_atoms).bind(9, version_string());
  st.step();
}

void Store::set_running(const std::string& candidate, const std::string& level, int threads) {
  Statement st(db_,
               "UPDATE results SET status='running', attempts=attempts+1, started_at=?3, threads=?4 "
               "WHERE candidate=?1 AND level=?2",
               file_);
  st.bind(1, candidate).bind(2, level).bind(3, utc_now()).bind(4, threads);
  st.step();
}

void Store::set_done(const std::string& candidate, const std::string& level, double wall_seconds,
                     const std::vector<std::optional<double>>& scalars, const std::string& result_json) {
  std::string sql = "UPDATE results SET status='done', finished_at=?3, wall_seconds=?4, result_json=?5, "
                    "failure_class=NULL, failure_message=NULL";
  const auto& list = scalar_descriptors();
  for (std::size_t i = 0; i < list.size(); ++i) sql += std::string(", ") + list[i].name + "=?" + std::to_string(6 + i);
  sql += " WHERE candidate=?1 AND level=?2";
  Statement st(db_, sql, file_);
  st.bind(1, candidate).bind(2, level).bind(3, utc_now()).bind(4, wall_seconds).bind(5, result_json);
  for (std::size_t i = 0; i < list.size(); ++i)
    st.bind(static_cast<int>(6 + i), i < scalars.size() ? scalars[i] : std::nullopt);
  st.step();
}

void Store::set_failed(const std::string& candidate, const std::string& level, FailureClass cls,
                       const std::string& message, double wall_seconds) {
  Statement st(db_,
               "UPDATE results SET status='failed', finished_at=?3, wall_seconds=?4, failure_class=?5, "
               "failure_message=?6 WHERE candidate=?1 AND level=?2",
               file_);
  st.bind(1, candidate).bind(2, level).bind(3, utc_now()).bind(4, wall_seconds).bind(5, to_string(cls)).bind(6, message);
  st.step();
}

int Store::reset_running() {
  exec("UPDATE results SET status='pending' WHERE status='running'");
  return sqlite3_changes(db_);
}

}  // namespace cagescreen::workflows
