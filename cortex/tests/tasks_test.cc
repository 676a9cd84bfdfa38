// The tasks model: mutations fold into state, queries, wait_for_seq, watches (including a
// mutation racing snapshot_and_watch), fold = replay from zero, and bad events skipped.
#include "neuromesh/cortex/tasks.h"

#include "event_codec.h"
#include "neuromesh/cortex/netdb.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <thread>

namespace neuromesh::cortex {
namespace {

using namespace std::chrono_literals;

struct fixture {
  redex logs;
  netdb db = netdb::builder(logs).origin(0xABCD).with_tasks().build();
};

TEST(tasks, create_complete_rename_remove_fold_into_state) {
  fixture f;
  auto& t = f.db.tasks();
  auto s1 = t.create(1, "write docs");
  ASSERT_TRUE(s1);
  EXPECT_EQ(*s1, 0u);
  ASSERT_TRUE(t.create(2, "review"));
  ASSERT_TRUE(t.wait_for_seq(1));
  EXPECT_EQ(t.count(), 2u);
  auto one = t.find_unique(1);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->title, "write docs");
  EXPECT_EQ(one->status, task_status::pending);
  EXPECT_EQ(one->created_ns, one->updated_ns);
  ASSERT_TRUE(t.complete(1));
  ASSERT_TRUE(t.rename(2, "review PR"));
  auto done = t.find_unique(1);
  EXPECT_EQ(done->status, task_status::completed);
  EXPECT_GE(done->updated_ns, done->created_ns);
  EXPECT_EQ(t.find_unique(2)->title, "review PR");
  ASSERT_TRUE(t.remove(2));
  EXPECT_FALSE(t.find_unique(2));
  EXPECT_EQ(t.complete(42).error(), errc::not_found);
  EXPECT_EQ(t.remove(42).error(), errc::not_found);
}

TEST(tasks, events_carry_the_origin) {
  fixture f;
  ASSERT_TRUE(f.db.tasks().create(1, "x"));
  auto ev = f.db.tasks().log().read(0, 1);
  ASSERT_EQ(ev.size(), 1u);
  detail::event_reader r(ev[0].payload);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.meta().origin, 0xABCDu);
  EXPECT_EQ(r.meta().dispatch, 0x01);
}

TEST(tasks, find_many_filters_orders_and_limits) {
  fixture f;
  auto& t = f.db.tasks();
  for (task_id id = 1; id <= 20; ++id) ASSERT_TRUE(t.create(id, fmt::format("task {}", id)));
  for (task_id id = 2; id <= 20; id += 2) ASSERT_TRUE(t.complete(id));
  auto pending = t.find_many({.status = task_status::pending});
  ASSERT_EQ(pending.size(), 10u);
  EXPECT_EQ(pending.front().id, 1u);
  EXPECT_EQ(pending.back().id, 19u);
  auto top =
      t.find_many({.status = task_status::completed, .order = order_by::id_desc, .limit = 3});
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].id, 20u);
  EXPECT_EQ(top[2].id, 16u);
  auto titled = t.find_many({.title_contains = "task 1"});
  EXPECT_EQ(titled.size(), 11u);  // 1, 10..19
  auto some = t.find_many({.id_in = std::vector<task_id>{3, 4, 99}});
  ASSERT_EQ(some.size(), 2u);
  EXPECT_EQ(t.count_where({.status = task_status::completed}), 10u);
  EXPECT_EQ(t.count_where({}), 20u);
  auto by_update = t.find_many({.order = order_by::updated_desc, .limit = 1});
  EXPECT_EQ(by_update[0].id, 20u);  // the last completion
  auto newest = t.find_many({.order = order_by::created_desc, .limit = 1});
  EXPECT_EQ(newest[0].id, 20u);
}

TEST(tasks, the_fold_equals_a_replay_from_zero) {
  redex logs;
  auto db = netdb::builder(logs).with_tasks().build();
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    task_id id = rng() % 300;
    switch (rng() % 4) {
      case 0:
        ASSERT_TRUE(db.tasks().create(id, fmt::format("t{}-{}", id, i)));
        break;
      case 1:
        (void)db.tasks().complete(id);
        break;
      case 2:
        (void)db.tasks().rename(id, fmt::format("r{}", i));
        break;
      default:
        (void)db.tasks().remove(id);
    }
  }
  auto live = db.tasks().find_many({});
  // A second adapter on the same log folds everything from seq 0.
  auto file = logs.find(channel_name::parse(netdb::tasks_channel));
  ASSERT_TRUE(file);
  redex other;
  auto copy = other.open_file(channel_name::parse("cortex/tasks"));
  std::vector<std::string> payloads;
  for (auto& e : file->read(0, 1 << 20)) payloads.push_back(e.payload);
  ASSERT_TRUE(copy->append_batch(payloads));
  auto replay = netdb::builder(other).with_tasks().build();
  ASSERT_TRUE(replay.tasks().wait_for_seq(payloads.size() - 1));
  EXPECT_EQ(replay.tasks().find_many({}), live);
  EXPECT_GT(live.size(), 0u);
}

TEST(tasks, records_appended_by_another_writer_are_folded_before_the_next_query) {
  fixture f;
  auto& log = f.db.tasks().log();
  auto ev = detail::event_writer(0x01, 9, 123).u64(77).str("from elsewhere").finish();
  auto seq = log.append(ev);
  ASSERT_TRUE(seq);
  auto t = f.db.tasks().find_unique(77);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->title, "from elsewhere");
  EXPECT_EQ(t->created_ns, 123u);
  EXPECT_EQ(f.db.tasks().position(), *seq + 1);
}

