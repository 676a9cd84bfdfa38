#include "neuromesh/registry/iso_time.h"

#include <gtest/gtest.h>

#include <random>

namespace neuromesh::registry {
namespace {

using namespace std::chrono;

time_point utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, int us = 0) {
  return time_point{sys_days{year{y} / mo / d}} + hours{h} + minutes{mi} + seconds{s} +
         microseconds{us};
}

TEST(iso_time, formats_like_python_isoformat_of_a_utc_datetime) {
  EXPECT_EQ(format_iso8601(utc(2026, 1, 1)), "2026-01-01T00:00:00+00:00");
  EXPECT_EQ(format_iso8601(utc(2026, 1, 1, 12, 0, 0, 123456)), "2026-01-01T12:00:00.123456+00:00");
  EXPECT_EQ(format_iso8601(utc(2026, 1, 1, 12, 0, 0, 1)), "2026-01-01T12:00:00.000001+00:00");
  EXPECT_EQ(format_iso8601(utc(1970, 1, 1)), "1970-01-01T00:00:00+00:00");
  EXPECT_EQ(format_iso8601(utc(1969, 12, 31, 23, 59, 59, 999999)),
            "1969-12-31T23:59:59.999999+00:00");
}

TEST(iso_time, parses_every_spelling_python_and_postgresql_write) {
  const auto expect = utc(2026, 1, 1, 12, 0, 0, 123456);
  for (const char* text : {"2026-01-01T12:00:00.123456+00:00", "2026-01-01 12:00:00.123456+00",
                           "2026-01-01T12:00:00.123456Z", "2026-01-01T12:00:00.123456",
                           "2026-01-01T13:00:00.123456+01:00", "2026-01-01T07:30:00.123456-0430",
                           "2026-01-01T12:00:00.1234567+00:00", "2026-01-01T12:00:00,123456z"}) {
    auto got = parse_iso8601(text);
    ASSERT_TRUE(got) << text;
    EXPECT_EQ(*got, expect) << text;
  }
  EXPECT_EQ(parse_iso8601("2026-01-01"), utc(2026, 1, 1));
  EXPECT_EQ(parse_iso8601("2026-01-01T12"), utc(2026, 1, 1, 12));
  EXPECT_EQ(parse_iso8601("2026-01-01T12:30"), utc(2026, 1, 1, 12, 30));
  EXPECT_EQ(parse_iso8601("2026-01-01 12:00:00+05:30:15"), utc(2026, 1, 1, 6, 29, 45));
  EXPECT_EQ(parse_iso8601("2026-01-01T00:00:00.5+00:00"), utc(2026, 1, 1, 0, 0, 0, 500000));
}

TEST(iso_time, rejects_what_is_not_a_date_time) {
  for (const char* text :
       {"", "2026", "2026-1-01", "2026-02-30T00:00:00", "2026-13-01", "2026-01-01X00:00",
        "2026-01-01T24:00:00", "2026-01-01T00:60:00", "2026-01-01T00:00:60", "infinity",
        "2026-01-01T00:00:00+", "2026-01-01T00:00:00+25:00", "2026-01-01T00:00:00.+00:00",
        "2026-01-01T00:00:00+00:00 ", "0000-01-01T00:00:00", "2026-01-01T00:00:00.1234567890"}) {
    EXPECT_FALSE(parse_iso8601(text)) << text;
  }
}

TEST(iso_time, random_instants_round_trip) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> us(-2'000'000'000'000'000, 7'000'000'000'000'000);
  for (int i = 0; i < 20000; ++i) {
    const time_point tp{microseconds{us(rng)}};
    const auto text = format_iso8601(tp);
    auto back = parse_iso8601(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, tp) << text;
  }
}

// Fuzz: random bytes and mutations of valid text never crash and never parse garbage into
// a value that does not format back to an ISO string.
TEST(iso_time, fuzzed_input_is_rejected_or_parsed_never_crashes) {
  std::mt19937 rng(11);
  const std::string alphabet = "0123456789-:T .+Zz,x";
  const std::string seed = "2026-01-01T12:00:00.123456+00:00";
  for (int i = 0; i < 50000; ++i) {
    std::string text;
    if (i % 2 == 0) {
      text = seed;
      for (int k = rng() % 4; k >= 0; --k) {
        const auto pos = rng() % (text.size() + 1);
        switch (rng() % 3) {
          case 0:
            text.insert(pos, 1, alphabet[rng() % alphabet.size()]);
            break;
          case 1:
            if (pos < text.size()) text.erase(pos, 1);
            break;
          default:
            if (pos < text.size()) text[pos] = static_cast<char>(rng() % 256);
        }
      }
    } else {
      text.resize(rng() % 40);
      for (auto& c : text) c = alphabet[rng() % alphabet.size()];
    }
    if (auto tp = parse_iso8601(text)) {
      EXPECT_FALSE(format_iso8601(*tp).empty());
    }
  }
}

}  // namespace
}  // namespace neuromesh::registry
