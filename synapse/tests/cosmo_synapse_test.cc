#include "neuromesh/synapse/cosmo_synapse.h"

#include "neuromesh/protocol/codec.h"
#include "neuromesh/synapse/errc.h"
#include "neuromesh/synapse/py_json.h"
#include "synapse_test_support.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace neuromesh::synapse::test {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using testing::eventually;

// Raw NDJSON socket: publishes what our client would never send.
class raw_socket {
 public:
  explicit raw_socket(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("connect failed");
  }
  ~raw_socket() { ::close(fd_); }
  void send_line(const std::string& l) {
    std::string d = l + "\n";
    ASSERT_EQ(::send(fd_, d.data(), d.size(), MSG_NOSIGNAL), static_cast<ssize_t>(d.size()));
  }
  std::string read_line() {
    while (buf_.find('\n') == std::string::npos) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return "<timeout>";
      char tmp[65536];
      auto n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) return "<eof>";
      buf_.append(tmp, static_cast<std::size_t>(n));
    }
    auto nl = buf_.find('\n');
    auto l = buf_.substr(0, nl);
    buf_.erase(0, nl + 1);
    return l;
  }

 private:
  int fd_;
  std::string buf_;
};

TEST(cosmo_url, parses_host_and_port_with_reference_defaults) {
  auto a = cosmo_synapse::parse_url("cosmo://example.org:7171");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "example.org");
  EXPECT_EQ(a->port, 7171);
  auto b = cosmo_synapse::parse_url("COSMO://");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "127.0.0.1");
  EXPECT_EQ(b->port, 7070);
  auto c = cosmo_synapse::parse_url("cosmo://h:0");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->port, 0);  // an explicit 0 is kept, as DevSynapse(url=...) does
  auto d = cosmo_synapse::parse_url("cosmo://[::1]:9");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->host, "::1");
  EXPECT_FALSE(cosmo_synapse::parse_url("cosmo://h:70000"));
  EXPECT_FALSE(cosmo_synapse::parse_url("cosmo://h:x"));
  EXPECT_FALSE(cosmo_synapse::parse_url("nats://h:1"));
}

TEST(cosmo_synapse_wire, publishes_the_frame_as_a_python_escaped_string) {
  io_thread io;
  cosmo_bus bus(io);
  raw_socket raw(bus.port());
  ASSERT_EQ(raw.read_line(), R"({"op":"welcome"})");
  raw.send_line(R"({"op":"sub","sub_id":"r","subject":"w.>","queue_group":null})");
  raw.send_line(R"({"op":"ping"})");
  ASSERT_EQ(raw.read_line(), R"({"op":"pong"})");
  auto c = bus.cosmo_client();
  auto s = make_signal("caf\xc3\xa9");
  ASSERT_FALSE(io.run(c->async_publish("w.x", s)));
  std::string expect = R"({"op":"msg","subject":"w.x","frame":)" +
                       detail::py_string(protocol::encode(s)) + R"(,"sub_id":"r"})";
  EXPECT_EQ(raw.read_line(), expect);
}

TEST(cosmo_synapse_wire, a_bad_frame_is_counted_and_the_subscription_keeps_running) {
  io_thread io;
  cosmo_bus bus(io);
  auto c = bus.cosmo_client();
  inbox got;
  auto sub = io.run(c->async_subscribe("b.x", got.make(), std::nullopt));
  ASSERT_TRUE(sub);
  raw_socket raw(bus.port());
  ASSERT_EQ(raw.read_line(), R"({"op":"welcome"})");
  // Wait until the subscription is live: publish valid frames until one arrives.
  auto good = protocol::encode(make_signal());
  ASSERT_TRUE(eventually([&] {
    raw.send_line(R"({"op":"pub","subject":"b.x","frame":)" + detail::py_string(good) + "}");
    return eventually([&] { return got.size() > 0; }, 50ms);
  }));
  auto before = got.size();
  raw.send_line(R"({"op":"pub","subject":"b.x","frame":"not a signal"})");
  raw.send_line(R"({"op":"pub","subject":"b.x","frame":{"v":"1"}})");
  raw.send_line(R"({"op":"pub","subject":"b.x","frame":)" + detail::py_string(good) + "}");
  EXPECT_TRUE(eventually([&] { return got.size() == before + 1; }));
  EXPECT_EQ(c->stats().decode_errors, 2u);
}