TEST(tasks, wait_for_seq_waits_for_a_record_another_thread_appends) {
  fixture f;
  auto& log = f.db.tasks().log();
  EXPECT_FALSE(f.db.tasks().wait_for_seq(0, 1ms));
  std::thread writer(
      [&] { (void)log.append(detail::event_writer(0x01, 9, 1).u64(8).str("late").finish()); });
  EXPECT_TRUE(f.db.tasks().wait_for_seq(0, 10s));
  writer.join();
  EXPECT_TRUE(f.db.tasks().find_unique(8));
}

TEST(tasks, a_watch_sees_records_another_writer_appends) {
  fixture f;
  auto [snap, w] = f.db.tasks().snapshot_and_watch({});
  std::thread writer([&] {
    (void)f.db.tasks().log().append(detail::event_writer(0x01, 9, 1).u64(3).str("x").finish());
  });
  auto n = w.next(10s);
  writer.join();
  ASSERT_TRUE(n);
  EXPECT_EQ(n->size(), 1u);
}

TEST(tasks, undecodable_events_are_skipped_and_counted) {
  fixture f;
  auto& log = f.db.tasks().log();
  ASSERT_TRUE(log.append("short"));
  auto ev = detail::event_writer(0x01, 9, 1).u64(5).str("ok").finish();
  ev[30] ^= 1;  // checksum mismatch
  ASSERT_TRUE(log.append(ev));
  ASSERT_TRUE(log.append(detail::event_writer(0x7f, 9, 1).u64(5).finish()));  // unknown kind
  ASSERT_TRUE(log.append(detail::event_writer(0x01, 9, 1).u64(5).finish()));  // title missing
  auto good = f.db.tasks().create(6, "fine");
  ASSERT_TRUE(good);
  ASSERT_TRUE(f.db.tasks().wait_for_seq(*good));
  EXPECT_EQ(f.db.tasks().fold_errors(), 4u);
  EXPECT_EQ(f.db.tasks().count(), 1u);
}

TEST(tasks, watch_emits_the_current_result_then_only_changes) {
  fixture f;
  auto& t = f.db.tasks();
  ASSERT_TRUE(t.create(1, "a"));
  auto w = t.watch({.status = task_status::pending});
  auto first = w.next(1s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->size(), 1u);
  ASSERT_TRUE(t.rename(1, "a2"));  // changes the row, so the result differs
  auto second = w.next(1s);
  ASSERT_TRUE(second);
  EXPECT_EQ((*second)[0].title, "a2");
  ASSERT_TRUE(t.create(2, "b"));
  ASSERT_TRUE(t.complete(2));  // net effect on pending: nothing
  EXPECT_EQ(w.next(20ms).error(), errc::timeout);
  ASSERT_TRUE(t.complete(1));
  auto third = w.next(1s);
  ASSERT_TRUE(third);
  EXPECT_TRUE(third->empty());
}

TEST(tasks, snapshot_and_watch_delivers_a_mutation_racing_its_construction) {
  for (int round = 0; round < 50; ++round) {
    fixture f;
    auto& t = f.db.tasks();
    ASSERT_TRUE(t.create(1, "first"));
    std::atomic<bool> go{false};
    std::thread racer([&] {
      while (!go.load()) std::this_thread::yield();
      (void)t.create(2, "racer");
    });
    go.store(true);
    auto [snap, w] = t.snapshot_and_watch({});
    racer.join();
    if (snap.size() == 2) {
      // The racer landed before the snapshot: nothing new to say.
      EXPECT_EQ(w.next(5ms).error(), errc::timeout);
    } else {
      ASSERT_EQ(snap.size(), 1u);
      auto next = w.next(5s);
      ASSERT_TRUE(next) << "round " << round << ": the racing create was lost";
      EXPECT_EQ(next->size(), 2u);
    }
  }
}

TEST(tasks, snapshot_and_watch_drops_only_a_leading_emission_equal_to_the_snapshot) {
  fixture f;
  auto& t = f.db.tasks();
  ASSERT_TRUE(t.create(1, "a"));
  auto [snap, w] = t.snapshot_and_watch({});
  EXPECT_EQ(snap.size(), 1u);
  EXPECT_FALSE(w.try_next());
  ASSERT_TRUE(t.create(2, "b"));
  auto n = w.try_next();
  ASSERT_TRUE(n);
  EXPECT_EQ(n->size(), 2u);
}

boost::asio::awaitable<std::size_t> await_change(tasks_watch* wp) {
  auto& w = *wp;
  auto r = co_await w.async_next();
  co_return r ? r->size() : 999;
}

TEST(tasks, async_watch_is_woken_by_a_write_from_another_thread) {
  fixture f;
  auto [snap, w] = f.db.tasks().snapshot_and_watch({});
  boost::asio::io_context io;
  auto fut = boost::asio::co_spawn(io, await_change(&w), boost::asio::use_future);
  std::thread runner([&] { io.run(); });
  ASSERT_TRUE(f.db.tasks().create(5, "wake"));
  ASSERT_EQ(fut.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(fut.get(), 1u);
  runner.join();
}

}  // namespace
}  // namespace neuromesh::cortex
