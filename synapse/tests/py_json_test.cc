#include "neuromesh/synapse/py_json.h"

#include "py_json_internal.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace neuromesh::synapse::detail {
namespace {

// The oracle: the scalar string codec exactly as py_json.cc had it before the SSE2 rewrite
// (commit eea9b0b), byte by byte where a word holds anything but plain ASCII. The library's
// two paths (SSE2 and portable scalar) must agree with it on every input.
namespace reference {

constexpr char hex_digits[] = "0123456789abcdef";

void append_u(std::string& out, std::uint32_t cp) {
  char buf[6] = {'\\',
                 'u',
                 hex_digits[(cp >> 12) & 0xf],
                 hex_digits[(cp >> 8) & 0xf],
                 hex_digits[(cp >> 4) & 0xf],
                 hex_digits[cp & 0xf]};
  out.append(buf, 6);
}

// True for the bytes that can be copied unchanged: printable ASCII except " and \.
constexpr std::array<bool, 256> make_plain() {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x7f; ++c) t[c] = true;
  t['"'] = false;
  t['\\'] = false;
  return t;
}
constexpr auto plain = make_plain();

std::uint32_t reference_next_code_point(std::string_view s, std::size_t& i) {
  auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) -> int {
    if (i + k >= s.size()) return -1;
    auto b = static_cast<unsigned char>(s[i + k]);
    return (b & 0xc0) == 0x80 ? (b & 0x3f) : -1;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    int c1 = cont(1);
    if (c1 >= 0) {
      i += 2;
      return ((b0 & 0x1fu) << 6) | c1;
    }
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    int c1 = cont(1), c2 = cont(2);
    if (c1 >= 0 && c2 >= 0) {
      std::uint32_t cp = ((b0 & 0x0fu) << 12) | (c1 << 6) | c2;
      if (cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff)) {
        i += 3;
        return cp;
      }
    }
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    int c1 = cont(1), c2 = cont(2), c3 = cont(3);
    if (c1 >= 0 && c2 >= 0 && c3 >= 0) {
      std::uint32_t cp = ((b0 & 0x07u) << 18) | (c1 << 12) | (c2 << 6) | c3;
      if (cp >= 0x10000 && cp <= 0x10ffff) {
        i += 4;
        return cp;
      }
    }
  }
  ++i;
  return 0xfffd;
}

// Whether any of the 8 bytes is '"', '\\', below 0x20 or above 0x7e (exact existence
// tests, so a clean word can be skipped whole; a flagged word is looked at byte by byte).
bool word_needs_a_look(std::uint64_t w) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
  auto has_zero = [](std::uint64_t x) { return (x - ones) & ~x & high; };
  std::uint64_t below_space = (w - ones * 0x20) & ~w & high;
  return (below_space | (w & high) | has_zero(w ^ (ones * 0x7f)) | has_zero(w ^ (ones * '"')) |
          has_zero(w ^ (ones * '\\'))) != 0;
}

void reference_append_py_string(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    // The plain run: whole 8-byte words while none needs a look, then byte by byte.
    std::size_t run = i;
    while (run < s.size()) {
      if (run + 8 <= s.size()) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + run, 8);
        if (!word_needs_a_look(w)) {
          run += 8;
          continue;
        }
      }
      std::size_t stop = std::min(s.size(), run + 8);
      while (run < stop && plain[static_cast<unsigned char>(s[run])]) ++run;
      if (run < stop) break;
    }
    out.append(s.data() + i, run - i);
    i = run;
    if (i >= s.size()) break;
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          append_u(out, c);
      }
      ++i;
      continue;
    }
    std::uint32_t cp = reference_next_code_point(s, i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      append_u(out, 0xd800 | (cp >> 10));
      append_u(out, 0xdc00 | (cp & 0x3ff));
    } else {
      append_u(out, cp);
    }
  }
  out += '"';
}

