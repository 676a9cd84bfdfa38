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

TEST(redis_stream_dedup, default_capacity_is_bounded_and_holds_a_default_full_batch) {
  redis_stream_dedup d;
  EXPECT_EQ(d.capacity(), 16384u);
  EXPECT_GE(d.capacity(), batch_config{}.max_size);
  for (int i = 0; i < 20000; ++i) d.is_duplicate(std::to_string(i));
  EXPECT_EQ(d.size(), 16384u);
}

// A full batch, then its retry (same ids, as a lost EXEC reply leaves in a Redis stream):
// every id of the copy is reported, for the default and for larger batch settings.
void expect_retried_full_batch_removed(redis_stream_dedup d, std::size_t max_size) {
  for (std::size_t i = 0; i < max_size; ++i) {
    EXPECT_FALSE(d.is_duplicate("n:0:0:" + std::to_string(i)));
  }
  std::size_t caught = 0;
  for (std::size_t i = 0; i < max_size; ++i) caught += d.is_duplicate("n:0:0:" + std::to_string(i));
  EXPECT_EQ(caught, max_size);
}

TEST(redis_stream_dedup, removes_every_copy_of_a_retried_full_batch) {
  expect_retried_full_batch_removed(redis_stream_dedup(), batch_config{}.max_size);
  batch_config big{.max_size = 50'000};
  auto d = redis_stream_dedup::for_batching(big);
  EXPECT_EQ(d.capacity(), 50'000u);
  expect_retried_full_batch_removed(std::move(d), big.max_size);
  EXPECT_EQ(redis_stream_dedup::for_batching(batch_config{.max_size = 10}).capacity(), 16384u);
}

}  // namespace
}  // namespace neuromesh::bus
