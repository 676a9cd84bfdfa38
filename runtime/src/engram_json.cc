#include "engram_json.h"

#include "neuromesh/synapse/py_json.h"

#include <boost/json/parse.hpp>

#include <unordered_set>

namespace neuromesh::runtime::detail {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_u_escape(std::string& out, unsigned cp) {
  out += "\\u";
  out += hex_digits[(cp >> 12) & 0xf];
  out += hex_digits[(cp >> 8) & 0xf];
  out += hex_digits[(cp >> 4) & 0xf];
  out += hex_digits[cp & 0xf];
}

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances i, or -1 when the
// bytes are not valid UTF-8 (then i is advanced by one).
long next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int n = 0;
  unsigned cp = 0;
  if ((b0 & 0xe0) == 0xc0) {
    n = 1;
    cp = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    n = 2;
    cp = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    n = 3;
    cp = b0 & 0x07;
  } else {
    ++i;
    return -1;
  }
  if (i + n >= s.size()) {
    ++i;
    return -1;
  }
  for (int k = 1; k <= n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) {
      ++i;
      return -1;
    }
    cp = (cp << 6) | (b & 0x3f);
  }
  static constexpr unsigned min_for[] = {0, 0x80, 0x800, 0x10000};
  if (cp < min_for[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    ++i;
    return -1;
  }
  i += n + 1;
  return cp;
}

void append_escaped_code_point(std::string& out, unsigned cp) {
  if (cp >= 0x10000) {
    cp -= 0x10000;
    append_u_escape(out, 0xd800 + (cp >> 10));
    append_u_escape(out, 0xdc00 + (cp & 0x3ff));
  } else {
    append_u_escape(out, cp);
  }
}

}  // namespace

void append_python_dumps(std::string& out, const boost::json::value& v) {
  synapse::detail::append_py_value(out, v, synapse::detail::py_separators::spaced);
}

std::string python_dumps(const boost::json::value& v) {
  std::string out;
  append_python_dumps(out, v);
  return out;
}

std::string python_repr(std::string_view s) {
  const bool dq = s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos;
  const char quote = dq ? '"' : '\'';
  std::string out(1, quote);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
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
      out += "\\x";
      out += hex_digits[c >> 4];
      out += hex_digits[c & 0xf];
    } else {
      out += ch;
    }
  }
  out += quote;
  return out;
}

boost::json::value deep_merge(const boost::json::value& base, const boost::json::value& incoming) {
  if (incoming.is_null()) return base;
  if (base.is_object() && incoming.is_object()) {
    boost::json::object out = base.get_object();
    for (const auto& kv : incoming.get_object()) {
      if (auto* existing = out.if_contains(kv.key()))
        *existing = deep_merge(*existing, kv.value());
      else
        out[kv.key()] = kv.value();
    }
    return out;
  }
  if (base.is_array() && incoming.is_array()) {
    boost::json::array out;
    std::unordered_set<std::string> seen;
    for (const auto* list : {&base.get_array(), &incoming.get_array()})
      for (const auto& item : *list)
        if (seen.insert(python_dumps(item)).second) out.push_back(item);
    return out;
  }
  return incoming;
}

std::vector<std::string> union_tags(const std::vector<std::string>& old_tags,
                                    const std::vector<std::string>& new_tags) {
  std::vector<std::string> out;
  std::unordered_set<std::string_view> seen;
  for (const auto* list : {&old_tags, &new_tags})
    for (const auto& t : *list)
      if (seen.insert(t).second) out.push_back(t);
  return out;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::optional<std::string> dumps_needle(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
      ++i;
      continue;
    }
    const long cp = next_code_point(text, i);
    if (cp < 0) return std::nullopt;
    append_escaped_code_point(out, static_cast<unsigned>(cp));
  }
  return out;
}

std::size_t utf8_length(std::string_view s) noexcept {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
  return n;
}

std::optional<std::vector<std::string>> decode_string_array(std::string_view json) {
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec || !v.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : v.get_array()) {
    if (!item.is_string()) return std::nullopt;
    out.emplace_back(item.get_string());
  }
  return out;
}

}  // namespace neuromesh::runtime::detail