std::size_t reference_py_canonical_string_size(std::string_view text, bool& has_escapes) noexcept {
  has_escapes = false;
  if (text.empty() || text[0] != '"') return 0;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // uppercase hex is not what Python writes
  };
  std::size_t i = 1;
  std::size_t bytewise_until = 0;  // text[i, bytewise_until) is looked at byte by byte
  while (i < text.size()) {
    if (i >= bytewise_until) {
      // Skip whole plain words (frames are KiBs of plain text between escapes).
      while (i + 8 <= text.size()) {
        std::uint64_t w;
        std::memcpy(&w, text.data() + i, 8);
        if (word_needs_a_look(w)) break;
        i += 8;
      }
      bytewise_until = i + 8;  // a flagged word, or the tail
    }
    if (i >= text.size()) break;
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '"') return i + 1;
    if (c < 0x20 || c > 0x7e) return 0;
    if (c != '\\') {
      ++i;
      continue;
    }
    has_escapes = true;
    if (i + 1 >= text.size()) return 0;
    char e = text[i + 1];
    if (e == '"' || e == '\\' || e == 'n' || e == 'r' || e == 't' || e == 'b' || e == 'f') {
      i += 2;
      continue;
    }
    if (e != 'u' || i + 6 > text.size()) return 0;
    int v = 0;
    for (std::size_t k = 2; k < 6; ++k) {
      int h = hex(text[i + k]);
      if (h < 0) return 0;
      v = v * 16 + h;
    }
    // Python uses \u only for what has no short escape and is not printable ASCII.
    bool short_form =
        v == '"' || v == '\\' || v == '\n' || v == '\r' || v == '\t' || v == '\b' || v == '\f';
    if (short_form || (v >= 0x20 && v <= 0x7e) || (v >= 0xd800 && v <= 0xdfff)) return 0;
    i += 6;
  }
  return 0;
}

void reference_append_py_unescaped(std::string& out, std::string_view quoted) {
  std::string_view body = quoted.substr(1, quoted.size() - 2);
  out.reserve(out.size() + body.size());
  auto hex = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  while (!body.empty()) {
    auto slash = body.find('\\');
    out.append(body.substr(0, slash));
    if (slash == std::string_view::npos) break;
    char e = body[slash + 1];
    body.remove_prefix(slash + 2);
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {  // never a surrogate here: one BMP code point, 1-3 UTF-8 bytes
        unsigned v = 0;
        for (int k = 0; k < 4; ++k) v = v * 16 + static_cast<unsigned>(hex(body[k]));
        body.remove_prefix(4);
        if (v < 0x80) {
          out += static_cast<char>(v);
        } else if (v < 0x800) {
          out += static_cast<char>(0xc0 | (v >> 6));
          out += static_cast<char>(0x80 | (v & 0x3f));
        } else {
          out += static_cast<char>(0xe0 | (v >> 12));
          out += static_cast<char>(0x80 | ((v >> 6) & 0x3f));
          out += static_cast<char>(0x80 | (v & 0x3f));
        }
        break;
      }
      default:
        out += e;  // '"' or '\\'
    }
  }
}

}  // namespace reference

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

// The library's two implementations of the string codec: what py_json.h's functions run
// (SSE2 on x86-64) and the portable scalar path (py_json_internal.h).
struct codec {
  const char* name;
  void (*escape)(std::string&, std::string_view);
  std::size_t (*canonical_size)(std::string_view, bool&) noexcept;
  void (*unescape)(std::string&, std::string_view);
};
const codec codecs[] = {
    {"public", append_py_string, py_canonical_string_size, append_py_unescaped},
    {"scalar", py_json_scalar::append_py_string, py_json_scalar::py_canonical_string_size,
     py_json_scalar::append_py_unescaped},
};

std::string reference_py_string(std::string_view s) {
  std::string out;
  reference::reference_append_py_string(out, s);
  return out;
}

// s with each invalid UTF-8 byte replaced by U+FFFD, as the escaper reads it.
std::string with_replacement(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      out += s[i++];
      continue;
    }
    std::uint32_t cp = reference::reference_next_code_point(s, i);
    if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }
  return out;
}

