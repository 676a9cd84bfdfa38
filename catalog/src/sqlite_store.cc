// The SQLite backend on the storage core (registry/storage): one connection in WAL mode
// with synchronous=NORMAL, owned by one group_writer thread after load_all(). Under WAL a
// commit survives a crash of the process (every acknowledged write is in the WAL); only a
// power loss can take back the last commits. Schema version kept per component in
// neuromesh_schema (component 'catalog'), the storage core's one migration mechanism,
// because the registry layer's tables share the file.
#include "neuromesh/catalog/errc.h"
#include "neuromesh/catalog/instance_store.h"
#include "neuromesh/registry/storage/group_writer.h"
#include "neuromesh/registry/storage/sqlite.h"
#include "store_codec.h"

#include <spdlog/spdlog.h>

#include <array>
#include <future>
#include <memory>
#include <stdexcept>

namespace neuromesh::catalog {
namespace {

namespace storage = registry::storage;

constexpr std::array<storage::sqlite_migration, 1> migrations{{
    {1,
     "CREATE TABLE IF NOT EXISTS catalog_instances("
     "instance_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, name TEXT NOT NULL, "
     "version TEXT NOT NULL, host TEXT NOT NULL, active INTEGER NOT NULL, "
     "last_seen_us INTEGER NOT NULL, tools TEXT NOT NULL, "
     "heartbeat_interval_ms INTEGER NOT NULL, generation INTEGER NOT NULL, "
     "deregistered_generation INTEGER, inactive_since_us INTEGER);"
     // Heartbeats of live instances land here: ~40-byte rows, so one page holds ~100 of
     // them and a group commit writes a few pages instead of one wide page per instance
     // (which also keeps the WAL checkpoints small). load_all takes the later last_seen.
     "CREATE TABLE IF NOT EXISTS catalog_heartbeats(instance_id TEXT PRIMARY KEY, "
     "last_seen_us INTEGER NOT NULL) WITHOUT ROWID;"},
}};

constexpr const char* upsert_sql =
    "INSERT INTO catalog_instances(instance_id, seq, name, version, host, active, "
    "last_seen_us, tools, heartbeat_interval_ms, generation, deregistered_generation, "
    "inactive_since_us) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(instance_id) DO UPDATE "
    "SET seq=excluded.seq, name=excluded.name, version=excluded.version, host=excluded.host, "
    "active=excluded.active, last_seen_us=excluded.last_seen_us, tools=excluded.tools, "
    "heartbeat_interval_ms=excluded.heartbeat_interval_ms, generation=excluded.generation, "
    "deregistered_generation=excluded.deregistered_generation, "
    "inactive_since_us=excluded.inactive_since_us";

class sqlite_store final : public instance_store {
 public:
  explicit sqlite_store(const std::string& path) {
    storage::sqlite_open_options o;
    o.path = path;
    o.busy.busy_timeout = std::chrono::milliseconds(5000);
    if (int rc = db_.open(o); rc != SQLITE_OK) {
      throw std::runtime_error("sqlite open " + path + ": " + db_.error(rc));
    }
    auto m = storage::sqlite_migrate(db_, "catalog", migrations);
    if (m.rc != SQLITE_OK || m.too_new) throw std::runtime_error("sqlite " + path + ": " + m.error);
    struct {
      storage::sqlite_statement* s;
      const char* sql;
    } statements[] = {
        {&upsert_, upsert_sql},
        {&touch_,
         "UPDATE catalog_instances SET last_seen_us=?, active=1, inactive_since_us=NULL "
         "WHERE instance_id=?"},
        {&deactivate_,
         "UPDATE catalog_instances SET active=0, inactive_since_us=? WHERE instance_id=?"},
        {&erase_, "DELETE FROM catalog_instances WHERE instance_id=?"},
        {&erase_beat_, "DELETE FROM catalog_heartbeats WHERE instance_id=?"},
        {&beat_,
         "INSERT INTO catalog_heartbeats(instance_id, last_seen_us) VALUES (?,?) "
         "ON CONFLICT(instance_id) DO UPDATE SET last_seen_us=excluded.last_seen_us"},
    };
    for (auto& [s, sql] : statements) {
      if (int rc = db_.prepare(*s, sql); rc != SQLITE_OK) {
        throw std::runtime_error("sqlite " + path + ": preparing statements: " + db_.error(rc));
      }
    }
    writer_ = std::make_unique<storage::group_writer>(db_, "catalog store " + describe());
  }

  ~sqlite_store() override { writer_.reset(); }  // applies what is queued, then joins

  // Runs on the writer thread (the one thread that uses the connection), after everything
  // submitted before it.
  boost::system::result<std::vector<instance_record>> load_all() override {
    return detail::load_on_writer(*writer_, [this] { return read_all(); });
  }

