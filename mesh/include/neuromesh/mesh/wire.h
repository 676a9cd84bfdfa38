#pragma once
// Net's fixed wire layouts, sans-I/O: the 68-byte packet header, the 18-byte routing header,
// event framing inside a payload, and the stream-window / stream-NACK control messages.
// Every multi-byte field is little-endian. Layouts follow Net's code and its cross-language
// golden vectors (ai-2070/net, net/crates/net/tests/cross_lang_wire/*.json; copies in
// mesh/tests/vectors/), which the tests check byte for byte.
//
// Net header (68 bytes; never encrypted — the payload after it is):
//
//   off size field                 off size field
//    0   2   magic 0x4E45 (45 4e)   24   8   session_id
//    2   1   version (1)            32   8   stream_id
//    3   1   flags (packet_flag)    40   8   sequence
//    4   1   priority               48   8   origin_hash (u64, identity.h)
//    5   1   hop_ttl                56   4   subnet_id
//    6   1   hop_count              60   2   fragment_id
//    7   1   frag_flags             62   2   fragment_offset
//    8   2   subprotocol_id         64   2   payload_len (ciphertext bytes, tag excluded)
//   10   2   channel_hash           66   2   event_count
//   12  12   nonce
//
// Routing header (18 bytes, prefixed to a routed packet):
//   magic 0x5452 (2) | ttl (1) | hop_count (1) | flags (1) | reserved (1) | src_id u32 (4) |
//   dest_id u64 (8)
//
// Event frame: each event is a u32 length followed by its bytes, back to back.
// Stream window (subprotocol 0x0B00, 24 bytes): stream_id | total_consumed | ack_seq.
// Stream NACK (subprotocol 0x0B01, 24 bytes): stream_id | next_expected | missing_bitmap.
//
// Decoders never read past their input and never crash: every failure is an error naming the
// field (`net_header: truncated: need 68 bytes, got 12`).

#include "neuromesh/mesh/bytes.h"
#include "neuromesh/mesh/errc.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace neuromesh::mesh {

inline constexpr std::uint16_t net_magic = 0x4E45;
inline constexpr std::uint8_t net_version = 1;
inline constexpr std::size_t header_size = 68;
inline constexpr std::size_t aad_size = 56;
inline constexpr std::size_t tag_size = 16;
inline constexpr std::size_t nonce_size = 12;
inline constexpr std::size_t max_packet_size = 8192;
inline constexpr std::size_t max_payload_size = max_packet_size - header_size - tag_size;
inline constexpr std::size_t event_len_size = 4;
inline constexpr std::uint16_t max_events_per_packet = max_payload_size / event_len_size;

/// Packet flag bits (net_header::flags).
namespace packet_flag {
inline constexpr std::uint8_t reliable = 0x01;
inline constexpr std::uint8_t nack = 0x02;
inline constexpr std::uint8_t priority = 0x04;
inline constexpr std::uint8_t fin = 0x08;
inline constexpr std::uint8_t handshake = 0x10;
inline constexpr std::uint8_t heartbeat = 0x20;
}  // namespace packet_flag

/// Subprotocol ids this layer speaks.
namespace subprotocol {
inline constexpr std::uint16_t data = 0x0000;
inline constexpr std::uint16_t stream_window = 0x0B00;
inline constexpr std::uint16_t stream_nack = 0x0B01;
}  // namespace subprotocol

/// Control messages ride this stream id (Net's CONTROL_STREAM_ID).
inline constexpr std::uint64_t control_stream_id = ~std::uint64_t{0};

struct net_header {
  std::uint8_t version = net_version;
  std::uint8_t flags = 0;
  std::uint8_t priority = 0;
  std::uint8_t hop_ttl = 0;
  std::uint8_t hop_count = 0;
  std::uint8_t frag_flags = 0;
  std::uint16_t subprotocol_id = 0;
  std::uint16_t channel_hash = 0;
  std::array<std::uint8_t, nonce_size> nonce{};
  std::uint64_t session_id = 0;
  std::uint64_t stream_id = 0;
  std::uint64_t sequence = 0;
  std::uint64_t origin_hash = 0;
  std::uint32_t subnet_id = 0;
  std::uint16_t fragment_id = 0;
  std::uint16_t fragment_offset = 0;
  std::uint16_t payload_len = 0;
  std::uint16_t event_count = 0;

