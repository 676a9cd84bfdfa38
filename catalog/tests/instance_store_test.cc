// One conformance suite for every instance_store backend. The PostgreSQL instantiation is
// built into its own test binary (label service) and needs NEUROMESH_PG_DSN.
#include "neuromesh/catalog/instance_store.h"

#include "neuromesh/registry/sqlite_store.h"
#ifdef NEUROMESH_CATALOG_PG
#include "neuromesh/testing/postgres.h"
#endif

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

namespace neuromesh::catalog {
namespace {

struct backend {
  std::string name;
  std::function<std::unique_ptr<instance_store>()> open;
};

instance_record sample(std::string id, std::int64_t seq) {
  instance_record r;
  r.instance_id = std::move(id);
  r.name = "agent";
  r.version = "1";
  r.host = "h";
  r.last_seen = wall_time(std::chrono::microseconds(1'700'000'000'123'456));
  r.tools = boost::json::parse(R"([{"name":"deploy","x-autonomy":"auto"}])").as_array();
  r.heartbeat_interval = std::chrono::milliseconds(2500);
  r.generation = 42;
  r.seq = seq;
  return r;
}

class instance_store_conformance : public ::testing::TestWithParam<backend> {
 protected:
  void SetUp() override {
    store_ = GetParam().open();
    ASSERT_TRUE(store_) << "no store: for postgres, start scripts/services and source its env "
                           "(NEUROMESH_PG_DSN)";
    // Start from an empty table whatever a previous run left.
    auto all = store_->load_all().value();
    std::vector<std::string> ids;
    for (auto& r : all) ids.push_back(r.instance_id);
    ASSERT_TRUE(store_->erase(ids));
  }
  std::unique_ptr<instance_store> store_;
};

TEST_P(instance_store_conformance, upsert_then_load_round_trips_every_field) {
  auto r = sample("a", 1);
  r.deregistered_generation = 41;
  r.inactive_since = wall_time(std::chrono::seconds(1'700'000'100));
  r.active = false;
  ASSERT_TRUE(store_->upsert(r));
  auto all = store_->load_all().value();
  ASSERT_EQ(all.size(), 1u);
  const auto& got = all[0];
  EXPECT_EQ(got.instance_id, "a");
  EXPECT_EQ(got.name, "agent");
  EXPECT_EQ(got.host, "h");
  EXPECT_FALSE(got.active);
  EXPECT_EQ(got.last_seen, r.last_seen);
  EXPECT_EQ(got.tools, r.tools);
  EXPECT_EQ(got.heartbeat_interval, std::chrono::milliseconds(2500));
  EXPECT_EQ(got.generation, 42);
  EXPECT_EQ(got.deregistered_generation, 41);
  EXPECT_EQ(got.inactive_since, r.inactive_since);
  EXPECT_EQ(got.seq, 1);
}

TEST_P(instance_store_conformance, upsert_replaces_and_load_keeps_seq_order) {
  ASSERT_TRUE(store_->upsert(sample("b", 2)));
  ASSERT_TRUE(store_->upsert(sample("a", 1)));
  auto again = sample("b", 2);
  again.name = "renamed";
  ASSERT_TRUE(store_->upsert(again));
  auto all = store_->load_all().value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].instance_id, "a");
  EXPECT_EQ(all[1].name, "renamed");
}

TEST_P(instance_store_conformance, touch_reactivates_and_deactivate_records_when) {
  auto r = sample("a", 1);
  ASSERT_TRUE(store_->upsert(r));
  r.inactive_since = wall_time(std::chrono::seconds(1'700'000'500));
  ASSERT_TRUE(store_->deactivate(std::span<const instance_record>(&r, 1)));
  auto got = store_->load_all().value().at(0);
  EXPECT_FALSE(got.active);
  EXPECT_EQ(got.inactive_since, r.inactive_since);
  auto later = wall_time(std::chrono::seconds(1'700'000'900));
  ASSERT_TRUE(store_->touch("a", later));
  got = store_->load_all().value().at(0);
  EXPECT_TRUE(got.active);
  EXPECT_EQ(got.last_seen, later);
  EXPECT_FALSE(got.inactive_since.has_value());
  EXPECT_TRUE(store_->touch("unknown", later));  // a no-op
}

TEST_P(instance_store_conformance,
       queued_heartbeats_settle_in_order_and_a_later_deactivation_wins) {
  ASSERT_TRUE(store_->upsert(sample("a", 1)));
  auto later = wall_time(std::chrono::seconds(1'700'001'000));
  std::mutex mu;
  std::condition_variable cv;
  int settled = 0;
  bool all_ok = true;
  for (int i = 0; i < 50; ++i) {
    store_->submit(instance_write::heartbeat("a", later + std::chrono::seconds(i)), [&](bool ok) {
      std::lock_guard lock(mu);
      all_ok = all_ok && ok;
      ++settled;
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return settled == 50; }));
  }
  EXPECT_TRUE(all_ok);
  auto got = store_->load_all().value().at(0);
  EXPECT_EQ(got.last_seen, later + std::chrono::seconds(49));
  EXPECT_TRUE(got.active);
  // A deactivation after queued heartbeats wins (they were applied before it).
  auto r = got;
  r.inactive_since = later + std::chrono::seconds(60);
  store_->submit(instance_write::heartbeat("a", later + std::chrono::seconds(50)), nullptr);
  ASSERT_TRUE(store_->deactivate(std::span<const instance_record>(&r, 1)));
  EXPECT_FALSE(store_->load_all().value().at(0).active);
}

TEST_P(instance_store_conformance, many_writers_at_once_all_commit_and_load_sees_every_one) {
  constexpr int threads = 4, per_thread = 100;
  std::atomic<int> ok{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        std::string id = "w";  // (GCC 12 misreads a chain of + here as an overlapping copy)
        id += std::to_string(t);
        id += '-';
        id += std::to_string(i);
        auto r = sample(std::move(id), t * per_thread + i + 1);
        if (store_->upsert(r)) ++ok;
      }
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(ok.load(), threads * per_thread);
  EXPECT_EQ(store_->load_all().value().size(), static_cast<std::size_t>(threads * per_thread));
}

// Ids come from the URL path: PostgreSQL sends a batch's heartbeats as one array literal,
// so quotes, backslashes, commas, braces, NULL-looking words and UTF-8 must survive it.
TEST_P(instance_store_conformance, heartbeats_of_ids_with_array_syntax_characters_land) {
  const std::vector<std::string> ids{R"(q"uote)", R"(back\slash)", "com,ma",    "{brace}",
                                     "NULL",      "sp ace",        "caf\u00e9", ""};
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ASSERT_TRUE(store_->upsert(sample(ids[i], static_cast<std::int64_t>(i) + 1))) << ids[i];
  }
  auto later = wall_time(std::chrono::seconds(1'700'002'000));
  std::vector<instance_write> beats;
  for (const auto& id : ids) beats.push_back(instance_write::heartbeat(id, later));
  ASSERT_TRUE(store_->write(std::move(beats)));
  auto all = store_->load_all().value();
  ASSERT_EQ(all.size(), ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(all[i].instance_id, ids[i]);
    EXPECT_EQ(all[i].last_seen, later) << ids[i];
  }
}

TEST_P(instance_store_conformance, erase_removes_for_good) {
  ASSERT_TRUE(store_->upsert(sample("a", 1)));
  ASSERT_TRUE(store_->upsert(sample("b", 2)));
  std::vector<std::string> ids{"a", "missing"};
  ASSERT_TRUE(store_->erase(ids));
  auto all = store_->load_all().value();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].instance_id, "b");
}

#ifndef NEUROMESH_CATALOG_PG
void exec_sql(sqlite3* db, const char* sql) {
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "") << sql;
}

// A file as the previous version wrote it: the catalog's tables with its neuromesh_schema
// row, and the registry's `neurons` table stamped with PRAGMA user_version = 1.
TEST(catalog_sqlite_store, a_file_written_by_the_previous_version_opens_with_its_rows) {
  auto path = (std::filesystem::temp_directory_path() /
               ("catalog-legacy-" + std::to_string(::getpid()) + ".db"))
                  .string();
  std::filesystem::remove(path);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    exec_sql(db, "PRAGMA journal_mode=WAL");
    exec_sql(db,
             "CREATE TABLE neuromesh_schema(component TEXT PRIMARY KEY, version INTEGER NOT NULL);"
             "CREATE TABLE catalog_instances(instance_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, "
             "name TEXT NOT NULL, version TEXT NOT NULL, host TEXT NOT NULL, active INTEGER NOT "
             "NULL, last_seen_us INTEGER NOT NULL, tools TEXT NOT NULL, heartbeat_interval_ms "
             "INTEGER NOT NULL, generation INTEGER NOT NULL, deregistered_generation INTEGER, "
             "inactive_since_us INTEGER);"
             "CREATE TABLE catalog_heartbeats(instance_id TEXT PRIMARY KEY, last_seen_us INTEGER "
             "NOT NULL) WITHOUT ROWID;"
             "INSERT INTO neuromesh_schema VALUES ('catalog', 1);"
             "INSERT INTO catalog_instances VALUES ('old', 7, 'agent', '1', 'h', 1, "
             "1700000000000000, '[{\"name\":\"deploy\"}]', 30000, 3, NULL, NULL);"
             "INSERT INTO catalog_heartbeats VALUES ('old', 1700000000500000);"
             "CREATE TABLE neurons (neuron_id TEXT PRIMARY KEY, capabilities TEXT NOT NULL "
             "DEFAULT '[]', version TEXT, status TEXT NOT NULL DEFAULT 'registered', "
             "last_heartbeat TEXT, registered_at TEXT NOT NULL);"
             "INSERT INTO neurons VALUES ('n1', '[\"echo\"]', '1', 'registered', NULL, "
             "'2026-01-01T00:00:00+00:00');"
             "PRAGMA user_version = 1;");
    sqlite3_close(db);
  }
  {
    auto store = open_instance_store({store_url::kind::sqlite, path});
    ASSERT_TRUE(store.has_value());
    auto all = (*store)->load_all().value();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].instance_id, "old");
    EXPECT_EQ(all[0].seq, 7);
    EXPECT_EQ(all[0].generation, 3);
    EXPECT_EQ(all[0].tools.size(), 1u);
    // The later of the two last_seen columns.
    EXPECT_EQ(all[0].last_seen, wall_time(std::chrono::microseconds(1'700'000'000'500'000)));
    ASSERT_TRUE((*store)->touch("old", all[0].last_seen + std::chrono::seconds(1)));
  }
  registry::sqlite_store neurons(path);
  ASSERT_TRUE(neurons.connect());
  auto listed = neurons.list({}).value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].neuron_id, "n1");
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
}
#endif

#ifdef NEUROMESH_CATALOG_PG
// A database as the build before the storage core left it (the same tables and its
// neuromesh_schema row), in a schema of its own: the DSN selects it through libpq options.
TEST(catalog_postgres_store, a_database_written_by_the_previous_version_opens_with_its_rows) {
  neuromesh::testing::pg_schema schema("nm_catalog");
  {
    auto c = schema.connect();
    pqxx::work tx(*c);
    tx.exec(
        "CREATE TABLE neuromesh_schema(component TEXT PRIMARY KEY, version INTEGER NOT NULL);"
        "CREATE TABLE catalog_instances(instance_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, "
        "name TEXT NOT NULL, version TEXT NOT NULL, host TEXT NOT NULL, active BOOLEAN NOT "
        "NULL, last_seen_us BIGINT NOT NULL, tools TEXT NOT NULL, heartbeat_interval_ms BIGINT "
        "NOT NULL, generation BIGINT NOT NULL, deregistered_generation BIGINT, "
        "inactive_since_us BIGINT);"
        "INSERT INTO neuromesh_schema VALUES ('catalog', 1);"
        "INSERT INTO catalog_instances VALUES ('old', 7, 'agent', '1', 'h', TRUE, "
        "1700000000000000, '[{\"name\":\"deploy\"}]', 30000, 3, NULL, NULL)");
    tx.commit();
  }
  std::string dsn = schema.dsn();
  dsn += (dsn.find('?') == std::string::npos ? "?" : "&");
  dsn += "options=-csearch_path%3D" + schema.name();
  {
    auto store = open_instance_store({store_url::kind::postgres, dsn});
    ASSERT_TRUE(store.has_value());
    auto all = (*store)->load_all().value();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].instance_id, "old");
    EXPECT_EQ(all[0].seq, 7);
    EXPECT_EQ(all[0].generation, 3);
    EXPECT_EQ(all[0].tools.size(), 1u);
    EXPECT_EQ(all[0].last_seen, wall_time(std::chrono::microseconds(1'700'000'000'000'000)));
    std::vector<instance_write> beats;
    beats.push_back(instance_write::heartbeat("old", all[0].last_seen + std::chrono::seconds(1)));
    ASSERT_TRUE((*store)->write(std::move(beats)));
  }
  auto c = schema.connect();
  pqxx::nontransaction tx(*c);
  EXPECT_EQ(
      tx.exec1("SELECT version FROM neuromesh_schema WHERE component = 'catalog'")[0].as<int>(), 1);
  EXPECT_EQ(tx.exec1("SELECT last_seen_us FROM catalog_instances")[0].as<std::int64_t>(),
            1'700'000'001'000'000);
}
#endif

#ifdef NEUROMESH_CATALOG_PG
std::vector<backend> backends() {
  return {{"postgres", []() -> std::unique_ptr<instance_store> {
             const char* dsn = std::getenv("NEUROMESH_PG_DSN");
             if (!dsn || !*dsn) return nullptr;
             return open_instance_store({store_url::kind::postgres, dsn}).value();
           }}};
}
#else
std::string sqlite_path() {
  static auto path = (std::filesystem::temp_directory_path() /
                      ("catalog-store-" + std::to_string(::getpid()) + ".db"))
                         .string();
  return path;
}
std::vector<backend> backends() {
  return {{"memory", [] { return make_memory_store(); }},
          {"sqlite", [] {
             return open_instance_store({store_url::kind::sqlite, sqlite_path()}).value();
           }}};
}
#endif

INSTANTIATE_TEST_SUITE_P(backends, instance_store_conformance, ::testing::ValuesIn(backends()),
                         [](const auto& info) { return info.param.name; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(instance_store_conformance);

}  // namespace
}  // namespace neuromesh::catalog
