#pragma once
// The storage core's PostgreSQL part (libpqxx 6): opening a session, classifying failures,
// the one retry policy, a connection pool for reads, a writer connection for the group
// writer, and the one schema migration mechanism (a version per component in the
// neuromesh_schema table, as sqlite_migrate keeps it in SQLite files).
//
// pqxx is part of this API (callers run statements on pqxx connections and transactions);
// include this header only from store implementations (.cc files), never from another
// public header.
//
// Retry policy: a statement that fails because the connection broke (pqxx::broken_connection)
// is retried once on a fresh connection, counted in reconnects(); every other failure reaches
// the caller as the exception libpqxx threw, which pg_classify() sorts. Only idempotent work
// (one statement, or a transaction that had not committed) runs under that policy.
//
// Sessions: every connection runs in UTC with ISO dates (TIMESTAMPTZ text parses with
// parse_iso8601) and, when options.schema is set, with search_path = that schema.

#include "neuromesh/registry/storage/group_writer.h"

#include <pqxx/pqxx>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace neuromesh::registry::storage {

struct pg_options {
  /// libpq connection string or URI ("postgresql://user:pw@host:5432/db").
  std::string dsn;
  /// Schema to create (at migration) and use as search_path; empty = the server's default.
  std::string schema;
};

/// The DSN with any password masked, for messages and logs.
std::string pg_redact(std::string_view dsn);

/// What a libpqxx exception means for the caller.
enum class pg_failure {
  unavailable,  ///< connection lost or refused, server shutting down (SQLSTATE 08*, 57P*)
  read_only,    ///< read-only transaction / hot standby (SQLSTATE 25006)
  closed,       ///< the pool or connection was closed by its owner (pg_closed)
  backend,      ///< anything else: a statement the server refused, a bad value
};
pg_failure pg_classify(const std::exception& e) noexcept;

/// Thrown by pg_pool when it is not open.
class pg_closed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Opens a session as described above. Throws what libpqxx throws.
std::unique_ptr<pqxx::connection> pg_open(const pg_options& options);

/// Appends v to a PostgreSQL array literal being built in out ("{" first, elements
/// double-quoted with \ and " escaped); close it with pg_array_close(). Arrays go to
/// PostgreSQL as text (libpqxx 6 has no array binding), e.g. `$1::text[]`.
void pg_array_append(std::string& out, std::string_view v);
/// Appends an unquoted NULL element.
void pg_array_append_null(std::string& out);
void pg_array_close(std::string& out);
/// A whole text[] literal: {"a","b\"c"} ("{}" when empty).
std::string pg_text_array(std::span<const std::string> items);

/// Called on every fresh connection after pg_open (prepare statements here).
using pg_setup = std::function<void(pqxx::connection&)>;

/// Up to max_connections connections, opened on demand; a caller waits for a free one.
/// Thread-safe. close() drops idle connections; those in use close when they come back.
class pg_pool {
 public:
  pg_pool(pg_options options, std::size_t max_connections, pg_setup setup = {});
  ~pg_pool();
  pg_pool(const pg_pool&) = delete;
  pg_pool& operator=(const pg_pool&) = delete;

  /// Makes the pool usable and opens its first connection (so an unreachable server is
  /// reported here). Throws what pg_open or setup throws; the pool stays closed then.
  void open();
  void close() noexcept;
  bool is_open() const;

  /// Runs fn(pqxx::connection&) on a pooled connection under the retry policy and returns
  /// its result. Throws pg_closed when not open, or what fn / pg_open threw.
  template <class Fn>
  auto run(Fn&& fn) -> decltype(fn(std::declval<pqxx::connection&>())) {
    for (int attempt = 0;; ++attempt) {
      lease c = acquire();
      try {
        if constexpr (std::is_void_v<decltype(fn(*c.conn))>) {
          fn(*c.conn);
          release(c);
          return;
        } else {
          auto out = fn(*c.conn);
          release(c);
          return out;
        }
      } catch (const pqxx::broken_connection&) {
        drop(c);
        if (attempt > 0) throw;
        ++reconnects_;
      } catch (...) {
        release(c);
        throw;
      }
    }
  }

