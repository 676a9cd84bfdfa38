#include "neuromesh/registry/sqlite_store.h"

#include "capabilities_json.h"
#include "neuromesh/registry/storage/sqlite.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <mutex>

namespace neuromesh::registry {
namespace {

using storage::sqlite_statement;
using reset_guard = storage::sqlite_reset_guard;

// The Python SDK's DDL, verbatim (reference §7.3); schema version 1. PRAGMA user_version
// is stamped too: the Python SDK ignores it, and builds before the storage core read the
// version from it.
constexpr std::array<storage::sqlite_migration, 1> migrations{{
    {1, R"(
CREATE TABLE IF NOT EXISTS neurons (
    neuron_id      TEXT PRIMARY KEY,
    capabilities   TEXT NOT NULL DEFAULT '[]',
    version        TEXT,
    status         TEXT NOT NULL DEFAULT 'registered',
    last_heartbeat TEXT,
    registered_at  TEXT NOT NULL
);
PRAGMA user_version = 1;
)"},
}};

constexpr const char* columns =
    "neuron_id, capabilities, version, status, last_heartbeat, "
    "registered_at";

// One statement per write so every call is its own commit; registered_at is never in the
// update list, which keeps the original (the Python store re-reads it to the same effect).
constexpr const char* upsert_sql =
    "INSERT INTO neurons (neuron_id, capabilities, version, status, last_heartbeat, "
    "registered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(neuron_id) DO UPDATE SET "
    "capabilities = excluded.capabilities, version = excluded.version, "
    "status = excluded.status, last_heartbeat = excluded.last_heartbeat";

constexpr const char* touch_sql =
    "INSERT INTO neurons (neuron_id, capabilities, version, status, last_heartbeat, "
    "registered_at) VALUES (?1, '[]', NULL, coalesce(?3, 'registered'), ?2, ?4) "
    "ON CONFLICT(neuron_id) DO UPDATE SET last_heartbeat = excluded.last_heartbeat, "
    "status = coalesce(?3, neurons.status)";

constexpr const char* mark_sql = "UPDATE neurons SET status = 'deregistered' WHERE neuron_id = ?1";

// file: URI of path with immutable=1 (only '%', '?' and '#' need escaping in the path).
std::string immutable_uri(const std::string& path) {
  std::string out = "file:";
  for (char c : path) {
    if (c == '%')
      out += "%25";
    else if (c == '?')
      out += "%3f";
    else if (c == '#')
      out += "%23";
    else
      out += c;
  }
  return out + "?immutable=1";
}

errc classify(int rc) {
  switch (rc & 0xff) {
    case SQLITE_READONLY:
      return errc::read_only;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return errc::corrupt;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return errc::unavailable;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return errc::busy;
    default:
      return errc::backend_error;
  }
}

}  // namespace

// The version a file carries without a neuromesh_schema row for the registry: PRAGMA
// user_version (1 when a build before the storage core stamped it, 0 for a new file or a
// Python-created one; step 1 is CREATE TABLE IF NOT EXISTS, a no-op on the Python table).
int legacy_user_version(storage::sqlite_connection& conn) {
  sqlite_statement s;
  if (conn.prepare(s, "PRAGMA user_version") != SQLITE_OK) return 0;
  return conn.step(s) == SQLITE_ROW ? s.column_int(0) : 0;
}

struct sqlite_store::impl {
  explicit impl(sqlite_options o) : options(std::move(o)) {}

  sqlite_options options;
  std::mutex mutex;
  storage::sqlite_connection conn;
  sqlite3* db = nullptr;  ///< conn's handle while open
  sqlite_statement upsert, touch, mark, get, list;
  std::atomic<std::uint64_t> rejected{0}, failures{0};

  std::string where() const { return "sqlite:" + options.path; }

  store_error fail(int rc, std::string_view what) {
    ++failures;
    std::string msg = where() + ": " + std::string(what) + ": " + conn.error(rc);
    const errc code = classify(rc);
    if (code == errc::read_only) msg += " (the file or its folder is not writable)";
    if (code == errc::corrupt) msg += " (not a SQLite database, or damaged)";
    if (code == errc::busy) msg += " (lock held longer than the retry budget)";
    return {code, std::move(msg)};
  }

