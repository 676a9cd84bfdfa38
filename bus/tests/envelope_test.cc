#include "neuromesh/bus/envelope.h"

#include "neuromesh/bus/errc.h"

#include <gtest/gtest.h>

#include <random>

namespace neuromesh::bus {
namespace {

TEST(envelope, round_trips_any_payload_verbatim) {
  for (std::string payload : {std::string(R"({"a":1})"), std::string("not json }"),
                              std::string("\0\xff}", 3), std::string()}) {
    std::string text;
    append_envelope(1234567890123, 7, payload, text);
    auto v = decode_envelope(text);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->insertion_ts, 1234567890123u);
    EXPECT_EQ(v->shard_id, 7);
    EXPECT_EQ(v->payload, payload);
  }
}

TEST(envelope, has_the_documented_shape) {
  std::string text;
  append_envelope(5, 2, R"({"x":true})", text);
  EXPECT_EQ(text, R"({"ts":5,"shard":2,"d":{"x":true}})");
}

TEST(envelope, rejects_other_shapes) {
  for (const char* bad :
       {"", "{}", R"({"ts":x,"shard":1,"d":1})", R"({"ts":1,"shard":70000,"d":1})",
        R"({"ts":1,"shard":1,"d":1)", R"({"shard":1,"ts":1,"d":1})"}) {
    EXPECT_EQ(decode_envelope(bad).error(), errc::decode_failed) << bad;
  }
}

TEST(envelope, fuzzed_input_never_crashes) {
  std::string seed;
  append_envelope(99, 3, R"({"k":"v"})", seed);
  std::mt19937 rng(11);
  for (int i = 0; i < 50000; ++i) {
    std::string t = seed;
    for (int e = 0; e < 1 + static_cast<int>(rng() % 3); ++e) {
      std::size_t pos = rng() % (t.size() + 1);
      if (rng() % 2 && pos < t.size()) {
        t[pos] = static_cast<char>(rng());
      } else {
        t = t.substr(0, pos) + static_cast<char>(rng()) + t.substr(pos);
      }
    }
    auto v = decode_envelope(t);
    if (v) {
      EXPECT_LE(v->payload.size(), t.size());
    }
  }
}

}  // namespace
}  // namespace neuromesh::bus
