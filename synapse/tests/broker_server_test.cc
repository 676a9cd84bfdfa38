#include "neuromesh/synapse/broker_server.h"

#include "broker_socket_support.h"
#include "neuromesh/testing/testing.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>

namespace neuromesh::synapse {
namespace {

using namespace std::chrono_literals;

using broker_server_test = broker_fixture;

TEST_F(broker_server_test, serves_every_op_over_tcp) {
  start();
  auto a = client();
  auto b = client();
  a.send_line(R"({"op":"hello"})");
  EXPECT_EQ(a.read_line(), R"({"op":"welcome"})");
  a.send_line(R"({"op":"ping"})");
  EXPECT_EQ(a.read_line(), R"({"op":"pong"})");
  a.send_line(R"({"op":"sub","sub_id":"s1","subject":"cosmonapse.dev.>","queue_group":null})");
  a.send_line(R"({"op":"ns_register","namespace":"dev","transport":"memory"})");
  EXPECT_EQ(a.read_line(), R"({"op":"ns_registered","namespace":"dev"})");
  b.send_line(R"({"op":"pub","subject":"cosmonapse.dev.TASK","frame":"{\"v\":\"1\"}"})");
  EXPECT_EQ(
      a.read_line(),
      R"({"op":"msg","subject":"cosmonapse.dev.TASK","frame":"{\"v\":\"1\"}","sub_id":"s1"})");
  b.send_line(R"({"op":"mgmt_info","namespace":"dev"})");
  auto info = b.read_line();
  EXPECT_TRUE(info.starts_with(R"({"op":"mgmt_ns_info","namespace":"dev","transport":"memory",)"));
  EXPECT_TRUE(info.ends_with(R"("signal_count":1,"client_count":2})")) << info;
  b.send_line(R"({"op":"mgmt_list"})");
  EXPECT_TRUE(
      b.read_line().starts_with(R"({"op":"mgmt_ns_list","namespaces":[{"namespace":"dev")"));
  a.send_line(R"({"op":"unsub","sub_id":"s1"})");
  a.send_line(R"({"op":"ping"})");
  EXPECT_EQ(a.read_line(), R"({"op":"pong"})");
  b.send_line(R"({"op":"pub","subject":"cosmonapse.dev.TASK","frame":"x"})");
  b.send_line(R"({"op":"mgmt_stop","namespace":"dev"})");
  EXPECT_EQ(a.read_line(), R"({"op":"ns_stopping","namespace":"dev"})");
  EXPECT_EQ(b.read_line(), R"({"op":"mgmt_stop_ack","namespace":"dev"})");
}

TEST_F(broker_server_test, errors_leave_the_connection_working) {
  broker_options o;
  o.max_line_bytes = 1024;
  start(o);
  auto a = client();
  a.send_line("{oops");
  EXPECT_TRUE(a.read_line().starts_with(R"({"op":"err","message":"bad JSON: )"));
  a.send_line(R"({"op":"nope"})");
  EXPECT_EQ(a.read_line(), R"({"op":"err","message":"unknown op 'nope'"})");
  a.send_line(R"({"op":"pub"})");
  EXPECT_EQ(a.read_line(), R"({"op":"err","message":"pub: missing subject/frame"})");
  a.send_line(std::string(5000, 'x'));
  EXPECT_EQ(a.read_line(),
            R"({"op":"err","message":"line too long: exceeds 1024 bytes; skipped"})");
  a.send_line(R"({"op":"ping"})");
  EXPECT_EQ(a.read_line(), R"({"op":"pong"})");
  EXPECT_EQ(server->stats().lines_too_long, 1u);
}

TEST_F(broker_server_test, malformed_flood_loses_no_valid_message) {
  broker_options o;
  o.max_line_bytes = 4096;
  start(o);
  auto sub = client();
  sub.send_line(R"({"op":"sub","sub_id":"s","subject":"t.>"})");
  sub.send_line(R"({"op":"ping"})");
  ASSERT_EQ(sub.read_line(), R"({"op":"pong"})");
  auto pub = client();
  std::mt19937 rng(3);
  std::string blob;
  int valid = 0;
  for (int i = 0; i < 20000; ++i) {
    switch (rng() % 4) {
      case 0:
        blob += R"({"op":"pub","subject":"t.x","frame":"m)" + std::to_string(valid++) + "\"}\n";
        break;
      case 1:
        blob += "{\"op\":\"pub\",\"subject\":\xff\xfe}\n";
        break;
      case 2:
        blob += std::string(5000, '[') + "\n";
        break;
      default:
        blob += "]]]\n";
    }
  }
  std::thread writer([&] { pub.send(blob); });
  for (int i = 0; i < valid; ++i) {
    auto l = sub.read_line();
    ASSERT_EQ(
        l, R"({"op":"msg","subject":"t.x","frame":"m)" + std::to_string(i) + R"(","sub_id":"s"})");
  }
  writer.join();
}

TEST_F(broker_server_test, a_stalled_reader_is_cut_off_and_never_slows_the_others) {
  broker_options o;
  o.outbound_high_water = 256 * 1024;
  o.slow_consumer_timeout = 300ms;
  start(o);
  auto stalled = client(4096);
  stalled.send_line(R"({"op":"sub","sub_id":"slow","subject":"t"})");
  auto healthy = client();
  healthy.send_line(R"({"op":"sub","sub_id":"fast","subject":"t"})");
  healthy.send_line(R"({"op":"ping"})");
  ASSERT_EQ(healthy.read_line(), R"({"op":"pong"})");
  stalled.send_line(R"({"op":"ping"})");
  auto pub = client();
  const std::string frame(4000, 'f');
  // 12 MB in lock-step batches: the healthy reader drains each batch before the next, so
  // only the stalled session accumulates (far beyond its queue and socket buffers).
  const int batches = 300, batch = 10;
  int got = 0;
  for (int b = 0; b < batches; ++b) {
    std::string lines;
    for (int i = 0; i < batch; ++i)
      lines += R"({"op":"pub","subject":"t","frame":")" + frame + "\"}\n";
    pub.send(lines);
    for (int i = 0; i < batch; ++i) {
      auto l = healthy.read_line();
      ASSERT_TRUE(l.starts_with(R"({"op":"msg")")) << "after " << got << ": " << l.substr(0, 80);
      ++got;
    }
  }
  EXPECT_EQ(got, batches * batch);
  EXPECT_TRUE(testing::eventually([&] { return server->stats().slow_consumers == 1; }));
  EXPECT_TRUE(testing::eventually([&] { return server->session_count() == 2; }));
}

TEST_F(broker_server_test, an_unloaded_message_is_written_at_the_end_of_its_read) {
  start();
  auto sub = client();
  sub.send_line(R"({"op":"sub","sub_id":"s","subject":"d.x"})");
  sub.send_line(R"({"op":"ping"})");
  ASSERT_EQ(sub.read_line(), R"({"op":"pong"})");
  auto pub = client();
  auto before = server->stats().direct_writes;
  pub.send_line(R"({"op":"pub","subject":"d.x","frame":"f"})");
  EXPECT_EQ(sub.read_line(), R"({"op":"msg","subject":"d.x","frame":"f","sub_id":"s"})");
  // Straight from the publisher's read: the subscriber's writer was not involved. (The
  // counter moves just after the write, so the line may arrive first.)
  EXPECT_TRUE(testing::eventually([&] { return server->stats().direct_writes == before + 1; }));
  EXPECT_EQ(server->stats().direct_writes, before + 1);
}

TEST_F(broker_server_test, what_a_socket_does_not_take_at_once_follows_in_order) {
  broker_options o;
  o.max_line_bytes = 16u << 20;
  start(o);
  auto sub = client();
  sub.send_line(R"({"op":"sub","sub_id":"s","subject":"o.x"})");
  sub.send_line(R"({"op":"ping"})");
  ASSERT_EQ(sub.read_line(), R"({"op":"pong"})");
  auto pub = client();
  // An 8 MiB line is more than a socket takes at once (the kernel's send buffer is at most
  // 4 MiB): the direct write at the end of its read is partial and the writer sends the
  // rest from where it stopped, before the small line that follows.
  std::string big;
  for (int i = 0; big.size() < (8u << 20); ++i) big += std::to_string(i) + ",";
  pub.send(R"({"op":"pub","subject":"o.x","frame":")" + big + "\"}\n" +
           R"({"op":"pub","subject":"o.x","frame":"after"})" + "\n");
  auto first = sub.read_line();
  auto want = R"({"op":"msg","subject":"o.x","frame":")" + big + R"(","sub_id":"s"})";
  EXPECT_TRUE(first == want) << "got " << first.size() << " bytes, want " << want.size();
  EXPECT_EQ(sub.read_line(), R"({"op":"msg","subject":"o.x","frame":"after","sub_id":"s"})");
  EXPECT_GE(server->stats().direct_writes, 1u);
  EXPECT_EQ(server->stats().slow_consumers, 0u);
}

