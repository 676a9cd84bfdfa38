#pragma once
// Errors of the catalog layer, on Boost.System error codes. The HTTP status and the
// `{"detail": ...}` text each one maps to live in one table (src/errors.cc).

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace neuromesh::catalog {

enum class errc {
  invalid_api_key = 1,  ///< 403: write without the right X-API-Key
  instance_not_found,   ///< 404: no instance with that id
  tool_not_found,       ///< 404: no tool with that name among the selected instances
  route_not_found,      ///< 404: no route for the path
  method_not_allowed,   ///< 405: the route exists, not with this method
  deregistered,         ///< 409: heartbeat/register generation older than a deregistration
  payload_too_large,    ///< 413: body over --max-body
  validation_failed,    ///< 422: the body or a query parameter is invalid (field list)
  rate_limited,         ///< 429: over the per-address, per-path limit
  store_failed,         ///< 503: the instance store refused a write; nothing acknowledged
  bad_store_url,        ///< configuration: --store value not understood
  store_open_failed,    ///< configuration: the store could not be opened
  transport_failed,     ///< client: connect, TLS or HTTP exchange failed
  unexpected_status,    ///< client: the server answered with a non-2xx status
  bad_response,         ///< client: the server's body is not the JSON expected
};

const boost::system::error_category& catalog_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), catalog_category()};
}

}  // namespace neuromesh::catalog

template <>
struct boost::system::is_error_code_enum<neuromesh::catalog::errc> : std::true_type {};