  store_error not_connected() {
    ++rejected;
    return {errc::not_connected, where() + ": connect() not called"};
  }

  int exec(const char* sql) { return conn.exec(sql); }
  int step(sqlite_statement& s) { return conn.step(s); }

  store_result<int> user_version() {
    sqlite_statement s;
    int rc = s.prepare(db, "PRAGMA user_version");
    if (rc != SQLITE_OK) return fail(rc, "reading the schema version");
    rc = step(s);
    if (rc != SQLITE_ROW) return fail(rc, "reading the schema version");
    return s.column_int(0);
  }

  storage::sqlite_open_options open_options() const {
    storage::sqlite_open_options o;
    o.path = options.path;
    o.read_only = options.read_only;
    o.fsync_every_commit = options.fsync_every_commit;
    o.busy.lock_budget = options.lock_budget;
    return o;
  }

  store_result<void> open();
  store_result<void> migrate();
  store_result<neuron_record> read_row(sqlite_statement& s);
  void close() noexcept {
    upsert.finalize();
    touch.finalize();
    mark.finalize();
    get.finalize();
    list.finalize();
    conn.close();
    db = nullptr;
  }
};

store_result<void> sqlite_store::impl::open() {
  auto o = open_options();
  o.set_journal_on_open = false;  // a newer schema is refused before anything is written
  int rc = conn.open(o);
  db = conn.handle();
  if (rc == SQLITE_READONLY && !options.read_only) {
    ++failures;
    close();
    return store_error{errc::read_only, where() +
                                            ": the file is read-only (open it read-only "
                                            "to inspect it)"};
  }
  if (rc != SQLITE_OK) {
    auto e = fail(rc, "cannot open the database");
    close();
    return e;
  }
  auto version = user_version();
  if (!version && options.read_only && !std::filesystem::exists(options.path + "-wal") &&
      (version.error().code == errc::unavailable || version.error().code == errc::read_only)) {
    // A WAL-mode file whose -shm cannot be created (a folder we may not write) cannot be
    // read normally. With no -wal file there is no writer and nothing outside the main file,
    // so read it as immutable.
    close();
    rc = conn.open_uri(immutable_uri(options.path), o);
    db = conn.handle();
    if (rc != SQLITE_OK) return fail(rc, "cannot open the database");
    version = user_version();
  }
  if (!version) return version.error();
  if (*version > sqlite_store::schema_version) {
    ++failures;
    return store_error{errc::schema_too_new, where() + ": schema version " +
                                                 std::to_string(*version) +
                                                 " is newer than this build's " +
                                                 std::to_string(sqlite_store::schema_version)};
  }
  if (!options.read_only) {
    if ((rc = conn.set_journal()) != SQLITE_OK) return fail(rc, "setting WAL and synchronous");
    // A registry of tens of thousands of records fits in memory: a larger page cache and
    // memory-mapped reads keep list() from re-reading pages through read(2) on every call.
    exec("PRAGMA cache_size = -32768");
    exec("PRAGMA mmap_size = 268435456");
    if (auto m = migrate(); !m) return m;
  } else {
    sqlite_statement s;
    rc = s.prepare(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'neurons'");
    if (rc == SQLITE_OK) rc = step(s);
    if (rc == SQLITE_DONE) {
      ++failures;
      return store_error{errc::unavailable,
                         where() + ": no 'neurons' table (not a registry database)"};
    }
    if (rc != SQLITE_ROW) return fail(rc, "reading the schema");
  }
  const std::string select = std::string("SELECT ") + columns + " FROM neurons";
  struct {
    sqlite_statement* s;
    std::string sql;
  } statements[] = {
      {&upsert, upsert_sql},
      {&touch, touch_sql},
      {&mark, mark_sql},
      {&get, select + " WHERE neuron_id = ?1"},
      // The capability filter is a substring pre-filter that never misses: a row holding the
      // capability contains it quoted as Python writes it (?3), or verbatim (?2), or has some
      // escape (a backslash) — do_list() then checks membership exactly on decoded rows.
      // (json_each() is exact too, but parses every row's JSON: 4x slower on 10,000 rows.)
      {&list, select + " WHERE (?2 IS NULL OR instr(capabilities, ?2) > 0 OR "
                       "instr(capabilities, ?3) > 0 OR instr(capabilities, '\\') > 0) AND "
                       "(?1 OR status != 'deregistered')"},
  };
  for (auto& [s, sql] : statements) {
    if ((rc = s->prepare(db, sql.c_str())) != SQLITE_OK) return fail(rc, "preparing statements");
  }
  return {};
}

// The storage core's one migration mechanism (component 'registry' in neuromesh_schema).
// Versions: 0 = empty file or a Python-created file (the same table, no version stamp);
// 1 = the Python table. A file without the registry's row takes its version from PRAGMA
// user_version (what builds before the storage core stamped). A later version adds its
// step to `migrations`.
store_result<void> sqlite_store::impl::migrate() {
  auto m = storage::sqlite_migrate(conn, "registry", migrations, legacy_user_version);
  if (m.too_new) {
    ++failures;
    return store_error{errc::schema_too_new, where() + ": " + m.error};
  }
  if (m.rc != SQLITE_OK) {
    ++failures;
    return store_error{classify(m.rc), where() + ": " + m.error};
  }
  return {};
}

store_result<neuron_record> sqlite_store::impl::read_row(sqlite_statement& s) {
  neuron_record r;
  r.neuron_id = s.column_text(0);
  auto caps = detail::decode_capabilities(s.column_view(1));
  if (!caps) {
    ++failures;
    return store_error{errc::bad_record, where() + ": neuron '" + r.neuron_id +
                                             "': capabilities is not a JSON array of strings: " +
                                             std::string(s.column_text(1))};
  }
  r.capabilities = std::move(*caps);
  if (!s.column_is_null(2)) r.version = std::string(s.column_text(2));
  r.status = s.column_is_null(3) ? std::string(status::registered) : s.column_text(3);
  auto timestamp = [&](int col, const char* name) -> store_result<std::optional<time_point>> {
    if (s.column_is_null(col)) return std::optional<time_point>{};
    auto tp = parse_iso8601(s.column_view(col));
    if (!tp) {
      ++failures;
      return store_error{errc::bad_record,
                         where() + ": neuron '" + r.neuron_id + "': " + name +
                             " is not an ISO-8601 time: " + std::string(s.column_text(col))};
    }
    return std::optional<time_point>{*tp};
  };
  auto hb = timestamp(4, "last_heartbeat");
  if (!hb) return hb.error();
  r.last_heartbeat = *hb;
  auto reg = timestamp(5, "registered_at");
  if (!reg) return reg.error();
  r.registered_at = reg->value_or(now_utc());  // as the Python store does for a missing value
  return r;
}

sqlite_store::sqlite_store(sqlite_options options)
    : impl_(std::make_unique<impl>(std::move(options))) {}
sqlite_store::sqlite_store(std::string path)
    : sqlite_store([&] {
        sqlite_options o;
        o.path = std::move(path);
        return o;
      }()) {}
sqlite_store::~sqlite_store() { close(); }

store_result<void> sqlite_store::connect() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->db != nullptr) return {};
  auto r = impl_->open();
  if (!r) impl_->close();
  return r;
}

