#pragma once
// A bare NDJSON line connection to a cosmo:// or cosmos:// broker, for management tools
// (`synapse start`'s owner connection, `synapse view`, `synapse stop`): the same connect,
// TLS and welcome check as cosmo_synapse, but no Signal decoding and no reconnect.
// The broker's liveness pings are answered inside async_read_line and never returned, so a
// long-lived management connection is never closed as stale.
//
// Lifecycle: async_open → any number of async_send_line / async_read_line → close (or
// destruction). Thread-safety: none; one operation at a time, from one coroutine (a read
// may write a pong).

#include "neuromesh/synapse/cosmo_synapse.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <memory>
#include <optional>
#include <string>

namespace neuromesh::synapse {

class cosmo_line {
 public:
  /// Connects (TLS for o.tls) and reads the welcome line; errc::handshake_failed when the
  /// broker refuses (its message is logged), the connect error otherwise.
  static boost::asio::awaitable<boost::system::result<std::shared_ptr<cosmo_line>>> async_open(
      cosmo_options o);

  /// Sends line plus '\n'; false when the connection is gone.
  boost::asio::awaitable<bool> async_send_line(std::string line);
  /// The next line without '\n' (pings answered and skipped); nullopt at EOF or error.
  boost::asio::awaitable<std::optional<std::string>> async_read_line();
  void close() noexcept;

  struct impl;  ///< opaque
  explicit cosmo_line(std::shared_ptr<impl> i) : impl_(std::move(i)) {}

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace neuromesh::synapse
