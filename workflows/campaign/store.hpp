#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace cagescreen::workflows {

/// How a candidate failed (the store's failure_class column).
enum class FailureClass { BadInput, NotConverged, Unstable, OutOfMemory, TimeLimit, Internal };
const char* to_string(FailureClass c);

/// One row of the results store: a candidate at one level of theory.
struct ResultRow {
  std::string candidate, level;
  std::string status;  ///< pending, running, done, failed
  std::string input_hash;
  std::string source, formula;
  int charge = 0, multiplicity = 1, n_atoms = 0, attempts = 0;
  std::string started_at, finished_at;  ///< UTC, ISO 8601
  double wall_seconds = 0.0;
  int threads = 0;
  std::vector<std::optional<double>> scalars;  ///< in scalar_descriptors() order
  std::string failure_class, failure_message;
  std::string result_json;  ///< the QCSchema AtomicResult (done rows)
  std::string program_version;
};

/// The campaign results store: an SQLite database (WAL journal) in the campaign's output folder,
/// one row per candidate and level of theory (docs/campaigns.md). Every change is its own
/// transaction, so a killed campaign loses at most the calculations that were running.
class Store {
 public:
  /// Opens (or, with create, creates) the store. Throws InputError when the file is not a
  /// cagescreen store, is damaged, or was written by a different store format or program version.
  Store(const std::filesystem::path& file, bool create, bool read_only = false);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::filesystem::path& file() const { return file_; }

  std::optional<ResultRow> find(const std::string& candidate, const std::string& level) const;
  /// Rows at one level of theory (all levels when empty), in insertion order; `where` is an SQL
  /// expression over the columns (empty: all rows).
  std::vector<ResultRow> rows(const std::string& level = "", const std::string& where = "") const;
  std::size_t count() const;

  /// Inserts the candidate as pending, or resets its existing row to pending with a new hash.
  void set_pending(const ResultRow& row);
  void set_running(const std::string& candidate, const std::string& level, int threads);
  void set_done(const std::string& candidate, const std::string& level, double wall_seconds,
                const std::vector<std::optional<double>>& scalars, const std::string& result_json);
  void set_failed(const std::string& candidate, const std::string& level, FailureClass cls,
                  const std::string& message, double wall_seconds);
  /// Rows left "running" by a campaign that was killed go back to pending; returns how many.
  int reset_running();

  /// Column names in table order (for CSV export).
  static std::vector<std::string> columns();

 private:
  void exec(const std::string& sql) const;
  std::filesystem::path file_;
  sqlite3* db_ = nullptr;
};

/// The store format this program writes (meta key store_format).
inline constexpr int store_format = 5;

/// The input hash of a calculation: FNV-1a (128 bits as two 64-bit halves, hex) of the geometry
/// (Bohr, 10 decimals), charge, multiplicity, level of theory, descriptors and program version.
std::string input_hash(const std::string& canonical_input);

/// Current UTC time, ISO 8601 ("2026-11-26T08:00:00Z").
std::string utc_now();

}  // namespace cagescreen::workflows
