#pragma once
// The storage core's SQLite part: a prepared statement, a connection with the one busy/retry
// policy every neuromesh table uses, transactions for the group writer, and the one schema
// migration mechanism (a version per component in the neuromesh_schema table).
//
// sqlite3.h is part of this API (statements bind and read columns through it); include this
// header only from store implementations (.cc files), never from another public header.
//
// Busy policy: SQLite waits inside each call up to busy_timeout; with_retry() retries a
// call that still returns SQLITE_BUSY/SQLITE_LOCKED with jittered exponential backoff
// (200 µs .. 20 ms) until lock_budget is spent. "database is locked" therefore reaches a
// caller only when another process held the lock for the whole budget.
//
// Thread-safety: a connection is used by one thread at a time (opened NOMUTEX); the owner
// serialises (a mutex, or the one group_writer thread).

#include "neuromesh/registry/storage/group_writer.h"

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace neuromesh::registry::storage {

/// A prepared statement with RAII finalize.
class sqlite_statement {
 public:
  sqlite_statement() = default;
  sqlite_statement(const sqlite_statement&) = delete;
  sqlite_statement& operator=(const sqlite_statement&) = delete;
  ~sqlite_statement() { finalize(); }

  int prepare(sqlite3* db, std::string_view sql) {
    finalize();
    return sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  }
  void finalize() noexcept {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
  bool prepared() const noexcept { return stmt_ != nullptr; }
  int step() { return sqlite3_step(stmt_); }
  /// Back to the start, keeping the bindings (to retry the same call).
  void rewind() noexcept { sqlite3_reset(stmt_); }
  /// Back to the start with no bindings (after a call).
  void reset() noexcept {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  /// Binds text without copying it (SQLITE_STATIC): v must stay alive and unchanged until
  /// the statement is reset (callers bind locals of the calling function).
  void bind_text(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  /// Binds a copy of v (SQLITE_TRANSIENT): for temporaries that die before the step.
  void bind_text_copy(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind_null(int i) { sqlite3_bind_null(stmt_, i); }
  void bind_double(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  void bind_int(int i, int v) { sqlite3_bind_int(stmt_, i, v); }
  void bind_int64(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }

  bool column_is_null(int i) { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  int column_int(int i) { return sqlite3_column_int(stmt_, i); }
  std::int64_t column_int64(int i) { return sqlite3_column_int64(stmt_, i); }
  /// Valid until the next step or reset of this statement.
  std::string_view column_view(int i) {
    const auto* p = sqlite3_column_text(stmt_, i);
    return p == nullptr
               ? std::string_view()
               : std::string_view(reinterpret_cast<const char*>(p),
                                  static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)));
  }
  std::string column_text(int i) { return std::string(column_view(i)); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

/// Resets a statement (and its bindings) when the scope ends, whatever happened.
class sqlite_reset_guard {
 public:
  explicit sqlite_reset_guard(sqlite_statement& s) : s_(s) {}
  ~sqlite_reset_guard() { s_.reset(); }
  sqlite_reset_guard(const sqlite_reset_guard&) = delete;
  sqlite_reset_guard& operator=(const sqlite_reset_guard&) = delete;

 private:
  sqlite_statement& s_;
};

/// SQLITE_BUSY or SQLITE_LOCKED (extended codes included).
bool sqlite_is_busy(int rc) noexcept;

struct sqlite_busy_policy {
  /// How long one call keeps retrying a locked database before giving up with BUSY.
  std::chrono::milliseconds lock_budget{30'000};
  /// How long SQLite itself waits inside one call (capped by lock_budget).
  std::chrono::milliseconds busy_timeout{1'000};
};

struct sqlite_open_options {
  std::string path = ":memory:";
  bool read_only = false;  ///< SQLITE_OPEN_READONLY; no pragmas that write
  /// false: synchronous=NORMAL (a commit survives kill -9 of the process, not a power
  /// cut); true: FULL (one fsync per commit).
  bool fsync_every_commit = false;
  sqlite_busy_policy busy;
  /// false: open() leaves the journal mode alone (the caller checks the file first, then
  /// calls set_journal()).
  bool set_journal_on_open = true;
};

/// One SQLite connection: open flags, WAL, synchronous, busy policy, transactions.
class sqlite_connection final : public transactional {
 public:
  sqlite_connection() = default;
  ~sqlite_connection() override { close(); }
  sqlite_connection(const sqlite_connection&) = delete;
  sqlite_connection& operator=(const sqlite_connection&) = delete;

  /// Opens path (creating it unless read_only), extended result codes on, busy timeout set.
  /// Writable connections switch to WAL and set synchronous. Returns the SQLite result code;
  /// on failure the connection is closed and error() says why.
  int open(const sqlite_open_options& options);
  /// Opens an already-built URI (e.g. file:...?immutable=1) read-only.
  int open_uri(const std::string& uri, const sqlite_open_options& options);
  void close() noexcept;
  bool is_open() const noexcept { return db_ != nullptr; }
  sqlite3* handle() const noexcept { return db_; }
  const sqlite_open_options& options() const noexcept { return options_; }

  /// WAL journal and the synchronous level of the options (writable connections).
  int set_journal();

  /// Runs fn() (one SQLite call returning a result code) again while it returns BUSY or
  /// LOCKED and the lock budget lasts.
  template <class Fn>
  int with_retry(Fn&& fn) {
    const auto deadline = std::chrono::steady_clock::now() + options_.busy.lock_budget;
    for (int attempt = 0;; ++attempt) {
      const int rc = fn();
      if (!sqlite_is_busy(rc) || std::chrono::steady_clock::now() >= deadline) return rc;
      busy_retries_.fetch_add(1, std::memory_order_relaxed);
      backoff(attempt);
    }
  }
  int exec(const char* sql);
  /// Steps s with the retry policy (rewinding it between attempts).
  int step(sqlite_statement& s);
  int prepare(sqlite_statement& s, std::string_view sql) { return s.prepare(db_, sql); }
  /// The connection's last error message, or SQLite's text for rc when closed.
  std::string error(int rc) const;

  // transactional: BEGIN IMMEDIATE (the write lock up front, so a commit never fails on a
  // lock upgrade) / COMMIT / ROLLBACK, each with the retry policy.
  bool begin() override;
  bool commit() override;
  void rollback() noexcept override;

  std::uint64_t busy_retries() const noexcept { return busy_retries_.load(); }

 private:
  static void backoff(int attempt);
  int configure();

  sqlite_open_options options_;
  sqlite3* db_ = nullptr;
  std::atomic<std::uint64_t> busy_retries_{0};
};

/// One migration step of a component's schema: run `sql` to go from version - 1 to version.
struct sqlite_migration {
  int version;
  const char* sql;
};

/// The outcome of sqlite_migrate.
struct sqlite_migrate_result {
  int rc = SQLITE_OK;    ///< SQLITE_OK, or the failing call's code
  int from_version = 0;  ///< the component's version before (0: none)
  int to_version = 0;    ///< after
  bool too_new = false;  ///< the file's version is newer than the steps know (nothing ran)
  std::string error;     ///< what failed, when rc != SQLITE_OK or too_new
};

/// The one migration mechanism: table neuromesh_schema(component TEXT PRIMARY KEY, version
/// INTEGER) holds each component's version (several components share a file; PRAGMA
/// user_version is one number per file). In one IMMEDIATE transaction: reads the version
/// (or, when the component has no row, asks legacy_version — a file written before the
/// component kept its row, e.g. by the Python SDK — which returns the version its tables
/// already are, 0 for none), runs every step above it in order, and stamps the new version.
sqlite_migrate_result sqlite_migrate(sqlite_connection& db, std::string_view component,
                                     std::span<const sqlite_migration> steps,
                                     int (*legacy_version)(sqlite_connection&) = nullptr);

}  // namespace neuromesh::registry::storage
