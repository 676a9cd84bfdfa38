#pragma once
// The web view's files (web/*.html, *.js, *.css), embedded at build time by
// web/embed.cmake into a generated source, so `neuromesh up` needs no files beside it.

#include <string_view>

namespace neuromesh::node::detail {

struct web_asset {
  std::string_view path;  ///< URL path, e.g. "/app.js" ("/" is index.html)
  std::string_view content_type;
  std::string_view body;
};

/// The asset served at path, or nullptr.
const web_asset* find_web_asset(std::string_view path) noexcept;

}  // namespace neuromesh::node::detail
