#include "neuromesh/synapse/memory_synapse.h"

#include "synapse_test_support.h"

#include <boost/asio/strand.hpp>

namespace neuromesh::synapse::test {
namespace {

using testing::eventually;

boost::asio::awaitable<int> publish_and_count(std::shared_ptr<memory_synapse> m,
                                              std::shared_ptr<std::atomic<int>> seen) {
  // A named handler: GCC 12 destroys a converted temporary inside a co_await operand twice.
  handler h = [seen](const protocol::signal&) { ++*seen; };
  (void)co_await m->async_subscribe("a", std::move(h), std::nullopt);
  co_await m->async_publish("a", make_signal());
  co_return seen->load();  // read right after publish returns
}

TEST(memory_synapse, a_handler_on_the_publishers_executor_runs_inside_publish) {
  io_thread io;
  auto m = std::make_shared<memory_synapse>();
  ASSERT_FALSE(io.run(m->async_connect()));
  auto seen = std::make_shared<std::atomic<int>>(0);
  EXPECT_EQ(io.run(publish_and_count(m, seen)), 1);
}

TEST(memory_synapse, receivers_share_one_immutable_signal) {
  io_thread io;
  auto m = std::make_shared<memory_synapse>();
  ASSERT_FALSE(io.run(m->async_connect()));
  std::vector<const protocol::signal*> seen;  // guarded by mu: handlers run on io's thread
  std::mutex mu;
  shared_signal kept;
  ASSERT_TRUE(io.run(m->async_subscribe(
      "x",
      [&](const protocol::signal& s) {
        std::lock_guard lock(mu);
        seen.push_back(&s);
      },
      std::nullopt)));
  ASSERT_TRUE(io.run(m->async_subscribe(
      "x",
      [&](const shared_signal& s) {
        std::lock_guard lock(mu);
        seen.push_back(s.get());
        kept = s;  // keeps the Signal itself, no copy
      },
      std::nullopt)));
  ASSERT_FALSE(m->publish("x", make_signal()));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return seen.size() == 2;
  }));
  std::lock_guard lock(mu);
  EXPECT_EQ(seen[0], seen[1]);     // one shared Signal, reachable only as const
  EXPECT_EQ(seen[1], kept.get());  // the kept pointer is that Signal
}

TEST(synapse_take, moves_from_the_last_holder_and_copies_from_a_shared_one) {
  auto made = make_signal();
  const std::string payload = made.payload.text();
  ASSERT_GT(payload.size(), 15u);  // on the heap: a move keeps its buffer, a copy does not
  shared_signal a = std::make_shared<protocol::signal>(made);
  shared_signal b = a;
  const char* buffer = a->payload.text().data();
  auto copied = take(std::move(b));  // a still holds it: a copy
  EXPECT_EQ(b, nullptr);
  EXPECT_EQ(copied.payload.text(), payload);
  EXPECT_NE(copied.payload.text().data(), buffer);
  EXPECT_EQ(a->payload.text(), payload);
  auto moved = take(std::move(a));  // the last holder: moved out
  EXPECT_EQ(a, nullptr);
  EXPECT_EQ(moved.payload.text(), payload);
  EXPECT_EQ(moved.payload.text().data(), buffer);
}

TEST(memory_synapse, a_handler_on_another_executor_runs_there) {
  io_thread publisher_io, subscriber_io;
  auto m = std::make_shared<memory_synapse>();
  ASSERT_FALSE(publisher_io.run(m->async_connect()));
  std::atomic<std::thread::id> ran_on{};
  ASSERT_TRUE(subscriber_io.run(m->async_subscribe(
      "y", [&](const protocol::signal&) { ran_on = std::this_thread::get_id(); }, std::nullopt)));
  std::thread::id subscriber_thread;
  boost::asio::post(subscriber_io.ctx(), [&] { subscriber_thread = std::this_thread::get_id(); });
  ASSERT_FALSE(m->publish("y", make_signal()));
  ASSERT_TRUE(eventually([&] { return ran_on.load() != std::thread::id{}; }));
  EXPECT_EQ(ran_on.load(), subscriber_thread);
}

TEST(memory_synapse, a_handler_may_unsubscribe_itself_and_publish) {
  io_thread io;
  auto m = std::make_shared<memory_synapse>();
  ASSERT_FALSE(io.run(m->async_connect()));
  int calls = 0, nested = 0;
  subscription self;
  auto r = io.run(m->async_subscribe(
      "z",
      [&](const protocol::signal&) {
        ++calls;
        self.unsubscribe();
        (void)m->publish("z.nested", make_signal());
      },
      std::nullopt));
  ASSERT_TRUE(r);
  self = *r;
  ASSERT_TRUE(io.run(m->async_subscribe(
      "z.nested", [&](const protocol::signal&) { ++nested; }, std::nullopt)));
  ASSERT_FALSE(m->publish("z", make_signal()));
  ASSERT_FALSE(m->publish("z", make_signal()));
  EXPECT_TRUE(eventually([&] { return nested == 1; }));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace neuromesh::synapse::test
