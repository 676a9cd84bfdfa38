#include "neuromesh/mesh/session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <set>

namespace neuromesh::mesh {
namespace {

std::pair<session_keys, session_keys> keys() {
  key32 psk{}, s{};
  psk.fill(1);
  s.fill(2);
  auto r0 = noise_handshake::responder(psk, s, {});
  auto i = noise_handshake::initiator(psk, r0.net_session_keys().responder_static, {});
  auto r = noise_handshake::responder(psk, s, {});
  EXPECT_TRUE(r.read_message(i.write_message({}).value()));
  EXPECT_TRUE(i.read_message(r.write_message({}).value()));
  return {i.net_session_keys(), r.net_session_keys()};
}

struct Sessions : ::testing::Test {
  std::pair<session_keys, session_keys> k = keys();
  session a{k.first}, b{k.second};
  bytes packet(std::vector<std::string> events, std::uint64_t seq = 0) {
    std::vector<byte_view> views;
    for (auto& e : events) views.push_back(as_bytes(e));
    net_header h;
    h.stream_id = 5;
    h.sequence = seq;
    h.flags = packet_flag::reliable;
    bytes out;
    EXPECT_TRUE(a.seal(h, views, out));
    return out;
  }
};

TEST_F(Sessions, SealedEventsOpenOnTheOtherSide) {
  auto p = packet({"one", "", "three"}, 9);
  EXPECT_EQ(p.size(), header_size + 4 * 3 + 8 + tag_size);
  bytes plain;
  auto o = b.open(p, plain);
  ASSERT_TRUE(o) << o.error().what();
  EXPECT_EQ(o->header.sequence, 9u);
  EXPECT_EQ(o->header.stream_id, 5u);
  ASSERT_EQ(o->events.size(), 3u);
  EXPECT_EQ(std::string(o->events[2].begin(), o->events[2].end()), "three");
  EXPECT_EQ(b.counters().opened, 1u);
}

TEST_F(Sessions, NonceIsSessionPrefixThenCounter) {
  auto p1 = packet({"x"}), p2 = packet({"y"});
  auto h1 = net_header::decode(p1).value(), h2 = net_header::decode(p2).value();
  std::uint32_t prefix = session_nonce_prefix(a.id());
  EXPECT_EQ(std::memcmp(h1.nonce.data(), &prefix, 4), 0);
  EXPECT_EQ(h1.nonce[4], 0);
  EXPECT_EQ(h2.nonce[4], 1);
  EXPECT_EQ(h1.session_id, a.id());
}

TEST_F(Sessions, ReplayedPacketIsDroppedAndCounted) {
  auto p = packet({"x"});
  bytes plain;
  ASSERT_TRUE(b.open(p, plain));
  auto r = b.open(p, plain);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::replayed);
  EXPECT_EQ(b.counters().dropped_replayed, 1u);
  EXPECT_EQ(b.counters().opened, 1u);
}

TEST_F(Sessions, EveryTamperedByteIsDroppedAndCountedNeverDelivered) {
  auto p = packet({"payload bytes"});
  bytes plain;
  std::uint64_t drops = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (i == 6) continue;  // hop_count is outside the AAD by design (forwarders bump it)
    auto t = p;
    t[i] ^= 0x01;
    ASSERT_FALSE(b.open(t, plain)) << "byte " << i;
    ++drops;
  }
  auto& c = b.counters();
  EXPECT_EQ(c.dropped_malformed + c.dropped_auth + c.dropped_replayed, drops);
  EXPECT_GT(c.dropped_auth, 0u);
  EXPECT_TRUE(b.open(p, plain));  // a forgery did not burn the genuine counter
}

TEST_F(Sessions, OutOfOrderInsideTheWindowIsAcceptedOnce) {
  std::vector<bytes> ps;
  for (int i = 0; i < 50; ++i) ps.push_back(packet({std::to_string(i)}));
  std::mt19937 rng(1);
  std::shuffle(ps.begin(), ps.end(), rng);
  bytes plain;
  for (auto& p : ps) ASSERT_TRUE(b.open(p, plain));
  for (auto& p : ps) ASSERT_FALSE(b.open(p, plain));
  EXPECT_EQ(b.counters().dropped_replayed, 50u);
}

TEST_F(Sessions, OversizedPayloadIsRefusedAtSeal) {
  std::string big(max_payload_size, 'x');
  bytes out;
  auto r = a.seal({}, {as_bytes(big)}, out);
  EXPECT_EQ(r.error().code, errc::bad_length);
  std::string fits(max_payload_size - 4, 'x');
  ASSERT_TRUE(a.seal({}, {as_bytes(fits)}, out));
  EXPECT_EQ(out.size(), max_packet_size);
}

TEST(ReplayWindow, SlidesAndForgetsOldCounters) {
  replay_window w;
  EXPECT_TRUE(w.commit(0));
  EXPECT_FALSE(w.commit(0));
  EXPECT_TRUE(w.commit(1000));
  EXPECT_TRUE(w.commit(5));
  EXPECT_FALSE(w.commit(5));
  EXPECT_TRUE(w.commit(2000));      // 1000 ahead of 1001: inside the forward limit
  EXPECT_FALSE(w.acceptable(900));  // now older than the window
  EXPECT_TRUE(w.acceptable(1999));
  EXPECT_FALSE(w.acceptable(2000 + 1 + replay_window::window + 1));  // too far ahead
  EXPECT_FALSE(w.acceptable(~std::uint64_t{0}));
}

TEST(ReplayWindow, MatchesAReferenceSetOnRandomTraffic) {
  std::mt19937_64 rng(11);
  replay_window w;
  std::set<std::uint64_t> seen;
  std::uint64_t top = 0;
  for (int i = 0; i < 100000; ++i) {
    std::uint64_t back = rng() % 1500;
    std::uint64_t c = rng() % 4 == 0 ? top + rng() % 64 : (top > back ? top - back : 0);
    bool too_old = c < w.next() && w.next() - 1 - c >= replay_window::window;
    bool expect = !seen.count(c) && !too_old;
    ASSERT_EQ(w.commit(c), expect) << c;
    if (expect) seen.insert(c), top = std::max(top, c);
  }
}

}  // namespace
}  // namespace neuromesh::mesh
