// One conformance suite for every instance_store backend. The PostgreSQL instantiation is
// built into its own test binary (label service) and needs NEUROMESH_PG_DSN.
#include "neuromesh/catalog/instance_store.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>

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

TEST_P(instance_store_conformance, touch_async_settles_and_later_writes_see_it) {
  ASSERT_TRUE(store_->upsert(sample("a", 1)));
  auto later = wall_time(std::chrono::seconds(1'700'001'000));
  std::mutex mu;
  std::condition_variable cv;
  int settled = 0;
  bool all_ok = true;
  for (int i = 0; i < 50; ++i) {
    store_->touch_async("a", later + std::chrono::seconds(i), [&](bool ok) {
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
  store_->touch_async("a", later + std::chrono::seconds(50), [](bool) {});
  ASSERT_TRUE(store_->deactivate(std::span<const instance_record>(&r, 1)));
  EXPECT_FALSE(store_->load_all().value().at(0).active);
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
