#include "capabilities_json.h"

#include <boost/json/parse.hpp>

#include <cstdint>
#include <cstdio>

namespace neuromesh::registry::detail {
namespace {

void append_u(std::string& out, std::uint32_t unit) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(unit));
  out += buf;
}

// Next code point of UTF-8 text at i; invalid sequences read as U+FFFD, one byte each.
std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) -> int {
    if (i + k >= s.size()) return -1;
    const auto b = static_cast<unsigned char>(s[i + k]);
    return (b & 0xC0) == 0x80 ? (b & 0x3F) : -1;
  };
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int n = 0;
  std::uint32_t cp = 0, min = 0;
  if ((b0 & 0xE0) == 0xC0)
    n = 1, cp = b0 & 0x1F, min = 0x80;
  else if ((b0 & 0xF0) == 0xE0)
    n = 2, cp = b0 & 0x0F, min = 0x800;
  else if ((b0 & 0xF8) == 0xF0)
    n = 3, cp = b0 & 0x07, min = 0x10000;
  else {
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k <= n; ++k) {
    const int c = cont(static_cast<std::size_t>(k));
    if (c < 0) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | static_cast<std::uint32_t>(c);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += static_cast<std::size_t>(n) + 1;
  return cp;
}

void append_python_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const std::uint32_t cp = next_code_point(s, i);
    switch (cp) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      default:
        break;
    }
    if (cp < 0x20) {
      append_u(out, cp);
    } else if (cp < 0x7F + 1) {
      out += static_cast<char>(cp);
    } else if (cp < 0x10000) {
      append_u(out, cp);
    } else {
      // Outside the BMP Python writes a UTF-16 surrogate pair.
      const std::uint32_t v = cp - 0x10000;
      append_u(out, 0xD800 + (v >> 10));
      append_u(out, 0xDC00 + (v & 0x3FF));
    }
  }
  out += '"';
}

}  // namespace

std::string encode_capabilities(const std::vector<std::string>& capabilities) {
  std::string out = "[";
  bool first = true;
  for (const auto& c : capabilities) {
    if (!first) out += ", ";
    first = false;
    append_python_string(out, c);
  }
  out += ']';
  return out;
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The common case — strings without escapes — read in place, without a JSON DOM; returns
// false (and leaves the work to the full parser) at anything else.
bool decode_plain(std::string_view text, std::vector<std::string>& out) {
  std::size_t i = 0;
  auto skip = [&] {
    while (i < text.size() && is_space(text[i])) ++i;
  };
  skip();
  if (i == text.size() || text[i++] != '[') return false;
  skip();
  if (i < text.size() && text[i] == ']') {
    ++i;
    skip();
    return i == text.size();
  }
  for (;;) {
    if (i == text.size() || text[i++] != '"') return false;
    const std::size_t start = i;
    while (i < text.size() && text[i] != '"') {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c == '\\' || c < 0x20 || c >= 0x80) return false;  // escapes, controls, UTF-8
      ++i;
    }
    if (i == text.size()) return false;
    out.emplace_back(text.substr(start, i - start));
    ++i;
    skip();
    if (i == text.size()) return false;
    if (text[i] == ']') {
      ++i;
      skip();
      return i == text.size();
    }
    if (text[i++] != ',') return false;
    skip();
  }
}

}  // namespace

std::optional<std::vector<std::string>> decode_capabilities(std::string_view text) {
  if (text.empty()) return std::vector<std::string>{};
  {
    std::vector<std::string> plain;
    if (decode_plain(text, plain)) return plain;
  }
  boost::system::error_code ec;
  const auto value = boost::json::parse(text, ec);
  if (ec || !value.is_array()) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(value.get_array().size());
  for (const auto& v : value.get_array()) {
    if (!v.is_string()) return std::nullopt;
    out.emplace_back(v.get_string());
  }
  return out;
}

}  // namespace neuromesh::registry::detail
