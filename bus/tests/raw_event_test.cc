#include "neuromesh/bus/raw_event.h"

#include "neuromesh/bus/adapter.h"
#include "neuromesh/bus/batch.h"

#include <gtest/gtest.h>
#include <xxhash.h>

namespace neuromesh::bus {
namespace {

TEST(raw_event, copies_hashes_once_and_shares_bytes) {
  auto e = raw_event::copy_of(R"({"i":0})");
  EXPECT_EQ(e.str(), R"({"i":0})");
  EXPECT_EQ(e.hash(), XXH3_64bits(e.str().data(), e.size()));
  auto c = e;
  EXPECT_EQ(e.use_count(), 2u);
  EXPECT_EQ(c.str().data(), e.str().data());
  raw_event m = std::move(c);
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(e.use_count(), 2u);
}

TEST(raw_event, empty_payload_is_valid) {
  auto e = raw_event::copy_of("");
  EXPECT_FALSE(e.empty());
  EXPECT_EQ(e.size(), 0u);
}

TEST(dedup_id, has_the_reference_format) {
  internal_event evs[2];
  batch b{.shard_id = 3, .sequence_start = 100, .process_nonce = 0xabcdef, .events = evs};
  EXPECT_EQ(dedup_id(b, 1), "abcdef:3:100:1");
}

TEST(compare_stream_ids, compares_numbers_not_strings) {
  EXPECT_LT(compare_stream_ids("9", "10"), 0);
  EXPECT_LT(compare_stream_ids("1700-9", "1700-10"), 0);
  EXPECT_GT(compare_stream_ids("1701-0", "1700-10"), 0);
  EXPECT_EQ(compare_stream_ids("5", "5"), 0);
}

}  // namespace
}  // namespace neuromesh::bus
