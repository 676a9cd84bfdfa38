#include "engram_json.h"

#include "neuromesh/testing/temp_dir.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

namespace neuromesh::runtime::detail {
namespace {

namespace json = boost::json;

TEST(python_dumps, floats_are_written_as_python_repr) {
  const std::pair<double, const char*> cases[] = {
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {1.0, "1.0"},
      {0.1, "0.1"},
      {1e-05, "1e-05"},
      {0.0001, "0.0001"},
      {1e16, "1e+16"},
      {1e15, "1000000000000000.0"},
      {123456789012345678.0, "1.2345678901234568e+17"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {5e-324, "5e-324"},
      {-2.5e-7, "-2.5e-07"},
      {1234567890123456.0, "1234567890123456.0"},
      {100.0, "100.0"},
      {3.14159, "3.14159"},
  };
  for (const auto& [x, want] : cases) EXPECT_EQ(python_dumps(json::value(x)), want) << want;
}

TEST(python_dumps, strings_and_containers_are_written_as_json_dumps) {
  const auto v = json::parse(R"({"a":[1,"é",null,true],"b":{"c":"\u2028\u0001\"\\"},"d":"😀"})");
  EXPECT_EQ(python_dumps(v), R"({"a": [1, "\u00e9", null, true], "b": {"c": "\u2028\u0001\"\\"}, )"
                             R"("d": "\ud83d\ude00"})");
  EXPECT_EQ(python_dumps(json::parse("[]")), "[]");
  EXPECT_EQ(python_dumps(json::parse("{}")), "{}");
}

// Random doubles written by us and by python3's json.dumps must be the same text.
TEST(python_dumps, matches_python3_on_random_doubles) {
  std::mt19937_64 rng(42);
  std::vector<double> xs;
  for (int i = 0; i < 2000; ++i) {
    std::uint64_t bits = rng();
    double x;
    std::memcpy(&x, &bits, sizeof x);
    if (!std::isfinite(x)) continue;
    xs.push_back(x);
    xs.push_back(static_cast<double>(static_cast<std::int64_t>(rng() % 2000000) - 1000000) /
                 std::pow(10.0, static_cast<int>(rng() % 12)));
  }
  neuromesh::testing::temp_dir dir;
  const auto in = dir.file("in.txt");
  const auto out = dir.file("out.txt");
  {
    std::ofstream f(in);
    char buf[64];
    for (double x : xs) {
      std::snprintf(buf, sizeof buf, "%a\n", x);
      f << buf;
    }
  }
  const std::string cmd =
      "python3 -c \"import json,sys; [print(json.dumps(float.fromhex(l))) "
      "for l in open(sys.argv[1])]\" '" +
      in + "' > '" + out + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "python3 is required";
  std::ifstream f(out);
  std::string line;
  std::size_t i = 0;
  for (; std::getline(f, line) && i < xs.size(); ++i)
    ASSERT_EQ(python_dumps(json::value(xs[i])), line) << "x = " << xs[i];
  EXPECT_EQ(i, xs.size());
}

TEST(deep_merge, follows_the_reference_rules) {
  EXPECT_EQ(deep_merge(json::parse(R"({"a":{"x":1,"y":[1,2]},"b":1})"),
                       json::parse(R"({"a":{"y":[2,3],"z":null},"b":"s","c":true})")),
            json::parse(R"({"a":{"x":1,"y":[1,2,3],"z":null},"b":"s","c":true})"));
  EXPECT_EQ(deep_merge(json::parse("[1,1,{\"a\":1}]"), json::parse("[1.0,{\"a\":1}]")),
            json::parse("[1,{\"a\":1},1.0]"));  // duplicates dropped, 1 and 1.0 differ
  EXPECT_EQ(deep_merge(json::parse("5"), json::parse("null")), json::parse("5"));
  EXPECT_EQ(deep_merge(json::parse("{\"a\":1}"), json::parse("[1]")), json::parse("[1]"));
}

TEST(union_tags, keeps_old_order_then_adds_new_ones_once) {
  EXPECT_EQ(union_tags({"b", "a", "b"}, {"c", "a", "d"}),
            (std::vector<std::string>{"b", "a", "c", "d"}));
}

TEST(python_repr, quotes_as_python_does) {
  EXPECT_EQ(python_repr("k"), "'k'");
  EXPECT_EQ(python_repr("it's"), "\"it's\"");
  EXPECT_EQ(python_repr("a'\"b\n"), "'a\\'\"b\\n'");
  EXPECT_EQ(python_repr("café"), "'café'");
}

TEST(dumps_needle, lowers_ascii_and_escapes_the_rest) {
  EXPECT_EQ(dumps_needle("CaFé"), "caf\\u00e9");
  EXPECT_EQ(dumps_needle("😀"), "\\ud83d\\ude00");
  EXPECT_EQ(dumps_needle("\"Q\""), "\"q\"");
  EXPECT_FALSE(dumps_needle("bad \xff byte"));
  EXPECT_FALSE(dumps_needle("cut \xc3"));
}

// Every valid UTF-8 string survives python_dumps -> JSON parse unchanged.
TEST(python_dumps, random_strings_round_trip_through_a_json_parser) {
  std::mt19937 rng(7);
  const char32_t pool[] = {U'a', U'Z',      U'"',      U'\\', U'\n',         U'\x01', U'\x7f',
                           U'é', U'\u2028', U'\uffff', U'😀',  U'\U0010ffff', U' '};
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    const int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) {
      char32_t c = pool[rng() % std::size(pool)];
      if (c < 0x80) {
        s += static_cast<char>(c);
      } else if (c < 0x800) {
        s += static_cast<char>(0xc0 | (c >> 6));
        s += static_cast<char>(0x80 | (c & 0x3f));
      } else if (c < 0x10000) {
        s += static_cast<char>(0xe0 | (c >> 12));
        s += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
        s += static_cast<char>(0x80 | (c & 0x3f));
      } else {
        s += static_cast<char>(0xf0 | (c >> 18));
        s += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
        s += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
        s += static_cast<char>(0x80 | (c & 0x3f));
      }
    }
    const auto text = python_dumps(json::value(s));
    for (char ch : text) ASSERT_LT(static_cast<unsigned char>(ch), 0x80) << text;
    EXPECT_EQ(json::parse(text), json::value(s)) << text;
  }
}

}  // namespace
}  // namespace neuromesh::runtime::detail
