#include "cursor.h"

#include "neuromesh/bus/errc.h"

#include <gtest/gtest.h>

#include <random>

namespace neuromesh::bus::detail {
namespace {

TEST(cursor, round_trips) {
  cursor_map c;
  c.last_id.emplace(0, "12");
  c.last_id.emplace(3, "1700000000000-4");
  auto text = encode_cursor(c);
  auto back = decode_cursor(text, 4);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->last_id, c.last_id);
}

TEST(cursor, empty_text_is_the_start) {
  auto c = decode_cursor("", 4);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->last_id.empty());
}

TEST(cursor, rejects_out_of_range_shards_and_bad_text) {
  cursor_map c;
  c.last_id.emplace(9, "1");
  EXPECT_EQ(decode_cursor(encode_cursor(c), 4).error(), errc::invalid_cursor);
  EXPECT_EQ(decode_cursor("not base64!", 4).error(), errc::invalid_cursor);
  EXPECT_EQ(decode_cursor(base64url_encode("[1,2]"), 4).error(), errc::invalid_cursor);
  EXPECT_EQ(decode_cursor(base64url_encode(R"({"x":"1"})"), 4).error(), errc::invalid_cursor);
  EXPECT_EQ(decode_cursor(base64url_encode(R"({"1":2})"), 4).error(), errc::invalid_cursor);
}

TEST(cursor, base64url_round_trips_every_length) {
  std::string s;
  for (int i = 0; i < 64; ++i) {
    auto back = base64url_decode(base64url_encode(s));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, s);
    s += static_cast<char>(i * 37);
  }
}

// Random and mutated input never crashes and never yields an out-of-range shard.
TEST(cursor, fuzzed_input_is_rejected_or_valid) {
  std::mt19937 rng(7);
  cursor_map c;
  c.last_id.emplace(1, "5");
  std::string seed = encode_cursor(c);
  for (int i = 0; i < 20000; ++i) {
    std::string t = seed;
    int edits = 1 + rng() % 4;
    for (int e = 0; e < edits; ++e) {
      if (t.empty() || rng() % 3 == 0) {
        std::size_t pos = t.empty() ? 0 : rng() % t.size();
        t = t.substr(0, pos) + static_cast<char>(rng()) + t.substr(pos);
      } else {
        t[rng() % t.size()] = static_cast<char>(rng());
      }
    }
    auto r = decode_cursor(t, 4);
    if (r) {
      for (auto& [shard, id] : r->last_id) EXPECT_LT(shard, 4);
    }
  }
}

}  // namespace
}  // namespace neuromesh::bus::detail
