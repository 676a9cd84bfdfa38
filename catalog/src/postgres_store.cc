// The PostgreSQL backend (libpqxx 6) on the storage core: schema through pg_migrate, one
// pg_writer_connection with prepared statements under a group writer; every batch of queued
// writes is one transaction (committed before any of them is acknowledged), and a batch's
// heartbeats are one statement. Reads never reach PostgreSQL after load_all() (the catalog
// serves them from memory). The writer connection reconnects when the session dropped and
// applies the interrupted batch again (every write here is idempotent).
#include "neuromesh/catalog/errc.h"
#include "neuromesh/catalog/instance_store.h"
#include "neuromesh/registry/storage/postgres.h"
#include "store_codec.h"

#include <climits>

#include <array>
#include <future>
#include <stdexcept>
#include <string_view>

namespace neuromesh::catalog {
namespace {

// libpqxx 6 has no portable way to bind a NULL; this sentinel becomes NULL in SQL.
constexpr std::int64_t null_int = INT64_MIN;

namespace pg = registry::storage;

// The catalog's schema, version 1 (component "catalog" in neuromesh_schema; builds before
// the storage core stamped the same row).
constexpr std::array<pg::pg_migration, 1> migrations{{
    {1,
     "CREATE TABLE IF NOT EXISTS catalog_instances("
     "instance_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, name TEXT NOT NULL, "
     "version TEXT NOT NULL, host TEXT NOT NULL, active BOOLEAN NOT NULL, "
     "last_seen_us BIGINT NOT NULL, tools TEXT NOT NULL, "
     "heartbeat_interval_ms BIGINT NOT NULL, generation BIGINT NOT NULL, "
     "deregistered_generation BIGINT, inactive_since_us BIGINT)"},
}};

void prepare(pqxx::connection& c) {
  c.prepare("catalog_upsert",
            "INSERT INTO catalog_instances(instance_id, seq, name, version, host, active, "
            "last_seen_us, tools, heartbeat_interval_ms, generation, deregistered_generation, "
            "inactive_since_us) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,"
            "NULLIF($11::bigint, -9223372036854775808), "
            "NULLIF($12::bigint, -9223372036854775808)) "
            "ON CONFLICT(instance_id) DO UPDATE SET seq=excluded.seq, name=excluded.name, "
            "version=excluded.version, host=excluded.host, active=excluded.active, "
            "last_seen_us=excluded.last_seen_us, tools=excluded.tools, "
            "heartbeat_interval_ms=excluded.heartbeat_interval_ms, "
            "generation=excluded.generation, "
            "deregistered_generation=excluded.deregistered_generation, "
            "inactive_since_us=excluded.inactive_since_us");
  c.prepare("catalog_touch",
            "UPDATE catalog_instances SET last_seen_us=$1, active=TRUE, "
            "inactive_since_us=NULL WHERE instance_id=$2");
  // A batch may carry several heartbeats of one instance: the latest wins. They run at
  // commit, after the batch's other writes: GREATEST keeps a later upsert's last_seen.
  c.prepare("catalog_beats",
            "UPDATE catalog_instances c SET last_seen_us = GREATEST(c.last_seen_us, b.ts) "
            "FROM "
            "(SELECT id, max(ts) AS ts FROM unnest($1::text[], $2::bigint[]) AS u(id, ts) "
            "GROUP BY id) b WHERE c.instance_id = b.id");
  c.prepare("catalog_deactivate",
            "UPDATE catalog_instances SET active=FALSE, inactive_since_us=$1 "
            "WHERE instance_id=$2");
  c.prepare("catalog_erase", "DELETE FROM catalog_instances WHERE instance_id=$1");
}

// A batch's heartbeats, written by the writer connection's before_commit hook in one
// statement (unnest of two arrays): one round trip for a whole batch.
class staged_beats {
 public:
  void add(const std::string& id, std::int64_t last_seen_us) {
    pg::pg_array_append(ids_, id);
    times_ += times_.empty() ? "{" : ",";
    times_ += std::to_string(last_seen_us);
  }
  void write(pqxx::transaction_base& w) {
    if (ids_.empty()) return;
    pg::pg_array_close(ids_);
    pg::pg_array_close(times_);
    w.exec_prepared("catalog_beats", ids_, times_);
    clear();
  }
  void clear() noexcept {
    ids_.clear();
    times_.clear();
  }