void sqlite_store::close() noexcept {
  std::lock_guard lock(impl_->mutex);
  impl_->close();
}

store_stats sqlite_store::stats() const noexcept {
  store_stats s;
  s.busy_retries = impl_->conn.busy_retries();
  s.rejected = impl_->rejected.load();
  s.failures = impl_->failures.load();
  return s;
}

void sqlite_store::count_rejected() noexcept { ++impl_->rejected; }

store_result<void> sqlite_store::do_upsert(const neuron_record& record) {
  const std::string caps = detail::encode_capabilities(record.capabilities);
  const std::string hb = record.last_heartbeat ? format_iso8601(*record.last_heartbeat) : "";
  const std::string reg = format_iso8601(record.registered_at);
  std::lock_guard lock(impl_->mutex);
  if (impl_->db == nullptr) return impl_->not_connected();
  auto& s = impl_->upsert;
  reset_guard guard(s);
  s.bind_text(1, record.neuron_id);
  s.bind_text(2, caps);
  record.version ? s.bind_text(3, *record.version) : s.bind_null(3);
  s.bind_text(4, record.status);
  record.last_heartbeat ? s.bind_text(5, hb) : s.bind_null(5);
  s.bind_text(6, reg);
  if (int rc = impl_->step(s); rc != SQLITE_DONE) return impl_->fail(rc, "upsert");
  return {};
}