  /// Writes the 68 wire bytes to out.
  void encode_to(std::uint8_t* out) const noexcept;
  std::array<std::uint8_t, header_size> encode() const noexcept;
  /// The AEAD associated data: every field except the nonce (the AEAD IV) and hop_count
  /// (forwarders increment it), 56 bytes, in Net's order.
  std::array<std::uint8_t, aad_size> aad() const noexcept;
  /// Parses the first 68 bytes of b (more may follow: the payload). Errors: truncated,
  /// bad_magic, bad_version, bad_length (payload_len > max_payload_size or event_count >
  /// max_events_per_packet).
  static result<net_header> decode(byte_view b);
  bool operator==(const net_header&) const = default;
};

/// Route flag bits (routing_header::flags); the high nibble is reserved.
namespace route_flag {
inline constexpr std::uint8_t control = 0x01;
inline constexpr std::uint8_t requires_ack = 0x02;
inline constexpr std::uint8_t priority = 0x04;
inline constexpr std::uint8_t end_of_stream = 0x08;
}  // namespace route_flag

inline constexpr std::uint16_t routing_magic = 0x5452;
inline constexpr std::size_t routing_header_size = 18;

struct routing_header {
  std::uint64_t dest_id = 0;
  std::uint32_t src_id = 0;
  std::uint8_t ttl = 0;
  std::uint8_t hop_count = 0;
  std::uint8_t flags = 0;
  std::uint8_t reserved = 0;

  std::array<std::uint8_t, routing_header_size> encode() const noexcept;
  /// Parses the first 18 bytes. Errors: truncated, bad_magic, bad_field (a reserved
  /// high-nibble flag bit; Net strips those silently, we refuse them so bytes round-trip).
  static result<routing_header> decode(byte_view b);
  bool operator==(const routing_header&) const = default;
};

/// Appends one framed event (u32 length + bytes) to out.
void append_event(bytes& out, byte_view event);
/// Framed size of events.
std::size_t framed_size(const std::vector<byte_view>& events) noexcept;
/// Splits a payload into exactly `count` events that use every byte. Errors: truncated (a
/// length prefix or body runs past the end), bad_length (bytes left over).
result<std::vector<byte_view>> read_events(byte_view payload, std::size_t count);
/// Splits a whole payload into events (as many as it holds).
result<std::vector<byte_view>> read_all_events(byte_view payload);

inline constexpr std::size_t stream_window_size = 24;

/// Receiver → sender credit grant: every byte up to total_consumed has been consumed, and
/// every sequence below ack_seq received.
struct stream_window {
  std::uint64_t stream_id = 0;
  std::uint64_t total_consumed = 0;
  std::uint64_t ack_seq = 0;

  std::array<std::uint8_t, stream_window_size> encode() const noexcept;
  /// Exactly 24 bytes, else truncated / bad_length.
  static result<stream_window> decode(byte_view b);
  bool operator==(const stream_window&) const = default;
};

inline constexpr std::size_t stream_nack_size = 24;

/// Receiver → sender retransmit request: next_expected is missing, and bit i of
/// missing_bitmap says next_expected + 1 + i is missing too.
struct stream_nack {
  std::uint64_t stream_id = 0;
  std::uint64_t next_expected = 0;
  std::uint64_t missing_bitmap = 0;

  std::array<std::uint8_t, stream_nack_size> encode() const noexcept;
  static result<stream_nack> decode(byte_view b);
  /// The sequences this NACK asks for, ascending.
  std::vector<std::uint64_t> missing() const;
  bool operator==(const stream_nack&) const = default;
};

/// "RELIABLE|FIN", "NONE" for 0; unknown bits as "0x40".
std::string packet_flags_name(std::uint8_t flags);
/// "CONTROL|PRIORITY", "NONE" for 0.
std::string route_flags_name(std::uint8_t flags);

}  // namespace neuromesh::mesh
