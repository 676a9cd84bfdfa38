#include "neuromesh/runtime/engram_sqlite.h"

#include "engram_json.h"
#include "engram_ops.h"
#include "engram_recall.h"
#include "neuromesh/registry/storage/sqlite.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <mutex>

namespace neuromesh::runtime {

engram_identity default_sqlite_identity() {
  return {"engram-sqlite", "relational", {"substring", "tags", "merge_key", "time_range"}, "0.0.1"};
}

namespace {

using detail::stored_row;
using registry::storage::sqlite_connection;
using registry::storage::sqlite_statement;
using statement_reset = registry::storage::sqlite_reset_guard;

// The Python SDK's DDL, verbatim (reference §6.4).
constexpr const char* reference_schema = R"(
CREATE TABLE IF NOT EXISTS engram_entries (
    id           TEXT PRIMARY KEY,
    engram_kind  TEXT NOT NULL,
    merge_key    TEXT,
    content      TEXT NOT NULL,         -- JSON
    tags         TEXT NOT NULL DEFAULT '[]',  -- JSON array
    meta         TEXT NOT NULL DEFAULT '{}',  -- JSON
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    deleted_at   TEXT
);

CREATE INDEX IF NOT EXISTS engram_entries_kind_idx
    ON engram_entries (engram_kind);
CREATE INDEX IF NOT EXISTS engram_entries_merge_key_idx
    ON engram_entries (merge_key)
    WHERE merge_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS engram_entries_updated_idx
    ON engram_entries (updated_at);

CREATE TABLE IF NOT EXISTS engram_imprint_seen (
    imprint_id TEXT PRIMARY KEY,
    entry_id   TEXT NOT NULL,
    seen_at    TEXT NOT NULL
);
)";

// neuromesh's additions (schema version 1). The text index follows engram_entries through
// triggers, so rows written by a Python process are indexed as well. The version lives in
// the storage core's neuromesh_schema (component "engram"); neuromesh_engram_schema, where
// builds before the core kept it, is still stamped for them.
constexpr const char* neuromesh_schema = R"(
CREATE TABLE IF NOT EXISTS neuromesh_engram_schema (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS neuromesh_engram_journal (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    engram_id  TEXT NOT NULL,
    trace_id   TEXT NOT NULL,
    entry_id   TEXT NOT NULL,
    before     TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS neuromesh_engram_journal_trace_idx
    ON neuromesh_engram_journal (engram_id, trace_id, seq);
CREATE VIRTUAL TABLE IF NOT EXISTS neuromesh_engram_fts USING fts5(
    content, content='engram_entries', content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER IF NOT EXISTS neuromesh_engram_fts_insert AFTER INSERT ON engram_entries BEGIN
  INSERT INTO neuromesh_engram_fts(rowid, content) VALUES (new.rowid, new.content);
END;
CREATE TRIGGER IF NOT EXISTS neuromesh_engram_fts_delete AFTER DELETE ON engram_entries BEGIN
  INSERT INTO neuromesh_engram_fts(neuromesh_engram_fts, rowid, content)
    VALUES ('delete', old.rowid, old.content);
END;
CREATE TRIGGER IF NOT EXISTS neuromesh_engram_fts_update AFTER UPDATE OF content
    ON engram_entries BEGIN
  INSERT INTO neuromesh_engram_fts(neuromesh_engram_fts, rowid, content)
    VALUES ('delete', old.rowid, old.content);
  INSERT INTO neuromesh_engram_fts(rowid, content) VALUES (new.rowid, new.content);
END;
INSERT INTO neuromesh_engram_fts(neuromesh_engram_fts) VALUES ('rebuild');
DELETE FROM neuromesh_engram_schema;
INSERT INTO neuromesh_engram_schema (version) VALUES (1);
)";

// Version 1: the reference tables where missing (a Python-created file already has them),
// then neuromesh's tables, triggers and text index, filled from the rows already there.
const std::string schema_v1 = std::string(reference_schema) + neuromesh_schema;
const std::array<registry::storage::sqlite_migration, 1> migrations{{{1, schema_v1.c_str()}}};
static_assert(sqlite_engram::schema_version == 1, "a new schema version needs its migration step");

// A file written before the storage core: its version is in neuromesh_engram_schema (0 when
// that table is missing: a new file, or one the Python SDK created).
int legacy_version(sqlite_connection& db) {
  sqlite_statement s;
  if (db.prepare(s, "SELECT version FROM neuromesh_engram_schema") != SQLITE_OK) return 0;
  return db.step(s) == SQLITE_ROW ? s.column_int(0) : 0;
}

constexpr const char* row_columns =
    "e.id, e.engram_kind, e.merge_key, e.content, e.tags, e.meta, e.version, e.created_at, "
    "e.updated_at, e.deleted_at";

engram_errc classify(int rc) {
  switch (rc & 0xff) {
    case SQLITE_READONLY:
      return engram_errc::read_only;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return engram_errc::corrupt;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return engram_errc::unavailable;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return engram_errc::busy;
    default:
      return engram_errc::backend_error;
  }
}

// FTS5 string literal: the needle in double quotes, inner quotes doubled.
std::string fts_phrase(std::string_view needle) {
  std::string out = "\"";
  for (char c : needle) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

}  // namespace

struct sqlite_engram::impl : detail::engram_tx {
  explicit impl(sqlite_engram_options o) : options(std::move(o)) {}

  sqlite_engram_options options;
  std::mutex mutex;
  sqlite_connection db;
  sqlite_statement seen_get, seen_put, find_row, newest, insert_row, update_row, erase_row,
      journal_put, journal_get, journal_drop;
  std::map<std::string, std::unique_ptr<sqlite_statement>, std::less<>> recall_cache;
  std::atomic<std::uint64_t> recalls{0}, imprints{0}, replays{0}, receipt_errors{0}, rejected{0},
      failures{0}, busy_retries{0}, compensated{0};  // busy_retries: of closed connections

  std::string where() const { return "sqlite:" + options.path; }

  engram_error fail(int rc, std::string_view what) {
    ++failures;
    std::string msg = where() + ": " + std::string(what) + ": ";
    msg += db.error(rc);
    const auto code = classify(rc);
    if (code == engram_errc::read_only) msg += " (the file or its folder is not writable)";
    if (code == engram_errc::corrupt) msg += " (not a SQLite database, or damaged)";
    if (code == engram_errc::busy) msg += " (lock held longer than the retry budget)";
    return {code, std::move(msg)};
  }

  engram_error not_connected() {
    ++rejected;
    return {engram_errc::not_connected, where() + ": connect() not called"};
  }

  // The storage core's busy policy: SQLite's busy timeout inside a call, then retries with
  // backoff until the lock budget is spent.
  int exec(const char* sql) { return db.exec(sql); }
  int step(sqlite_statement& s) { return db.step(s); }
  engram_result<void> done(sqlite_statement& s, std::string_view what) {
    statement_reset guard(s);
    if (int rc = step(s); rc != SQLITE_DONE) return fail(rc, what);
    return {};
  }

  engram_result<void> open();
  engram_result<void> migrate();
  engram_result<stored_row> read_row(sqlite_statement& s, int first = 0);
  engram_result<std::optional<stored_row>> one_row(sqlite_statement& s, std::string_view what) {
    statement_reset guard(s);
    const int rc = step(s);
    if (rc == SQLITE_DONE) return std::optional<stored_row>{};
    if (rc != SQLITE_ROW) return fail(rc, what);
    auto row = read_row(s);
    if (!row) return row.error();
    return std::optional<stored_row>{std::move(*row)};
  }
  void bind_row(sqlite_statement& s, const stored_row& row) {
    const auto& e = row.entry;
    s.bind_text(1, e.id);
    s.bind_text(2, row.engram_kind);
    e.merge_key ? s.bind_text(3, *e.merge_key) : s.bind_null(3);
    s.bind_text_copy(4, detail::python_dumps(e.content));
    boost::json::array tags;
    for (const auto& t : e.tags) tags.emplace_back(t);
    s.bind_text_copy(5, detail::python_dumps(tags));
    s.bind_text_copy(6, detail::python_dumps(e.meta));
    s.bind_int64(7, e.version);
    s.bind_text_copy(8, registry::format_iso8601(e.created_at));
    s.bind_text_copy(9, registry::format_iso8601(e.updated_at));
    row.deleted_at ? s.bind_text_copy(10, registry::format_iso8601(*row.deleted_at))
                   : s.bind_null(10);
  }

  // engram_tx
  engram_result<std::optional<std::string>> seen(std::string_view imprint_id) override {
    statement_reset guard(seen_get);
    seen_get.bind_text(1, imprint_id);
    const int rc = step(seen_get);
    if (rc == SQLITE_DONE) return std::optional<std::string>{};
    if (rc != SQLITE_ROW) return fail(rc, "reading engram_imprint_seen");
    return std::optional<std::string>{seen_get.column_text(0)};
  }
  engram_result<void> mark_seen(std::string_view imprint_id, std::string_view entry_id) override {
    seen_put.bind_text(1, imprint_id);
    seen_put.bind_text(2, entry_id);
    seen_put.bind_text_copy(3, registry::format_iso8601(registry::now_utc()));
    return done(seen_put, "writing engram_imprint_seen");
  }
  engram_result<std::optional<stored_row>> find(std::string_view id) override {
    find_row.bind_text(1, id);
    return one_row(find_row, "reading an entry");
  }
  engram_result<std::optional<stored_row>> newest_live(std::string_view merge_key) override {
    newest.bind_text(1, merge_key);
    return one_row(newest, "reading the newest entry of a merge_key");
  }
  engram_result<void> insert(const stored_row& row) override {
    bind_row(insert_row, row);
    return done(insert_row, "inserting an entry");
  }
  engram_result<void> update(const stored_row& row) override {
    bind_row(update_row, row);
    return done(update_row, "updating an entry");
  }
  engram_result<void> erase(std::string_view id) override {
    erase_row.bind_text(1, id);
    return done(erase_row, "erasing an entry");
  }
  bool soft_delete() const noexcept override { return true; }
  engram_result<void> journal(std::string_view trace_id, const detail::journal_record& r) override {
    journal_put.bind_text(1, options.identity.engram_id);
    journal_put.bind_text(2, trace_id);
    journal_put.bind_text(3, r.entry_id);
    if (r.before)
      journal_put.bind_text_copy(4, boost::json::serialize(detail::row_to_json(*r.before)));
    else
      journal_put.bind_null(4);
    journal_put.bind_text_copy(5, registry::format_iso8601(registry::now_utc()));
    return done(journal_put, "writing the saga journal");
  }
  engram_result<std::vector<detail::journal_record>> take_journal(
      std::string_view trace_id) override {
    std::vector<detail::journal_record> out;
    {
      statement_reset guard(journal_get);
      journal_get.bind_text(1, options.identity.engram_id);
      journal_get.bind_text(2, trace_id);
      for (;;) {
        const int rc = step(journal_get);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) return fail(rc, "reading the saga journal");
        detail::journal_record rec;
        rec.entry_id = journal_get.column_text(0);
        if (!journal_get.column_is_null(1)) {
          boost::system::error_code ec;
          auto v = boost::json::parse(journal_get.column_view(1), ec);
          auto row = ec ? std::nullopt : detail::row_from_json(v);
          if (!row) {
            ++failures;
            return engram_error{engram_errc::bad_record, where() +
                                                             ": saga journal record of entry '" +
                                                             rec.entry_id + "' cannot be decoded"};
          }
          rec.before = std::move(*row);
        }
        out.push_back(std::move(rec));
      }
    }
    journal_drop.bind_text(1, options.identity.engram_id);
    journal_drop.bind_text(2, trace_id);
    if (auto d = done(journal_drop, "clearing the saga journal"); !d) return d.error();
    return out;
  }

  // Runs fn() inside BEGIN IMMEDIATE .. COMMIT; rolls back when fn fails.
  template <class T, class Fn>
  engram_result<T> transaction(std::string_view what, Fn&& fn) {
    if (int rc = exec("BEGIN IMMEDIATE"); rc != SQLITE_OK) return fail(rc, what);
    engram_result<T> out = fn();
    if (!out) {
      exec("ROLLBACK");
      return out;
    }
    if (int rc = exec("COMMIT"); rc != SQLITE_OK) {
      auto e = fail(rc, what);
      exec("ROLLBACK");
      return e;
    }
    return out;
  }

  void close() noexcept {
    for (auto* s : {&seen_get, &seen_put, &find_row, &newest, &insert_row, &update_row, &erase_row,
                    &journal_put, &journal_get, &journal_drop})
      s->finalize();
    recall_cache.clear();
    busy_retries += db.busy_retries();
    db.close();
  }
};

engram_result<void> sqlite_engram::impl::open() {
  registry::storage::sqlite_open_options o;
  o.path = options.path;
  o.fsync_every_commit = options.fsync_every_commit;
  o.busy.lock_budget = options.lock_budget;
  o.busy.busy_timeout = std::min(options.lock_budget, std::chrono::milliseconds(1'000));
  int rc = db.open(o);  // WAL and synchronous, or the failing code
  if ((rc & 0xff) == SQLITE_READONLY) {
    ++failures;
    return engram_error{engram_errc::read_only, where() + ": the file is read-only"};
  }
  if (rc != SQLITE_OK) return fail(rc, "cannot open the database");
  exec("PRAGMA cache_size = -32768");
  if (auto m = migrate(); !m) return m;
  const std::string select = std::string("SELECT ") + row_columns + " FROM engram_entries e";
  const std::string row_values = " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
  struct {
    sqlite_statement* s;
    std::string sql;
  } statements[] = {
      {&seen_get, "SELECT entry_id FROM engram_imprint_seen WHERE imprint_id = ?1"},
      {&seen_put,
       "INSERT OR IGNORE INTO engram_imprint_seen (imprint_id, entry_id, seen_at) "
       "VALUES (?1, ?2, ?3)"},
      {&find_row, select + " WHERE e.id = ?1"},
      {&newest, select + " WHERE e.merge_key = ?1 AND e.deleted_at IS NULL "
                         "ORDER BY e.updated_at DESC LIMIT 1"},
      {&insert_row,
       "INSERT INTO engram_entries (id, engram_kind, merge_key, content, tags, meta, version, "
       "created_at, updated_at, deleted_at)" +
           row_values},
      {&update_row,
       "UPDATE engram_entries SET engram_kind = ?2, merge_key = ?3, content = ?4, tags = ?5, "
       "meta = ?6, version = ?7, created_at = ?8, updated_at = ?9, deleted_at = ?10 "
       "WHERE id = ?1"},
      {&erase_row, "DELETE FROM engram_entries WHERE id = ?1"},
      {&journal_put,
       "INSERT INTO neuromesh_engram_journal (engram_id, trace_id, entry_id, before, "
       "created_at) VALUES (?1, ?2, ?3, ?4, ?5)"},
      {&journal_get,
       "SELECT entry_id, before FROM neuromesh_engram_journal WHERE engram_id = ?1 AND "
       "trace_id = ?2 ORDER BY seq DESC"},
      {&journal_drop,
       "DELETE FROM neuromesh_engram_journal WHERE engram_id = ?1 AND trace_id = ?2"},
  };
  for (auto& [s, sql] : statements)
    if ((rc = db.prepare(*s, sql)) != SQLITE_OK) return fail(rc, "preparing statements");
  return {};
}

// The storage core's migration (component "engram"); a file written before the core keeps
// its version in neuromesh_engram_schema, a Python-created file has none (version 0).
engram_result<void> sqlite_engram::impl::migrate() {
  auto m = registry::storage::sqlite_migrate(db, "engram", migrations, legacy_version);
  if (m.too_new) {
    ++failures;
    return engram_error{engram_errc::schema_too_new, where() + ": " + m.error};
  }
  if (m.rc != SQLITE_OK) {
    ++failures;
    return engram_error{classify(m.rc), where() + ": " + m.error};
  }
  return {};
}

engram_result<stored_row> sqlite_engram::impl::read_row(sqlite_statement& s, int first) {
  stored_row row;
  auto& e = row.entry;
  e.id = s.column_text(first + 0);
  row.engram_kind = s.column_text(first + 1);
  if (!s.column_is_null(first + 2)) e.merge_key = s.column_text(first + 2);
  auto bad = [&](std::string what) -> engram_error {
    ++failures;
    return {engram_errc::bad_record, where() + ": entry '" + e.id + "': " + what};
  };
  boost::system::error_code ec;
  e.content = boost::json::parse(s.column_view(first + 3), ec);
  if (ec) return bad("content is not JSON");
  const auto tags_text = s.column_view(first + 4);
  auto tags = tags_text.empty()
                  ? std::optional<std::vector<std::string>>(std::vector<std::string>{})
                  : detail::decode_string_array(tags_text);
  if (!tags) return bad("tags is not a JSON array of strings");
  e.tags = std::move(*tags);
  const auto meta_text = s.column_view(first + 5);
  if (!meta_text.empty()) {
    auto meta = boost::json::parse(meta_text, ec);
    if (ec || !(meta.is_object() || meta.is_null())) return bad("meta is not a JSON object");
    if (meta.is_object()) e.meta = std::move(meta.get_object());
  }
  e.version = s.column_int64(first + 6);
  auto created = registry::parse_iso8601(s.column_view(first + 7));
  auto updated = registry::parse_iso8601(s.column_view(first + 8));
  if (!created || !updated) return bad("created_at/updated_at is not an ISO-8601 time");
  e.created_at = *created;
  e.updated_at = *updated;
  if (!s.column_is_null(first + 9)) {
    auto deleted = registry::parse_iso8601(s.column_view(first + 9));
    if (!deleted) return bad("deleted_at is not an ISO-8601 time");
    row.deleted_at = *deleted;
  }
  return row;
}

sqlite_engram::sqlite_engram(sqlite_engram_options options)
    : engram(options.identity), impl_(std::make_unique<impl>(std::move(options))) {}
sqlite_engram::~sqlite_engram() { close(); }

engram_result<void> sqlite_engram::connect() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->db.is_open()) return {};
  auto r = impl_->open();
  if (!r) impl_->close();
  return r;
}

void sqlite_engram::close() noexcept {
  std::lock_guard lock(impl_->mutex);
  impl_->close();
}

engram_result<void> sqlite_engram::rebuild_index() {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->db.is_open()) return impl_->not_connected();
  if (int rc = impl_->exec("INSERT INTO neuromesh_engram_fts(neuromesh_engram_fts) VALUES "
                           "('rebuild')");
      rc != SQLITE_OK)
    return impl_->fail(rc, "rebuilding the text index");
  return {};
}

engram_result<std::size_t> sqlite_engram::compensate(std::string_view trace_id) {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->db.is_open()) return impl_->not_connected();
  auto n = impl_->transaction<std::size_t>("compensating a trace",
                                           [&] { return detail::compensate(*impl_, trace_id); });
  if (n) impl_->compensated += *n;
  return n;
}

