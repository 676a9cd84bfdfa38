#include "json_reader.h"

#include "neuromesh/protocol/json_text.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <unordered_map>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace neuromesh::protocol::detail {
namespace {

constexpr std::size_t max_int_digits = 4300;  // Python's int <-> str conversion limit
constexpr std::size_t key_index_threshold = 48;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

constexpr std::array<bool, 256> make_plain_table() {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return t;
}
constexpr std::array<bool, 256> plain_table = make_plain_table();

// ASCII that a string copies as is: not a quote, backslash, control or non-ASCII byte.
bool is_plain(unsigned char c) noexcept { return plain_table[c]; }

// First byte at or after p that a string cannot copy as is ('"', '\\', control, non-ASCII).
const char* scan_plain(const char* p, const char* end) noexcept {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  while (end - p >= 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed compare: bytes >= 0x80 are negative, so non-ASCII stops the scan as well.
    __m128i special =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                     _mm_cmplt_epi8(v, space));
    int mask = _mm_movemask_epi8(special);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p != end && is_plain(static_cast<unsigned char>(*p))) ++p;
  return p;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Length of the valid UTF-8 sequence starting at p (lead byte >= 0x80), 0 if invalid. Same
// acceptance as Rust's str: no overlongs, no surrogates, nothing above U+10FFFF.
std::size_t utf8_sequence(const unsigned char* p, const unsigned char* end) noexcept {
  unsigned char c = p[0];
  auto cont = [&](std::size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return p + i < end && p[i] >= lo && p[i] <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// Whether a float literal that from_chars reports out of range is an overflow (else an
// underflow): strtod tells, and this path is rare enough for the copy.
bool overflows(const char* b, const char* e) {
  std::string copy(b, e);
  return std::strtod(copy.c_str(), nullptr) != 0;
}

}  // namespace

std::string_view kind_name(json_kind k) noexcept {
  switch (k) {
    case json_kind::null:
      return "null";
    case json_kind::boolean:
      return "boolean";
    case json_kind::number:
      return "number";
    case json_kind::string:
      return "string";
    case json_kind::array:
      return "array";
    case json_kind::object:
      return "object";
    case json_kind::invalid:
      break;
  }
  return "invalid JSON";
}

json_kind json_reader::next_kind() noexcept {
  switch (peek()) {
    case 'n':
      return json_kind::null;
    case 't':
    case 'f':
      return json_kind::boolean;
    case '"':
      return json_kind::string;
    case '[':
      return json_kind::array;
    case '{':
      return json_kind::object;
    case '-':
    case 'I':
    case 'N':
      return json_kind::number;
    default:
      return is_digit(peek()) ? json_kind::number : json_kind::invalid;
  }
}

bool json_reader::read_key(std::string_view& key, std::string& buf) {
  if (peek() != '"') return fail("expected a string key");
  const char* start = p_ + 1;
  const char* q = scan_plain(start, end_);
  if (q != end_ && *q == '"') {
    key = std::string_view(start, static_cast<std::size_t>(q - start));
    p_ = q + 1;
    return true;
  }
  buf.clear();
  if (!string_body<false>(buf)) return false;
  key = buf;
  return true;
}

bool json_reader::read_string(std::string& out) {
  if (peek() != '"') return fail("expected a string");
  return string_body<false>(out);
}

template <bool canonical>
bool json_reader::string_body(std::string& out) {
  ++p_;  // opening quote
  if constexpr (canonical) out.push_back('"');
  for (;;) {
    const char* run = p_;
    p_ = scan_plain(p_, end_);
    out.append(run, p_);
    if (p_ == end_) return fail("unterminated string");
    unsigned char c = static_cast<unsigned char>(*p_);
    if (c == '"') {
      ++p_;
      if constexpr (canonical) out.push_back('"');
      return true;
    }
    if (c >= 0x80) {
      std::size_t n = utf8_sequence(reinterpret_cast<const unsigned char*>(p_),
                                    reinterpret_cast<const unsigned char*>(end_));
      if (n == 0) return fail("invalid UTF-8 in string");
      out.append(p_, n);
      p_ += n;
      continue;
    }
    if (c != '\\') return fail("control character in string");
    ++p_;
    if (p_ == end_) return fail("unterminated string");
    char e = *p_++;
    std::uint32_t cp;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        cp = static_cast<unsigned char>(e);
        break;
      case 'b':
        cp = '\b';
        break;
      case 'f':
        cp = '\f';
        break;
      case 'n':
        cp = '\n';
        break;
      case 'r':
        cp = '\r';
        break;
      case 't':
        cp = '\t';
        break;
      case 'u': {
        auto hex4 = [this](std::uint32_t& v) {
          if (end_ - p_ < 4) return false;
          v = 0;
          for (int i = 0; i < 4; ++i) {
            int h = hex_value(p_[i]);
            if (h < 0) return false;
            v = v * 16 + static_cast<std::uint32_t>(h);
          }
          p_ += 4;
          return true;
        };
        if (!hex4(cp)) return fail("invalid \\u escape");
        if (cp >= 0xDC00 && cp <= 0xDFFF) return fail("lone surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          std::uint32_t low;
          if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u')
            return fail("lone surrogate in \\u escape");
          p_ += 2;
          if (!hex4(low)) return fail("invalid \\u escape");
          if (low < 0xDC00 || low > 0xDFFF) return fail("lone surrogate in \\u escape");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        break;
      }
      default:
        --p_;
        return fail("invalid escape in string");
    }
    if constexpr (canonical) {
      if (cp < 0x20 || cp == '"' || cp == '\\') {
        char one = static_cast<char>(cp);
        std::string tmp;
        append_json_string(tmp, std::string_view(&one, 1));
        out.append(tmp, 1, tmp.size() - 2);
        continue;
      }
    }
    append_utf8(out, cp);
  }
}

bool json_reader::literal(std::string_view word, std::string& out, std::string_view written) {
  if (static_cast<std::size_t>(end_ - p_) < word.size() ||
      std::memcmp(p_, word.data(), word.size()) != 0)
    return fail("invalid literal");
  p_ += word.size();
  out.append(written);
  return true;
}

bool json_reader::read_number_token(std::string_view& token, bool& is_integer) {
  peek();
  const char* start = p_;
  if (p_ != end_ && *p_ == '-') ++p_;
  if (p_ == end_) return fail("invalid number");
  if (*p_ == '0') {
    ++p_;
  } else if (is_digit(*p_)) {
    while (p_ != end_ && is_digit(*p_)) ++p_;
  } else {
    return fail("invalid number");
  }
  is_integer = true;
  if (p_ != end_ && *p_ == '.') {
    ++p_;
    if (p_ == end_ || !is_digit(*p_)) return fail("invalid number");
    while (p_ != end_ && is_digit(*p_)) ++p_;
    is_integer = false;
  }
  if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
    ++p_;
    if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    if (p_ == end_ || !is_digit(*p_)) return fail("invalid number");
    while (p_ != end_ && is_digit(*p_)) ++p_;
    is_integer = false;
  }
  token = std::string_view(start, static_cast<std::size_t>(p_ - start));
  return true;
}

bool json_reader::number(std::string& out) {
  bool negative = *p_ == '-';
  const char* after_sign = p_ + negative;
  if (after_sign != end_ && *after_sign == 'I') {  // Infinity / -Infinity, written as null
    p_ = after_sign;
    return literal("Infinity", out, "null");
  }
  if (!negative && *p_ == 'N') return literal("NaN", out, "null");
  std::string_view token;
  bool is_integer;
  if (!read_number_token(token, is_integer)) return false;
  if (is_integer) {
    std::size_t digits = token.size() - negative;
    if (digits > max_int_digits) return fail("number out of range");
    if (negative && digits == 1 && token[1] == '0')
      out.push_back('0');  // -0 is the integer 0
    else
      out.append(token);
    return true;
  }
  double d = 0;
  auto r = std::from_chars(token.data(), token.data() + token.size(), d);
  if (r.ec == std::errc::result_out_of_range) {
    if (overflows(token.data(), token.data() + token.size()))
      d = HUGE_VAL;
    else
      d = negative ? -0.0 : 0.0;
  }
  append_json_float(out, d);
  return true;
}

bool json_reader::array(std::string& out, int depth) {
  if (depth + 1 > max_depth) return fail("recursion limit exceeded");
  ++p_;
  out.push_back('[');
  if (consume(']')) {
    out.push_back(']');
    return true;
  }
  for (;;) {
    if (!read_value(out, depth + 1)) return false;
    char c = peek();
    if (c == ',') {
      ++p_;
      out.push_back(',');
    } else if (c == ']') {
      ++p_;
      out.push_back(']');
      return true;
    } else {
      return fail("expected ',' or ']'");
    }
  }
}

bool json_reader::read_object(std::string& out, int depth) {
  if (peek() != '{') return fail("expected an object");
  if (depth + 1 > max_depth) return fail("recursion limit exceeded");
  ++p_;
  std::size_t begin = out.size();
  std::size_t base = entries_.size();
  out.push_back('{');
  if (consume('}')) {
    out.push_back('}');
    return true;
  }
  bool duplicates = false;
  // Large objects index their keys so that hostile input cannot make this quadratic.
  std::optional<std::unordered_map<std::string, std::uint32_t>> index;
  for (;;) {
    if (peek() != '"') return fail("expected a string key");
    auto key_begin = static_cast<std::uint32_t>(out.size());
    if (!string_body<true>(out)) return false;
    auto key_end = static_cast<std::uint32_t>(out.size());
    std::string_view key(out.data() + key_begin, key_end - key_begin);
    std::size_t count = entries_.size() - base;
    auto first = static_cast<std::uint32_t>(count);
    if (count < key_index_threshold) {
      for (std::size_t i = 0; i < count; ++i) {
        const entry& e = entries_[base + i];
        if (e.key_end - e.key_begin == key.size() &&
            std::memcmp(out.data() + e.key_begin, key.data(), key.size()) == 0) {
          first = e.first;
          duplicates = true;
          break;
        }
      }
    } else {
      if (!index) {
        index.emplace();
        for (std::size_t i = 0; i < count; ++i) {
          const entry& e = entries_[base + i];
          index->emplace(out.substr(e.key_begin, e.key_end - e.key_begin), e.first);
        }
      }
      auto [it, inserted] = index->emplace(std::string(key), first);
      if (!inserted) {
        first = it->second;
        duplicates = true;
      }
    }
    if (!consume(':')) return fail("expected ':'");
    out.push_back(':');
    if (!read_value(out, depth + 1)) return false;
    entries_.push_back({key_begin, key_end, static_cast<std::uint32_t>(out.size()), first});
    char c = peek();
    if (c == ',') {
      ++p_;
      out.push_back(',');
    } else if (c == '}') {
      ++p_;
      out.push_back('}');
      break;
    } else {
      return fail("expected ',' or '}'");
    }
  }
  if (duplicates) rebuild_object(out, begin, base);
  entries_.resize(base);
  return true;
}

// Python dict semantics: a repeated key keeps the position of its first occurrence and the
// value of its last.
void json_reader::rebuild_object(std::string& out, std::size_t begin, std::size_t base) {
  std::size_t n = entries_.size() - base;
  std::vector<std::uint32_t> last(n);
  for (std::size_t i = 0; i < n; ++i)
    last[entries_[base + i].first] = static_cast<std::uint32_t>(i);
  std::string rebuilt = "{";
  for (std::size_t i = 0; i < n; ++i) {
    const entry& e = entries_[base + i];
    if (e.first != i) continue;
    if (rebuilt.size() > 1) rebuilt.push_back(',');
    rebuilt.append(out, e.key_begin, e.key_end - e.key_begin);
    const entry& v = entries_[base + last[i]];
    rebuilt.append(out, v.key_end, v.value_end - v.key_end);  // ':' + value
  }
  rebuilt.push_back('}');
  out.replace(begin, std::string::npos, rebuilt);
}

bool json_reader::read_value(std::string& out, int depth) {
  switch (peek()) {
    case '{':
      return read_object(out, depth);
    case '[':
      return array(out, depth);
    case '"':
      return string_body<true>(out);
    case 't':
      return literal("true", out, "true");
    case 'f':
      return literal("false", out, "false");
    case 'n':
      return literal("null", out, "null");
    case 0:
      return fail("unexpected end of input");
    default:
      if (*p_ == '-' || *p_ == 'I' || *p_ == 'N' || is_digit(*p_)) return number(out);
      return fail("expected a value");
  }
}

}  // namespace neuromesh::protocol::detail