  void submit(instance_write w, std::function<void(bool)> done) override {
    writer_->submit([this, w = std::move(w)] { return apply(w); }, std::move(done));
  }

  std::string describe() const override { return "sqlite:" + db_.options().path; }

 private:
  boost::system::result<std::vector<instance_record>> read_all() {
    storage::sqlite_statement q;
    int rc = db_.prepare(
        q,
        "SELECT c.instance_id, c.seq, c.name, c.version, c.host, c.active, "
        "MAX(c.last_seen_us, COALESCE(h.last_seen_us, 0)), c.tools, "
        "c.heartbeat_interval_ms, c.generation, c.deregistered_generation, "
        "c.inactive_since_us FROM catalog_instances c "
        "LEFT JOIN catalog_heartbeats h ON h.instance_id = c.instance_id ORDER BY c.seq");
    if (rc != SQLITE_OK) return failed("load", rc);
    std::vector<instance_record> out;
    while ((rc = db_.step(q)) == SQLITE_ROW) {
      instance_record r;
      r.instance_id = q.column_text(0);
      r.seq = q.column_int64(1);
      r.name = q.column_text(2);
      r.version = q.column_text(3);
      r.host = q.column_text(4);
      r.active = q.column_int(5) != 0;
      r.last_seen = detail::from_micros(q.column_int64(6));
      r.tools = detail::tools_from_text(q.column_text(7));
      r.heartbeat_interval = std::chrono::milliseconds(q.column_int64(8));
      r.generation = q.column_int64(9);
      if (!q.column_is_null(10)) r.deregistered_generation = q.column_int64(10);
      if (!q.column_is_null(11)) r.inactive_since = detail::from_micros(q.column_int64(11));
      out.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return failed("load", rc);
    return out;
  }

  // Runs on the writer thread inside its open transaction.
  bool apply(const instance_write& w) {
    using kind = instance_write::kind;
    switch (w.op) {
      case kind::upsert:
        return upsert(*w.record);
      case kind::heartbeat:
        return run(beat_, "heartbeat", [&](auto& s) {
          s.bind_text(1, w.instance_id);
          s.bind_int64(2, detail::to_micros(w.at));
        });
      case kind::touch:
        return run(touch_, "touch", [&](auto& s) {
          s.bind_int64(1, detail::to_micros(w.at));
          s.bind_text(2, w.instance_id);
        });
      case kind::deactivate:
        return run(deactivate_, "deactivate", [&](auto& s) {
          s.bind_int64(1, detail::to_micros(w.at));
          s.bind_text(2, w.instance_id);
        });
      case kind::erase:
        return run(erase_, "erase", [&](auto& s) { s.bind_text(1, w.instance_id); }) &&
               run(erase_beat_, "erase", [&](auto& s) { s.bind_text(1, w.instance_id); });
    }
    return false;
  }

  bool upsert(const instance_record& r) {
    auto tools = detail::tools_text(r);
    return run(upsert_, "upsert", [&](auto& s) {
      s.bind_text(1, r.instance_id);
      s.bind_int64(2, r.seq);
      s.bind_text(3, r.name);
      s.bind_text(4, r.version);
      s.bind_text(5, r.host);
      s.bind_int(6, r.active ? 1 : 0);
      s.bind_int64(7, detail::to_micros(r.last_seen));
      s.bind_text(8, tools);
      s.bind_int64(9, r.heartbeat_interval.count());
      s.bind_int64(10, r.generation);
      if (r.deregistered_generation) s.bind_int64(11, *r.deregistered_generation);
      if (r.inactive_since) s.bind_int64(12, detail::to_micros(*r.inactive_since));
    });
  }

  template <class Bind>
  bool run(storage::sqlite_statement& s, const char* what, Bind bind) {
    storage::sqlite_reset_guard g(s);
    bind(s);
    if (int rc = db_.step(s); rc != SQLITE_DONE) {
      failed(what, rc);
      return false;
    }
    return true;
  }

  boost::system::error_code failed(const char* what, int rc) {
    spdlog::error("catalog store {}: {} failed: {}", describe(), what, db_.error(rc));
    return errc::store_failed;
  }

  storage::sqlite_connection db_;
  storage::sqlite_statement upsert_, touch_, deactivate_, erase_, erase_beat_, beat_;
  std::unique_ptr<storage::group_writer> writer_;
};

}  // namespace

namespace detail {
std::unique_ptr<instance_store> make_sqlite_store(const std::string& path) {
  return std::make_unique<sqlite_store>(path);
}
}  // namespace detail

}  // namespace neuromesh::catalog
