// NATS synapse specifics. Unit: the connect never blocks the caller's executor, several
// connects in flight run side by side and a second caller joins the attempt in progress
// (against a listener that never speaks). Service (NEUROMESH_NATS_URL): every request shares one
// inbox subscription, and a late reply is dropped and counted.
#include "neuromesh/synapse/nats_synapse.h"

#include "neuromesh/synapse/errc.h"
#include "synapse_test_support.h"

#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <vector>

namespace neuromesh::synapse::test {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

// A connect's outcome and how long after `start` it came.
struct timed_connect {
  boost::system::error_code ec;
  std::chrono::steady_clock::duration after;
};

boost::asio::awaitable<timed_connect> async_timed_connect(
    std::shared_ptr<nats_synapse> n, std::chrono::steady_clock::time_point start) {
  auto ec = co_await n->async_connect();
  co_return timed_connect{ec, std::chrono::steady_clock::now() - start};
}

// n instances connecting side by side on io's one thread, then a second caller of the first
// instance (it joins that attempt); each outcome timed from the same start.
struct connect_race {
  std::vector<std::shared_ptr<nats_synapse>> clients;
  std::vector<std::future<timed_connect>> done;
  connect_race(io_thread& io, const nats_options& o, int n) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
      clients.push_back(std::make_shared<nats_synapse>(o));
      done.push_back(boost::asio::co_spawn(io.ctx(), async_timed_connect(clients.back(), start),
                                           boost::asio::use_future));
    }
    done.push_back(boost::asio::co_spawn(io.ctx(), async_timed_connect(clients.front(), start),
                                         boost::asio::use_future));
  }
};

#ifndef NEUROMESH_NATS_SERVICE_TESTS

// A TCP listener that never accepts: the kernel completes the handshake, nobody sends INFO,
// so libnats' connect waits for its whole timeout.
struct mute_listener {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  std::uint16_t port = 0;
  mute_listener() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 8) != 0)
      throw std::runtime_error("mute_listener: bind/listen failed");
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~mute_listener() { ::close(fd); }
};

