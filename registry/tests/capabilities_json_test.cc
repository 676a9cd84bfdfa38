#include "capabilities_json.h"

#include <gtest/gtest.h>

#include <random>

namespace neuromesh::registry::detail {
namespace {

TEST(capabilities_json, encodes_byte_for_byte_like_python_json_dumps) {
  // Expected strings are what CPython 3.11 json.dumps(list) prints.
  EXPECT_EQ(encode_capabilities({}), "[]");
  EXPECT_EQ(encode_capabilities({"nlp"}), "[\"nlp\"]");
  EXPECT_EQ(encode_capabilities({"x", "y"}), "[\"x\", \"y\"]");
  EXPECT_EQ(encode_capabilities({"caf\xc3\xa9"}), "[\"caf\\u00e9\"]");
  EXPECT_EQ(encode_capabilities({"\xf0\x9f\x98\x80"}), "[\"\\ud83d\\ude00\"]");
  EXPECT_EQ(encode_capabilities({"a\"b\\c/d"}), "[\"a\\\"b\\\\c/d\"]");
  EXPECT_EQ(encode_capabilities({"\t\n\r\b\f\x01\x7f"}), "[\"\\t\\n\\r\\b\\f\\u0001\x7f\"]");
}

TEST(capabilities_json, decodes_any_json_spelling_of_an_array_of_strings) {
  EXPECT_EQ(decode_capabilities(""), std::vector<std::string>{});
  EXPECT_EQ(decode_capabilities("[]"), std::vector<std::string>{});
  EXPECT_EQ(decode_capabilities("[\"caf\\u00e9\",\"caf\xc3\xa9\"]"),
            (std::vector<std::string>{"caf\xc3\xa9", "caf\xc3\xa9"}));
  EXPECT_EQ(decode_capabilities(" [ \"\\ud83d\\ude00\" ] "),
            std::vector<std::string>{"\xf0\x9f\x98\x80"});
  EXPECT_FALSE(decode_capabilities("[1]"));
  EXPECT_FALSE(decode_capabilities("{\"a\": 1}"));
  EXPECT_FALSE(decode_capabilities("[\"a\""));
  EXPECT_FALSE(decode_capabilities("null"));
}

TEST(capabilities_json, random_strings_round_trip_through_encode_and_decode) {
  std::mt19937 rng(3);
  const std::vector<std::string> pieces = {
      "a", "Z", "\"", "\\", "\n", "\x01", "\xc3\xa9", "\xe2\x9c\x93", "\xf0\x9f\x98\x80", " ", "/"};
  for (int i = 0; i < 5000; ++i) {
    std::vector<std::string> caps(rng() % 5);
    for (auto& c : caps)
      for (int k = rng() % 6; k > 0; --k) c += pieces[rng() % pieces.size()];
    auto back = decode_capabilities(encode_capabilities(caps));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, caps);
  }
}

TEST(capabilities_json, invalid_utf8_is_written_as_replacement_characters) {
  EXPECT_EQ(encode_capabilities({"a\xff"
                                 "b"}),
            "[\"a\\ufffdb\"]");
  EXPECT_EQ(encode_capabilities({"\xc3"}), "[\"\\ufffd\"]");
}

// Fuzz: arbitrary bytes into the decoder never crash.
TEST(capabilities_json, fuzzed_column_text_never_crashes) {
  std::mt19937 rng(5);
  const std::string alphabet = "[]\",\\u0 a{}:1";
  for (int i = 0; i < 20000; ++i) {
    std::string text(rng() % 24, ' ');
    for (auto& c : text)
      c = (i % 3 == 0) ? static_cast<char>(rng()) : alphabet[rng() % alphabet.size()];
    (void)decode_capabilities(text);
  }
}

}  // namespace
}  // namespace neuromesh::registry::detail
