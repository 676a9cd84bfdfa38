#pragma once
// The one catalogue of errors a client can see: each errc has its HTTP status and its
// `{"detail": "..."}` text here, so every error body has the same shape (§2.3 had three).

#include "neuromesh/catalog/errc.h"
#include "neuromesh/catalog/http_message.h"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::catalog::detail {

struct error_entry {
  errc code;
  unsigned status;
  std::string_view detail;
};

/// The table row for e (every errc has one).
const error_entry& error_info(errc e) noexcept;

/// `{"detail": "<text>"}` with the table's status.
response error_response(errc e);

/// One invalid field of a 422 body (FastAPI/Pydantic v2 item shape).
struct field_error {
  boost::json::array loc;
  std::string msg;
  std::string type;
  boost::json::value input;
};

/// 422 `{"detail": [{"type","loc","msg","input"}, ...]}`.
response validation_response(const std::vector<field_error>& errors);

/// 429 `{"detail": "Rate limit exceeded: N per 1 minute"}` with Retry-After.
response rate_limited_response(int per_minute, std::chrono::seconds retry_after);

/// A shared JSON body (static for the fixed ones, so acks allocate nothing).
response json_response(unsigned status, std::shared_ptr<const std::string> body);
response json_response(unsigned status, std::string body);

}  // namespace neuromesh::catalog::detail
