// One suite every RedEX backend passes (memory and disk): sequence numbers, batch append,
// reads, tails (blocking and coroutine), tombstones, retention and close.
#include "neuromesh/cortex/redex.h"
#include "test_dir.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>
#include <thread>

namespace neuromesh::cortex {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

struct backend {
  std::string name;
  bool persistent;
};

class redex_conformance : public ::testing::TestWithParam<backend> {
 protected:
  test::temp_dir dir;
  redex mgr{dir.path};
  std::shared_ptr<redex_file> open(const std::string& name, redex_file_config cfg = {}) {
    cfg.persistent = GetParam().persistent;
    return mgr.open_file(channel_name::parse(name), cfg);
  }
};

TEST_P(redex_conformance, append_returns_consecutive_seqs_from_zero) {
  auto f = open("t/seq");
  for (std::uint64_t i = 0; i < 100; ++i) {
    auto r = f->append(fmt::format("record-{}", i));
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, i);
  }
  EXPECT_EQ(f->next_seq(), 100u);
  auto s = f->stats();
  EXPECT_EQ(s.count, 100u);
  EXPECT_EQ(s.first_seq, 0u);
}

TEST_P(redex_conformance, read_returns_payloads_of_every_size_in_order) {
  auto f = open("t/sizes");
  std::vector<std::string> want;
  for (std::size_t n : {0, 1, 7, 8, 9, 64, 1024, 70000}) {
    std::string p(n, '\0');
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<char>('a' + (i * 7 + n) % 26);
    want.push_back(p);
    ASSERT_TRUE(f->append(p));
  }
  auto got = f->read(0, 100);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].seq, i);
    EXPECT_EQ(got[i].payload, want[i]) << "record " << i;
    EXPECT_FALSE(got[i].tombstone);
    EXPECT_GT(got[i].ts_ns, 0u);
  }
  EXPECT_EQ(f->read(3, 2).size(), 2u);
  EXPECT_EQ(f->read(3, 2)[0].seq, 3u);
  EXPECT_TRUE(f->read(100, 5).empty());
}

TEST_P(redex_conformance, batch_append_is_contiguous) {
  auto f = open("t/batch");
  ASSERT_TRUE(f->append("first"));
  std::vector<std::string> batch{"a", "bb", "cccccccc", "dddddddddd"};
  auto r = f->append_batch(batch);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 1u);
  EXPECT_EQ(f->next_seq(), 5u);
  auto got = f->read(1, 10);
  ASSERT_EQ(got.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(got[i].payload, batch[i]);
}

TEST_P(redex_conformance, tail_replays_then_follows_appends_from_another_thread) {
  auto f = open("t/tail");
  ASSERT_TRUE(f->append("old"));
  auto t = f->tail(0);
  auto e = t.next(1s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->payload, "old");
  EXPECT_EQ(t.next(1ms).error(), errc::timeout);
  std::thread writer([&] {
    for (int i = 0; i < 50; ++i) (void)f->append(fmt::format("new-{}", i));
  });
  for (int i = 0; i < 50; ++i) {
    auto n = t.next(10s);
    ASSERT_TRUE(n) << i;
    EXPECT_EQ(n->seq, std::uint64_t(i + 1));
    EXPECT_EQ(n->payload, fmt::format("new-{}", i));
  }
  writer.join();
}

asio::awaitable<std::vector<std::string>> read_n(redex_tail* tp, int n) {
  auto& t = *tp;
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    auto e = co_await t.async_next();
    if (!e) break;
    out.push_back(e->payload);
  }
  co_return out;
}

TEST_P(redex_conformance, async_tail_is_woken_by_appends) {
  auto f = open("t/async");
  auto t = f->tail(0);
  asio::io_context io;
  auto fut = asio::co_spawn(io, read_n(&t, 20), asio::use_future);
  std::thread runner([&] { io.run(); });
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(f->append(fmt::format("e{}", i)));
  ASSERT_EQ(fut.wait_for(10s), std::future_status::ready);
  auto got = fut.get();
  runner.join();
  ASSERT_EQ(got.size(), 20u);
  EXPECT_EQ(got.front(), "e0");
  EXPECT_EQ(got.back(), "e19");
}

asio::awaitable<bool> next_or_timeout(redex_tail* tp) {
  auto& t = *tp;
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(co_await asio::this_coro::executor, 20ms);
  auto r = co_await (t.async_next() || timer.async_wait(asio::use_awaitable));
  co_return r.index() == 1;
}

TEST_P(redex_conformance, async_tail_can_be_cancelled_by_a_timer) {
  auto f = open("t/cancel");
  auto t = f->tail(0);
  asio::io_context io;
  auto fut = asio::co_spawn(io, next_or_timeout(&t), asio::use_future);
  io.run();
  EXPECT_TRUE(fut.get());
  ASSERT_TRUE(f->append("after"));
  auto e = t.next(1s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->payload, "after");
}

