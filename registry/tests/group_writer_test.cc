// The storage core's group writer against a recording fake connection: order, group
// commit, completion only after commit, failure isolation, drain on destruction.
#include "neuromesh/registry/storage/group_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace neuromesh::registry::storage {
namespace {

// Records what the writer did; commit() can be held (to let a queue build up) or failed.
class fake_db final : public transactional {
 public:
  bool begin() override {
    std::lock_guard lock(mu);
    events.push_back("begin");
    return true;
  }
  bool commit() override {
    std::unique_lock lock(mu);
    cv.wait(lock, [this] { return !hold; });
    events.push_back(fail_commits > 0 ? "commit-failed" : "commit");
    if (fail_commits > 0) {
      --fail_commits;
      return false;
    }
    ++commits;
    return true;
  }
  void rollback() noexcept override {
    std::lock_guard lock(mu);
    events.push_back("rollback");
  }
  bool take_lost_connection() noexcept override {
    std::lock_guard lock(mu);
    if (lost_connections == 0) return false;
    --lost_connections;
    events.push_back("reconnect");
    return true;
  }
  void release() {
    {
      std::lock_guard lock(mu);
      hold = false;
    }
    cv.notify_all();
  }

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> events;
  bool hold = false;
  int fail_commits = 0;
  int lost_connections = 0;  // failures that take_lost_connection() reports as a lost session
  int commits = 0;
};

TEST(group_writer, operations_apply_in_order_and_settle_only_after_their_commit) {
  fake_db db;
  db.hold = true;  // the first transaction cannot commit yet
  std::vector<int> applied;
  std::atomic<int> settled{0};
  {
    group_writer w(db, "test");
    for (int i = 0; i < 100; ++i) {
      w.submit(
          [&, i] {
            applied.push_back(i);
            return true;
          },
          [&](bool ok) {
            EXPECT_TRUE(ok);
            ++settled;
          });
    }
    // Nothing is acknowledged while the commit is held.
    EXPECT_EQ(settled.load(), 0);
    db.release();
    EXPECT_TRUE(w.flush());
    EXPECT_EQ(settled.load(), 100);
    auto s = w.stats();
    EXPECT_EQ(s.writes, 101u);  // the flush's own no-op counts
    EXPECT_EQ(s.failed, 0u);
    // Group commit: the 99 queued behind the held first one shared transactions.
    EXPECT_LT(s.transactions, 10u);
  }
  ASSERT_EQ(applied.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(applied[i], i);
}

TEST(group_writer, a_failing_operation_fails_alone_and_its_neighbours_commit) {
  fake_db db;
  db.hold = true;
  std::vector<int> results(10, -1);
  group_writer w(db, "test");
  for (int i = 0; i < 10; ++i) {
    w.submit([i] { return i != 4; }, [&, i](bool ok) { results[i] = ok ? 1 : 0; });
  }
  db.release();
  EXPECT_FALSE(w.flush());  // something failed since the last flush
  for (int i = 0; i < 10; ++i) EXPECT_EQ(results[i], i == 4 ? 0 : 1) << i;
  EXPECT_EQ(w.stats().failed, 1u);
  EXPECT_TRUE(w.flush());
}

TEST(group_writer, an_exception_in_an_operation_is_a_failure_not_a_crash) {
  fake_db db;
  group_writer w(db, "test");
  std::atomic<int> ok_count{0}, failed{0};
  w.submit([]() -> bool { throw std::runtime_error("boom"); },
           [&](bool ok) { ok ? ++ok_count : ++failed; });
  w.submit([] { return true; }, [&](bool ok) { ok ? ++ok_count : ++failed; });
  w.flush();
  EXPECT_EQ(failed.load(), 1);
  EXPECT_EQ(ok_count.load(), 1);
}

TEST(group_writer, a_failed_commit_is_reported_to_every_caller_of_that_transaction) {
  fake_db db;
  db.fail_commits = 100;  // every commit fails
  group_writer w(db, "test");
  std::atomic<int> failed{0};
  for (int i = 0; i < 5; ++i) w.submit([] { return true; }, [&](bool ok) { failed += !ok; });
  EXPECT_FALSE(w.flush());
  EXPECT_EQ(failed.load(), 5);
}

TEST(group_writer, a_batch_that_lost_its_connection_is_applied_once_more_and_commits) {
  fake_db db;
  db.hold = true;
  db.fail_commits = 1;
  db.lost_connections = 1;
  std::atomic<int> committed{0}, applied{0};
  {
    group_writer w(db, "test");
    for (int i = 0; i < 3; ++i) {
      w.submit([&] { return ++applied > 0; }, [&](bool ok) { committed += ok; });
    }
    db.release();
    EXPECT_TRUE(w.flush());
    EXPECT_EQ(w.stats().reconnected, 1u);
    EXPECT_EQ(w.stats().isolated, 0u);  // replayed as one batch, not one by one
  }
  EXPECT_EQ(committed.load(), 3);
  std::lock_guard lock(db.mu);
  EXPECT_NE(std::find(db.events.begin(), db.events.end(), "reconnect"), db.events.end());
}

TEST(group_writer, a_connection_lost_twice_fails_the_batch_without_looping) {
  fake_db db;
  db.fail_commits = 100;
  db.lost_connections = 100;
  group_writer w(db, "test");
  std::atomic<int> failed{0};
  w.submit([] { return true; }, [&](bool ok) { failed += !ok; });
  EXPECT_FALSE(w.flush());
  EXPECT_EQ(failed.load(), 1);
}

TEST(group_writer, destruction_applies_everything_submitted_first) {
  fake_db db;
  std::atomic<int> committed{0};
  {
    group_writer w(db, "test");
    for (int i = 0; i < 1000; ++i) {
      w.submit([] { return true; }, [&](bool ok) { committed += ok; });
    }
  }
  EXPECT_EQ(committed.load(), 1000);
}

}  // namespace
}  // namespace neuromesh::registry::storage
