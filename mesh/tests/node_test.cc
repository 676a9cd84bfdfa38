#include "neuromesh/mesh/node.h"

#include "impairing_relay.h"
#include "neuromesh/testing/testing.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

namespace neuromesh::mesh {
namespace {

using namespace std::chrono_literals;
using neuromesh::testing::eventually;

key32 psk_of(std::uint8_t b) {
  key32 k;
  k.fill(b);
  return k;
}

node_config config(std::uint8_t psk = 1) {
  node_config c{.self = identity::generate(), .psk = psk_of(psk)};
  c.handshake_timeout = 1000ms;
  return c;
}

std::string addr(const node& n) { return "127.0.0.1:" + std::to_string(n.port()); }
std::string addr(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

bytes indexed_event(std::uint64_t i, std::size_t size) {
  bytes e(std::max<std::size_t>(size, 8), 0x5a);
  std::memcpy(e.data(), &i, 8);
  return e;
}

// Checks that events arrive once and in order on one stream.
struct in_order_sink {
  std::atomic<std::uint64_t> next{0};
  std::atomic<bool> gap{false};
  void operator()(std::uint64_t, std::uint64_t, byte_view ev) {
    std::uint64_t i = 0;
    std::memcpy(&i, ev.data(), 8);
    if (i != next) gap = true;
    next = i + 1;
  }
};

TEST(Node, TwoNodesHandshakeAndStreamInOrderOverLoopback) {
  node a(config()), b(config());
  in_order_sink sink;
  b.on_event([&](std::uint64_t p, std::uint64_t s, byte_view e) { sink(p, s, e); });
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  auto peer = a.connect(addr(b), b.self().public_key_bytes());
  ASSERT_TRUE(peer) << peer.error().what();
  EXPECT_EQ(*peer, b.self().node_id());
  ASSERT_TRUE(eventually([&] { return b.peers().size() == 1; }));
  EXPECT_EQ(b.peers()[0], a.self().node_id());
  ASSERT_TRUE(a.open_stream(*peer, 7, {.mode = reliability::reliable}));
  for (std::uint64_t i = 0; i < 2000; i += 20) {
    std::vector<bytes> evs;
    for (std::uint64_t k = i; k < i + 20; ++k) evs.push_back(indexed_event(k, 64));
    std::vector<byte_view> views(evs.begin(), evs.end());
    ASSERT_TRUE(a.send_blocking(*peer, 7, views));
  }
  ASSERT_TRUE(eventually([&] { return sink.next == 2000; }));
  EXPECT_FALSE(sink.gap);
  ASSERT_TRUE(eventually([&] { return a.stream_stats(*peer, 7)->in_flight == 0; }));
  auto st = a.stream_stats(*peer, 7).value();
  EXPECT_EQ(st.tx_seq, 100u);
  EXPECT_EQ(st.events_sent, 2000u);
  EXPECT_EQ(b.stream_stats(a.self().node_id(), 7)->events_delivered, 2000u);
  EXPECT_EQ(a.health(*peer), peer_health::healthy);
}

TEST(Node, WrongPskFailsTheHandshakeWithAClearErrorOnBothSides) {
  node a(config(1)), b(config(2));
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  auto r = a.connect(addr(b), b.self().public_key_bytes());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::handshake_failed);
  EXPECT_NE(r.error().what().find("wrong PSK"), std::string::npos) << r.error().what();
  auto c = b.counters();
  EXPECT_GE(c.handshakes_failed, 1u);
  EXPECT_NE(c.last_handshake_error.find("wrong PSK"), std::string::npos) << c.last_handshake_error;
  EXPECT_TRUE(b.peers().empty());
}

TEST(Node, UnknownResponderKeyFailsTheHandshake) {
  node a(config()), b(config());
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  auto stranger = identity::generate();
  auto r = a.connect(addr(b), stranger.public_key_bytes());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::handshake_failed);
  EXPECT_GE(b.counters().handshakes_failed, 1u);
}

TEST(Node, CreditExhaustionGivesBackpressureNeverASilentDrop) {
  node a(config()), b(config());
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  auto peer = a.connect(addr(b), b.self().public_key_bytes()).value();
  ASSERT_TRUE(a.open_stream(peer, 1, {.mode = reliability::reliable, .window_bytes = 4096}));
  b.stop();  // no more grants
  bytes ev(1024, 1);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(a.send_on_stream(peer, 1, {ev}));
  auto r = a.send_on_stream(peer, 1, {ev});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::backpressure);
  EXPECT_EQ(a.send_with_retry(peer, 1, {ev}, 2).error().code, errc::backpressure);
  EXPECT_EQ(a.send_blocking(peer, 1, {ev}, 50ms).error().code, errc::timeout);
  auto st = a.stream_stats(peer, 1).value();
  EXPECT_GE(st.backpressure_events, 4u);
  EXPECT_EQ(st.tx_credit_remaining, 0u);
  EXPECT_EQ(st.events_sent, 4u);
  EXPECT_EQ(a.send_on_stream(peer ^ 1, 1, {ev}).error().code, errc::not_connected);
}

