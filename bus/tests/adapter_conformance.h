#pragma once
// One conformance suite every bus adapter passes (memory in adapter_conformance_test.cc,
// Redis and JetStream in adapter_service_test.cc): delivery, per-key order, exclusive
// cursors, the tail id and subscriber wake-ups, all through the public net API.

#include "neuromesh/bus/net.h"
#include "neuromesh/bus/producer_nonce.h"
#include "poll_all.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>

namespace neuromesh::bus::test {

using namespace std::chrono_literals;

struct backend {
  std::string name;
  /// Points the builder at this backend with a fresh stream prefix.
  std::function<void(net_builder&, const std::string& prefix)> configure;
};

inline std::string unique_prefix() { return fmt::format("t{:x}", fresh_producer_nonce()); }

class adapter_conformance : public ::testing::TestWithParam<backend> {
 protected:
  net make(std::uint16_t shards) {
    auto b = net::builder().shards(shards).ring_capacity(1 << 12).retry_backoff(5ms);
    GetParam().configure(b, unique_prefix());
    return b.build();
  }
  static std::vector<event> read_all(net& node, std::size_t limit = 64) {
    poll_request req;
    req.limit = limit;
    return poll_all(node, req);
  }
};

TEST_P(adapter_conformance, delivers_every_event_once_in_order_per_key) {
  auto node = make(4);
  for (int i = 0; i < 400; ++i) {
    std::string key = "agent-" + std::to_string(i % 7);
    ASSERT_TRUE(node.emit_str(fmt::format(R"({{"key":"{}","i":{}}})", key, i), partition_key{key}));
  }
  ASSERT_TRUE(node.flush(10s));
  auto all = read_all(node);
  ASSERT_EQ(all.size(), 400u);
  std::map<std::string, std::int64_t> last;
  std::set<std::int64_t> seen;
  for (auto& e : all) {
    auto v = e.json();
    ASSERT_TRUE(v) << e.raw_str();
    std::string key(v->at("key").as_string());
    auto i = v->at("i").as_int64();
    EXPECT_TRUE(seen.insert(i).second);
    auto it = last.find(key);
    if (it != last.end()) {
      EXPECT_LT(it->second, i) << key;
    }
    last[key] = i;
    EXPECT_GT(e.insertion_ts, 0u);
  }
  EXPECT_EQ(node.stats().events_dispatched, 400u);
  ASSERT_TRUE(node.shutdown());
}

TEST_P(adapter_conformance, poll_resumes_strictly_after_the_cursor) {
  auto node = make(1);
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(node.emit_str(fmt::format(R"({{"i":{}}})", i)));
  ASSERT_TRUE(node.flush(10s));
  poll_request req;
  req.limit = 10;
  auto a = node.poll(req);
  ASSERT_TRUE(a);
  ASSERT_EQ(a->events.size(), 10u);
  EXPECT_TRUE(a->has_more);
  req.cursor = a->next_cursor;
  auto b = node.poll(req);
  ASSERT_TRUE(b);
  ASSERT_EQ(b->events.size(), 10u);
  EXPECT_EQ(b->events.front().json().value().at("i").as_int64(), 10);
  req.cursor = b->next_cursor;
  auto c = node.poll(req);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->events.size(), 5u);
  EXPECT_FALSE(c->has_more);
  ASSERT_TRUE(node.shutdown());
}

TEST_P(adapter_conformance, tail_id_and_subscription_see_new_events) {
  auto node = make(2);
  ASSERT_TRUE(node.emit_str(R"({"old":true})", partition_key{"k"}));
  ASSERT_TRUE(node.flush(10s));
  auto sub = node.subscribe();
  ASSERT_TRUE(node.emit_str(R"({"new":1})", partition_key{"k"}));
  ASSERT_TRUE(node.emit_str(R"({"new":2})", partition_key{"k"}));
  auto a = sub.next(10s);
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->raw_str(), R"({"new":1})");
  auto b = sub.next(10s);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->raw_str(), R"({"new":2})");
  auto last = node.bus().get_adapter().last_id(a->shard_id);
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, b->id);
  ASSERT_TRUE(node.shutdown());
}

}  // namespace neuromesh::bus::test