// What went wrong when a codec's canonical-size answer for text differs from the
// reference's, else "".
std::string canonical_size_mismatch(std::string_view text) {
  bool ref_escapes = true;
  std::size_t ref = reference::reference_py_canonical_string_size(text, ref_escapes);
  for (const codec& c : codecs) {
    bool escapes = !ref_escapes;
    std::size_t size = c.canonical_size(text, escapes);
    if (size != ref || escapes != ref_escapes)
      return std::string(c.name) + ": size " + std::to_string(size) + " escapes " +
             std::to_string(escapes) + ", reference " + std::to_string(ref) + " " +
             std::to_string(ref_escapes) + " for " + reference_py_string(text);
  }
  return "";
}

// Every check of one original string: both escapers write the reference's bytes (after a
// prefix, as append does), both size checks agree with the reference on the output and on
// the output followed by the rest of a line, and every accepted output unescapes back to
// the original after UTF-8 replacement. "" when all hold, else the first failure.
std::string codec_mismatch(std::string_view original) {
  const std::string quoted = reference_py_string(original);
  for (const codec& c : codecs) {
    std::string out = "prefix:";
    c.escape(out, original);
    if (out != "prefix:" + quoted)
      return std::string(c.name) + " escape wrote " + out + " for " + quoted;
  }
  for (const std::string& text : {quoted, quoted + R"(,"op":"pub"})", quoted + "\\"})
    if (auto m = canonical_size_mismatch(text); !m.empty()) return m;
  bool escapes = false;
  if (reference::reference_py_canonical_string_size(quoted, escapes) == quoted.size()) {
    const std::string expected = "prefix:" + with_replacement(original);
    std::string by_reference = "prefix:";
    reference::reference_append_py_unescaped(by_reference, quoted);
    if (by_reference != expected) return "reference unescape of " + quoted;
    for (const codec& c : codecs) {
      std::string out = "prefix:";
      c.unescape(out, quoted);
      if (out != expected) return std::string(c.name) + " unescape of " + quoted;
    }
  }
  return "";
}

// Random strings: ASCII runs, quotes, backslashes, control bytes, DEL, valid 2-, 3- and
// 4-byte UTF-8, and invalid UTF-8 (stray continuation bytes, overlong and truncated
// sequences, encoded surrogates, bytes no UTF-8 has), cut at a random length so sequences
// also break at the end.
std::string random_string(std::mt19937& rng, std::size_t length) {
  static const std::vector<std::string> pieces = {"\"",
                                                  "\\",
                                                  "\\\\",
                                                  "\\\"",
                                                  "\n",
                                                  "\r",
                                                  "\t",
                                                  "\b",
                                                  "\f",
                                                  std::string(1, '\0'),
                                                  "\x01",
                                                  "\x1f",
                                                  "\x7f",
                                                  " ",
                                                  "/",
                                                  "{\"v\":\"1\",\"id\":\"evt_01\"}",
                                                  "\xc3\xa9",
                                                  "\xdf\xbf",
                                                  "\xe2\x82\xac",
                                                  "\xef\xbf\xbf",
                                                  "\xee\x80\x80",
                                                  "\xf0\x9f\x98\x80",
                                                  "\xf4\x8f\xbf\xbf",
                                                  "\x80",
                                                  "\xbf",
                                                  "\xc0\x80",
                                                  "\xc1\xbf",
                                                  "\xe0\x80\x80",
                                                  "\xed\xa0\x80",
                                                  "\xed\xbf\xbf",
                                                  "\xf0\x80\x80\x80",
                                                  "\xf4\x90\x80\x80",
                                                  "\xf5\x80",
                                                  "\xff",
                                                  "\xfe",
                                                  "\xc3",
                                                  "\xe2\x82",
                                                  "\xf0\x9f\x98",
                                                  "\\u00e9",
                                                  "\\ud83d"};
  static const std::string plain_ascii = [] {
    std::mt19937 r(1);
    std::string a;
    for (int k = 0; k < 4096; ++k) a += static_cast<char>(0x20 + r() % 0x5f);
    return a;
  }();
  std::string s;
  while (s.size() < length) {
    switch (rng() % 4) {
      case 0:
      case 1:  // a plain run, as most of a Signal is
        s.append(plain_ascii, rng() % (plain_ascii.size() - 40), 1 + rng() % 40);
        break;
      case 2:
        s += pieces[rng() % pieces.size()];
        break;
      default:
        s += static_cast<char>(rng() % 256);
    }
  }
  s.resize(length);
  return s;
}

