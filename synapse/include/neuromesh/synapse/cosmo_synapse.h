#pragma once
// Client of the cosmo:// dev broker (reference/cosmonapse.md §3.4), wire-compatible with the
// Python DevSynapse: NDJSON lines, the Signal carried as a JSON string in `frame`,
// sub_id = 32 hex digits, request() over `_inbox.<hex>` with meta._reply_to.
//
// Better than the reference: when the connection drops, one long-lived task reconnects with
// exponential backoff (reconnect_min .. reconnect_max) and re-sends every live subscription;
// while disconnected publish/subscribe return errc::not_connected at once. Signals queued
// for a connection that dropped are lost (the broker keeps no state across restarts).
// It answers the broker's liveness {"op":"ping"} with {"op":"pong"}, so a neuromesh
// broker holds it to the ping rule (a hung client is closed as stale).
//
// Client-side liveness (nats.c's PingInterval / MaxPingsOut): every ping_interval the
// client looks at its connection; if nothing arrived since the last look it sends
// {"op":"ping"}. With max_pings_outstanding pings unanswered at a look, the broker is
// stale (a half-open connection, a hung or stopped broker): the connection is dropped,
// logged and counted (link_stats().stale_connections), and the client reconnects as after
// any loss. A dead broker is thus noticed within ping_interval x (max_pings_outstanding+1).
// Any line from the broker counts as an answer, so the Python DevSynapse broker (which
// answers an unknown op with an err line) keeps the client connected too.
//
// Latency: a publish while nothing is queued goes to the socket at once, from the caller's
// turn (plaintext; one non-blocking write); publishes that follow it before the writer
// has run are coalesced into one write (link_stats().direct_writes counts the former).
//
// The first line from the broker must be `welcome`; an `err` instead (too many
// connections, a TLS-only broker) is logged with its message and connect fails with
// errc::handshake_failed.
//
// Thread-safety: any thread; the connection state lives on one strand. Handlers run on the
// executor of the coroutine that subscribed.

#include "neuromesh/synapse/synapse.h"

#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace neuromesh::synapse {

struct cosmo_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 7070;
  std::chrono::milliseconds connect_timeout{5000};  ///< TCP connect plus welcome line
  std::chrono::milliseconds reconnect_min{50};
  std::chrono::milliseconds reconnect_max{2000};
  std::size_t max_line_bytes = 1 << 20;       ///< inbound line limit
  std::size_t max_outbound_bytes = 8u << 20;  ///< publish waits while more is queued
  /// Client-side liveness (see above): how often an idle connection is pinged; 0 = off.
  std::chrono::milliseconds ping_interval{30000};
  /// Unanswered pings at which the connection is dropped as stale (and reconnected).
  std::size_t max_pings_outstanding = 2;
  /// TLS (cosmos://): the same NDJSON inside TLS 1.2+; the broker's certificate is
  /// verified against tls_ca_file (empty: the system's CAs) and tls_server_name (empty:
  /// host). A failed handshake is logged with its reason; connect returns
  /// errc::handshake_failed.
  bool tls = false;
  std::string tls_ca_file;
  std::string tls_cert_file;  ///< client certificate for mutual TLS (with tls_key_file)
  std::string tls_key_file;
  bool tls_verify = true;  ///< false: accept any certificate (for tests and local use only)
  std::string tls_server_name;
};

/// Connection-level counters of one cosmo_synapse (monotonic; readable from any thread).
struct cosmo_link_stats {
  std::uint64_t direct_writes = 0;      ///< lines written from the caller's turn (no hand-off)
  std::uint64_t pings_sent = 0;         ///< liveness pings written to the broker
  std::uint64_t pongs_received = 0;     ///< {"op":"pong"} lines from the broker
  std::uint64_t stale_connections = 0;  ///< connections dropped for unanswered pings
};

class cosmo_synapse final : public synapse {
 public:
  cosmo_synapse(boost::asio::any_io_executor ex, cosmo_options options);
  ~cosmo_synapse() override;

  /// cosmo://host:port (host defaults to 127.0.0.1, port to 7070; an explicit 0 is kept).
  /// cosmos://host:port is the same over TLS; its query may set ca=PATH, cert=PATH,
  /// key=PATH, verify=false and name=SERVER_NAME (e.g. cosmos://h:7443?ca=/etc/ca.pem).
  /// Any other query key is errc::bad_url.
  static boost::system::result<cosmo_options> parse_url(std::string_view url);

  boost::asio::awaitable<boost::system::error_code> async_connect() override;
  boost::asio::awaitable<void> async_close() override;
  boost::asio::awaitable<boost::system::error_code> async_publish(std::string subject,
                                                                  protocol::signal s) override;
  boost::asio::awaitable<boost::system::result<subscription>> async_subscribe(
      std::string subject, handler h, std::optional<std::string> queue_group) override;
  synapse_stats stats() const noexcept override;
  std::string url() const override;

  /// True while a connection to the broker is up.
  bool connected() const noexcept;
  cosmo_link_stats link_stats() const noexcept;

  struct impl;  ///< opaque

 protected:
  std::string new_inbox(const protocol::signal& request) override;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace neuromesh::synapse