store_result<void> sqlite_store::do_mark_deregistered(std::string_view neuron_id) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->db == nullptr) return impl_->not_connected();
  auto& s = impl_->mark;
  reset_guard guard(s);
  s.bind_text(1, neuron_id);
  if (int rc = impl_->step(s); rc != SQLITE_DONE) return impl_->fail(rc, "mark_deregistered");
  return {};
}

store_result<void> sqlite_store::do_touch_heartbeat(std::string_view neuron_id, time_point ts,
                                                    std::optional<std::string_view> status) {
  const std::string ts_text = format_iso8601(ts);
  const std::string now_text = format_iso8601(now_utc());
  std::lock_guard lock(impl_->mutex);
  if (impl_->db == nullptr) return impl_->not_connected();
  auto& s = impl_->touch;
  reset_guard guard(s);
  s.bind_text(1, neuron_id);
  s.bind_text(2, ts_text);
  status ? s.bind_text(3, *status) : s.bind_null(3);
  s.bind_text(4, now_text);
  if (int rc = impl_->step(s); rc != SQLITE_DONE) return impl_->fail(rc, "touch_heartbeat");
  return {};
}

store_result<std::optional<neuron_record>> sqlite_store::do_get(std::string_view neuron_id) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->db == nullptr) return impl_->not_connected();
  auto& s = impl_->get;
  reset_guard guard(s);
  s.bind_text(1, neuron_id);
  const int rc = impl_->step(s);
  if (rc == SQLITE_DONE) return std::optional<neuron_record>{};
  if (rc != SQLITE_ROW) return impl_->fail(rc, "get");
  auto r = impl_->read_row(s);
  if (!r) return r.error();
  return std::optional<neuron_record>{std::move(*r)};
}

store_result<std::vector<neuron_record>> sqlite_store::do_list(const list_options& options) {
  std::vector<neuron_record> out;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->db == nullptr) return impl_->not_connected();
    auto& s = impl_->list;
    reset_guard guard(s);
    std::string verbatim, python;
    s.bind_int(1, options.include_deregistered ? 1 : 0);
    if (options.capability) {
      verbatim = '"' + *options.capability + '"';
      python = detail::encode_capabilities({*options.capability});
      python = python.substr(1, python.size() - 2);  // the element without [ ]
      s.bind_text(2, verbatim);
      // Plain ASCII names are spelled the same both ways: skip the second scan.
      python == verbatim ? s.bind_null(3) : s.bind_text(3, python);
    } else {
      s.bind_null(2);
      s.bind_null(3);
    }
    for (;;) {
      const int rc = impl_->step(s);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return impl_->fail(rc, "list");
      auto r = impl_->read_row(s);
      if (!r) {
        // A row that cannot be decoded cannot hold the capability asked for; without a
        // filter it is reported.
        if (options.capability) continue;
        return r.error();
      }
      if (options.capability && !r->has_capability(*options.capability)) continue;
      out.push_back(std::move(*r));
    }
  }
  std::sort(out.begin(), out.end(), [](const neuron_record& a, const neuron_record& b) {
    return a.neuron_id < b.neuron_id;
  });
  return out;
}

}  // namespace neuromesh::registry
