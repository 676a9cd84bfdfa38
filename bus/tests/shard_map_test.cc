#include "shard_map.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace neuromesh::bus::detail {
namespace {

TEST(shard_map, spreads_hashes_evenly_over_any_shard_count) {
  for (std::uint16_t n : {1, 3, 4, 16}) {
    shard_map m(n);
    std::vector<int> hits(n);
    std::mt19937_64 rng(42);
    for (int i = 0; i < 16000; ++i) {
      auto s = m.for_hash(rng());
      ASSERT_LT(s, n);
      ++hits[s];
    }
    for (int h : hits) EXPECT_NEAR(h, 16000 / n, 16000 / n / 5);
  }
}

TEST(shard_map, routes_one_key_to_one_shard) {
  shard_map m(16);
  auto s = m.for_key("agent-7");
  for (int i = 0; i < 100; ++i) EXPECT_EQ(m.for_key("agent-7"), s);
}

}  // namespace
}  // namespace neuromesh::bus::detail