  std::uint64_t reconnects() const noexcept { return reconnects_.load(); }
  const pg_options& options() const noexcept { return options_; }

 private:
  struct lease {
    std::unique_ptr<pqxx::connection> conn;
  };
  lease acquire();
  void release(lease& c) noexcept;
  void drop(lease& c) noexcept;

  pg_options options_;
  std::size_t max_;
  pg_setup setup_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  std::size_t open_count_ = 0;  // idle + in use
  bool open_ = false;
  std::atomic<std::uint64_t> reconnects_{0};
};

/// The group writer's PostgreSQL connection: one session; a batch's transaction is opened
/// on the wire (BEGIN) only when an operation first asks for work(). Staged work — rows a
/// store collects while a batch applies, to write them as one statement — is written by the
/// before_commit hook: inside that transaction, or, when no operation of the batch opened
/// one, alone in autocommit (one round trip for a batch of heartbeats), so the hook must
/// write with a single statement. on_rollback discards what was staged. begin() reconnects
/// a broken session (counted in reconnects()); a batch that failed because the session
/// broke is applied once more on the new one (take_lost_connection), so the operations of
/// a store on it must be idempotent. Used by the one group_writer thread only (stats are
/// atomic).
class pg_writer_connection final : public transactional {
 public:
  struct hooks {
    pg_setup setup;  ///< on every fresh session
    /// One statement at most; may throw (the batch fails).
    std::function<void(pqxx::transaction_base&)> before_commit;
    std::function<void()> on_rollback;  ///< forget anything staged
  };
  pg_writer_connection(pg_options options, std::string name, hooks h);

  /// Opens the session now (reports an unreachable server to the constructor's caller
  /// instead of the first batch). Throws what pg_open / setup throw.
  void connect();

  bool begin() override;
  bool commit() override;
  void rollback() noexcept override;
  bool take_lost_connection() noexcept override;

  /// The batch's transaction, opened (BEGIN) on first use; between begin() and
  /// commit()/rollback() only. Throws what libpqxx throws.
  pqxx::work& work();

  /// Why the last begin() or commit() failed (writer thread; empty after a success).
  const std::string& last_error() const noexcept { return last_error_; }
  pg_failure last_failure() const noexcept { return last_failure_; }
  std::uint64_t reconnects() const noexcept { return reconnects_.load(); }

 private:
  void failed(const std::exception& e, std::string_view what);

  pg_options options_;
  std::string name_;
  hooks hooks_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::work> work_;
  std::string last_error_;
  pg_failure last_failure_ = pg_failure::backend;
  bool lost_ = false;
  bool ever_connected_ = false;
  std::atomic<std::uint64_t> reconnects_{0};
};

/// One migration step of a component's schema: run `sql` to go from version - 1 to version.
struct pg_migration {
  int version;
  const char* sql;
};

struct pg_migrate_result {
  bool ok = true;
  int from_version = 0;  ///< the component's version before (0: none)
  int to_version = 0;
  bool too_new = false;  ///< the database is newer than the steps know (nothing ran)
  pg_failure failure = pg_failure::backend;  ///< when !ok and !too_new
  std::string error;                         ///< what failed, when !ok
};

/// The one migration mechanism, as sqlite_migrate: table neuromesh_schema(component TEXT
/// PRIMARY KEY, version INTEGER) in options.schema (created first when set) holds each
/// component's version. In one transaction under pg_advisory_xact_lock(hashtext(
/// 'neuromesh_schema')) — so simultaneous first starts of any number of processes do not
/// race on CREATE — reads the version (or, without a row, asks legacy_version, 0 when null),
/// runs each step above it in order and stamps the new version. Never throws.
pg_migrate_result pg_migrate(pqxx::connection& c, const pg_options& options,
                             std::string_view component, std::span<const pg_migration> steps,
                             int (*legacy_version)(pqxx::work&) = nullptr);

}  // namespace neuromesh::registry::storage
