#pragma once
// A mesh node: one UDP socket, Noise NKpsk0 sessions with its peers, streams over them.
//
//   mesh::node n({.self = id, .psk = psk, .listen = "127.0.0.1:0"});
//   n.on_event([](std::uint64_t peer, std::uint64_t stream, mesh::byte_view ev) { ... });
//   n.start();
//   auto peer = n.connect("127.0.0.1:7001", their_public_key);   // blocking handshake
//   n.open_stream(*peer, 7, {.mode = mesh::reliability::reliable});
//   auto r = n.send_on_stream(*peer, 7, {mesh::as_bytes("hello")});   // Backpressure is a value
//
// Wire: every packet is a Net header + sealed event frame (session.h), ≤ 8,192 bytes. A
// handshake packet has the HANDSHAKE flag, `sequence` 0 (msg1) or 1 (msg2), and — our one
// addition to Net's direct handshake, where the responder learns the initiator out of band —
// the initiator's node_id in `stream_id`; the Noise prologue binds both node ids
// ("net-handshake-v1" ‖ initiator node_id ‖ responder node_id, Net crypto.rs), and msg1's
// encrypted payload is the initiator's ed25519 public key (its node_id must match). The
// responder's static key is the X25519 form of its ed25519 key, so `connect` needs only the
// peer's public key. Heartbeats (HEARTBEAT flag, no events) go every heartbeat_interval; a
// peer silent for session_timeout is Failed, and a peer this node connected to is then
// re-handshaken every heartbeat interval until it answers. Stream-window grants (0x0B00) and
// NACKs (0x0B01) ride the control stream id as events of their subprotocol.
//
// Threading: start() runs one I/O thread (an Asio io_context) that receives (recvmmsg, up to
// 64 datagrams a call), runs timers, and calls the event handler — in order per stream,
// without the node's lock held, so the handler may call the node. Every public method is
// thread-safe (one mutex); sends go out from the caller's thread (sendmmsg).
//
// Errors come back as values: not_connected (no session, or the peer Failed), backpressure
// (out of credit; retry, or use send_with_retry / send_blocking), handshake_failed, timeout.

#include "neuromesh/mesh/bytes.h"
#include "neuromesh/mesh/errc.h"
#include "neuromesh/mesh/failure_detector.h"
#include "neuromesh/mesh/identity.h"
#include "neuromesh/mesh/noise.h"
#include "neuromesh/mesh/stream.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace neuromesh::mesh {

struct node_config {
  identity self;
  key32 psk{};
  /// HOST:PORT to bind; port 0 picks one.
  std::string listen = "127.0.0.1:0";
  std::chrono::milliseconds heartbeat_interval{5000};
  /// Silence after which a peer is Failed (Net: 30 s). Suspected after two heartbeats.
  std::chrono::milliseconds session_timeout{30000};
  /// How long connect() waits for msg2 (msg1 is resent every 250 ms meanwhile).
  std::chrono::milliseconds handshake_timeout{5000};
  std::chrono::milliseconds stream_idle_timeout{std::chrono::minutes(5)};
  /// Streams per node (all peers) before the least recently used one is evicted (Net: 4,096).
  std::size_t max_streams = 4096;
  /// Config of streams a peer opens toward us (the RELIABLE flag picks the mode).
  stream_config inbound_stream{};
  /// Socket buffer sizes asked of the kernel (it may clamp them).
  int socket_buffer_bytes = 8 * 1024 * 1024;
};

/// Node-wide counters: everything dropped, retried or rejected.
struct node_counters {
  std::uint64_t packets_rx = 0, packets_tx = 0, rx_batches = 0;
  std::uint64_t handshakes_completed = 0, handshakes_failed = 0;
  std::uint64_t dropped_malformed = 0;        // not a Net packet, or bad framing
  std::uint64_t dropped_unknown_session = 0;  // session id we do not hold
  std::uint64_t dropped_replayed = 0;
  std::uint64_t dropped_auth = 0;  // failed AEAD: corruption or forgery
  std::uint64_t heartbeats_sent = 0, heartbeats_received = 0;
  std::uint64_t retransmits = 0, reconnects = 0;
  std::uint64_t streams_evicted_idle = 0, streams_evicted_cap = 0;
  std::string last_handshake_error;
};

/// Called for each delivered event, on the I/O thread.
using event_handler =
    std::function<void(std::uint64_t peer, std::uint64_t stream, byte_view event)>;

class node {
 public:
  explicit node(node_config config);
  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Set before start().
  void on_event(event_handler h);
  /// Binds and starts the I/O thread. io_error (bad address, port in use).
  result<void> start();
  /// Stops the I/O thread; idempotent.
  void stop();

  const identity& self() const noexcept;
  std::uint16_t port() const noexcept;

  /// Handshakes with the node at host_port whose ed25519 key is peer_key; returns its
  /// node_id. handshake_failed with a reason when no valid msg2 came within the timeout
  /// (wrong PSK or wrong responder key look the same from here: the responder stays silent).
  result<std::uint64_t> connect(const std::string& host_port, const public_key& peer_key);

  /// Opens (idempotently) a stream to a connected peer; the first config wins.
  result<void> open_stream(std::uint64_t peer, std::uint64_t stream, const stream_config& c);
  void close_stream(std::uint64_t peer, std::uint64_t stream);
  /// Sends events as one or more packets. not_connected, backpressure (nothing sent),
  /// bad_length (an event larger than a packet's payload).
  result<void> send_on_stream(std::uint64_t peer, std::uint64_t stream,
                              const std::vector<byte_view>& events);
  /// Retries backpressure up to max_retries times, backing off 5 ms → 200 ms.
  result<void> send_with_retry(std::uint64_t peer, std::uint64_t stream,
                               const std::vector<byte_view>& events, int max_retries);
  /// Retries backpressure until it clears or timeout passes (timeout error).
  result<void> send_blocking(std::uint64_t peer, std::uint64_t stream,
                             const std::vector<byte_view>& events,
                             std::chrono::milliseconds timeout = std::chrono::seconds(30));

  std::optional<mesh::stream_stats> stream_stats(std::uint64_t peer, std::uint64_t stream) const;
  std::optional<peer_health> health(std::uint64_t peer) const;
  std::vector<std::uint64_t> peers() const;
  node_counters counters() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace neuromesh::mesh