TEST(nats_synapse, connect_does_not_block_the_callers_executor) {
  mute_listener mute;
  io_thread io;  // one thread: a blocking connect would stall every task below
  nats_options o;
  o.url = "nats://127.0.0.1:" + std::to_string(mute.port);
  o.connect_timeout = 1500ms;
  auto nats = std::make_shared<nats_synapse>(o);
  auto connecting = boost::asio::co_spawn(io.ctx(), nats->async_connect(), boost::asio::use_future);
  int ran_meanwhile = 0;
  for (int i = 0; i < 10; ++i) {
    std::promise<void> ran;
    auto done = ran.get_future();
    boost::asio::post(io.ctx(), [&ran] { ran.set_value(); });
    ASSERT_EQ(done.wait_for(1s), std::future_status::ready) << "the executor is blocked";
    if (connecting.wait_for(0s) != std::future_status::ready) ++ran_meanwhile;
  }
  EXPECT_EQ(ran_meanwhile, 10);  // all ran while the connect was still waiting for INFO
  ASSERT_EQ(connecting.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(connecting.get(), make_error_code(errc::not_connected));
}

TEST(nats_synapse, connects_in_flight_run_side_by_side_and_a_second_caller_joins) {
  mute_listener mute;
  io_thread io;  // one thread for every connect below
  nats_options o;
  o.url = "nats://127.0.0.1:" + std::to_string(mute.port);
  o.connect_timeout = 500ms;
  constexpr int n = 4;
  // The second caller of the first instance waits for that attempt, not failing at once.
  connect_race race(io, o, n);
  for (auto& f : race.done) {
    ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
    auto r = f.get();
    EXPECT_EQ(r.ec, make_error_code(errc::not_connected));
    EXPECT_GE(r.after, 450ms);  // each waited for the server's INFO (its whole timeout)
    // In series the last would end after n x 500 ms; side by side all end near 500 ms.
    EXPECT_LT(r.after, 1500ms);
  }
}

TEST(nats_synapse, close_during_a_pending_connect_leaves_it_closed) {
  mute_listener mute;
  io_thread io;
  nats_options o;
  o.url = "nats://127.0.0.1:" + std::to_string(mute.port);
  o.connect_timeout = 300ms;
  auto nats = std::make_shared<nats_synapse>(o);
  auto connecting = boost::asio::co_spawn(io.ctx(), nats->async_connect(), boost::asio::use_future);
  io.run(nats->async_close());
  ASSERT_EQ(connecting.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(connecting.get());  // failed (no INFO) or closed: never a live connection
  EXPECT_EQ(io.run(nats->async_publish("x", make_signal())), make_error_code(errc::closed));
}

#else

// A responder: answers every request on subject with a Signal carrying the request's id.
struct echo {
  std::shared_ptr<synapse> bus;
  io_thread* io;
  void operator()(const protocol::signal& request) const {
    auto to = reply_subject(request);
    if (!to) return;
    auto reply = make_signal(request.id.str());
    boost::asio::co_spawn(io->ctx(), bus->async_publish(*to, reply),
                          [](std::exception_ptr e, boost::system::error_code ec) {
                            EXPECT_FALSE(e);
                            EXPECT_FALSE(ec) << ec.message();
                          });
  }
};

TEST(nats_synapse_service, requests_share_one_inbox_subscription) {
  io_thread io;
  nats_bus nb(io);
  auto responder = nb.client();
  auto requester = std::static_pointer_cast<nats_synapse>(nb.client());
  handler h = echo{responder, &io};
  ASSERT_TRUE(io.run(responder->async_subscribe("svc.echo.shared", h, std::nullopt)));
  // Until the responder's SUB has reached the server, a request goes nowhere.
  ASSERT_TRUE(eventually([&] {
    return io.run(requester->async_request("svc.echo.shared", make_signal(), 100ms)).has_value();
  }));
  std::vector<std::future<boost::system::result<protocol::signal>>> pending;
  std::vector<protocol::signal> asked;
  for (int i = 0; i < 20; ++i) {
    std::string text = std::to_string(i);  // not "q" + ...: GCC 12's -Wrestrict misfires
    asked.push_back(make_signal(text));
    pending.push_back(boost::asio::co_spawn(
        io.ctx(), requester->async_request("svc.echo.shared", asked.back(), 5s),
        boost::asio::use_future));
  }
  for (std::size_t i = 0; i < pending.size(); ++i) {
    auto r = pending[i].get();
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_NE(r->payload.text().find(asked[i].id.str()), std::string::npos) << "request " << i;
  }
  EXPECT_EQ(requester->subscription_count(), 1u);  // the shared reply subscription only
  EXPECT_EQ(requester->pending_requests(), 0u);
}

TEST(nats_synapse_service, a_late_reply_is_dropped_and_counted) {
  io_thread io;
  nats_bus nb(io);
  auto silent = nb.client();
  auto requester = std::static_pointer_cast<nats_synapse>(nb.client());
  std::mutex mu;
  std::string reply_to;
  handler remember = [&](const protocol::signal& s) {
    std::lock_guard lock(mu);
    reply_to = reply_subject(s).value_or("");
  };
  ASSERT_TRUE(io.run(silent->async_subscribe("svc.silent", remember, std::nullopt)));
  // The SUB of another connection may not have reached the server yet: ask until the
  // silent one has seen a request (each times out: nobody answers).
  std::string to;
  ASSERT_TRUE(eventually([&] {
    auto r = io.run(requester->async_request("svc.silent", make_signal(), 50ms));
    EXPECT_EQ(r.error(), make_error_code(errc::timeout));
    std::lock_guard lock(mu);
    to = reply_to;
    return !to.empty();
  }));
  ASSERT_TRUE(to.starts_with("_INBOX.")) << to;
  EXPECT_EQ(requester->pending_requests(), 0u);
  ASSERT_FALSE(io.run(silent->async_publish(to, make_signal("too late"))));
  EXPECT_TRUE(eventually([&] { return requester->stats().dropped == 1; }));
}

TEST(nats_synapse_service, concurrent_connects_all_succeed_and_a_joined_caller_is_connected) {
  io_thread io;
  nats_options o;
  o.url = testing::env_or("NEUROMESH_NATS_URL", "");
  ASSERT_FALSE(o.url.empty()) << "NEUROMESH_NATS_URL is not set";
  connect_race race(io, o, 8);
  for (auto& f : race.done) {
    ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
    EXPECT_FALSE(f.get().ec);
  }
  for (auto& c : race.clients) {
    EXPECT_FALSE(io.run(c->async_publish("svc.connected", make_signal())));
    io.run(c->async_close());
  }
}

#endif

}  // namespace
}  // namespace neuromesh::synapse::test
