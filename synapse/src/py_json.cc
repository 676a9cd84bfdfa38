#include "neuromesh/synapse/py_json.h"

#include <boost/json/value.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace neuromesh::synapse::detail {
namespace {

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

// Decodes one UTF-8 sequence starting at s[i]; returns the code point and advances i.
// Invalid input yields U+FFFD and advances by one byte.
std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
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

// Python's float repr: shortest round-trip digits, scientific when the exponent is < -4 or
// >= 16, always with a ".0" or an exponent so it reads back as a float.
void append_py_double(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "NaN";
    return;
  }
  if (std::isinf(d)) {
    out += d < 0 ? "-Infinity" : "Infinity";
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, r.ptr - buf);  // e.g. -1.2345e+05
  auto epos = sci.find('e');
  int exp = std::stoi(std::string(sci.substr(epos + 1)));
  std::string_view mant = sci.substr(0, epos);
  bool neg = !mant.empty() && mant[0] == '-';
  if (neg) mant.remove_prefix(1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  if (neg) out += '-';
  if (exp < -4 || exp >= 16) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out.append(digits, 1);
    }
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += e;
  } else if (exp < 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-exp - 1), '0');
    out += digits;
  } else {
    auto int_len = static_cast<std::size_t>(exp) + 1;
    if (digits.size() <= int_len) {
      out += digits;
      out.append(int_len - digits.size(), '0');
      out += ".0";
    } else {
      out.append(digits, 0, int_len);
      out += '.';
      out.append(digits, int_len);
    }
  }
}

}  // namespace

namespace {

// Whether any of the 8 bytes is '"', '\\', below 0x20 or above 0x7e (exact existence
// tests, so a clean word can be skipped whole; a flagged word is looked at byte by byte).
bool word_needs_a_look(std::uint64_t w) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
  auto has_zero = [](std::uint64_t x) { return (x - ones) & ~x & high; };
  std::uint64_t below_space = (w - ones * 0x20) & ~w & high;
  return (below_space | (w & high) | has_zero(w ^ (ones * 0x7f)) | has_zero(w ^ (ones * '"')) |
          has_zero(w ^ (ones * '\\'))) != 0;
}

}  // namespace

void append_py_string(std::string& out, std::string_view s) {
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
    std::uint32_t cp = next_code_point(s, i);
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

std::string py_string(std::string_view s) {
  std::string out;
  append_py_string(out, s);
  return out;
}

namespace {}  // namespace

std::size_t py_canonical_string_size(std::string_view text, bool& has_escapes) noexcept {
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

void append_py_unescaped(std::string& out, std::string_view quoted) {
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

void append_py_value(std::string& out, const boost::json::value& v, py_separators separators) {
  const std::string_view item_sep = separators == py_separators::compact ? "," : ", ";
  const std::string_view key_sep = separators == py_separators::compact ? ":" : ": ";
  switch (v.kind()) {
    case boost::json::kind::null:
      out += "null";
      break;
    case boost::json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case boost::json::kind::int64:
      out += std::to_string(v.get_int64());
      break;
    case boost::json::kind::uint64:
      out += std::to_string(v.get_uint64());
      break;
    case boost::json::kind::double_:
      append_py_double(out, v.get_double());
      break;
    case boost::json::kind::string:
      append_py_string(out, v.get_string());
      break;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += item_sep;
        first = false;
        append_py_value(out, e, separators);
      }
      out += ']';
      break;
    }
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += item_sep;
        first = false;
        append_py_string(out, kv.key());
        out += key_sep;
        append_py_value(out, kv.value(), separators);
      }
      out += '}';
      break;
    }
  }
}

std::string py_value(const boost::json::value& v, py_separators separators) {
  std::string out;
  append_py_value(out, v, separators);
  return out;
}

std::string py_repr(const boost::json::value* v) {
  if (v == nullptr || v->is_null()) return "None";
  if (v->is_bool()) return v->get_bool() ? "True" : "False";
  if (!v->is_string()) return py_value(*v);
  std::string_view s = v->get_string();
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == quote || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += quote;
  return out;
}

bool py_truthy(const boost::json::value* v) noexcept {
  if (v == nullptr) return false;
  switch (v->kind()) {
    case boost::json::kind::null:
      return false;
    case boost::json::kind::bool_:
      return v->get_bool();
    case boost::json::kind::int64:
      return v->get_int64() != 0;
    case boost::json::kind::uint64:
      return v->get_uint64() != 0;
    case boost::json::kind::double_:
      return v->get_double() != 0.0;
    case boost::json::kind::string:
      return !v->get_string().empty();
    case boost::json::kind::array:
      return !v->get_array().empty();
    case boost::json::kind::object:
      return !v->get_object().empty();
  }
  return false;
}

}  // namespace neuromesh::synapse::detail
