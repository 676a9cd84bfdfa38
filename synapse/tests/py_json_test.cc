#include "neuromesh/synapse/py_json.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <random>

namespace neuromesh::synapse::detail {
namespace {

// Expected strings are what CPython 3.12 prints for json.dumps(x, separators=(",", ":")).
TEST(py_json, escapes_like_python_ensure_ascii) {
  EXPECT_EQ(py_string("plain /text"), R"("plain /text")");
  EXPECT_EQ(py_string("a\"b\\c\n\t\r\b\f\x01"), R"("a\"b\\c\n\t\r\b\f\u0001")");
  EXPECT_EQ(py_string("\x7f"), R"("\u007f")");
  EXPECT_EQ(py_string("caf\xc3\xa9"), R"("caf\u00e9")");
  EXPECT_EQ(py_string("\xe2\x82\xac"), R"("\u20ac")");
  EXPECT_EQ(py_string("\xf0\x9f\x98\x80"), R"("\ud83d\ude00")");
  EXPECT_EQ(py_string(""), R"("")");
}

TEST(py_json, invalid_utf8_becomes_replacement_character) {
  EXPECT_EQ(py_string("a\xff"
                      "b"),
            R"("a\ufffdb")");
  EXPECT_EQ(py_string("\xe2\x82"), R"("\ufffd\ufffd")");
}

TEST(py_json, values_keep_key_order_and_python_number_forms) {
  auto v = boost::json::parse(R"({"z":1,"a":[true,false,null],"f":1.0,"s":"\u00e9"})");
  EXPECT_EQ(py_value(v), R"({"z":1,"a":[true,false,null],"f":1.0,"s":"\u00e9"})");
  auto num = [](double d) { return py_value(boost::json::value(d)); };
  EXPECT_EQ(num(1.0), "1.0");
  EXPECT_EQ(num(-0.5), "-0.5");
  EXPECT_EQ(num(123.456), "123.456");
  EXPECT_EQ(num(0.0001), "0.0001");
  EXPECT_EQ(num(0.00001), "1e-05");
  EXPECT_EQ(num(1e16), "1e+16");
  EXPECT_EQ(num(1e15), "1000000000000000.0");
  EXPECT_EQ(num(1.5e300), "1.5e+300");
  EXPECT_EQ(num(12345678901234567.0), "1.2345678901234568e+16");
}

TEST(py_json, repr_matches_python) {
  boost::json::value s = "x";
  boost::json::value q = "it's";
  boost::json::value n = 5;
  EXPECT_EQ(py_repr(&s), "'x'");
  EXPECT_EQ(py_repr(&q), "\"it's\"");
  EXPECT_EQ(py_repr(&n), "5");
  EXPECT_EQ(py_repr(nullptr), "None");
}

TEST(py_json, truthiness_matches_python) {
  boost::json::value empty = "", zero = 0, f = false, s = "a";
  EXPECT_FALSE(py_truthy(nullptr));
  EXPECT_FALSE(py_truthy(&empty));
  EXPECT_FALSE(py_truthy(&zero));
  EXPECT_FALSE(py_truthy(&f));
  EXPECT_TRUE(py_truthy(&s));
}

TEST(py_json, unescaping_a_canonical_string_round_trips_and_agrees_with_the_json_parser) {
  std::mt19937 rng(20261130);
  const std::vector<std::string> pieces = {"a",
                                           "Z",
                                           " ",
                                           "\"",
                                           "\\",
                                           "/",
                                           "\n",
                                           "\r",
                                           "\t",
                                           "\b",
                                           "\f",
                                           std::string(1, '\0'),
                                           "\x1f",
                                           "\x7f",
                                           "\xc3\xa9",
                                           "\xe2\x82\xac",
                                           "\xef\xbf\xbf",
                                           "\xf0\x9f\x98\x80",
                                           "{\"v\":\"1\"}"};
  int fast = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string original;
    int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) original += pieces[rng() % pieces.size()];
    std::string quoted = py_string(original);
    bool escapes = false;
    std::size_t size = py_canonical_string_size(quoted, escapes);
    if (size == 0) {  // only astral characters (surrogate pairs) are left to the parser
      EXPECT_NE(original.find("\xf0"), std::string::npos) << quoted;
      continue;
    }
    ASSERT_EQ(size, quoted.size()) << quoted;
    ++fast;
    std::string unescaped = "prefix:";
    append_py_unescaped(unescaped, quoted);
    EXPECT_EQ(unescaped, "prefix:" + original) << quoted;
    EXPECT_EQ(unescaped.substr(7), std::string(boost::json::parse(quoted).as_string())) << quoted;
  }
  EXPECT_GT(fast, 1000);
}

}  // namespace
}  // namespace neuromesh::synapse::detail
