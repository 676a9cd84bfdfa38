// The cosmo:// client's own liveness pings (cosmo_synapse.h): against a fake broker that
// welcomes and then never answers, one that answers pings the Python way (an err line),
// and a real broker_server.
#include "neuromesh/synapse/cosmo_synapse.h"
#include "neuromesh/testing/testing.h"
#include "synapse_test_support.h"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace neuromesh::synapse::test {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

// A raw TCP server on loopback that sends the welcome line to every connection and then
// says nothing (silent) or answers each ping line with the Python broker's err (answers).
// It records every byte it received per connection.
class fake_broker {
 public:
  enum class mode { silent, answers_with_err };
  explicit fake_broker(mode m) : mode_(m) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 16) != 0)
      throw std::runtime_error("fake_broker: cannot listen");
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~fake_broker() {
    stop_ = true;
    thread_.join();
    for (int fd : conns_) ::close(fd);
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }
  std::size_t accepted() const { return accepted_.load(); }
  /// What the first connection sent so far.
  std::string first_received() const {
    std::lock_guard lock(mu_);
    return received_.empty() ? std::string() : received_.front();
  }

 private:
  void run() {
    while (!stop_) {
      std::vector<pollfd> fds{{listener_, POLLIN, 0}};
      for (int fd : conns_) fds.push_back({fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;  // 20 ms: re-check stop_
      if (fds[0].revents & POLLIN) {
        int fd = ::accept(listener_, nullptr, nullptr);
        if (fd >= 0) {
          static constexpr std::string_view welcome = "{\"op\":\"welcome\"}\n";
          (void)::send(fd, welcome.data(), welcome.size(), MSG_NOSIGNAL);
          conns_.push_back(fd);
          std::lock_guard lock(mu_);
          received_.emplace_back();
          accepted_.fetch_add(1);
        }
      }
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
        char buf[4096];
        auto n = ::recv(fds[i].fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0) continue;
        std::string_view got(buf, static_cast<std::size_t>(n));
        {
          std::lock_guard lock(mu_);
          received_[i - 1].append(got);
        }
        if (mode_ == mode::answers_with_err && got.find("\"ping\"") != std::string_view::npos) {
          static constexpr std::string_view err =
              "{\"op\":\"err\",\"message\":\"unknown op 'ping'\"}\n";
          (void)::send(fds[i].fd, err.data(), err.size(), MSG_NOSIGNAL);
        }
      }
    }
  }

  mode mode_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> accepted_{0};
  std::vector<int> conns_;  // the server thread's only
  mutable std::mutex mu_;
  std::vector<std::string> received_;  // per connection, in accept order
  std::thread thread_;
};

cosmo_options pinging(std::uint16_t port, std::chrono::milliseconds interval) {
  cosmo_options o;
  o.port = port;
  o.ping_interval = interval;
  o.max_pings_outstanding = 2;
  o.reconnect_min = 10ms;
  o.reconnect_max = 50ms;
  return o;
}

std::size_t count(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(cosmo_liveness, a_broker_that_stops_answering_is_dropped_within_the_deadline) {
  io_thread io;
  fake_broker broker(fake_broker::mode::silent);
  auto c = std::make_shared<cosmo_synapse>(io.executor(), pinging(broker.port(), 50ms));
  auto connected_at = std::chrono::steady_clock::now();
  ASSERT_FALSE(io.run(c->async_connect()));
  // Deadline: ping_interval x (max_pings_outstanding + 1) = 150 ms, plus scheduling slack.
  ASSERT_TRUE(eventually([&] { return c->link_stats().stale_connections >= 1; }, 3s));
  auto noticed_after = std::chrono::steady_clock::now() - connected_at;
  EXPECT_GE(noticed_after, 140ms);  // not before two pings went unanswered
  EXPECT_LT(noticed_after, 1500ms);
  EXPECT_GE(c->link_stats().pings_sent, 2u);  // the next connection may have pinged since
  EXPECT_EQ(c->link_stats().pongs_received, 0u);
  // The first connection got exactly the two unanswered pings before it was dropped.
  EXPECT_TRUE(eventually([&] { return count(broker.first_received(), R"({"op":"ping"})") >= 2; }));
  EXPECT_EQ(count(broker.first_received(), R"({"op":"ping"})"), 2u);
  // Dropped as stale, then reconnected like after any loss.
  EXPECT_TRUE(eventually([&] { return broker.accepted() >= 2 && c->stats().reconnects >= 1; }));
  io.run(c->async_close());
}

TEST(cosmo_liveness, an_err_answer_from_a_broker_without_ping_counts_as_alive) {
  io_thread io;
  fake_broker broker(fake_broker::mode::answers_with_err);
  auto c = std::make_shared<cosmo_synapse>(io.executor(), pinging(broker.port(), 20ms));
  ASSERT_FALSE(io.run(c->async_connect()));
  ASSERT_TRUE(eventually([&] { return c->link_stats().pings_sent >= 6; }));
  EXPECT_EQ(c->link_stats().stale_connections, 0u);
  EXPECT_TRUE(c->connected());
  EXPECT_EQ(broker.accepted(), 1u);
  io.run(c->async_close());
}

TEST(cosmo_liveness, a_live_broker_answers_every_ping_and_keeps_the_connection) {
  io_thread io;
  cosmo_bus bus(io);
  auto c = std::make_shared<cosmo_synapse>(io.executor(), pinging(bus.port(), 20ms));
  ASSERT_FALSE(io.run(c->async_connect()));
  ASSERT_TRUE(eventually([&] { return c->link_stats().pongs_received >= 5; }));
  EXPECT_EQ(c->link_stats().stale_connections, 0u);
  EXPECT_EQ(c->stats().reconnects, 0u);
  EXPECT_TRUE(c->connected());
  io.run(c->async_close());
}

TEST(cosmo_liveness, a_connection_that_hears_traffic_sends_no_pings) {
  io_thread io;
  cosmo_bus bus(io);
  auto c = std::make_shared<cosmo_synapse>(io.executor(), pinging(bus.port(), 40ms));
  ASSERT_FALSE(io.run(c->async_connect()));
  inbox got;
  ASSERT_TRUE(io.run(c->async_subscribe("live.x", got.make(), std::nullopt)));
  auto pub = bus.cosmo_client();
  // Traffic every ~5 ms for 400 ms (ten intervals): every look finds the connection heard.
  auto until = std::chrono::steady_clock::now() + 400ms;
  std::size_t sent = 0;
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_FALSE(io.run(pub->async_publish("live.x", make_signal())));
    ++sent;
    eventually([&] { return got.size() >= sent; }, 5ms);  // paces the loop
  }
  EXPECT_TRUE(eventually([&] { return got.size() == sent; }));
  EXPECT_LE(c->link_stats().pings_sent, 1u);  // at most the look before the first message
  EXPECT_EQ(c->link_stats().stale_connections, 0u);
  io.run(c->async_close());
}

}  // namespace
}  // namespace neuromesh::synapse::test
