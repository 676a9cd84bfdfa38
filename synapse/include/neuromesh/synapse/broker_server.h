#pragma once
// The cosmo:// dev broker server (reference/cosmonapse.md §3.4): NDJSON over TCP, routing by
// subject with NATS wildcards and queue groups, namespace management ops. Wire-compatible
// with the Python DevSynapseServer; the broker never parses the frames it routes.
//
// Differences from the reference, on purpose (§11):
//  * a line longer than max_line_bytes is answered with an `err` and skipped; the
//    connection stays open;
//  * back-pressure instead of loss (nats-server's producer stall): when a session's
//    outbound queue passes outbound_high_water, the broker stops reading from every
//    session whose lines fed it, until it drains to half that. A fast publisher is slowed;
//    a healthy subscriber is never dropped. Writers and readers share one strand fairly
//    (each completion is one turn), so no reader starves the writers;
//  * a subscriber that truly stops reading — over the high-water mark with no write
//    progress for slow_consumer_timeout — is closed and counted (slow_consumers); the
//    publishers it held resume at once. A queue that would pass max_outbound_bytes (only
//    possible when very many publishers feed one session in the same instant) is closed
//    the same way. Its client reconnects and resubscribes; what was queued is lost;
//  * a line that is valid JSON but not an object, or a field of the wrong type, gets an
//    `err` instead of killing the session;
//  * liveness (nats-server's ping timer): every ping_interval, a session that sent nothing
//    since the last tick is sent {"op":"ping"} and its outstanding count goes up; any line
//    from it (its {"op":"pong"} or anything else) sets the count back to zero. A session
//    with max_pings_outstanding unanswered pings at a tick is closed as stale (logged,
//    counted in stale_connections) — but only if it has answered a ping before (every
//    neuromesh client does) or require_pong is set. The Python DevSynapse client ignores
//    ops it does not know and never answers, and it does not reconnect, so a quiet Python
//    subscriber must not be cut: such a session is kept, and a dead peer behind it is still
//    found by the kernel through the pings (an RST at once, or TCP's retransmission limit).
//  * TLS (cosmos://, row D2): with tls_cert_file and tls_key_file every connection speaks
//    TLS and the same NDJSON inside it; `welcome` follows the handshake. A client that
//    sends no TLS hello within tls_handshake_timeout (a plaintext cosmo:// client waits for
//    `welcome`), or whose first byte is not a TLS record, is told in plaintext
//    {"op":"err","message":"this broker requires TLS: ..."} and closed; every failed
//    handshake is logged and counted (tls_failures).
//
// Thread-safety: all state lives on one strand of the executor given to the constructor;
// the public functions may be called from any thread.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace neuromesh::synapse {

struct broker_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 7070;                   ///< 0 picks a free port (see port())
  std::size_t max_line_bytes = 1 << 20;        ///< longer inbound lines get an `err`
  std::size_t max_outbound_bytes = 64u << 20;  ///< per session hard cap; overflow closes it
  /// Per session: above this, the sessions feeding it are not read until it drains to half.
  std::size_t outbound_high_water = 2u << 20;
  /// Over the high-water mark with no write progress for this long: a slow consumer, closed.
  std::chrono::milliseconds slow_consumer_timeout{2000};
  std::size_t max_connections = 0;             ///< 0 = unlimited; more are told `err` and closed
  std::size_t max_subscriptions = 0;           ///< per session; 0 = unlimited; more get an `err`
  std::chrono::milliseconds stop_grace{1000};  ///< how long stop lets queues drain
  /// Liveness ping period (nats-server: 2 min); 0 turns pings off.
  std::chrono::milliseconds ping_interval{120000};
  /// Unanswered pings at which a session that answers pings is closed (nats-server: 2).
  std::size_t max_pings_outstanding = 2;
  /// Hold every session to the ping rule, even one that never answered a ping (cuts
  /// Python DevSynapse clients that stay silent: only for meshes of neuromesh clients).
  bool require_pong = false;
  /// TLS: both set = TLS only. PEM files; a file that does not load throws
  /// std::runtime_error from the constructor.
  std::string tls_cert_file;
  std::string tls_key_file;
  /// If set, clients must present a certificate signed by this CA (mutual TLS).
  std::string tls_client_ca_file;
  /// Hello and handshake must complete within this, or the connection is closed.
  std::chrono::milliseconds tls_handshake_timeout{3000};
  /// Observer called for every routed `pub` with the subject and the frame text (on the
  /// broker's strand; keep it short). `neuromesh synapse start` prints from here.
  std::function<void(std::string_view subject, std::string_view frame)> on_signal;
};

/// Counters (monotonic). Readable from any thread.
struct broker_stats {
  std::uint64_t sessions_opened = 0;
  std::uint64_t sessions_closed = 0;
  std::uint64_t lines = 0;      ///< complete inbound lines handled
  std::uint64_t published = 0;  ///< accepted `pub` ops
  std::uint64_t delivered = 0;  ///< `msg` lines queued to subscribers
  std::uint64_t bad_json = 0;   ///< lines that were not JSON (or not an object)
  std::uint64_t unknown_ops = 0;
  std::uint64_t missing_fields = 0;  ///< ops rejected for a missing or mistyped field
  std::uint64_t lines_too_long = 0;
  std::uint64_t slow_consumers = 0;          ///< sessions closed for not reading (see above)
  std::uint64_t producer_stalls = 0;         ///< times a reader paused for a full outbound queue
  std::uint64_t connections_rejected = 0;    ///< over max_connections
  std::uint64_t subscriptions_rejected = 0;  ///< over max_subscriptions
  std::uint64_t accept_errors = 0;           ///< failed accepts (EMFILE...), each backed off
  std::uint64_t pings_sent = 0;              ///< liveness pings written
  std::uint64_t pongs_received = 0;          ///< answers to them
  std::uint64_t stale_connections = 0;       ///< sessions closed for unanswered pings
  std::uint64_t tls_failures = 0;            ///< failed or timed-out handshakes, plaintext clients
  std::uint64_t reader_errors = 0;           ///< sessions whose reader threw (cleaned up)
  std::uint64_t subscriptions = 0;           ///< live subscriptions now (a gauge)
  std::uint64_t bytes_in = 0;                ///< bytes read from sessions
  std::uint64_t bytes_out = 0;               ///< bytes written to sessions
  /// Writes made at the end of a reader's turn, straight to an idle session's socket
  /// (the low-latency path; everything else goes through the session's writer).
  std::uint64_t direct_writes = 0;
};

class broker_server {
 public:
  /// Throws std::runtime_error if a TLS file does not load, or only one of cert/key is set.
  broker_server(boost::asio::any_io_executor ex, broker_options options);
  ~broker_server();
  broker_server(const broker_server&) = delete;
  broker_server& operator=(const broker_server&) = delete;

  /// Binds and listens; afterwards port() is the real port. An error if the address is
  /// taken or invalid.
  boost::system::error_code listen();
  /// Starts accepting (after listen()).
  void start();
  /// Phased stop: stop accepting, let every session flush its queue for up to
  /// options.stop_grace, then close what is left. Idempotent.
  boost::asio::awaitable<void> async_stop();

  std::uint16_t port() const noexcept;
  /// cosmo://host:port (cosmos:// with TLS)
  std::string url() const;
  broker_stats stats() const noexcept;
  /// Connected sessions right now.
  std::size_t session_count() const noexcept;

  struct impl;  ///< opaque; public only so the .cc's free coroutines can name it

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace neuromesh::synapse
