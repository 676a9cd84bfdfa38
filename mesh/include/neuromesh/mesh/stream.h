#pragma once
// Mesh streams, sans-I/O: per-peer logical flows with their own sequence numbers, after Net's
// "Mesh Streams" (docs/TRANSPORT.md). The node (node.h) drives these with packets and a clock;
// they never touch a socket, so every rule here is tested without one.
//
//  * FireAndForget: packets are delivered as they arrive; nothing is retransmitted.
//  * Reliable: FIFO delivery. The receiver holds out-of-order packets (up to its window),
//    answers a gap with a selective NACK (next_expected + a 64-bit bitmap), and
//    acknowledges cumulatively in its stream-window grants (ack_seq). The sender keeps every
//    unacknowledged packet, resends what a NACK names, and resends anything unacknowledged
//    after the retransmit timeout.
//  * Byte credit: the sender may have at most window_bytes of event bytes not yet consumed
//    by the receiver. Grants on subprotocol 0x0B00 carry the receiver's absolute
//    total_consumed, so a lost grant is healed by the next one. Out of credit, a send is
//    refused with errc::backpressure — never dropped silently. window_bytes 0 disables it.

#include "neuromesh/mesh/bytes.h"
#include "neuromesh/mesh/errc.h"
#include "neuromesh/mesh/wire.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

namespace neuromesh::mesh {

enum class reliability { fire_and_forget, reliable };

struct stream_config {
  reliability mode = reliability::fire_and_forget;
  /// Credit window in event bytes (Net's default 64 KB); 0 turns flow control off.
  std::uint64_t window_bytes = 64 * 1024;
  /// Resend an unacknowledged packet after this long.
  std::chrono::milliseconds retransmit_timeout{100};
};

/// A snapshot of one stream's counters (Net's StreamStats).
struct stream_stats {
  std::uint64_t tx_seq = 0;     // next sequence to send
  std::uint64_t rx_seq = 0;     // next sequence expected
  std::uint64_t in_flight = 0;  // packets sent, not yet acknowledged (reliable)
  std::uint64_t tx_window = 0;  // configured window, bytes
  std::uint64_t tx_credit_remaining = 0;
  std::uint64_t backpressure_events = 0;
  std::uint64_t retransmits = 0;
  std::uint64_t nacks_sent = 0;
  std::uint64_t nacks_received = 0;
  std::uint64_t credit_grants_sent = 0;
  std::uint64_t credit_grants_received = 0;
  std::uint64_t events_sent = 0;
  std::uint64_t events_delivered = 0;
  std::uint64_t duplicates_dropped = 0;
  std::uint64_t beyond_window_dropped = 0;
};

using clock_type = std::chrono::steady_clock;

/// One packet's worth of events on the sending side.
struct outgoing_packet {
  std::uint64_t sequence = 0;
  std::vector<bytes> events;
  std::uint64_t event_bytes = 0;
  clock_type::time_point sent_at{};
  std::uint32_t transmissions = 0;
};

/// Sending half of a stream.
class stream_sender {
 public:
  explicit stream_sender(const stream_config& c) : config_(c) {}

  /// Credit left, bytes (max when flow control is off).
  std::uint64_t credit() const noexcept;
  /// Claims credit and a sequence for events. backpressure when credit < their bytes.
  result<outgoing_packet*> prepare(std::vector<bytes> events, clock_type::time_point now);
  /// A grant arrived: reconcile credit, and drop acknowledged packets (reliable).
  void on_window(const stream_window& w);
  /// A NACK arrived: the packets to resend now (reliable), oldest first.
  std::vector<outgoing_packet*> on_nack(const stream_nack& n, clock_type::time_point now);
  /// Packets unacknowledged for longer than the retransmit timeout (stamped as resent now).
  std::vector<outgoing_packet*> due(clock_type::time_point now);
  /// Drops a fire-and-forget packet's copy once it is on the wire.
  void sent_unreliable();
  /// Counts a send refused for lack of credit before prepare() was reached.
  void note_backpressure() noexcept { ++backpressure_; }

  const stream_config& config() const noexcept { return config_; }
  std::uint64_t next_seq() const noexcept { return next_seq_; }
  std::uint64_t in_flight() const noexcept { return unacked_.size(); }
  void fill(stream_stats& s) const;

 private:
  stream_config config_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t consumed_ = 0;
  std::map<std::uint64_t, outgoing_packet> unacked_;
  // FireAndForget: bytes sent through each sequence, so a grant's ack_seq settles the credit
  // of packets the network lost (nothing will ever consume them).
  std::map<std::uint64_t, std::uint64_t> sent_through_;
  outgoing_packet scratch_;
  std::uint64_t backpressure_ = 0, retransmits_ = 0, nacks_ = 0, grants_ = 0, events_ = 0;
};

/// Receiving half of a stream.
class stream_receiver {
 public:
  explicit stream_receiver(const stream_config& c) : config_(c) {}

  /// Accepts a packet's events; returns the events now deliverable in order (moved out).
  /// Reliable: duplicates are dropped (counted), gaps are held; FireAndForget: delivered.
  std::vector<bytes> on_packet(std::uint64_t sequence, std::vector<bytes> events);
  /// A NACK to send now, if there is a gap and none went out within the retransmit timeout.
  std::optional<stream_nack> nack(std::uint64_t stream_id, clock_type::time_point now);
  /// The grant to send (absolute consumed bytes and cumulative ack).
  stream_window grant(std::uint64_t stream_id);
  /// True when something changed since the last grant.
  bool grant_due() const noexcept { return grant_due_; }

  std::uint64_t next_expected() const noexcept { return next_expected_; }
  void fill(stream_stats& s) const;

 private:
  stream_config config_;
  std::uint64_t next_expected_ = 0;
  std::uint64_t consumed_ = 0;
  std::uint64_t held_bytes_ = 0;
  std::map<std::uint64_t, std::vector<bytes>> held_;
  bool grant_due_ = false;
  clock_type::time_point last_nack_{};
  std::uint64_t nacks_ = 0, grants_ = 0, delivered_ = 0, dups_ = 0, beyond_ = 0;
};

}  // namespace neuromesh::mesh
