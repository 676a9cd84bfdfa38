// Conversions between Beast messages and the transport-free request/response.
#include "session_loop.h"

namespace neuromesh::catalog::detail {

http_method to_method(http::verb v) noexcept {
  switch (v) {
    case http::verb::get:
      return http_method::get;
    case http::verb::head:
      return http_method::head;
    case http::verb::post:
      return http_method::post;
    case http::verb::put:
      return http_method::put;
    case http::verb::patch:
      return http_method::patch;
    case http::verb::delete_:
      return http_method::delete_;
    case http::verb::options:
      return http_method::options;
    default:
      return http_method::other;
  }
}

http::response<http::buffer_body> to_wire(const response& r, unsigned version, bool keep_alive,
                                          bool head) {
  http::response<http::buffer_body> out{static_cast<http::status>(r.status), version};
  out.set(http::field::server, "neuromesh-catalog");
  out.set(http::field::content_type, r.content_type);
  for (const auto& [k, v] : r.headers) out.set(k, v);
  const auto& text = r.text();
  out.content_length(text.size());
  out.keep_alive(keep_alive);
  // buffer_body only points at the data; the caller keeps r (and its shared body) alive.
  out.body().data = head ? nullptr : const_cast<char*>(text.data());
  out.body().size = head ? 0 : text.size();
  out.body().more = false;
  return out;
}

}  // namespace neuromesh::catalog::detail
