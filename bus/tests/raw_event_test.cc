#include "neuromesh/bus/raw_event.h"

#include "neuromesh/bus/adapter.h"
#include "neuromesh/bus/batch.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <random>
#include <stdexcept>
#include <string>

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

TEST(raw_event, carries_its_own_dedup_id_used_verbatim_by_batches) {
  auto plain = raw_event::copy_of(R"({"i":1})");
  auto keyed = raw_event::copy_with_id(R"({"i":1})", "order-42/created");
  EXPECT_EQ(plain.dedup_id(), "");
  EXPECT_EQ(keyed.dedup_id(), "order-42/created");
  EXPECT_EQ(keyed.str(), R"({"i":1})");
  EXPECT_EQ(keyed.hash(), plain.hash());  // routing ignores the id
  internal_event evs[] = {{plain, 1}, {keyed, 2}};
  batch b{.shard_id = 3, .sequence_start = 7, .process_nonce = 0xab, .events = evs};
  EXPECT_EQ(dedup_id(b, 0), "ab:3:7:0");
  EXPECT_EQ(dedup_id(b, 1), "order-42/created");
}

// Random ids: each is either kept byte for byte or refused with a message that says why.
TEST(raw_event, random_dedup_ids_round_trip_or_are_refused_with_the_reason) {
  std::mt19937 rng(17);
  int kept = 0, refused = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string id(rng() % 300, '\0');
    for (auto& c : id) c = static_cast<char>(round % 2 ? 0x21 + rng() % 94 : rng() % 256);
    try {
      auto e = raw_event::copy_with_id("{}", id);
      EXPECT_EQ(e.dedup_id(), id);
      EXPECT_EQ(e.str(), "{}");
      ++kept;
    } catch (const std::invalid_argument& err) {
      std::string what = err.what();
      EXPECT_TRUE(what.starts_with("dedup id: ")) << what;
      bool printable = true;
      for (char c : id) printable = printable && c > 0x20 && c < 0x7f;
      EXPECT_TRUE(id.empty() || id.size() > raw_event::max_dedup_id_size || !printable) << what;
      ++refused;
    }
  }
  EXPECT_GT(kept, 0);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace neuromesh::bus
