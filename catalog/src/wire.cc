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

void wire_header(std::string& out, const response& r, unsigned version, bool keep_alive) {
  out.clear();
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += http::obsolete_reason(static_cast<http::status>(r.status));
  out += "\r\nServer: neuromesh-catalog\r\nContent-Type: ";
  out += r.content_type;
  out += "\r\nContent-Length: ";
  out += std::to_string(r.text().size());
  out += "\r\n";
  for (const auto& [k, v] : r.headers) {
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  if (!keep_alive) {
    out += "Connection: close\r\n";
  } else if (version == 10) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
}

void wire_stream_header(std::string& out, const response& r, unsigned version) {
  out.clear();
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += http::obsolete_reason(static_cast<http::status>(r.status));
  out += "\r\nServer: neuromesh-catalog\r\nContent-Type: ";
  out += r.content_type;
  out += "\r\nCache-Control: no-cache\r\n";
  for (const auto& [k, v] : r.headers) {
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  out += "Connection: close\r\n\r\n";
}

}  // namespace neuromesh::catalog::detail