engram_result<void> sqlite_engram::commit(std::string_view trace_id) {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->db.is_open()) return impl_->not_connected();
  impl_->journal_drop.bind_text(1, engram_id());
  impl_->journal_drop.bind_text(2, trace_id);
  return impl_->done(impl_->journal_drop, "clearing the saga journal");
}

engram_stats sqlite_engram::stats() const noexcept {
  engram_stats s;
  s.recalls = impl_->recalls.load();
  s.imprints = impl_->imprints.load();
  s.replays = impl_->replays.load();
  s.receipt_errors = impl_->receipt_errors.load();
  s.rejected = impl_->rejected.load();
  s.failures = impl_->failures.load();
  s.busy_retries = impl_->busy_retries.load() + impl_->db.busy_retries();
  s.compensated = impl_->compensated.load();
  return s;
}

void sqlite_engram::count_rejected() noexcept { ++impl_->rejected; }

engram_result<imprint_receipt> sqlite_engram::do_imprint(const imprint_request& r) {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->db.is_open()) return impl_->not_connected();
  bool replay = false;
  std::optional<imprint_receipt> refused;
  auto out =
      impl_->transaction<imprint_receipt>("imprint", [&]() -> engram_result<imprint_receipt> {
        if (r.imprint_id) {
          auto seen = impl_->seen(*r.imprint_id);
          if (!seen) return seen.error();
          replay = seen->has_value();
        }
        auto receipt = detail::apply_imprint(*impl_, r, identity());
        if (receipt && receipt->error) {
          refused = std::move(*receipt);  // wrote nothing; roll the transaction back
          return engram_error{engram_errc::invalid_argument, *refused->error};
        }
        return receipt;
      });
  if (refused) {
    ++impl_->receipt_errors;
    return *refused;
  }
  if (out) ++(replay ? impl_->replays : impl_->imprints);
  return out;
}