TEST_F(broker_server_test, caps_on_connections_and_subscriptions_answer_err_and_count) {
  broker_options o;
  o.max_connections = 2;
  o.max_subscriptions = 2;
  start(o);
  auto a = client();
  auto b = client();
  raw_client c(port);
  EXPECT_EQ(c.read_line(), R"x({"op":"err","message":"too many connections (limit 2)"})x");
  EXPECT_EQ(c.read_line(), "<eof>");
  EXPECT_EQ(server->stats().connections_rejected, 1u);
  a.send_line(R"({"op":"sub","sub_id":"1","subject":"x"})");
  a.send_line(R"({"op":"sub","sub_id":"2","subject":"y"})");
  a.send_line(R"({"op":"sub","sub_id":"2","subject":"z"})");  // overwrite: not a new one
  a.send_line(R"({"op":"sub","sub_id":"3","subject":"w"})");
  EXPECT_EQ(
      a.read_line(),
      R"x({"op":"err","message":"sub: too many subscriptions on this connection (limit 2)"})x");
  EXPECT_EQ(server->stats().subscriptions_rejected, 1u);
  b.send_line(R"({"op":"pub","subject":"z","frame":"f"})");
  EXPECT_EQ(a.read_line(), R"({"op":"msg","subject":"z","frame":"f","sub_id":"2"})");
}

