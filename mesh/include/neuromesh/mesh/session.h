#pragma once
// An established session's packet path, sans-I/O: sealing events into a packet and opening
// one, with Net's counter nonces and a sliding replay window.
//
// Packet = 68-byte header ‖ ChaCha20-Poly1305(events framed as u32 length ‖ bytes) ‖ 16-byte
// tag, at most 8,192 bytes. The AEAD associated data is the header's aad() (every field but
// the nonce and hop_count). The 12-byte nonce, carried in the header, is
//
//   u32 LE (session_id low half XOR high half) ‖ u64 LE counter
//
// with one counter per direction, starting at 0 (Net crypto.rs PacketCipher). The receiver
// takes the counter from the header, refuses one it has seen or that is older than the
// 1,024-packet window (or more than 1,024 ahead), and commits it only after the tag verified,
// so a forged packet cannot burn a counter. Each drop is counted by reason.
//
// Thread-safety: none; a session belongs to one I/O thread (the node's).

#include "neuromesh/mesh/bytes.h"
#include "neuromesh/mesh/errc.h"
#include "neuromesh/mesh/noise.h"
#include "neuromesh/mesh/wire.h"

#include <array>
#include <cstdint>
#include <vector>

namespace neuromesh::mesh {

/// Anti-replay bitmap over the last 1,024 counters (Net's ReplayWindow).
class replay_window {
 public:
  static constexpr std::uint64_t window = 1024;
  /// True when counter is new and inside the window (read-only).
  bool acceptable(std::uint64_t counter) const noexcept;
  /// Marks counter seen; false when it was already seen or is out of the window.
  bool commit(std::uint64_t counter) noexcept;
  /// One past the highest counter committed.
  std::uint64_t next() const noexcept { return next_; }

 private:
  void shift(std::uint64_t by) noexcept;
  std::uint64_t next_ = 0;
  std::array<std::uint64_t, window / 64> bits_{};  // bit i of the window = counter next_-1-i
};

/// Why received packets were dropped.
struct session_counters {
  std::uint64_t sealed = 0;
  std::uint64_t opened = 0;
  std::uint64_t dropped_malformed = 0;  // bad header, bad framing, wrong session, bad nonce prefix
  std::uint64_t dropped_replayed = 0;   // counter seen before or outside the window
  std::uint64_t dropped_auth = 0;       // tag did not verify (corruption or forgery)
};

/// An opened packet: its header and its events (views into the caller's plaintext buffer).
struct opened_packet {
  net_header header;
  std::vector<byte_view> events;
};

class session {
 public:
  explicit session(const session_keys& keys);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  std::uint64_t id() const noexcept { return id_; }

  /// Seals events into out (resized to the packet). The header's session_id, nonce,
  /// payload_len and event_count are filled in here; the caller sets the rest (stream_id,
  /// sequence, flags, subprotocol_id, origin_hash...). bad_length when the framed events
  /// exceed max_payload_size or number more than max_events_per_packet.
  result<void> seal(net_header header, const std::vector<byte_view>& events, bytes& out);
  /// Opens a packet of this session. The events view into `plain`, which this call fills.
  /// Errors (each counted): bad_* (malformed), replayed, decrypt_failed.
  result<opened_packet> open(byte_view packet, bytes& plain);

  const session_counters& counters() const noexcept { return counters_; }
  std::uint64_t tx_counter() const noexcept { return tx_counter_; }

 private:
  std::uint64_t id_;
  std::uint32_t prefix_;
  key32 tx_key_, rx_key_;
  std::uint64_t tx_counter_ = 0;
  replay_window replay_;
  session_counters counters_;
};

/// The 4-byte nonce prefix of a session id (Net's session_prefix_from_id).
std::uint32_t session_nonce_prefix(std::uint64_t session_id) noexcept;

}  // namespace neuromesh::mesh
