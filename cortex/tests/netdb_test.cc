// NetDb: builder options, snapshot → restore → same queries, restart from disk logs, and a
// randomized test of the snapshot decoder.
#include "neuromesh/cortex/netdb.h"

#include "test_dir.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

namespace neuromesh::cortex {
namespace {

using namespace std::chrono_literals;

void populate(netdb& db) {
  for (task_id id = 1; id <= 50; ++id) ASSERT_TRUE(db.tasks().create(id, fmt::format("t{}", id)));
  for (task_id id = 1; id <= 50; id += 3) ASSERT_TRUE(db.tasks().complete(id));
  for (memory_id id = 1; id <= 30; ++id)
    ASSERT_TRUE(db.memories().store(id, fmt::format("memory {}", id),
                                    {id % 2 ? "odd" : "even", "all"}, "src"));
  ASSERT_TRUE(db.memories().pin(4));
}

void expect_same_queries(const netdb& a, const netdb& b) {
  EXPECT_EQ(a.tasks().find_many({}), b.tasks().find_many({}));
  EXPECT_EQ(a.tasks().count_where({.status = task_status::completed}),
            b.tasks().count_where({.status = task_status::completed}));
  EXPECT_EQ(a.tasks().find_unique(7), b.tasks().find_unique(7));
  EXPECT_EQ(a.memories().find_many({}), b.memories().find_many({}));
  EXPECT_EQ(a.memories().find_many({.tag = "odd", .order = order_by::id_desc}),
            b.memories().find_many({.tag = "odd", .order = order_by::id_desc}));
  EXPECT_EQ(a.memories().find_many({.pinned = true}), b.memories().find_many({.pinned = true}));
}

TEST(netdb, snapshot_restores_to_the_same_queries) {
  redex logs;
  auto db = netdb::builder(logs).origin(1).with_tasks().with_memories().build();
  populate(db);
  auto bundle = db.snapshot();
  redex fresh;
  auto copy = netdb::builder(fresh).with_tasks().with_memories().build_from_snapshot(bundle);
  expect_same_queries(db, copy);
  EXPECT_EQ(copy.tasks().count(), 50u);
  // The copy keeps working: new writes fold on top of the restored state.
  ASSERT_TRUE(copy.tasks().create(99, "after restore"));
  EXPECT_EQ(copy.tasks().count(), 51u);
  EXPECT_EQ(copy.snapshot().substr(0, 4), "NMDB");
}

TEST(netdb, restore_on_the_same_log_folds_events_after_the_snapshot) {
  redex logs;
  auto db = netdb::builder(logs).with_tasks().with_memories().build();
  populate(db);
  auto bundle = db.snapshot();
  ASSERT_TRUE(db.tasks().create(100, "after snapshot"));
  auto again = netdb::builder(logs).with_tasks().with_memories().build_from_snapshot(bundle);
  ASSERT_TRUE(again.tasks().wait_for_seq(db.tasks().log().next_seq() - 1));
  expect_same_queries(db, again);
  EXPECT_TRUE(again.tasks().find_unique(100));
}

TEST(netdb, restart_from_disk_logs_rebuilds_the_same_state) {
  test::temp_dir d;
  std::string before;
  std::vector<task> tasks_before;
  std::vector<memory> memories_before;
  {
    redex logs(d.path);
    auto db = netdb::builder(logs).persistent(true).with_tasks().with_memories().build();
    populate(db);
    tasks_before = db.tasks().find_many({});
    memories_before = db.memories().find_many({});
  }
  redex logs(d.path);
  auto db = netdb::builder(logs).persistent(true).with_tasks().with_memories().build();
  EXPECT_EQ(db.tasks().find_many({}), tasks_before);
  EXPECT_EQ(db.memories().find_many({}), memories_before);
  EXPECT_TRUE(std::filesystem::exists(d.path / "cortex" / "tasks" / "idx"));
}

TEST(netdb, a_model_not_enabled_is_a_clear_error) {
  redex logs;
  auto db = netdb::builder(logs).with_tasks().build();
  EXPECT_TRUE(db.has_tasks());
  EXPECT_FALSE(db.has_memories());
  EXPECT_THROW(db.memories(), redex_error);
  auto bundle = db.snapshot();
  redex other;
  try {
    netdb::builder(other).with_memories().build_from_snapshot(bundle);
    FAIL();
  } catch (const redex_error& e) {
    EXPECT_EQ(e.code(), errc::invalid_config);
    EXPECT_NE(std::string(e.what()).find("no memories section"), std::string::npos);
  }
}

TEST(netdb, persistent_without_a_directory_is_refused) {
  redex logs;
  EXPECT_THROW(netdb::builder(logs).persistent(true).with_tasks().build(), redex_error);
}

// Damaged bundles: a clear decode error naming a field, or (when the damage misses the
// checksummed sections, e.g. dropped trailing sections) a database whose queries work.
TEST(netdb, damaged_snapshots_fail_with_a_named_field_or_restore_cleanly) {
  redex logs;
  auto db = netdb::builder(logs).with_tasks().with_memories().build();
  populate(db);
  auto bundle = db.snapshot();
  std::mt19937_64 rng(42);
  int errors = 0;
  for (int round = 0; round < 500; ++round) {
    std::string b = bundle;
    switch (rng() % 4) {
      case 0:
        b.resize(rng() % b.size());
        break;
      case 1:
        b[rng() % b.size()] ^= static_cast<char>(1 << (rng() % 8));
        break;
      case 2:
        b.insert(rng() % b.size(), std::string(1 + rng() % 8, char(rng())));
        break;
      default:
        for (int k = 0; k < 4; ++k) b[rng() % b.size()] = char(rng());
    }
    redex fresh;
    try {
      auto copy = netdb::builder(fresh).with_tasks().with_memories().build_from_snapshot(b);
      (void)copy.tasks().find_many({});
    } catch (const redex_error& e) {
      std::string what = e.what();
      EXPECT_EQ(what.rfind("netdb snapshot: ", 0), 0u) << what;
      EXPECT_TRUE(what.find('.') != std::string::npos || what.find("section") != std::string::npos)
          << what;
      ++errors;
    }
  }
  EXPECT_GT(errors, 400);
}

}  // namespace
}  // namespace neuromesh::cortex
