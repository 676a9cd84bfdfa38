#pragma once
// A client of the catalog (row B6): register, heartbeat, tool updates, deregister, and the
// read calls `neuromesh catalog tools` makes. Works against this server and the reference
// (it sends no field the reference rejects: extra keys are ignored there).
//
// Each call opens one connection (HTTP or HTTPS), with a deadline for the whole exchange.
// Thread-safety: calls are independent; one client may be used from several threads.

#include <boost/json/array.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace neuromesh::catalog {

struct client_options {
  std::string registry_url;            ///< http://host:port or https://host:port
  std::optional<std::string> api_key;  ///< sent as X-API-Key
  std::optional<std::string> ca_file;  ///< trust this CA (self-signed servers)
  /// mTLS: PEM certificate (chain) presented to a server that asks for one, and its key
  /// (key_file defaults to cert_file). A file that cannot be read throws at construction.
  std::optional<std::string> cert_file;
  std::optional<std::string> key_file;
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
};

/// A failed call: the error, and the context (status and body, or the transport error).
struct client_error {
  boost::system::error_code code;
  unsigned status = 0;  ///< HTTP status when the server answered
  std::string message;
};

template <class T>
using client_result = boost::system::result<T, client_error>;

/// What an instance announces about itself.
struct announcement {
  std::string instance_id;
  std::string name;
  std::string version = "1";
  std::string host;
  std::chrono::milliseconds heartbeat_interval{std::chrono::seconds(30)};
  std::int64_t generation = 0;  ///< registration generation (e.g. ms since the epoch)
  boost::json::array tools;
};

enum class heartbeat_reply { ack, refresh };

/// The status and body of a raw exchange.
struct http_reply {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  ///< names lower-cased
};

class catalog_client {
 public:
  /// Throws std::invalid_argument when the URL is not http(s)://host[:port].
  explicit catalog_client(client_options options);
  ~catalog_client();
  catalog_client(catalog_client&&) noexcept;
  catalog_client& operator=(catalog_client&&) noexcept;

  /// POST /instances (with heartbeat_interval and generation), then POST its tools.
  client_result<void> register_instance(const announcement& a);
  /// POST /instances/{id}/heartbeat carrying the registration fields, so a catalog that lost
  /// the instance re-registers it from the heartbeat alone.
  client_result<heartbeat_reply> heartbeat(const announcement& a);
  client_result<void> update_tools(const std::string& instance_id, const boost::json::array& tools);
  client_result<void> deregister(const std::string& instance_id);

  /// GET a path (e.g. "/tools"); non-2xx is an error carrying status and body.
  client_result<std::string> get(const std::string& path);
  /// Any exchange; only transport failures are errors.
  client_result<http_reply> exchange(const std::string& method, const std::string& path,
                                     const std::optional<std::string>& body);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Lets client_result<T>::value() throw (found by argument-dependent lookup).
[[noreturn]] void throw_exception_from_error(const client_error& e,
                                             const boost::source_location& loc);

}  // namespace neuromesh::catalog
