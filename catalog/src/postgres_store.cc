// The PostgreSQL backend (libpqxx 6): one connection, prepared statements, one
// transaction per write (committed before the write is acknowledged). Reconnects once
// when the connection has dropped.
#include "neuromesh/catalog/errc.h"
#include "neuromesh/catalog/instance_store.h"
#include "store_codec.h"

#include <climits>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <mutex>

namespace neuromesh::catalog {
namespace {

// libpqxx 6 has no portable way to bind a NULL; this sentinel becomes NULL in SQL.
constexpr std::int64_t null_int = INT64_MIN;

class postgres_store final : public instance_store {
 public:
  explicit postgres_store(std::string dsn) : dsn_(std::move(dsn)) {
    connect();
    pqxx::work w(*conn_);
    w.exec(
        "CREATE TABLE IF NOT EXISTS neuromesh_schema(component TEXT PRIMARY KEY, "
        "version INTEGER NOT NULL)");
    w.exec(
        "CREATE TABLE IF NOT EXISTS catalog_instances("
        "instance_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, name TEXT NOT NULL, "
        "version TEXT NOT NULL, host TEXT NOT NULL, active BOOLEAN NOT NULL, "
        "last_seen_us BIGINT NOT NULL, tools TEXT NOT NULL, "
        "heartbeat_interval_ms BIGINT NOT NULL, generation BIGINT NOT NULL, "
        "deregistered_generation BIGINT, inactive_since_us BIGINT)");
    w.exec(
        "INSERT INTO neuromesh_schema(component, version) VALUES ('catalog', 1) "
        "ON CONFLICT(component) DO NOTHING");
    w.commit();
  }

  boost::system::result<std::vector<instance_record>> load_all() override {
    return run("load", [&](pqxx::work& w) {
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
    });
  }

  boost::system::result<void> upsert(const instance_record& r) override {
    return run_void("upsert", [&](pqxx::work& w) {
      w.exec_prepared("catalog_upsert", r.instance_id, r.seq, r.name, r.version, r.host, r.active,
                      detail::to_micros(r.last_seen), detail::tools_text(r),
                      static_cast<std::int64_t>(r.heartbeat_interval.count()), r.generation,
                      r.deregistered_generation.value_or(null_int),
                      r.inactive_since ? detail::to_micros(*r.inactive_since) : null_int);
    });
  }

  boost::system::result<void> touch(const std::string& id, wall_time last_seen) override {
    return run_void("touch", [&](pqxx::work& w) {
      w.exec_prepared("catalog_touch", detail::to_micros(last_seen), id);
    });
  }

  boost::system::result<void> deactivate(std::span<const instance_record> records) override {
    return run_void("deactivate", [&](pqxx::work& w) {
      for (const auto& r : records) {
        w.exec_prepared("catalog_deactivate",
                        detail::to_micros(r.inactive_since.value_or(r.last_seen)), r.instance_id);
      }
    });
  }

  boost::system::result<void> erase(std::span<const std::string> ids) override {
    return run_void("erase", [&](pqxx::work& w) {
      for (const auto& id : ids) w.exec_prepared("catalog_erase", id);
    });
  }

  std::string describe() const override { return "postgres"; }

 private:
  void connect() {
    conn_ = std::make_unique<pqxx::connection>(dsn_);
    conn_->prepare(
        "catalog_upsert",
        "INSERT INTO catalog_instances(instance_id, seq, name, version, host, active, "
        "last_seen_us, tools, heartbeat_interval_ms, generation, deregistered_generation, "
        "inactive_since_us) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,"
        "NULLIF($11::bigint, -9223372036854775808), NULLIF($12::bigint, -9223372036854775808)) "
        "ON CONFLICT(instance_id) DO UPDATE SET seq=excluded.seq, name=excluded.name, "
        "version=excluded.version, host=excluded.host, active=excluded.active, "
        "last_seen_us=excluded.last_seen_us, tools=excluded.tools, "
        "heartbeat_interval_ms=excluded.heartbeat_interval_ms, generation=excluded.generation, "
        "deregistered_generation=excluded.deregistered_generation, "
        "inactive_since_us=excluded.inactive_since_us");
    conn_->prepare("catalog_touch",
                   "UPDATE catalog_instances SET last_seen_us=$1, active=TRUE, "
                   "inactive_since_us=NULL WHERE instance_id=$2");
    conn_->prepare("catalog_deactivate",
                   "UPDATE catalog_instances SET active=FALSE, inactive_since_us=$1 "
                   "WHERE instance_id=$2");
    conn_->prepare("catalog_erase", "DELETE FROM catalog_instances WHERE instance_id=$1");
  }

  template <class F>
  auto run(const char* what, F body)
      -> boost::system::result<decltype(body(std::declval<pqxx::work&>()))> {
    std::lock_guard lock(mu_);
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        if (!conn_ || !conn_->is_open()) connect();
        pqxx::work w(*conn_);
        auto out = body(w);
        w.commit();
        return out;
      } catch (const pqxx::broken_connection& e) {
        spdlog::warn("catalog store postgres: {} lost the connection ({}); reconnecting", what,
                     e.what());
        conn_.reset();
      } catch (const std::exception& e) {
        spdlog::error("catalog store postgres: {} failed: {}", what, e.what());
        return errc::store_failed;
      }
    }
    return errc::store_failed;
  }

  template <class F>
  boost::system::result<void> run_void(const char* what, F body) {
    auto r = run(what, [&](pqxx::work& w) {
      body(w);
      return true;
    });
    if (!r) return r.error();
    return {};
  }

  std::string dsn_;
  std::mutex mu_;
  std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace

namespace detail {
std::unique_ptr<instance_store> make_postgres_store(const std::string& dsn) {
  return std::make_unique<postgres_store>(dsn);
}
}  // namespace detail

}  // namespace neuromesh::catalog
