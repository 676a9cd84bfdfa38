#include "neuromesh/mesh/stream.h"

#include <gtest/gtest.h>

#include <random>

namespace neuromesh::mesh {
namespace {

using namespace std::chrono_literals;

std::vector<bytes> evs(std::initializer_list<std::string> s) {
  std::vector<bytes> out;
  for (auto& x : s) out.emplace_back(x.begin(), x.end());
  return out;
}

const stream_config reliable_cfg{reliability::reliable, 100, 50ms};
const auto t = clock_type::time_point{} + 1h;

TEST(StreamSender, CreditExhaustionGivesBackpressureNotADrop) {
  stream_sender s(reliable_cfg);
  ASSERT_TRUE(s.prepare(evs({std::string(60, 'a')}), t));
  EXPECT_EQ(s.credit(), 40u);
  auto r = s.prepare(evs({std::string(41, 'b')}), t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::backpressure);
  EXPECT_EQ(s.next_seq(), 1u);  // the refused events took no sequence
  ASSERT_TRUE(s.prepare(evs({std::string(40, 'c')}), t));
  s.on_window({0, 60, 1});
  EXPECT_EQ(s.credit(), 60u);
  EXPECT_EQ(s.in_flight(), 1u);
  stream_stats st;
  s.fill(st);
  EXPECT_EQ(st.backpressure_events, 1u);
}

TEST(StreamSender, GrantsAreAbsoluteSoALostOneHealsAndStaleOnesChangeNothing) {
  stream_sender s(reliable_cfg);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(s.prepare(evs({std::string(25, 'x')}), t));
  EXPECT_EQ(s.credit(), 0u);
  s.on_window({0, 75, 3});  // the grant for 25 and 50 were lost
  EXPECT_EQ(s.credit(), 75u);
  s.on_window({0, 25, 1});  // a stale one arrives late
  EXPECT_EQ(s.credit(), 75u);
  s.on_window({0, 10'000, 4});  // cannot claim more than was sent
  EXPECT_EQ(s.credit(), 100u);
}

TEST(StreamSender, NackAndTimeoutResendOnlyWhatIsMissing) {
  stream_sender s({reliability::reliable, 0, 50ms});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(s.prepare(evs({std::to_string(i)}), t));
  auto resend = s.on_nack({0, 1, 0b10}, t + 1ms);  // 1 and 3 missing
  ASSERT_EQ(resend.size(), 2u);
  EXPECT_EQ(resend[0]->sequence, 1u);
  EXPECT_EQ(resend[1]->sequence, 3u);
  EXPECT_EQ(s.in_flight(), 4u);                           // 0 acknowledged by next_expected
  EXPECT_TRUE(s.on_nack({0, 1, 0b10}, t + 2ms).empty());  // repeated NACK inside the timeout
  EXPECT_EQ(s.due(t + 10ms).size(), 0u);
  auto due = s.due(t + 50ms);
  EXPECT_EQ(due.size(), 2u);  // 2 and 4 (1 and 3 were resent at +1ms)
  s.on_window({0, 0, 5});
  EXPECT_EQ(s.in_flight(), 0u);
}

TEST(StreamSender, FireAndForgetLossDoesNotStrandCredit) {
  stream_sender s({reliability::fire_and_forget, 100, 50ms});
  ASSERT_TRUE(s.prepare(evs({std::string(50, 'a')}), t));
  s.sent_unreliable();
  ASSERT_TRUE(s.prepare(evs({std::string(50, 'b')}), t));
  s.sent_unreliable();
  EXPECT_EQ(s.credit(), 0u);
  s.on_window({0, 50, 2});  // packet 0 was lost, 1 consumed: both settled
  EXPECT_EQ(s.credit(), 100u);
  EXPECT_EQ(s.in_flight(), 0u);
}

TEST(StreamReceiver, ReliableDeliversInOrderOnceAndNacksGaps) {
  stream_receiver r(reliable_cfg);
  EXPECT_EQ(r.on_packet(0, evs({"a"})).size(), 1u);
  EXPECT_TRUE(r.on_packet(2, evs({"c"})).empty());
  EXPECT_TRUE(r.on_packet(4, evs({"e"})).empty());
  auto n = r.nack(9, t);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->next_expected, 1u);
  EXPECT_EQ(n->missing(), (std::vector<std::uint64_t>{1, 3}));
  EXPECT_FALSE(r.nack(9, t + 1ms));  // rate-limited
  auto out = r.on_packet(1, evs({"b"}));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1], bytes{'c'});
  EXPECT_TRUE(r.on_packet(2, evs({"c"})).empty());  // duplicate
  out = r.on_packet(3, evs({"d"}));
  EXPECT_EQ(out.size(), 2u);
  auto g = r.grant(9);
  EXPECT_EQ(g.ack_seq, 5u);
  EXPECT_EQ(g.total_consumed, 5u);
  stream_stats st;
  r.fill(st);
  EXPECT_EQ(st.duplicates_dropped, 1u);
  EXPECT_EQ(st.events_delivered, 5u);
}

// Sender and receiver joined by a lossy, reordering, duplicating channel: every event
// arrives once and in order, and the sender never exceeds its window.
TEST(StreamPair, ReliableOverALossyChannelDeliversEverythingInOrder) {
  std::mt19937_64 rng(5);
  stream_config cfg{reliability::reliable, 2000, 20ms};
  stream_sender s(cfg);
  stream_receiver r(cfg);
  std::vector<std::pair<std::uint64_t, std::vector<bytes>>> wire;
  auto now = t;
  int next = 0, got = 0;
  const int total = 5000;
  auto send = [&](outgoing_packet* p) {
    if (rng() % 10 == 0) return;  // 10% loss
    wire.emplace_back(p->sequence, p->events);
    if (rng() % 20 == 0) wire.emplace_back(p->sequence, p->events);  // duplicate
  };
  while (got < total) {
    now += 1ms;
    while (next < total) {
      auto p = s.prepare(evs({std::to_string(next)}), now);
      if (!p) break;
      ++next;
      send(*p);
    }
    std::shuffle(wire.begin(), wire.end(), rng);
    for (auto& [seq, e] : wire)
      for (auto& ev : r.on_packet(seq, e))
        ASSERT_EQ(std::string(ev.begin(), ev.end()), std::to_string(got++));
    wire.clear();
    if (rng() % 4) s.on_window(r.grant(0));  // grants get lost too
    if (auto n = r.nack(0, now))
      for (auto* p : s.on_nack(*n, now)) send(p);
    for (auto* p : s.due(now)) send(p);
    ASSERT_LT(now - t, 10min);
  }
  EXPECT_EQ(got, total);
}

}  // namespace
}  // namespace neuromesh::mesh
