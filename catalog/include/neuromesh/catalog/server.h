#pragma once
// The catalog on the network: Boost.Beast HTTP/1.1 with keep-alive, one coroutine per
// connection, optional TLS (and mTLS with a client CA), the periodic sweep, and a phased
// stop: stop accepting, let requests in flight finish, close idle connections, then end
// after a bounded grace period.
//
// Lifecycle: construct (binds; throws std::runtime_error on a bad address, a port in use or
// a bad certificate/key), then run() on one thread until stop() or, with handle_signals,
// SIGINT/SIGTERM. stop() may be called from any thread, any number of times.

#include "neuromesh/catalog/service.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace neuromesh::catalog {

struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8765;           ///< 0 picks a free port (see server::port())
  std::size_t max_body = 1024 * 1024;  ///< larger bodies get 413
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds purge_interval{std::chrono::seconds(60)};
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(5)};
  std::optional<std::string> tls_cert_file;       ///< PEM chain; needs tls_key_file
  std::optional<std::string> tls_key_file;        ///< PEM key; needs tls_cert_file
  std::optional<std::string> tls_client_ca_file;  ///< when set, clients must present a cert
  unsigned threads = 0;                           ///< 0: one per hardware thread
  bool handle_signals = false;                    ///< run() stops on SIGINT/SIGTERM
};

class server {
 public:
  server(catalog_service& service, server_options options);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// The bound port (useful with port 0).
  std::uint16_t port() const noexcept;
  bool tls() const noexcept;
  /// Serves until stopped; returns after the phased shutdown completed.
  void run();
  /// Begins the phased shutdown; thread-safe, idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace neuromesh::catalog
