#pragma once
// Shared by the broker's socket-level tests: a deliberately dumb NDJSON client on a
// blocking POSIX socket (not our cosmo:// client) and a fixture running a broker_server.

#include "neuromesh/synapse/broker_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace neuromesh::synapse {

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
  raw_client(raw_client&& o) noexcept : fd_(std::exchange(o.fd_, -1)), buf_(std::move(o.buf_)) {}
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;
  raw_client& operator=(raw_client&&) = delete;
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
  std::string read_line(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
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

struct broker_fixture : ::testing::Test {
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

}  // namespace neuromesh::synapse
