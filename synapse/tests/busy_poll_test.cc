// run_busy_polling: io_context::run()'s contract (handlers, timers, work from other threads,
// stop, running out of work), and a cosmo:// broker with its clients served by it.
#include "neuromesh/synapse/busy_poll.h"

#include "neuromesh/synapse/broker_server.h"
#include "neuromesh/synapse/cosmo_synapse.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

namespace neuromesh::synapse {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr auto spin = std::chrono::microseconds(200);

TEST(busy_poll, runs_every_handler_and_returns_their_count_when_out_of_work) {
  asio::io_context io(1);
  int ran = 0;
  // Each handler posts the next: the chain is only ever one handler deep.
  std::function<void()> step = [&] {
    if (++ran < 100) asio::post(io, step);
  };
  asio::post(io, step);
  EXPECT_EQ(run_busy_polling(io, spin), 100u);
  EXPECT_EQ(ran, 100);
  EXPECT_TRUE(io.stopped());
}

TEST(busy_poll, waits_for_a_timer_and_then_returns) {
  asio::io_context io(1);
  auto t0 = std::chrono::steady_clock::now();
  asio::steady_timer t(io, 20ms);
  bool fired = false;
  t.async_wait([&](boost::system::error_code ec) { fired = !ec; });
  EXPECT_EQ(run_busy_polling(io, spin), 1u);
  EXPECT_TRUE(fired);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 20ms);
}

TEST(busy_poll, runs_work_posted_from_another_thread_while_it_spins_or_blocks) {
  asio::io_context io(1);
  auto work = asio::make_work_guard(io);
  std::atomic<int> ran{0};
  std::thread other([&] {
    // Immediately (inside the spin window) and after the spin gave up and it blocked.
    for (auto pause : {0ms, 0ms, 5ms, 30ms}) {
      std::this_thread::sleep_for(pause);
      asio::post(io, [&] { ++ran; });
    }
    asio::post(io, [&] { work.reset(); });
  });
  EXPECT_EQ(run_busy_polling(io, spin), 5u);
  other.join();
  EXPECT_EQ(ran.load(), 4);
}

TEST(busy_poll, stop_from_another_thread_ends_it_with_work_pending) {
  asio::io_context io(1);
  asio::steady_timer never(io, 1h);
  bool fired = false;
  never.async_wait([&](boost::system::error_code) { fired = true; });
  std::thread stopper([&] {
    std::this_thread::sleep_for(20ms);
    io.stop();
  });
  EXPECT_EQ(run_busy_polling(io, spin), 0u);
  stopper.join();
  EXPECT_FALSE(fired);
  EXPECT_TRUE(io.stopped());
}

TEST(busy_poll, zero_spin_is_plain_run) {
  asio::io_context io(1);
  int ran = 0;
  for (int i = 0; i < 3; ++i) asio::post(io, [&] { ++ran; });
  EXPECT_EQ(run_busy_polling(io, std::chrono::microseconds(0)), 3u);
  EXPECT_EQ(ran, 3);
}

// A broker and two clients on one busy-polled io_context: every Signal of a request/reply
// exchange arrives, in order.
asio::awaitable<int> exchange(std::uint16_t port, int n) {
  auto ex = co_await asio::this_coro::executor;
  cosmo_options o;
  o.port = port;
  cosmo_synapse pub(ex, o), sub(ex, o);
  if (co_await pub.async_connect() || co_await sub.async_connect()) co_return -1;
  std::vector<std::string> got;
  asio::steady_timer wake(ex, 1h);
  handler on = [&](const protocol::signal& s) {
    got.push_back(s.id.value);
    wake.cancel();
  };
  std::string subject = "cosmonapse.busy.x";
  std::optional<std::string> no_group;
  if (!co_await sub.async_subscribe(subject, on, no_group)) co_return -2;
  // `sub` has no ack on cosmo://: publish until the first one comes back.
  std::vector<std::string> sent;
  for (int i = 0; got.empty() && i < 100; ++i) {
    protocol::signal probe;
    sent.push_back(probe.id.value);
    if (co_await pub.async_publish(subject, std::move(probe))) co_return -3;
    wake.expires_after(20ms);
    boost::system::error_code ec;
    co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  got.clear();
  sent.clear();
  for (int i = 0; i < n; ++i) {
    protocol::signal s;
    sent.push_back(s.id.value);
    if (co_await pub.async_publish(subject, std::move(s))) co_return -3;
  }
  for (int i = 0; got.size() < sent.size() && i < 500; ++i) {
    wake.expires_after(10ms);
    boost::system::error_code ec;
    co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_await pub.async_close();
  co_await sub.async_close();
  co_return got == sent ? static_cast<int>(got.size()) : -4;
}

TEST(busy_poll, serves_a_broker_and_its_clients) {
  asio::io_context io(1);
  broker_options bo;
  bo.port = 0;
  broker_server broker(io.get_executor(), bo);
  ASSERT_FALSE(broker.listen());
  broker.start();
  auto done = asio::co_spawn(io, exchange(broker.port(), 200), asio::use_future);
  std::thread t([&] { run_busy_polling(io, spin); });
  auto status = done.wait_for(20s);
  auto stopped = asio::co_spawn(io, broker.async_stop(), asio::use_future);
  stopped.wait_for(5s);
  io.stop();
  t.join();
  ASSERT_EQ(status, std::future_status::ready);
  EXPECT_EQ(done.get(), 200);
}

}  // namespace
}  // namespace neuromesh::synapse
