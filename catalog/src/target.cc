#include "target.h"

#include <algorithm>
#include <cctype>

namespace neuromesh::catalog::detail {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

parsed_target parse_target(std::string_view target) {
  parsed_target t;
  auto q = target.find('?');
  std::string_view path = target.substr(0, q);
  t.path = std::string(path);
  t.segments.reserve(4);  // every route has at most three segments: one allocation
  std::size_t pos = 0;
  while (pos <= path.size()) {
    auto slash = path.find('/', pos);
    auto end = slash == std::string_view::npos ? path.size() : slash;
    if (end > pos) t.segments.push_back(percent_decode(path.substr(pos, end - pos), false));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    pos = 0;
    while (pos < query.size()) {
      auto amp = query.find('&', pos);
      auto end = amp == std::string_view::npos ? query.size() : amp;
      auto pair = query.substr(pos, end - pos);
      if (!pair.empty()) {
        auto eq = pair.find('=');
        auto key = pair.substr(0, eq);
        auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        t.query.emplace_back(percent_decode(key, true), percent_decode(value, true));
      }
      if (amp == std::string_view::npos) break;
      pos = amp + 1;
    }
  }
  return t;
}

std::optional<std::string> parsed_target::param(std::string_view name) const {
  std::optional<std::string> found;
  for (const auto& [k, v] : query) {
    if (k == name) found = v;
  }
  return found;
}

std::optional<bool> parse_bool(std::string_view s) {
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (auto t : {"true", "1", "yes", "on", "t", "y"}) {
    if (lower == t) return true;
  }
  for (auto f : {"false", "0", "no", "off", "f", "n"}) {
    if (lower == f) return false;
  }
  return std::nullopt;
}

}  // namespace neuromesh::catalog::detail
