// The broker's liveness pings (broker_server.h): raw sockets that answer, stop answering or
// never answer, and our cosmo:// client, against a broker pinging every few milliseconds.
#include "broker_socket_support.h"
#include "neuromesh/synapse/cosmo_synapse.h"
#include "neuromesh/testing/testing.h"
#include "synapse_test_support.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>

namespace neuromesh::synapse {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

constexpr auto ping_line = R"({"op":"ping"})";

broker_options pinging(std::chrono::milliseconds interval, bool require_pong = false) {
  broker_options o;
  o.ping_interval = interval;
  o.max_pings_outstanding = 2;
  o.require_pong = require_pong;
  return o;
}

using broker_liveness_test = broker_fixture;

TEST_F(broker_liveness_test, a_session_that_never_answers_is_closed_when_pong_is_required) {
  start(pinging(40ms, /*require_pong=*/true));
  auto c = client();
  auto connected = std::chrono::steady_clock::now();
  // Two pings (the outstanding limit), then the close at the next tick.
  EXPECT_EQ(c.read_line(), ping_line);
  EXPECT_EQ(c.read_line(), ping_line);
  EXPECT_EQ(c.read_line(), "<eof>");
  EXPECT_GE(std::chrono::steady_clock::now() - connected, 80ms);  // ≥ two intervals
  EXPECT_TRUE(eventually([&] { return server->stats().stale_connections == 1; }));
  EXPECT_TRUE(eventually([&] { return server->session_count() == 0; }));
  EXPECT_EQ(server->stats().pongs_received, 0u);
}

TEST_F(broker_liveness_test, a_session_that_answered_and_then_goes_silent_is_closed_as_stale) {
  start(pinging(40ms));
  auto c = client();
  EXPECT_EQ(c.read_line(), ping_line);
  c.send_line(R"({"op":"pong"})");  // it speaks ping: from now on it is held to the rule
  std::string line;
  int pings = 0;
  while ((line = c.read_line()) == ping_line) ++pings;
  EXPECT_EQ(line, "<eof>");
  EXPECT_EQ(pings, 2);
  EXPECT_TRUE(eventually([&] { return server->stats().stale_connections == 1; }));
  EXPECT_GE(server->stats().pongs_received, 1u);
}

TEST_F(broker_liveness_test, a_session_that_answers_every_ping_is_kept) {
  start(pinging(50ms, /*require_pong=*/true));
  auto c = client();
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(c.read_line(), ping_line) << "ping " << i;
    c.send_line(R"({"op":"pong"})");
  }
  // Still served: a ping of its own is answered (skipping a broker ping already on its way).
  c.send_line(ping_line);
  std::string line;
  while ((line = c.read_line()) == ping_line) {
  }
  EXPECT_EQ(line, R"({"op":"pong"})");
  EXPECT_EQ(server->stats().stale_connections, 0u);
  EXPECT_GE(server->stats().pongs_received, 10u);
  EXPECT_EQ(server->session_count(), 1u);
}

TEST_F(broker_liveness_test, a_silent_session_that_never_answered_is_kept_by_default) {
  // The Python DevSynapse client: it never answers, and must not be cut off for it.
  start(pinging(20ms));
  auto c = client();
  for (int i = 0; i < 8; ++i) ASSERT_EQ(c.read_line(), ping_line) << "ping " << i;
  c.send_line(R"({"op":"hello"})");
  std::string line;
  while ((line = c.read_line()) == ping_line) {
  }
  EXPECT_EQ(line, R"({"op":"welcome"})");
  EXPECT_EQ(server->stats().stale_connections, 0u);
  EXPECT_GE(server->stats().pings_sent, 8u);
}

TEST_F(broker_liveness_test, any_line_from_the_session_resets_its_outstanding_count) {
  start(pinging(50ms, /*require_pong=*/true));
  auto c = client();
  // Answering each ping with another op (not pong) keeps it alive: without the reset it
  // would reach two outstanding pings and be closed at the third tick.
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(c.read_line(), ping_line) << "ping " << i;
    c.send_line(R"({"op":"unsub","sub_id":"nothing"})");
  }
  EXPECT_EQ(server->stats().stale_connections, 0u);
  EXPECT_EQ(server->session_count(), 1u);
}

TEST(broker_liveness, the_cosmo_client_answers_pings_and_stays_connected) {
  test::io_thread io;
  broker_options o = pinging(50ms, /*require_pong=*/true);
  o.port = 0;
  broker_server server(io.executor(), o);
  ASSERT_FALSE(server.listen());
  server.start();
  cosmo_options co;
  co.port = server.port();
  auto client = std::make_shared<cosmo_synapse>(io.executor(), co);
  ASSERT_FALSE(io.run(client->async_connect()));
  std::atomic<int> got{0};
  handler count = [&](const protocol::signal&) { ++got; };
  auto sub = io.run(client->async_subscribe("cosmonapse.dev.>", count, std::nullopt));
  ASSERT_TRUE(sub);
  EXPECT_TRUE(eventually([&] { return server.stats().pongs_received >= 5; }));
  EXPECT_EQ(server.stats().stale_connections, 0u);
  EXPECT_TRUE(client->connected());
  EXPECT_EQ(client->stats().reconnects, 0u);
  ASSERT_FALSE(io.run(client->async_publish("cosmonapse.dev.TASK", test::make_signal())));
  EXPECT_TRUE(eventually([&] { return got.load() == 1; }));
  io.run(client->async_close());
  io.run(server.async_stop());
}

}  // namespace
}  // namespace neuromesh::synapse
