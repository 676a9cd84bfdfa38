#include "neuromesh/runtime/engram_postgres.h"

#include "engram_json.h"
#include "engram_ops.h"
#include "engram_recall.h"
#include "neuromesh/registry/storage/postgres.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <atomic>

namespace neuromesh::runtime {

engram_identity default_postgres_identity() {
  return {"engram-postgres",
          "relational",
          {"substring", "tags", "merge_key", "time_range", "jsonb"},
          "0.0.1"};
}

namespace {

using detail::stored_row;
namespace pg = registry::storage;

// The Python SDK's DDL, verbatim (reference §6.4).
constexpr const char* reference_schema = R"(
CREATE TABLE IF NOT EXISTS cosmonapse_engram_entries (
    id           TEXT PRIMARY KEY,
    engram_kind  TEXT NOT NULL,
    merge_key    TEXT,
    content      JSONB NOT NULL,
    tags         TEXT[] NOT NULL DEFAULT '{}',
    meta         JSONB NOT NULL DEFAULT '{}'::jsonb,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at   TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS cosmonapse_engram_kind_idx
    ON cosmonapse_engram_entries (engram_kind);
CREATE INDEX IF NOT EXISTS cosmonapse_engram_merge_key_idx
    ON cosmonapse_engram_entries (merge_key)
    WHERE merge_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS cosmonapse_engram_updated_idx
    ON cosmonapse_engram_entries (updated_at DESC);
CREATE INDEX IF NOT EXISTS cosmonapse_engram_tags_gin
    ON cosmonapse_engram_entries USING gin (tags);

CREATE TABLE IF NOT EXISTS cosmonapse_engram_imprint_seen (
    imprint_id TEXT PRIMARY KEY,
    entry_id   TEXT NOT NULL,
    seen_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
)";

// neuromesh's journal. `before` is TEXT so the row image keeps its key order.
constexpr const char* journal_schema = R"(
CREATE TABLE IF NOT EXISTS neuromesh_engram_journal (
    seq        BIGSERIAL PRIMARY KEY,
    engram_id  TEXT NOT NULL,
    trace_id   TEXT NOT NULL,
    entry_id   TEXT NOT NULL,
    before     TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS neuromesh_engram_journal_trace_idx
    ON neuromesh_engram_journal (engram_id, trace_id, seq);
)";

// Version 1 (component "engram" in neuromesh_schema): both, IF NOT EXISTS throughout, so a
// database the Python SDK or a build before the storage core created takes it unchanged.
const std::string schema_v1 = std::string(reference_schema) + journal_schema;
const std::array<pg::pg_migration, 1> migrations{{{1, schema_v1.c_str()}}};

// content::text with ASCII letters lower-cased and nothing else touched: text recall folds
// ASCII case only, the same on every backend (SQLite stores non-ASCII as \u escapes).
constexpr const char* folded_content =
    "translate(content::text, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')";

constexpr const char* select_row =
    "SELECT id, engram_kind, merge_key, content::text, to_json(tags)::text, meta::text, "
    "version, created_at, updated_at, deleted_at FROM cosmonapse_engram_entries";

std::string text_array(const std::vector<std::string>& items) { return pg::pg_text_array(items); }

// %needle% for LIKE, with the pattern characters escaped.
std::string like_pattern(std::string_view needle) {
  std::string out = "%";
  for (char c : needle) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

const char* or_null(const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; }

}  // namespace

struct postgres_engram::impl {
  explicit impl(postgres_engram_options o)
      : options(std::move(o)), pg{options.dsn, options.schema}, pool(pg, options.max_connections) {}

  postgres_engram_options options;
  pg::pg_options pg;
  pg::pg_pool pool;
  std::atomic<bool> text_index{false};
  std::atomic<std::uint64_t> recalls{0}, imprints{0}, replays{0}, receipt_errors{0}, rejected{0},
      failures{0}, compensated{0};

  std::string where() const { return "postgres " + pg::pg_redact(options.dsn); }

  engram_error error(engram_errc code, std::string_view what, std::string_view detail) {
    ++failures;
    return {code, where() + ": " + std::string(what) + ": " + std::string(detail)};
  }
  engram_error from_exception(const std::exception& e, std::string_view what) {
    switch (pg::pg_classify(e)) {
      case pg::pg_failure::closed:
        ++rejected;
        return {engram_errc::not_connected, where() + ": connect() not called"};
      case pg::pg_failure::read_only:
        return error(engram_errc::read_only, what, e.what());
      case pg::pg_failure::unavailable:
        return error(engram_errc::unavailable, what, e.what());
      case pg::pg_failure::backend:
        break;
    }
    return error(engram_errc::backend_error, what, e.what());
  }

  engram_result<void> bootstrap();

  // Runs fn(connection) -> engram_result<T> on a pooled connection under the storage core's
  // retry policy (a broken connection is replaced and the call run once more).
  template <class T, class Fn>
  engram_result<T> run(std::string_view what, Fn&& fn) {
    try {
      return pool.run([&](pqxx::connection& c) -> engram_result<T> { return fn(c); });
    } catch (const std::exception& e) {
      return from_exception(e, what);
    }
  }

  struct tx_ops;
  engram_result<stored_row> read_row(const pqxx::row& row) {
    stored_row out;
    auto& e = out.entry;
    e.id = row[0].c_str();
    out.engram_kind = row[1].c_str();
    if (!row[2].is_null()) e.merge_key = std::string(row[2].c_str());
    auto bad = [&](std::string what) -> engram_error {
      ++failures;
      return {engram_errc::bad_record, where() + ": entry '" + e.id + "': " + what};
    };
    boost::system::error_code ec;
    e.content = boost::json::parse(row[3].c_str(), ec);
    if (ec) return bad("content is not JSON");
    auto tags = row[4].is_null()
                    ? std::optional<std::vector<std::string>>(std::vector<std::string>{})
                    : detail::decode_string_array(row[4].c_str());
    if (!tags) return bad("tags is not an array of text");
    e.tags = std::move(*tags);
    auto meta = boost::json::parse(row[5].is_null() ? "{}" : row[5].c_str(), ec);
    if (ec || !meta.is_object()) return bad("meta is not a JSON object");
    e.meta = std::move(meta.get_object());
    e.version = row[6].as<std::int64_t>();
    auto created = registry::parse_iso8601(row[7].c_str());
    auto updated = registry::parse_iso8601(row[8].c_str());
    if (!created || !updated) return bad("created_at/updated_at is not a finite time");
    e.created_at = *created;
    e.updated_at = *updated;
    if (!row[9].is_null()) {
      auto deleted = registry::parse_iso8601(row[9].c_str());
      if (!deleted) return bad("deleted_at is not a finite time");
      out.deleted_at = *deleted;
    }
    return out;
  }
};

// The schema through the storage core's pg_migrate (under its advisory lock, so several
// processes may start at once). The text index is optional and outside the versioned
// schema: without the right to create pg_trgm, recall scans.
engram_result<void> postgres_engram::impl::bootstrap() {
  std::unique_ptr<pqxx::connection> c;
  try {
    c = pg::pg_open(pg);
  } catch (const std::exception& e) {
    return error(engram_errc::unavailable, "cannot connect", e.what());
  }
  auto m = pg::pg_migrate(*c, pg, "engram", migrations);
  if (m.too_new) return error(engram_errc::schema_too_new, "schema", m.error);
  if (!m.ok) {
    return error(m.failure == pg::pg_failure::unavailable ? engram_errc::unavailable
                                                          : engram_errc::backend_error,
                 "schema", m.error);
  }
  try {
    pqxx::work tx(*c);
    tx.exec("SELECT pg_advisory_xact_lock(hashtext('cosmonapse_engram_entries'))");
    auto ext = tx.exec(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'");
    std::string ext_schema;
    if (ext.empty()) {
      tx.exec("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public");
      ext_schema = "public";
    } else {
      ext_schema = ext[0][0].c_str();
    }
    tx.exec(std::string("CREATE INDEX IF NOT EXISTS neuromesh_engram_content_trgm_idx ON "
                        "cosmonapse_engram_entries USING gin ((") +
            folded_content + ") " + tx.quote_name(ext_schema) + ".gin_trgm_ops)");
    tx.commit();
    text_index = true;
  } catch (const pqxx::sql_error&) {
    text_index = false;
  }
  return {};
}

// One imprint or compensation: the primitives of engram_tx on a pqxx::work.
struct postgres_engram::impl::tx_ops final : detail::engram_tx {
  tx_ops(pqxx::work& tx, postgres_engram::impl& owner, const std::string& engram_id)
      : tx_(tx), owner_(owner), engram_id_(engram_id) {}

  engram_result<std::optional<std::string>> seen(std::string_view imprint_id) override {
    const std::string id(imprint_id);
    tx_.exec_params("SELECT pg_advisory_xact_lock(hashtext($1))", "imprint:" + id);
    auto r = tx_.exec_params(
        "SELECT entry_id FROM cosmonapse_engram_imprint_seen WHERE imprint_id = $1", id);
    if (r.empty()) return std::optional<std::string>{};
    return std::optional<std::string>{r[0][0].c_str()};
  }
  engram_result<void> mark_seen(std::string_view imprint_id, std::string_view entry_id) override {
    tx_.exec_params(
        "INSERT INTO cosmonapse_engram_imprint_seen (imprint_id, entry_id) VALUES ($1, $2) "
        "ON CONFLICT (imprint_id) DO NOTHING",
        std::string(imprint_id), std::string(entry_id));
    return {};
  }
  engram_result<std::optional<stored_row>> find(std::string_view id) override {
    return one(tx_.exec_params(std::string(select_row) + " WHERE id = $1", std::string(id)));
  }
  engram_result<std::optional<stored_row>> newest_live(std::string_view merge_key) override {
    const std::string key(merge_key);
    tx_.exec_params("SELECT pg_advisory_xact_lock(hashtext($1))", "merge_key:" + key);
    return one(tx_.exec_params(std::string(select_row) +
                                   " WHERE merge_key = $1 AND deleted_at IS NULL "
                                   "ORDER BY updated_at DESC LIMIT 1",
                               key));
  }
  engram_result<void> insert(const stored_row& row) override {
    auto v = values(row);
    tx_.exec_params(
        "INSERT INTO cosmonapse_engram_entries (id, engram_kind, merge_key, content, tags, meta, "
        "version, created_at, updated_at, deleted_at) VALUES ($1, $2, $3, $4::jsonb, "
        "$5::text[], $6::jsonb, $7, $8::timestamptz, $9::timestamptz, $10::timestamptz)",
        row.entry.id, row.engram_kind, or_null(row.entry.merge_key), v.content, v.tags, v.meta,
        row.entry.version, v.created, v.updated, or_null(v.deleted));
    return {};
  }
  engram_result<void> update(const stored_row& row) override {
    auto v = values(row);
    tx_.exec_params(
        "UPDATE cosmonapse_engram_entries SET engram_kind = $2, merge_key = $3, "
        "content = $4::jsonb, tags = $5::text[], meta = $6::jsonb, version = $7, "
        "created_at = $8::timestamptz, updated_at = $9::timestamptz, "
        "deleted_at = $10::timestamptz WHERE id = $1",
        row.entry.id, row.engram_kind, or_null(row.entry.merge_key), v.content, v.tags, v.meta,
        row.entry.version, v.created, v.updated, or_null(v.deleted));
    return {};
  }
  engram_result<void> erase(std::string_view id) override {
    tx_.exec_params("DELETE FROM cosmonapse_engram_entries WHERE id = $1", std::string(id));
    return {};
  }
  bool soft_delete() const noexcept override { return true; }
  engram_result<void> journal(std::string_view trace_id, const detail::journal_record& r) override {
    std::optional<std::string> before;
    if (r.before) before = boost::json::serialize(detail::row_to_json(*r.before));
    tx_.exec_params(
        "INSERT INTO neuromesh_engram_journal (engram_id, trace_id, entry_id, before) "
        "VALUES ($1, $2, $3, $4)",
        engram_id_, std::string(trace_id), r.entry_id, or_null(before));
    return {};
  }
  engram_result<std::vector<detail::journal_record>> take_journal(
      std::string_view trace_id) override {
    auto rows = tx_.exec_params(
        "DELETE FROM neuromesh_engram_journal WHERE engram_id = $1 AND trace_id = $2 "
        "RETURNING seq, entry_id, before",
        engram_id_, std::string(trace_id));
    std::vector<std::pair<std::int64_t, detail::journal_record>> recs;
    for (const auto& row : rows) {
      detail::journal_record rec;
      rec.entry_id = row[1].c_str();
      if (!row[2].is_null()) {
        boost::system::error_code ec;
        auto v = boost::json::parse(row[2].c_str(), ec);
        auto image = ec ? std::nullopt : detail::row_from_json(v);
        if (!image)
          return owner_.error(engram_errc::bad_record, "saga journal",
                              "record of entry '" + rec.entry_id + "' cannot be decoded");
        rec.before = std::move(*image);
      }
      recs.emplace_back(row[0].as<std::int64_t>(), std::move(rec));
    }
    std::sort(recs.begin(), recs.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<detail::journal_record> out;
    for (auto& [seq, rec] : recs) out.push_back(std::move(rec));
    return out;
  }

 private:
  struct row_values {
    std::string content, tags, meta, created, updated;
    std::optional<std::string> deleted;
  };
  static row_values values(const stored_row& row) {
    row_values v;
    v.content = detail::python_dumps(row.entry.content);
    v.tags = text_array(row.entry.tags);
    v.meta = detail::python_dumps(row.entry.meta);
    v.created = registry::format_iso8601(row.entry.created_at);
    v.updated = registry::format_iso8601(row.entry.updated_at);
    if (row.deleted_at) v.deleted = registry::format_iso8601(*row.deleted_at);
    return v;
  }
  engram_result<std::optional<stored_row>> one(const pqxx::result& r) {
    if (r.empty()) return std::optional<stored_row>{};
    auto row = owner_.read_row(r[0]);
    if (!row) return row.error();
    return std::optional<stored_row>{std::move(*row)};
  }

  pqxx::work& tx_;
  postgres_engram::impl& owner_;
  const std::string& engram_id_;
};

postgres_engram::postgres_engram(postgres_engram_options options)
    : engram(options.identity), impl_(std::make_unique<impl>(std::move(options))) {}
postgres_engram::~postgres_engram() { close(); }

engram_result<void> postgres_engram::connect() {
  if (impl_->pool.is_open()) return {};
  if (auto b = impl_->bootstrap(); !b) return b;
  try {
    impl_->pool.open();
  } catch (const std::exception& e) {
    return impl_->error(engram_errc::unavailable, "cannot connect", e.what());
  }
  return {};
}

void postgres_engram::close() noexcept { impl_->pool.close(); }

bool postgres_engram::has_text_index() const noexcept { return impl_->text_index.load(); }

engram_stats postgres_engram::stats() const noexcept {
  engram_stats s;
  s.recalls = impl_->recalls.load();
  s.imprints = impl_->imprints.load();
  s.replays = impl_->replays.load();
  s.receipt_errors = impl_->receipt_errors.load();
  s.rejected = impl_->rejected.load();
  s.failures = impl_->failures.load();
  s.reconnects = impl_->pool.reconnects();
  s.compensated = impl_->compensated.load();
  return s;
}

void postgres_engram::count_rejected() noexcept { ++impl_->rejected; }

engram_result<std::size_t> postgres_engram::compensate(std::string_view trace_id) {
  auto n = impl_->run<std::size_t>("compensate", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    impl::tx_ops ops(tx, *impl_, engram_id());
    auto out = detail::compensate(ops, trace_id);
    if (out) tx.commit();
    return out;
  });
  if (n) impl_->compensated += *n;
  return n;
}

engram_result<void> postgres_engram::commit(std::string_view trace_id) {
  return impl_->run<void>("commit", [&](pqxx::connection& c) -> engram_result<void> {
    pqxx::nontransaction tx(c);
    tx.exec_params("DELETE FROM neuromesh_engram_journal WHERE engram_id = $1 AND trace_id = $2",
                   engram_id(), std::string(trace_id));
    return {};
  });
}

engram_result<imprint_receipt> postgres_engram::do_imprint(const imprint_request& r) {
  bool replay = false;
  auto out = impl_->run<imprint_receipt>("imprint", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    impl::tx_ops ops(tx, *impl_, engram_id());
    if (r.imprint_id) {
      auto seen = ops.seen(*r.imprint_id);
      replay = seen && seen->has_value();
    }
    auto receipt = detail::apply_imprint(ops, r, identity());
    if (receipt && !receipt->error) tx.commit();  // a receipt error wrote nothing
    return receipt;
  });
  if (out) {
    if (replay)
      ++impl_->replays;
    else if (out->error)
      ++impl_->receipt_errors;
    else
      ++impl_->imprints;
  }
  return out;
}

engram_result<recall_hits> postgres_engram::do_recall(const recall_query& q) {
  auto plan = detail::plan_recall(q);
  if (!plan) {
    ++impl_->rejected;
    return plan.error();
  }
  if (!plan->needle && q.min_confidence && *q.min_confidence > 1.0) return recall_hits{};
  // The parameters present, numbered in order.
  std::vector<std::string> params;
  auto param = [&](std::string v) {
    params.push_back(std::move(v));
    return "$" + std::to_string(params.size());
  };
  std::string sql = std::string(select_row) + " WHERE deleted_at IS NULL";
  if (q.text && !q.text->empty())
    sql += std::string(" AND ") + folded_content + " LIKE " +
           param(like_pattern(detail::ascii_lower(*q.text)));
  if (q.merge_key) sql += " AND merge_key = " + param(*q.merge_key);
  if (q.since)
    sql += " AND updated_at >= " + param(registry::format_iso8601(*q.since)) + "::timestamptz";
  if (q.until)
    sql += " AND updated_at <= " + param(registry::format_iso8601(*q.until)) + "::timestamptz";
  if (!plan->tags.empty()) sql += " AND tags @> " + param(text_array(plan->tags)) + "::text[]";
  const auto needle_chars = q.text ? detail::utf8_length(*q.text) : 0;
  if (plan->needle && q.min_confidence)
    sql += " AND " + param(std::to_string(*q.min_confidence)) +
           "::float8 * length(content::text) <= " + param(std::to_string(needle_chars));
  sql += plan->needle ? " ORDER BY length(content::text), updated_at DESC, id"
                      : " ORDER BY updated_at DESC, id";
  sql += " LIMIT " + std::to_string(q.top_k + 1);
  ++impl_->recalls;
  auto rows = impl_->run<pqxx::result>("recall", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return engram_result<pqxx::result>(
        tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params)));
  });
  if (!rows) return rows.error();
  recall_hits out;
  for (const auto& row : *rows) {
    if (out.hits.size() == q.top_k) {
      out.truncated = true;
      break;
    }
    auto r = impl_->read_row(row);
    if (!r) continue;  // counted in failures
    double score = 1.0;
    if (plan->needle)
      score = std::min(
          1.0, static_cast<double>(needle_chars) / static_cast<double>(std::max<std::size_t>(
                                                       1, detail::utf8_length(row[3].c_str()))));
    out.hits.push_back({r->entry.id, std::move(r->entry), score});
  }
  return out;
}

}  // namespace neuromesh::runtime