TEST(cosmo_synapse_reconnect, resubscribes_after_the_broker_restarts) {
  io_thread io;
  auto first = std::make_unique<cosmo_bus>(io);
  auto port = first->port();
  cosmo_options o;
  o.port = port;
  o.reconnect_min = 10ms;
  o.reconnect_max = 100ms;
  auto c = std::make_shared<cosmo_synapse>(io.executor(), o);
  ASSERT_FALSE(io.run(c->async_connect()));
  inbox got;
  ASSERT_TRUE(io.run(c->async_subscribe("r.x", got.make(), "g")));

  first.reset();  // broker gone
  ASSERT_TRUE(eventually([&] { return !c->connected(); }));
  EXPECT_EQ(io.run(c->async_publish("r.x", make_signal())), make_error_code(errc::not_connected));

  cosmo_bus second(io, port);  // same port, empty state
  ASSERT_TRUE(eventually([&] { return c->connected(); }));
  auto pub = second.cosmo_client();
  EXPECT_TRUE(eventually([&] {
    (void)io.run(pub->async_publish("r.x", make_signal()));
    return eventually([&] { return got.size() > 0; }, 50ms);
  }));
  EXPECT_GE(c->stats().reconnects, 1u);
  io.run(c->async_close());
}

// A publish while nothing is queued is written from the caller's turn; the publishes that
// follow it in the same turn are coalesced by the writer, in order.
asio::awaitable<void> async_publish_burst(std::shared_ptr<cosmo_synapse> c, int n) {
  for (int i = 0; i < n; ++i) {
    std::string subject = "burst.x";  // named: GCC 12 and temporaries in co_await operands
    auto signal = make_signal(std::to_string(i));
    auto ec = co_await c->async_publish(std::move(subject), std::move(signal));
    if (ec) throw std::runtime_error("publish failed: " + ec.message());
  }
}

std::string text_of(const protocol::signal& s) {
  auto p = s.payload.to_json();
  return std::string(p.at("input").as_object().at("q").as_string());
}

// cosmo:// acknowledges no sub: publishes warm-up Signals on subject until got receives one,
// then waits until the broker has delivered no more than got holds (no warm-up in flight).
bool until_live(io_thread& io, cosmo_bus& bus, cosmo_synapse& pub, const std::string& subject,
                inbox& got) {
  return eventually([&] {
           (void)io.run(pub.async_publish(subject, make_signal("warm")));
           return eventually([&] { return got.size() > 0; }, 50ms);
         }) &&
         eventually([&] { return bus.server().stats().delivered == got.size(); });
}

TEST(cosmo_synapse_latency, a_lone_publish_is_written_from_the_callers_turn) {
  io_thread io;
  cosmo_bus bus(io);
  auto sub = bus.cosmo_client();
  auto pub = bus.cosmo_client();
  inbox got;
  ASSERT_TRUE(io.run(sub->async_subscribe("lone.x", got.make(), std::nullopt)));
  ASSERT_TRUE(until_live(io, bus, *pub, "lone.x", got));
  auto before = pub->link_stats().direct_writes;
  auto had = got.size();
  ASSERT_FALSE(io.run(pub->async_publish("lone.x", make_signal("one"))));
  EXPECT_EQ(pub->link_stats().direct_writes, before + 1);  // written before publish returned
  ASSERT_TRUE(eventually([&] { return got.size() == had + 1; }));
  EXPECT_EQ(text_of(got.all().back()), "one");
}

TEST(cosmo_synapse_latency, a_burst_in_one_turn_is_coalesced_and_stays_in_order) {
  io_thread io;
  cosmo_bus bus(io);
  auto sub = bus.cosmo_client();
  auto pub = bus.cosmo_client();
  inbox got;
  ASSERT_TRUE(io.run(sub->async_subscribe("burst.x", got.make(), std::nullopt)));
  ASSERT_TRUE(until_live(io, bus, *pub, "burst.x", got));
  auto had = got.size();
  auto before = pub->link_stats().direct_writes;
  io.run(async_publish_burst(pub, 300));
  // The first line went out at once; the other 299 waited for the writer's one turn.
  EXPECT_LE(pub->link_stats().direct_writes - before, 2u);
  ASSERT_TRUE(eventually([&] { return got.size() == had + 300; }));
  auto all = got.all();
  for (int i = 0; i < 300; ++i) ASSERT_EQ(text_of(all[had + i]), std::to_string(i));
}

TEST(cosmo_synapse_connect, an_absent_broker_is_a_clear_error) {
  io_thread io;
  cosmo_options o;
  o.port = testing::free_port();
  cosmo_synapse c(io.executor(), o);
  auto ec = io.run(c.async_connect());
  EXPECT_TRUE(ec);
  EXPECT_FALSE(c.connected());
}

}  // namespace
}  // namespace neuromesh::synapse::test
