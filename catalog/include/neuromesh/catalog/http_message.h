#pragma once
// Transport-free request and response: the service maps one to the other without I/O, so
// every route is unit-tested without a socket. The server fills a request from Beast and
// writes the response back; the body is shared so a cached view (the ~560 KB grouped
// /tools list) goes out without a copy.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace neuromesh::catalog {

enum class http_method { get, head, post, put, patch, delete_, options, other };

struct request {
  http_method method = http_method::get;
  std::string target;                  ///< raw path and query, as sent
  std::optional<std::string> body;     ///< nullopt when the request carried no body
  std::optional<std::string> api_key;  ///< X-API-Key header when present
  std::string client;                  ///< peer address (rate-limit key)
};

struct response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::shared_ptr<const std::string> body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< Retry-After, Allow, ...

  const std::string& text() const;  ///< body or "" when none
};

}  // namespace neuromesh::catalog