engram_result<recall_hits> sqlite_engram::do_recall(const recall_query& q) {
  auto plan = detail::plan_recall(q);
  if (!plan) {
    ++impl_->rejected;
    return plan.error();
  }
  if (!plan->needle && q.min_confidence && *q.min_confidence > 1.0) return recall_hits{};
  // The SQL depends on which parts of the query are present; one cached statement per shape.
  const bool indexed = plan->needle && plan->needle->size() >= 3;
  std::string sql = std::string("SELECT ") + row_columns;
  if (indexed)
    sql +=
        " FROM neuromesh_engram_fts f JOIN engram_entries e ON e.rowid = f.rowid WHERE "
        "neuromesh_engram_fts MATCH ?1 AND e.deleted_at IS NULL";
  else
    sql += " FROM engram_entries e WHERE e.deleted_at IS NULL";
  if (plan->needle && !indexed) sql += " AND instr(lower(e.content), ?1) > 0";
  if (q.merge_key) sql += " AND e.merge_key = ?2";
  if (q.since) sql += " AND e.updated_at >= ?3";
  if (q.until) sql += " AND e.updated_at <= ?4";
  if (!plan->tags.empty())
    sql +=
        " AND (SELECT count(DISTINCT t.value) FROM json_each(e.tags) t WHERE t.value IN "
        "(SELECT value FROM json_each(?5))) = ?6";
  if (plan->needle && q.min_confidence) sql += " AND ?7 * length(e.content) <= ?8";
  sql += plan->needle ? " ORDER BY length(e.content), e.updated_at DESC, e.id LIMIT ?9"
                      : " ORDER BY e.updated_at DESC, e.id LIMIT ?9";

  std::vector<hit> hits;
  bool truncated = false;
  std::lock_guard lock(impl_->mutex);
  if (!impl_->db.is_open()) return impl_->not_connected();
  ++impl_->recalls;
  auto& slot = impl_->recall_cache[sql];
  if (!slot) {
    slot = std::make_unique<sqlite_statement>();
    if (int rc = impl_->db.prepare(*slot, sql); rc != SQLITE_OK) {
      slot.reset();
      impl_->recall_cache.erase(sql);
      return impl_->fail(rc, "preparing a recall");
    }
  }
  auto& s = *slot;
  statement_reset guard(s);
  if (plan->needle) s.bind_text_copy(1, indexed ? fts_phrase(*plan->needle) : *plan->needle);
  if (q.merge_key) s.bind_text(2, *q.merge_key);
  if (q.since) s.bind_text_copy(3, registry::format_iso8601(*q.since));
  if (q.until) s.bind_text_copy(4, registry::format_iso8601(*q.until));
  if (!plan->tags.empty()) {
    boost::json::array tags;
    for (const auto& t : plan->tags) tags.emplace_back(t);
    s.bind_text_copy(5, boost::json::serialize(tags));
    s.bind_int64(6, static_cast<std::int64_t>(plan->tags.size()));
  }
  if (plan->needle && q.min_confidence) {
    s.bind_double(7, *q.min_confidence);
    s.bind_double(8, static_cast<double>(plan->needle_length));
  }
  s.bind_int64(9, static_cast<std::int64_t>(q.top_k) + 1);
  for (;;) {
    const int rc = impl_->step(s);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return impl_->fail(rc, "recall");
    if (hits.size() == q.top_k) {
      truncated = true;
      break;
    }
    auto row = impl_->read_row(s);
    if (!row) continue;  // counted in failures; one bad row does not hide the others
    const double score = detail::text_score(*plan, s.column_view(3).size());
    hits.push_back({row->entry.id, std::move(row->entry), score});
  }
  recall_hits out;
  out.hits = std::move(hits);
  out.truncated = truncated;
  return out;
}

}  // namespace neuromesh::runtime
