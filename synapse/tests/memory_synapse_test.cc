#include "neuromesh/synapse/memory_synapse.h"

#include "synapse_test_support.h"

#include <boost/asio/strand.hpp>

namespace neuromesh::synapse::test {
namespace {

using testing::eventually;

boost::asio::awaitable<int> publish_and_count(std::shared_ptr<memory_synapse> m,
                                              std::shared_ptr<std::atomic<int>> seen) {
  (void)co_await m->async_subscribe(
      "a", [seen](const protocol::signal&) { ++*seen; }, std::nullopt);
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
  static_assert(std::is_invocable_v<handler, const protocol::signal&>);
  std::vector<const protocol::signal*> seen;
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(io.run(m->async_subscribe(
        "x", [&](const protocol::signal& s) { seen.push_back(&s); }, std::nullopt)));
  ASSERT_FALSE(m->publish("x", make_signal()));
  ASSERT_TRUE(eventually([&] { return seen.size() == 2; }));
  EXPECT_EQ(seen[0], seen[1]);  // one shared copy, reachable only through const&
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
