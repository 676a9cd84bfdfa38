#include "neuromesh/bus/redis_stream_dedup.h"

#include <gtest/gtest.h>

#include <string>

namespace neuromesh::bus {
namespace {

TEST(redis_stream_dedup, reports_the_second_sighting_only) {
  auto d = redis_stream_dedup::with_capacity(10);
  EXPECT_FALSE(d.is_duplicate("ab:0:0:0"));
  EXPECT_TRUE(d.is_duplicate("ab:0:0:0"));
  EXPECT_FALSE(d.is_duplicate("ab:0:0:1"));
  EXPECT_EQ(d.size(), 2u);
}

TEST(redis_stream_dedup, forgets_the_least_recently_seen_past_capacity) {
  auto d = redis_stream_dedup::with_capacity(3);
  d.is_duplicate("a");
  d.is_duplicate("b");
  d.is_duplicate("c");
  EXPECT_TRUE(d.is_duplicate("a"));  // refreshes a
  d.is_duplicate("d");               // evicts b
  EXPECT_EQ(d.size(), 3u);
  EXPECT_TRUE(d.is_duplicate("a"));
  EXPECT_FALSE(d.is_duplicate("b"));
}

TEST(redis_stream_dedup, default_capacity_is_the_references) {
  redis_stream_dedup d;
  EXPECT_EQ(d.capacity(), 4096u);
  for (int i = 0; i < 10000; ++i) d.is_duplicate(std::to_string(i));
  EXPECT_EQ(d.size(), 4096u);
}

}  // namespace
}  // namespace neuromesh::bus
