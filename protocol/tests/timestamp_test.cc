#include "neuromesh/protocol/timestamp.h"

#include <gtest/gtest.h>

namespace neuromesh::protocol {
namespace {

std::string round_trip(std::string_view in) {
  std::string why;
  auto t = timestamp::parse(in, &why);
  return t ? t->to_string() : "error: " + why;
}

TEST(timestamp, writes_six_fraction_digits_or_none) {
  EXPECT_EQ(round_trip("2026-05-16T14:22:01Z"), "2026-05-16T14:22:01Z");
  EXPECT_EQ(round_trip("2026-05-16T14:22:01.391Z"), "2026-05-16T14:22:01.391000Z");
  EXPECT_EQ(round_trip("2026-05-16T14:22:01.391234Z"), "2026-05-16T14:22:01.391234Z");
  EXPECT_EQ(round_trip("2026-05-16T14:22:01.000000Z"), "2026-05-16T14:22:01Z");
}

TEST(timestamp, truncates_extra_fraction_digits_never_rounds) {
  EXPECT_EQ(round_trip("2026-05-16T14:22:01.1234567890Z"), "2026-05-16T14:22:01.123456Z");
  EXPECT_EQ(round_trip("2026-05-16T14:22:01.9999999Z"), "2026-05-16T14:22:01.999999Z");
  EXPECT_EQ(round_trip("2026-05-16T14:22:01.0000009Z"), "2026-05-16T14:22:01Z");
  EXPECT_EQ(round_trip("2026-05-16T14:22:01,5Z"), "2026-05-16T14:22:01.500000Z");
}

TEST(timestamp, normalises_utc_spellings_to_z_and_keeps_other_offsets) {
  for (auto s : {"2026-05-16T14:22:01z", "2026-05-16T14:22:01+00:00", "2026-05-16T14:22:01-00:00",
                 "2026-05-16T14:22:01+0000", "2026-05-16t14:22:01Z"})
    EXPECT_EQ(round_trip(s), "2026-05-16T14:22:01Z") << s;
  EXPECT_EQ(round_trip("2026-05-16T14:22:01+02:30"), "2026-05-16T14:22:01+02:30");
  EXPECT_EQ(round_trip("2026-05-16T14:22:01-0130"), "2026-05-16T14:22:01-01:30");
  EXPECT_EQ(round_trip("2026-05-16T14:22:01.123+05:45"), "2026-05-16T14:22:01.123000+05:45");
  auto t = timestamp::parse("2026-05-16T16:22:01+02:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->utc(), timestamp::parse("2026-05-16T14:22:01Z")->utc());
  EXPECT_FALSE(t->is_utc());
}

TEST(timestamp, keeps_naive_times_naive_and_accepts_short_forms) {
  EXPECT_EQ(round_trip("2026-05-16T14:22:01"), "2026-05-16T14:22:01");
  EXPECT_EQ(round_trip("2026-05-16 14:22"), "2026-05-16T14:22:00");
  EXPECT_EQ(round_trip("2026-05-16T14:22Z"), "2026-05-16T14:22:00Z");
  EXPECT_EQ(round_trip("2026-05-16"), "2026-05-16T00:00:00");
  EXPECT_FALSE(timestamp::parse("2026-05-16")->offset_minutes());
}

TEST(timestamp, numeric_strings_and_numbers_are_unix_seconds_or_milliseconds) {
  EXPECT_EQ(round_trip("1700000000"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(round_trip("+1700000000"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(round_trip("1700000000.25"), "2023-11-14T22:13:20.250000Z");
  EXPECT_EQ(round_trip("-1.5"), "1969-12-31T23:59:58.500000Z");
  EXPECT_EQ(round_trip("20260516"), "1970-08-23T11:55:16Z");
  EXPECT_EQ(timestamp::from_unix(std::int64_t{1700000000000})->to_string(), "2023-11-14T22:13:20Z");
  EXPECT_EQ(timestamp::from_unix(std::int64_t{20000000001})->to_string(),
            "1970-08-20T11:33:20.001000Z");
  EXPECT_EQ(timestamp::from_unix(std::int64_t{-30000000000})->to_string(), "1969-01-18T18:40:00Z");
  EXPECT_EQ(timestamp::from_unix(1700000000.123456789)->to_string(), "2023-11-14T22:13:20.123457Z");
  EXPECT_EQ(timestamp::from_unix(-0.5)->to_string(), "1969-12-31T23:59:59.500000Z");
  EXPECT_EQ(timestamp::from_unix(-7193253832.576351)->to_string(), "1742-01-20T17:56:07.576351Z");
  EXPECT_EQ(timestamp::from_unix(-24179989483.08638)->to_string(), "1969-03-27T03:20:10.516086Z");
  EXPECT_EQ(timestamp::from_unix(20000000000.5)->to_string(), "2603-10-11T11:33:20.000500Z");
  EXPECT_EQ(timestamp::from_unix(1700000000123.4995)->to_string(), "2023-11-14T22:13:20.123500Z");
  EXPECT_FALSE(timestamp::from_unix(1e20));
}

TEST(timestamp, rejects_what_the_reference_rejects) {
  for (auto s : {"2026-05-16T14:22:01+02", "2026-05-16T24:00:00Z", "2026-05-16T14:22:60Z",
                 "2026-05-16T14:22:01.Z", "2026-05-16T14:22:01 Z", "2026-05-16T14:22:01+24:00",
                 "  2026-05-16", "2026-5-16", "2026-05-16T14", "2026-02-29T00:00:00Z", "17e8",
                 "2026-05-16T14:22:01Z ", "", "0000-01-01"})
    EXPECT_FALSE(timestamp::parse(s)) << s;
  EXPECT_TRUE(timestamp::parse("2024-02-29T00:00:00Z"));
  EXPECT_EQ(round_trip("0001-01-01T00:00:00Z"), "0001-01-01T00:00:00Z");
  EXPECT_EQ(round_trip("9999-12-31T23:59:59.999999-23:59"), "9999-12-31T23:59:59.999999-23:59");
}

TEST(timestamp, now_is_utc_at_microsecond_resolution) {
  auto t = timestamp::now();
  EXPECT_TRUE(t.is_utc());
  auto s = t.to_string();
  EXPECT_EQ(s.back(), 'Z');
  EXPECT_TRUE(s.size() == 20 || s.size() == 27) << s;
  EXPECT_EQ(timestamp::parse(s), t);
}

}  // namespace
}  // namespace neuromesh::protocol
