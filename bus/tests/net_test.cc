#include "neuromesh/bus/net.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>

namespace neuromesh::bus {
namespace {

using namespace std::chrono_literals;

// The seed's Quick Start, in C++.
TEST(net, quick_start_flow_works_on_the_memory_transport) {
  auto node = net::builder()
                  .shards(4)
                  .backpressure(backpressure::drop_oldest)
                  .ring_capacity(4096)
                  .memory()
                  .build();
  EXPECT_EQ(node.shards(), 4);
  ASSERT_TRUE(node.emit(boost::json::value{{"token", "hello"}, {"index", 0}}));
  ASSERT_TRUE(node.emit_raw(R"({"token": "world"})"));
  ASSERT_TRUE(node.emit_str(R"({"token": "foo"})"));
  boost::json::value batch[] = {boost::json::value{{"a", 1}}, boost::json::value{{"a", 2}}};
  EXPECT_EQ(node.emit_batch(batch), 2u);
  ASSERT_TRUE(node.flush());
  auto page = node.poll({.limit = 100});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->events.size(), 5u);
  EXPECT_FALSE(page->has_more);
  auto h = node.health();
  EXPECT_TRUE(h.healthy);
  EXPECT_EQ(h.adapter, "memory");
  EXPECT_EQ(node.stats().events_ingested, 5u);
  ASSERT_TRUE(node.shutdown());
  EXPECT_FALSE(node.health().accepting);
  EXPECT_EQ(node.emit_str("{}").error(), errc::shutting_down);
}

TEST(net, emit_serialises_json_compactly) {
  auto node = net::builder().shards(1).ring_capacity(1024).build();
  ASSERT_TRUE(node.emit(boost::json::parse(R"({ "b" : [1, 2], "a" : null })")));
  ASSERT_TRUE(node.flush());
  auto page = node.poll({});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0].raw_str(), R"({"b":[1,2],"a":null})");
}

TEST(net, emit_with_id_keeps_the_id_through_the_memory_adapter) {
  auto node = net::builder().shards(2).memory().build();
  ASSERT_TRUE(node.emit_with_id("k-1", R"({"a":1})"));
  ASSERT_TRUE(node.emit_with_id("k-2", R"({"a":2})"));
  ASSERT_TRUE(node.emit_with_id("k-3", R"({"a":3})", partition_key{"x"}));
  EXPECT_THROW((void)node.emit_with_id("has space", "{}"), std::invalid_argument);
  ASSERT_TRUE(node.flush());
  auto page = node.poll({.limit = 10});
  ASSERT_TRUE(page);
  std::map<std::string, std::string> by_id;
  for (const auto& e : page->events) by_id[e.dedup_id] = std::string(e.raw_str());
  EXPECT_EQ(by_id, (std::map<std::string, std::string>{
                       {"k-1", R"({"a":1})"}, {"k-2", R"({"a":2})"}, {"k-3", R"({"a":3})"}}));
  ASSERT_TRUE(node.shutdown());
}

TEST(net, builder_rejects_bad_settings) {
  EXPECT_THROW(net::builder().ring_capacity(3000).build(), config_error);
  EXPECT_THROW(net::builder().batching({.min_size = 0}).build(), config_error);
}

}  // namespace
}  // namespace neuromesh::bus
