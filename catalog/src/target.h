#pragma once
// Request-target parsing: path segments (percent-decoded, as FastAPI decodes path
// parameters) and query parameters, plus the FastAPI boolean rule for ?active=.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace neuromesh::catalog::detail {

struct parsed_target {
  std::string path;                   ///< raw path, no query (the rate-limit key)
  std::vector<std::string> segments;  ///< decoded, empty segments dropped at the ends
  std::vector<std::pair<std::string, std::string>> query;  ///< decoded, in order

  /// Last value of a query parameter (FastAPI takes the last for scalars).
  std::optional<std::string> param(std::string_view name) const;
};

parsed_target parse_target(std::string_view target);

/// %XX and '+' (query only) decoding; malformed escapes are kept literally.
std::string percent_decode(std::string_view s, bool plus_is_space);

/// Pydantic's lax bool: true/false, 1/0, yes/no, on/off, t/f, y/n (case-insensitive).
std::optional<bool> parse_bool(std::string_view s);

}  // namespace neuromesh::catalog::detail