TEST(py_json, both_codec_paths_match_the_reference_on_200k_random_strings) {
  std::mt19937 rng(20261130);
  for (int round = 0; round < 200000; ++round) {
    std::string s = random_string(rng, rng() % 601);
    ASSERT_EQ(codec_mismatch(s), "") << "round " << round;
  }
}

// Every length 0..64 with one special character at every position, so each lands at every
// place of a 16-byte block and of a 64-byte chunk, and right at the end.
TEST(py_json, both_codec_paths_match_the_reference_with_a_special_at_every_block_position) {
  const std::vector<std::string> specials = {"\"",   "\\",       "\n",           "\x01",
                                             "\x7f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                             "\xff", "\xe2\x82", "\\\\\"",       "\\u00e9"};
  int checked = 0;
  for (std::size_t length = 0; length <= 64; ++length) {
    for (const std::string& special : specials) {
      for (std::size_t at = 0; at <= length; ++at) {
        std::string s(length, 'a');
        s.insert(at, special);
        ASSERT_EQ(codec_mismatch(s), "") << "length " << length << " at " << at;
        std::string twice = s + std::string(length, 'b') + special;
        ASSERT_EQ(codec_mismatch(twice), "") << "length " << length << " at " << at;
        checked += 2;
      }
    }
  }
  EXPECT_EQ(checked, 2 * 12 * (65 * 66 / 2));
}

// Near misses of Python's form: one byte changed, an uppercase hex digit, cut short, a raw
// control byte inserted, a backslash added or dropped. Every codec must accept or reject
// exactly as the reference does, with the same has_escapes.
TEST(py_json, both_canonical_size_paths_match_the_reference_on_mutated_python_output) {
  std::mt19937 rng(7);
  const std::string hex_upper = "ABCDEF";
  int accepted = 0, rejected = 0;
  for (int round = 0; round < 50000; ++round) {
    std::string quoted = reference_py_string(random_string(rng, rng() % 300));
    std::string text = quoted;
    std::size_t at = 1 + rng() % (text.size() - 1);  // never the opening quote
    switch (round % 6) {
      case 0:
        text[at] = static_cast<char>(rng() % 256);
        break;
      case 1: {  // uppercase the first hex digit a-f after a "\u" (an escape, or \\ and u)
        std::size_t u = text.find("\\u", at - 1);
        if (u == std::string::npos) u = text.find("\\u");
        if (u == std::string::npos) break;
        for (std::size_t k = u + 2; k < std::min(u + 6, text.size()); ++k)
          if (text[k] >= 'a' && text[k] <= 'f') {
            text[k] = hex_upper[static_cast<std::size_t>(text[k] - 'a')];
            break;
          }
        break;
      }
      case 2:
        text.resize(at);
        break;
      case 3:
        text.insert(at, 1, static_cast<char>(rng() % 0x20));
        break;
      case 4:
        text.insert(at, 1, '\\');
        break;
      default:
        if (auto b = text.find('\\', at - 1); b != std::string::npos) text.erase(b, 1);
    }
    ASSERT_EQ(canonical_size_mismatch(text), "") << "round " << round;
    ASSERT_EQ(canonical_size_mismatch(text + R"(,"x":1})"), "") << "round " << round;
    bool escapes = false;
    (reference::reference_py_canonical_string_size(text, escapes) != 0 ? accepted : rejected)++;
  }
  EXPECT_GT(accepted, 5000);
  EXPECT_GT(rejected, 5000);
}

// Any bytes after a quote: mostly rejected, and rejected (or accepted) the same way.
TEST(py_json, both_canonical_size_paths_match_the_reference_on_random_bytes) {
  std::mt19937 rng(11);
  const std::string alphabet = "\"\\nrtbfu0123456789abcdefABCDEF \x01\x7f\xc3\xa9xyz";
  for (int round = 0; round < 50000; ++round) {
    std::string text = "\"";
    std::size_t length = rng() % 200;
    for (std::size_t k = 0; k < length; ++k)
      text += rng() % 8 == 0 ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
    ASSERT_EQ(canonical_size_mismatch(text), "") << "round " << round;
  }
}

}  // namespace
}  // namespace neuromesh::synapse::detail