TEST_P(redex_conformance, tombstone_hides_the_record_from_reads_and_is_delivered_to_tails) {
  auto f = open("t/tomb");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(f->append(fmt::format("r{}", i)));
  auto t = f->tail(0);
  auto ts = f->tombstone(1);
  ASSERT_TRUE(ts);
  EXPECT_EQ(*ts, 3u);
  auto live = f->read(0, 10);
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].payload, "r0");
  EXPECT_EQ(live[1].payload, "r2");
  std::vector<std::uint64_t> seen;
  while (auto e = t.try_next()) {
    seen.push_back(e->seq);
    if (e->tombstone) {
      EXPECT_EQ(e->target(), 1u);
    }
  }
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{0, 2, 3}));
  EXPECT_EQ(f->tombstone(1).error(), errc::unknown_seq);
  EXPECT_EQ(f->tombstone(3).error(), errc::unknown_seq);
  EXPECT_EQ(f->tombstone(99).error(), errc::unknown_seq);
  EXPECT_EQ(f->stats().tombstones, 1u);
}

TEST_P(redex_conformance, retention_by_count_keeps_the_newest) {
  redex_file_config cfg;
  cfg.retention.max_events = 10;
  auto f = open("t/ret/count", cfg);
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(f->append(fmt::format("{:03}", i)));
  auto s = f->stats();
  EXPECT_EQ(s.count, 10u);
  EXPECT_EQ(s.first_seq, 15u);
  EXPECT_EQ(s.evicted, 15u);
  auto got = f->read(0, 100);
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(got.front().payload, "015");
}

TEST_P(redex_conformance, retention_by_bytes_counts_index_and_payload) {
  redex_file_config cfg;
  cfg.retention.max_bytes = 5 * (20 + 100);
  auto f = open("t/ret/bytes", cfg);
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(f->append(std::string(100, char('a' + i))));
  auto s = f->stats();
  EXPECT_EQ(s.count, 5u);
  EXPECT_LE(s.bytes, 5u * 120);
  EXPECT_EQ(f->read(0, 100).front().payload, std::string(100, char('a' + 7)));
}

TEST_P(redex_conformance, retention_by_age_evicts_old_records_on_sweep) {
  redex_file_config cfg;
  cfg.retention.max_age = 30ms;
  auto f = open("t/ret/age", cfg);
  ASSERT_TRUE(f->append("old-1"));
  ASSERT_TRUE(f->append("old-2"));
  auto t0 = std::chrono::steady_clock::now();
  // Poll the clock (not a sleep) until the records are older than the cap.
  while (std::chrono::steady_clock::now() - t0 < 40ms) std::this_thread::yield();
  EXPECT_EQ(f->sweep_retention(), 2u);
  ASSERT_TRUE(f->append("new"));
  auto got = f->read(0, 10);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "new");
  EXPECT_EQ(got[0].seq, 2u);
}

TEST_P(redex_conformance, retention_keeps_payloads_intact_across_many_chunks) {
  redex_file_config cfg;
  cfg.retention.max_events = 300;
  auto f = open("t/ret/chunks", cfg);
  auto payload = [](int i) {
    return std::string(static_cast<std::size_t>(i % 7 == 0 ? 8 : 9 + (i * 7919) % 20000),
                       char('a' + i % 26));
  };
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(f->append(payload(i)));
  auto got = f->read(0, 1000);
  ASSERT_EQ(got.size(), 300u);
  for (auto& e : got) ASSERT_EQ(e.payload, payload(static_cast<int>(e.seq))) << e.seq;
}

TEST_P(redex_conformance, tail_behind_retention_skips_to_the_oldest_retained) {
  redex_file_config cfg;
  cfg.retention.max_events = 4;
  auto f = open("t/ret/tail", cfg);
  auto t = f->tail(0);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(f->append(fmt::format("{}", i)));
  auto e = t.try_next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->seq, 6u);
  EXPECT_EQ(t.skipped(), 6u);
}

TEST_P(redex_conformance, close_refuses_appends_and_ends_tails_after_draining) {
  auto f = open("t/close");
  ASSERT_TRUE(f->append("last"));
  auto t = f->tail(0);
  ASSERT_TRUE(f->close());
  EXPECT_TRUE(f->closed());
  EXPECT_EQ(f->append("late").error(), errc::closed);
  auto e = t.next(1s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->payload, "last");
  EXPECT_EQ(t.next(1s).error(), errc::closed);
  EXPECT_TRUE(f->close());  // idempotent
}

TEST_P(redex_conformance, close_wakes_a_blocked_tail) {
  auto f = open("t/close-wake");
  auto t = f->tail(0);
  std::thread closer([&] { (void)f->close(); });
  EXPECT_EQ(t.next(10s).error(), errc::closed);
  closer.join();
}

TEST_P(redex_conformance, reopen_with_the_same_config_returns_the_open_handle) {
  auto a = open("t/same");
  auto b = open("t/same");
  EXPECT_EQ(a.get(), b.get());
  redex_file_config other;
  other.retention.max_events = 1;
  EXPECT_THROW(open("t/same", other), redex_error);
}

INSTANTIATE_TEST_SUITE_P(backends, redex_conformance,
                         ::testing::Values(backend{"memory", false}, backend{"disk", true}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace neuromesh::cortex