 private:
  std::string ids_, times_;
};

class postgres_store final : public instance_store {
 public:
  explicit postgres_store(const std::string& dsn)
      : db_({dsn, {}}, "catalog store postgres", hooks()) {
    {
      // Simultaneous first starts do not race: pg_migrate runs under an advisory lock.
      auto c = pg::pg_open({dsn, {}});
      auto m = pg::pg_migrate(*c, {dsn, {}}, "catalog", migrations);
      if (!m.ok) throw std::runtime_error("postgres " + pg::pg_redact(dsn) + ": " + m.error);
    }
    db_.connect();
    writer_ = std::make_unique<pg::group_writer>(db_, "catalog store postgres");
  }

  ~postgres_store() override { writer_.reset(); }

  boost::system::result<std::vector<instance_record>> load_all() override {
    return detail::load_on_writer(
        *writer_, [this]() -> boost::system::result<std::vector<instance_record>> {
          return read_all(db_.work());  // an exception fails the operation
        });
  }

  void submit(instance_write w, std::function<void(bool)> done) override {
    writer_->submit([this, w = std::move(w)] { return apply(w); }, std::move(done));
  }

  std::string describe() const override { return "postgres"; }

 private:
  static std::vector<instance_record> read_all(pqxx::work& w) {
    std::vector<instance_record> out;
    auto rows = w.exec(
        "SELECT instance_id, seq, name, version, host, active, last_seen_us, tools, "
        "heartbeat_interval_ms, generation, deregistered_generation, inactive_since_us "
        "FROM catalog_instances ORDER BY seq");
    for (const auto& row : rows) {
      instance_record r;
      r.instance_id = row[0].as<std::string>();
      r.seq = row[1].as<std::int64_t>();
      r.name = row[2].as<std::string>();
      r.version = row[3].as<std::string>();
      r.host = row[4].as<std::string>();
      r.active = row[5].as<bool>();
      r.last_seen = detail::from_micros(row[6].as<std::int64_t>());
      r.tools = detail::tools_from_text(row[7].as<std::string>());
      r.heartbeat_interval = std::chrono::milliseconds(row[8].as<std::int64_t>());
      r.generation = row[9].as<std::int64_t>();
      if (!row[10].is_null()) r.deregistered_generation = row[10].as<std::int64_t>();
      if (!row[11].is_null()) r.inactive_since = detail::from_micros(row[11].as<std::int64_t>());
      out.push_back(std::move(r));
    }
    return out;
  }

  // On the writer thread inside its open transaction; an exception fails the batch (the
  // group writer logs it and replays the batch's writes one by one).
  bool apply(const instance_write& w) {
    using kind = instance_write::kind;
    if (w.op == kind::heartbeat) {  // staged; written at commit (alone if nothing else ran)
      beats_.add(w.instance_id, detail::to_micros(w.at));
      return true;
    }
    auto& t = db_.work();  // the batch's transaction, opened by its first write
    switch (w.op) {
      case kind::upsert: {
        const auto& r = *w.record;
        t.exec_prepared("catalog_upsert", r.instance_id, r.seq, r.name, r.version, r.host, r.active,
                        detail::to_micros(r.last_seen), detail::tools_text(r),
                        static_cast<std::int64_t>(r.heartbeat_interval.count()), r.generation,
                        r.deregistered_generation.value_or(null_int),
                        r.inactive_since ? detail::to_micros(*r.inactive_since) : null_int);
        return true;
      }
      case kind::heartbeat:
        break;  // above
      case kind::touch:
        t.exec_prepared("catalog_touch", detail::to_micros(w.at), w.instance_id);
        return true;
      case kind::deactivate:
        t.exec_prepared("catalog_deactivate", detail::to_micros(w.at), w.instance_id);
        return true;
      case kind::erase:
        t.exec_prepared("catalog_erase", w.instance_id);
        return true;
    }
    return false;
  }

  pg::pg_writer_connection::hooks hooks() {
    pg::pg_writer_connection::hooks h;
    h.setup = prepare;
    h.before_commit = [this](pqxx::transaction_base& w) { beats_.write(w); };
    h.on_rollback = [this] { beats_.clear(); };
    return h;
  }

  staged_beats beats_;  // writer thread only; declared before db_, whose hooks use it
  pg::pg_writer_connection db_;
  std::unique_ptr<pg::group_writer> writer_;
};

}  // namespace

namespace detail {
std::unique_ptr<instance_store> make_postgres_store(const std::string& dsn) {
  return std::make_unique<postgres_store>(dsn);
}
}  // namespace detail

}  // namespace neuromesh::catalog