TEST_F(broker_server_test, disconnect_removes_subscriptions_and_namespaces) {
  start();
  {
    auto gone = client();
    gone.send_line(R"({"op":"sub","sub_id":"s","subject":">"})");
    gone.send_line(R"({"op":"ns_register","namespace":"tmp"})");
    ASSERT_EQ(gone.read_line(), R"({"op":"ns_registered","namespace":"tmp"})");
  }
  EXPECT_TRUE(testing::eventually([&] { return server->session_count() == 0; }));
  auto a = client();
  a.send_line(R"({"op":"pub","subject":"x","frame":"y"})");
  a.send_line(R"({"op":"mgmt_list"})");
  EXPECT_EQ(a.read_line(), R"({"op":"mgmt_ns_list","namespaces":[]})");
  EXPECT_EQ(server->stats().delivered, 0u);
}

TEST_F(broker_server_test, stop_closes_every_session_after_flushing) {
  start();
  auto a = client();
  a.send_line(R"({"op":"ping"})");
  ASSERT_EQ(a.read_line(), R"({"op":"pong"})");
  boost::asio::co_spawn(ctx, server->async_stop(), boost::asio::use_future).get();
  EXPECT_EQ(a.read_line(), "<eof>");
  EXPECT_THROW(raw_client again(port), std::runtime_error);
}

}  // namespace
}  // namespace neuromesh::synapse