TEST(Node, SilentPeerGoesSuspectedThenFailedThenReconnects) {
  auto ca = config(), cb = config();
  ca.heartbeat_interval = cb.heartbeat_interval = 50ms;
  ca.session_timeout = cb.session_timeout = 400ms;
  auto b_identity = cb.self;
  node a(ca);
  auto b = std::make_unique<node>(cb);
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b->start());
  auto port = b->port();
  auto peer = a.connect(addr(port), b_identity.public_key_bytes()).value();
  ASSERT_TRUE(eventually([&] { return a.counters().heartbeats_received >= 2; }));
  EXPECT_EQ(a.health(peer), peer_health::healthy);
  b.reset();
  ASSERT_TRUE(eventually([&] { return a.health(peer) == peer_health::suspected; }));
  ASSERT_TRUE(eventually([&] { return a.health(peer) == peer_health::failed; }));
  EXPECT_EQ(a.send_on_stream(peer, 1, {as_bytes("x")}).error().code, errc::not_connected);
  cb.listen = addr(port);
  node b2(cb);  // the same identity back on the same port
  ASSERT_TRUE(b2.start());
  ASSERT_TRUE(eventually([&] { return a.health(peer) == peer_health::healthy; }));
  EXPECT_GE(a.counters().reconnects, 1u);
  EXPECT_TRUE(a.send_on_stream(peer, 1, {as_bytes("x")}));
}

TEST(Node, StreamCapEvictsTheLeastRecentlyUsedAndIdleStreamsAreEvicted) {
  auto cb = config();
  cb.max_streams = 2;
  cb.stream_idle_timeout = 300ms;
  node a(config()), b(cb);
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  auto peer = a.connect(addr(b), b.self().public_key_bytes()).value();
  for (std::uint64_t s = 1; s <= 3; ++s) {
    ASSERT_TRUE(a.send_on_stream(peer, s, {as_bytes("e")}));
    ASSERT_TRUE(eventually([&] { return b.stream_stats(a.self().node_id(), s).has_value(); }));
  }
  EXPECT_EQ(b.counters().streams_evicted_cap, 1u);
  EXPECT_FALSE(b.stream_stats(a.self().node_id(), 1));
  ASSERT_TRUE(eventually([&] { return b.counters().streams_evicted_idle == 2; }));
}

// The acceptance test: 100,000 events on a reliable stream through a relay that loses
// 5%, reorders, duplicates and corrupts 1% of datagrams: every event once and in order, every
// corrupted datagram dropped and counted.
TEST(Node, ReliableStreamDeliversEveryEventOnceInOrderThroughAnImpairingRelay) {
  node a(config()), b(config());
  in_order_sink sink;
  b.on_event([&](std::uint64_t p, std::uint64_t s, byte_view e) { sink(p, s, e); });
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  test::impairing_relay relay(b.port(), {.seed = 42});
  auto peer = a.connect(addr(relay.port()), b.self().public_key_bytes());
  ASSERT_TRUE(peer) << peer.error().what();
  ASSERT_TRUE(a.open_stream(*peer, 9, {.mode = reliability::reliable, .retransmit_timeout = 50ms}));
  constexpr std::uint64_t total = 100'000, batch = 50;
  for (std::uint64_t i = 0; i < total; i += batch) {
    std::vector<bytes> evs;
    for (std::uint64_t k = i; k < i + batch; ++k) evs.push_back(indexed_event(k, 16));
    std::vector<byte_view> views(evs.begin(), evs.end());
    auto r = a.send_blocking(*peer, 9, views, 30s);
    ASSERT_TRUE(r) << r.error().what();
  }
  ASSERT_TRUE(eventually([&] { return sink.next == total || sink.gap; }, 60s));
  EXPECT_FALSE(sink.gap);
  EXPECT_EQ(sink.next, total);
  EXPECT_EQ(b.stream_stats(a.self().node_id(), 9)->events_delivered, total);
  auto ca = a.counters(), cbc = b.counters();
  std::uint64_t dropped_bad = ca.dropped_auth + ca.dropped_malformed + ca.dropped_unknown_session +
                              cbc.dropped_auth + cbc.dropped_malformed +
                              cbc.dropped_unknown_session;
  EXPECT_GT(relay.corrupted, 0u);
  EXPECT_GT(dropped_bad, 0u);
  EXPECT_LE(dropped_bad, relay.corrupted.load());  // a flip in hop_count passes by design
  EXPECT_GT(ca.retransmits, 0u);
  EXPECT_GT(ca.dropped_replayed + cbc.dropped_replayed, 0u);  // the duplicates
  std::cout << "relay: forwarded " << relay.forwarded << " dropped " << relay.dropped
            << " reordered " << relay.reordered << " duplicated " << relay.duplicated
            << " corrupted " << relay.corrupted << "; retransmits " << ca.retransmits
            << ", replays dropped " << ca.dropped_replayed + cbc.dropped_replayed
            << ", bad dropped " << dropped_bad << "\n";
}

}  // namespace
}  // namespace neuromesh::mesh
