#include "neuromesh/synapse/broker_server.h"

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

// A deliberately dumb NDJSON client on a blocking POSIX socket: not our cosmo:// client.
class raw_client {
 public:
  explicit raw_client(std::uint16_t port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("raw_client: connect failed");
  }
  ~raw_client() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void send(std::string_view data) {
    while (!data.empty()) {
      auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("raw_client: send failed");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  void send_line(std::string_view line) { send(std::string(line) + "\n"); }
  /// The next line, or "<timeout>" / "<eof>".
  std::string read_line(std::chrono::milliseconds timeout = 5s) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (true) {
      auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        auto line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return "<timeout>";
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char tmp[65536];
      auto n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) return "<eof>";
      buf_.append(tmp, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  std::string buf_;
};

struct broker_server_test : ::testing::Test {
  boost::asio::io_context ctx;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ctx.get_executor()};
  std::unique_ptr<broker_server> server;
  std::thread runner;
  std::uint16_t port = 0;

  void start(broker_options opts = {}) {
    opts.port = 0;
    server = std::make_unique<broker_server>(ctx.get_executor(), std::move(opts));
    ASSERT_FALSE(server->listen());
    port = server->port();
    ASSERT_NE(port, 0);
    server->start();
    runner = std::thread([this] { ctx.run(); });
  }
  void TearDown() override {
    if (!server) return;
    boost::asio::co_spawn(ctx, server->async_stop(), boost::asio::use_future).get();
    server.reset();
    work.reset();
    ctx.stop();
    runner.join();
  }
  raw_client client(int rcvbuf = 0) {
    raw_client c(port, rcvbuf);
    EXPECT_EQ(c.read_line(), R"({"op":"welcome"})");
    return c;
  }
};

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
