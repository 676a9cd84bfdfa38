#include "neuromesh/registry/storage/sqlite.h"

#include <algorithm>
#include <random>
#include <thread>

namespace neuromesh::registry::storage {

bool sqlite_is_busy(int rc) noexcept {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

void sqlite_connection::backoff(int attempt) {
  thread_local std::minstd_rand jitter{std::random_device{}()};
  auto pause = std::chrono::microseconds(200) * (1 << std::min(attempt, 7));
  pause = std::min(pause, std::chrono::microseconds(20'000));
  std::this_thread::sleep_for(pause + std::chrono::microseconds(jitter() % 500));
}

int sqlite_connection::open(const sqlite_open_options& options) {
  close();
  options_ = options;
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(options.path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) return rc;  // db_ stays for error(); close() frees it
  return configure();
}

int sqlite_connection::open_uri(const std::string& uri, const sqlite_open_options& options) {
  close();
  options_ = options;
  options_.read_only = true;
  int rc = sqlite3_open_v2(uri.c_str(), &db_,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return rc;
  return configure();
}

int sqlite_connection::configure() {
  sqlite3_extended_result_codes(db_, 1);
  auto timeout = std::min(options_.busy.busy_timeout, options_.busy.lock_budget);
  sqlite3_busy_timeout(db_, static_cast<int>(timeout.count()));
  if (options_.read_only) return SQLITE_OK;
  if (sqlite3_db_readonly(db_, "main") == 1) return SQLITE_READONLY;
  return options_.set_journal_on_open ? set_journal() : SQLITE_OK;
}

int sqlite_connection::set_journal() {
  // WAL lets readers run beside the one writer; NORMAL syncs at checkpoints only, which a
  // process crash cannot undo (the WAL write is already in the OS page cache).
  if (int rc = exec("PRAGMA journal_mode=WAL"); rc != SQLITE_OK) return rc;
  return exec(options_.fsync_every_commit ? "PRAGMA synchronous=FULL"
                                          : "PRAGMA synchronous=NORMAL");
}

void sqlite_connection::close() noexcept {
  if (db_ != nullptr) sqlite3_close_v2(db_);
  db_ = nullptr;
}

int sqlite_connection::exec(const char* sql) {
  return with_retry([&] { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); });
}

int sqlite_connection::step(sqlite_statement& s) {
  return with_retry([&] {
    const int rc = s.step();
    if (sqlite_is_busy(rc)) s.rewind();
    return rc;
  });
}

std::string sqlite_connection::error(int rc) const {
  return db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
}

bool sqlite_connection::begin() { return exec("BEGIN IMMEDIATE") == SQLITE_OK; }

bool sqlite_connection::commit() { return exec("COMMIT") == SQLITE_OK; }

void sqlite_connection::rollback() noexcept {
  if (db_ != nullptr && sqlite3_get_autocommit(db_) == 0) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

namespace {

int read_version(sqlite_connection& db, std::string_view component, int& version, bool& found) {
  sqlite_statement s;
  int rc = db.prepare(s, "SELECT version FROM neuromesh_schema WHERE component = ?1");
  if (rc != SQLITE_OK) return rc;
  s.bind_text(1, component);
  rc = db.step(s);
  found = rc == SQLITE_ROW;
  if (found) version = s.column_int(0);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int write_version(sqlite_connection& db, std::string_view component, int version) {
  sqlite_statement s;
  int rc = db.prepare(s,
                      "INSERT INTO neuromesh_schema(component, version) VALUES (?1, ?2) "
                      "ON CONFLICT(component) DO UPDATE SET version = excluded.version");
  if (rc != SQLITE_OK) return rc;
  s.bind_text(1, component);
  s.bind_int(2, version);
  rc = db.step(s);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

}  // namespace

sqlite_migrate_result sqlite_migrate(sqlite_connection& db, std::string_view component,
                                     std::span<const sqlite_migration> steps,
                                     int (*legacy_version)(sqlite_connection&)) {
  sqlite_migrate_result out;
  const std::string name(component);
  auto fail = [&](int rc, const std::string& what) {
    out.rc = rc;
    out.error = what + ": " + db.error(rc);
    db.rollback();
    return out;
  };
  if (int rc = db.exec("BEGIN IMMEDIATE"); rc != SQLITE_OK) {
    return fail(rc, "starting the " + name + " schema migration");
  }
  if (int rc = db.exec("CREATE TABLE IF NOT EXISTS neuromesh_schema(component TEXT PRIMARY KEY, "
                       "version INTEGER NOT NULL)");
      rc != SQLITE_OK) {
    return fail(rc, "creating neuromesh_schema");
  }
  int version = 0;
  bool found = false;
  if (int rc = read_version(db, component, version, found); rc != SQLITE_OK) {
    return fail(rc, "reading the " + name + " schema version");
  }
  if (!found && legacy_version != nullptr) version = legacy_version(db);
  out.from_version = version;
  const int latest = steps.empty() ? 0 : steps.back().version;
  if (version > latest) {
    db.rollback();
    out.too_new = true;
    out.to_version = version;
    out.error = name + " schema version " + std::to_string(version) +
                " is newer than this build's " + std::to_string(latest);
    return out;
  }
  for (const auto& step : steps) {
    if (step.version <= version) continue;
    if (int rc = db.exec(step.sql); rc != SQLITE_OK) {
      return fail(rc, name + " schema step " + std::to_string(step.version));
    }
    version = step.version;
  }
  if (!found || version != out.from_version) {
    if (int rc = write_version(db, component, version); rc != SQLITE_OK) {
      return fail(rc, "stamping the " + name + " schema version");
    }
  }
  if (int rc = db.exec("COMMIT"); rc != SQLITE_OK) {
    return fail(rc, "committing the " + name + " schema migration");
  }
  out.to_version = version;
  return out;
}

}  // namespace neuromesh::registry::storage
