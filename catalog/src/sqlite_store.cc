// The SQLite backend: one connection in WAL mode with a busy timeout, prepared statements
// kept for the hot paths. synchronous=NORMAL: under WAL a commit survives a crash of the
// process (every acknowledged write is in the WAL); only a power loss can take back the
// last commits. Schema version kept per component in neuromesh_schema, because the
// registry layer's tables share the file and PRAGMA user_version is one number per file.
#include "neuromesh/catalog/errc.h"
#include "neuromesh/catalog/instance_store.h"
#include "store_codec.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace neuromesh::catalog {
namespace {

constexpr int schema_version = 1;

class statement {
 public:
  statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
    }
  }
  ~statement() { sqlite3_finalize(stmt_); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets the statement whatever happens, so the next use starts clean.
struct reset_guard {
  sqlite3_stmt* s;
  ~reset_guard() {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
};

class sqlite_store final : public instance_store {
 public:
  explicit sqlite_store(const std::string& path) : path_(path) {
    if (sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("sqlite open " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
    migrate();
    upsert_ = std::make_unique<statement>(
        db_,
        "INSERT INTO catalog_instances(instance_id, seq, name, version, host, active, "
        "last_seen_us, tools, heartbeat_interval_ms, generation, deregistered_generation, "
        "inactive_since_us) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(instance_id) DO UPDATE "
        "SET seq=excluded.seq, name=excluded.name, version=excluded.version, host=excluded.host, "
        "active=excluded.active, last_seen_us=excluded.last_seen_us, tools=excluded.tools, "
        "heartbeat_interval_ms=excluded.heartbeat_interval_ms, generation=excluded.generation, "
        "deregistered_generation=excluded.deregistered_generation, "
        "inactive_since_us=excluded.inactive_since_us");
    touch_ = std::make_unique<statement>(
        db_,
        "UPDATE catalog_instances SET last_seen_us=?, active=1, inactive_since_us=NULL "
        "WHERE instance_id=?");
    deactivate_ = std::make_unique<statement>(
        db_, "UPDATE catalog_instances SET active=0, inactive_since_us=? WHERE instance_id=?");
    erase_ = std::make_unique<statement>(db_, "DELETE FROM catalog_instances WHERE instance_id=?");
    erase_beat_ =
        std::make_unique<statement>(db_, "DELETE FROM catalog_heartbeats WHERE instance_id=?");
    beat_ = std::make_unique<statement>(
        db_,
        "INSERT INTO catalog_heartbeats(instance_id, last_seen_us) VALUES (?,?) "
        "ON CONFLICT(instance_id) DO UPDATE SET last_seen_us=excluded.last_seen_us");
    writer_ = std::thread([this] { write_heartbeats(); });
  }

  ~sqlite_store() override {
    {
      std::lock_guard q(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_one();
    writer_.join();  // it drains the queue before it returns
    upsert_.reset();
    beat_.reset();
    erase_beat_.reset();
    touch_.reset();
    deactivate_.reset();
    erase_.reset();
    sqlite3_close(db_);
  }

  boost::system::result<std::vector<instance_record>> load_all() override {
    std::lock_guard lock(mu_);
    statement q(db_,
                "SELECT c.instance_id, c.seq, c.name, c.version, c.host, c.active, "
                "MAX(c.last_seen_us, COALESCE(h.last_seen_us, 0)), c.tools, "
                "c.heartbeat_interval_ms, c.generation, c.deregistered_generation, "
                "c.inactive_since_us FROM catalog_instances c "
                "LEFT JOIN catalog_heartbeats h ON h.instance_id = c.instance_id ORDER BY c.seq");
    std::vector<instance_record> out;
    int rc;
    while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
      auto* s = q.get();
      instance_record r;
      r.instance_id = text(s, 0);
      r.seq = sqlite3_column_int64(s, 1);
      r.name = text(s, 2);
      r.version = text(s, 3);
      r.host = text(s, 4);
      r.active = sqlite3_column_int(s, 5) != 0;
      r.last_seen = detail::from_micros(sqlite3_column_int64(s, 6));
      r.tools = detail::tools_from_text(text(s, 7));
      r.heartbeat_interval = std::chrono::milliseconds(sqlite3_column_int64(s, 8));
      r.generation = sqlite3_column_int64(s, 9);
      if (sqlite3_column_type(s, 10) != SQLITE_NULL) {
        r.deregistered_generation = sqlite3_column_int64(s, 10);
      }
      if (sqlite3_column_type(s, 11) != SQLITE_NULL) {
        r.inactive_since = detail::from_micros(sqlite3_column_int64(s, 11));
      }
      out.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return failed("load");
    return out;
  }

  boost::system::result<void> upsert(const instance_record& r) override {
    std::lock_guard lock(mu_);
    flush_locked();
    auto* s = upsert_->get();
    reset_guard g{s};
    auto tools = detail::tools_text(r);
    sqlite3_bind_text(s, 1, r.instance_id.data(), static_cast<int>(r.instance_id.size()),
                      SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, r.seq);
    sqlite3_bind_text(s, 3, r.name.data(), static_cast<int>(r.name.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 4, r.version.data(), static_cast<int>(r.version.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 5, r.host.data(), static_cast<int>(r.host.size()), SQLITE_STATIC);
    sqlite3_bind_int(s, 6, r.active ? 1 : 0);
    sqlite3_bind_int64(s, 7, detail::to_micros(r.last_seen));
    sqlite3_bind_text(s, 8, tools.data(), static_cast<int>(tools.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s, 9, r.heartbeat_interval.count());
    sqlite3_bind_int64(s, 10, r.generation);
    if (r.deregistered_generation) sqlite3_bind_int64(s, 11, *r.deregistered_generation);
    if (r.inactive_since) sqlite3_bind_int64(s, 12, detail::to_micros(*r.inactive_since));
    if (sqlite3_step(s) != SQLITE_DONE) return failed("upsert");
    return {};
  }

  boost::system::result<void> touch(const std::string& id, wall_time last_seen) override {
    std::lock_guard lock(mu_);
    flush_locked();
    return touch_locked(id, last_seen);
  }

  void touch_async(const std::string& id, wall_time last_seen,
                   std::function<void(bool ok)> done) override {
    {
      std::lock_guard q(queue_mu_);
      queue_.push_back({id, last_seen, std::move(done)});
    }
    queue_cv_.notify_one();
  }

  boost::system::result<void> touch_locked(const std::string& id, wall_time last_seen) {
    auto* s = touch_->get();
    reset_guard g{s};
    sqlite3_bind_int64(s, 1, detail::to_micros(last_seen));
    sqlite3_bind_text(s, 2, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) return failed("touch");
    return {};
  }

  boost::system::result<void> deactivate(std::span<const instance_record> records) override {
    std::lock_guard lock(mu_);
    flush_locked();
    return in_transaction([&]() -> bool {
      for (const auto& r : records) {
        auto* s = deactivate_->get();
        reset_guard g{s};
        sqlite3_bind_int64(s, 1, detail::to_micros(r.inactive_since.value_or(r.last_seen)));
        sqlite3_bind_text(s, 2, r.instance_id.data(), static_cast<int>(r.instance_id.size()),
                          SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) return false;
      }
      return true;
    });
  }

  boost::system::result<void> erase(std::span<const std::string> ids) override {
    std::lock_guard lock(mu_);
    flush_locked();
    return in_transaction([&]() -> bool {
      for (const auto& id : ids) {
        for (auto* s : {erase_->get(), erase_beat_->get()}) {
          reset_guard g{s};
          sqlite3_bind_text(s, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
          if (sqlite3_step(s) != SQLITE_DONE) return false;
        }
      }
      return true;
    });
  }

  std::string describe() const override { return "sqlite:" + path_; }

 private:
  struct queued_touch {
    std::string instance_id;
    wall_time last_seen;
    std::function<void(bool)> done;
  };

  // Group commit: heartbeats that arrive while a transaction commits wait in queue_ and go
  // into the next transaction together, so one commit serves many acknowledgements.
  void write_heartbeats() {
    for (;;) {
      {
        std::unique_lock q(queue_mu_);
        queue_cv_.wait(q, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty() && stopping_) return;
      }
      std::lock_guard lock(mu_);
      flush_locked();
    }
  }

  // Applies every queued heartbeat in one transaction, then settles each one.
  void flush_locked() {
    std::vector<queued_touch> batch;
    {
      std::lock_guard q(queue_mu_);
      batch.swap(queue_);
    }
    if (batch.empty()) return;
    auto r = in_transaction([&]() -> bool {
      for (const auto& t : batch) {
        auto* s = beat_->get();
        reset_guard g{s};
        sqlite3_bind_text(s, 1, t.instance_id.data(), static_cast<int>(t.instance_id.size()),
                          SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, detail::to_micros(t.last_seen));
        if (sqlite3_step(s) != SQLITE_DONE) return false;
      }
      return true;
    });
    for (auto& t : batch) t.done(r.has_value());
  }

  static std::string text(sqlite3_stmt* s, int col) {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, col))) : "";
  }

  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(std::string("sqlite: ") + sql + ": " + msg);
    }
  }

  void migrate() {
    exec("BEGIN IMMEDIATE");
    try {
      exec(
          "CREATE TABLE IF NOT EXISTS neuromesh_schema(component TEXT PRIMARY KEY, "
          "version INTEGER NOT NULL)");
      exec(
          "CREATE TABLE IF NOT EXISTS catalog_instances("
          "instance_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, name TEXT NOT NULL, "
          "version TEXT NOT NULL, host TEXT NOT NULL, active INTEGER NOT NULL, "
          "last_seen_us INTEGER NOT NULL, tools TEXT NOT NULL, "
          "heartbeat_interval_ms INTEGER NOT NULL, generation INTEGER NOT NULL, "
          "deregistered_generation INTEGER, inactive_since_us INTEGER)");
      // Heartbeats of live instances land here: ~40-byte rows, so one page holds ~100
      // of them and a group commit writes a few pages instead of one wide page per
      // instance (which also kept the WAL checkpoints small). load_all takes the later
      // of the two last_seen values.
      exec(
          "CREATE TABLE IF NOT EXISTS catalog_heartbeats(instance_id TEXT PRIMARY KEY, "
          "last_seen_us INTEGER NOT NULL) WITHOUT ROWID");
      exec(("INSERT INTO neuromesh_schema(component, version) VALUES ('catalog', " +
            std::to_string(schema_version) + ") ON CONFLICT(component) DO NOTHING")
               .c_str());
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  template <class F>
  boost::system::result<void> in_transaction(F body) {
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return failed("begin");
    }
    if (!body()) {
      auto e = failed("batch");
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return e;
    }
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      auto e = failed("commit");
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return e;
    }
    return {};
  }

  boost::system::error_code failed(const char* what) {
    spdlog::error("catalog store {}: {} failed: {}", describe(), what, sqlite3_errmsg(db_));
    return errc::store_failed;
  }

  std::string path_;
  sqlite3* db_ = nullptr;
  std::mutex mu_;
  std::unique_ptr<statement> upsert_, touch_, deactivate_, erase_, erase_beat_, beat_;
  std::mutex queue_mu_;  // taken under mu_ (flush) or alone (enqueue); never the reverse
  std::condition_variable queue_cv_;
  std::vector<queued_touch> queue_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace

namespace detail {
std::unique_ptr<instance_store> make_sqlite_store(const std::string& path) {
  return std::make_unique<sqlite_store>(path);
}
}  // namespace detail

}  // namespace neuromesh::catalog
