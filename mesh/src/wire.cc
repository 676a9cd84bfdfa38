#include "neuromesh/mesh/wire.h"

#include "le.h"

#include <fmt/format.h>

namespace neuromesh::mesh {

using detail::load_le;
using detail::store_le;

void net_header::encode_to(std::uint8_t* p) const noexcept {
  store_le<std::uint16_t>(p, net_magic);
  p[2] = version;
  p[3] = flags;
  p[4] = priority;
  p[5] = hop_ttl;
  p[6] = hop_count;
  p[7] = frag_flags;
  store_le(p + 8, subprotocol_id);
  store_le(p + 10, channel_hash);
  std::memcpy(p + 12, nonce.data(), nonce_size);
  store_le(p + 24, session_id);
  store_le(p + 32, stream_id);
  store_le(p + 40, sequence);
  store_le(p + 48, origin_hash);
  store_le(p + 56, subnet_id);
  store_le(p + 60, fragment_id);
  store_le(p + 62, fragment_offset);
  store_le(p + 64, payload_len);
  store_le(p + 66, event_count);
}

std::array<std::uint8_t, header_size> net_header::encode() const noexcept {
  std::array<std::uint8_t, header_size> out;
  encode_to(out.data());
  return out;
}

std::array<std::uint8_t, aad_size> net_header::aad() const noexcept {
  std::array<std::uint8_t, aad_size> a{};
  std::uint8_t* p = a.data();
  store_le<std::uint16_t>(p, net_magic);
  p[2] = version;
  p[3] = flags;
  p[4] = priority;
  p[5] = hop_ttl;
  p[6] = 0;  // hop_count: forwarders change it
  p[7] = frag_flags;
  store_le(p + 8, subprotocol_id);
  store_le(p + 10, channel_hash);
  store_le(p + 12, session_id);
  store_le(p + 20, stream_id);
  store_le(p + 28, sequence);
  store_le(p + 36, origin_hash);
  store_le(p + 44, subnet_id);
  store_le(p + 48, fragment_id);
  store_le(p + 50, fragment_offset);
  store_le(p + 52, payload_len);
  store_le(p + 54, event_count);
  return a;
}

namespace {
// Error paths kept out of line so the decoder's hot path stays small.
[[gnu::cold, gnu::noinline]] error header_error(int which, std::uint64_t value) {
  switch (which) {
    case 0:
      return fail(errc::truncated,
                  fmt::format("net_header: truncated: need {} bytes, got {}", header_size, value));
    case 1:
      return fail(errc::bad_magic,
                  fmt::format("net_header: magic: expected 0x4e45, got 0x{:04x}", value));
    case 2:
      return fail(errc::bad_version,
                  fmt::format("net_header: version: expected {}, got {}", net_version, value));
    case 3:
      return fail(errc::bad_length,
                  fmt::format("net_header: payload_len: {} exceeds the maximum {}", value,
                              max_payload_size));
    default:
      return fail(errc::bad_length,
                  fmt::format("net_header: event_count: {} exceeds the maximum {}", value,
                              max_events_per_packet));
  }
}
}  // namespace

result<net_header> net_header::decode(byte_view b) {
  if (b.size() < header_size) [[unlikely]]
    return header_error(0, b.size());
  const std::uint8_t* p = b.data();
  auto magic = load_le<std::uint16_t>(p);
  if (magic != net_magic) [[unlikely]]
    return header_error(1, magic);
  if (p[2] != net_version) [[unlikely]]
    return header_error(2, p[2]);
  net_header h;
  h.version = p[2];
  h.flags = p[3];
  h.priority = p[4];
  h.hop_ttl = p[5];
  h.hop_count = p[6];
  h.frag_flags = p[7];
  h.subprotocol_id = load_le<std::uint16_t>(p + 8);
  h.channel_hash = load_le<std::uint16_t>(p + 10);
  std::memcpy(h.nonce.data(), p + 12, nonce_size);
  h.session_id = load_le<std::uint64_t>(p + 24);
  h.stream_id = load_le<std::uint64_t>(p + 32);
  h.sequence = load_le<std::uint64_t>(p + 40);
  h.origin_hash = load_le<std::uint64_t>(p + 48);
  h.subnet_id = load_le<std::uint32_t>(p + 56);
  h.fragment_id = load_le<std::uint16_t>(p + 60);
  h.fragment_offset = load_le<std::uint16_t>(p + 62);
  h.payload_len = load_le<std::uint16_t>(p + 64);
  h.event_count = load_le<std::uint16_t>(p + 66);
  if (h.payload_len > max_payload_size) [[unlikely]]
    return header_error(3, h.payload_len);
  if (h.event_count > max_events_per_packet) [[unlikely]]
    return header_error(4, h.event_count);
  return h;
}

std::array<std::uint8_t, routing_header_size> routing_header::encode() const noexcept {
  std::array<std::uint8_t, routing_header_size> out;
  std::uint8_t* p = out.data();
  store_le(p, routing_magic);
  p[2] = ttl;
  p[3] = hop_count;
  p[4] = flags;
  p[5] = reserved;
  store_le(p + 6, src_id);
  store_le(p + 10, dest_id);
  return out;
}

result<routing_header> routing_header::decode(byte_view b) {
  if (b.size() < routing_header_size)
    return fail(errc::truncated, fmt::format("routing_header: truncated: need {} bytes, got {}",
                                             routing_header_size, b.size()));
  const std::uint8_t* p = b.data();
  auto magic = load_le<std::uint16_t>(p);
  if (magic != routing_magic)
    return fail(errc::bad_magic,
                fmt::format("routing_header: magic: expected 0x5452, got 0x{:04x}", magic));
  routing_header h;
  h.ttl = p[2];
  h.hop_count = p[3];
  h.flags = p[4];
  if (h.flags & 0xF0)
    return fail(errc::bad_field,
                fmt::format("routing_header: flags: reserved bits 0x{:02x} set", h.flags & 0xF0));
  h.reserved = p[5];
  h.src_id = load_le<std::uint32_t>(p + 6);
  h.dest_id = load_le<std::uint64_t>(p + 10);
  return h;
}

void append_event(bytes& out, byte_view event) {
  std::size_t at = out.size();
  out.resize(at + event_len_size + event.size());
  store_le(out.data() + at, static_cast<std::uint32_t>(event.size()));
  if (!event.empty()) std::memcpy(out.data() + at + event_len_size, event.data(), event.size());
}

std::size_t framed_size(const std::vector<byte_view>& events) noexcept {
  std::size_t n = 0;
  for (auto e : events) n += event_len_size + e.size();
  return n;
}

namespace {

result<std::vector<byte_view>> split_events(byte_view payload, std::size_t count, bool all) {
  std::vector<byte_view> out;
  std::size_t at = 0;
  while (all ? at < payload.size() : out.size() < count) {
    std::size_t i = out.size();
    if (payload.size() - at < event_len_size)
      return fail(errc::truncated,
                  fmt::format("event_frame: event[{}]: length prefix truncated at byte {}", i, at));
    auto len = load_le<std::uint32_t>(payload.data() + at);
    at += event_len_size;
    if (len > payload.size() - at)
      return fail(errc::truncated,
                  fmt::format("event_frame: event[{}]: length {} exceeds the {} bytes left", i, len,
                              payload.size() - at));
    out.push_back(payload.subspan(at, len));
    at += len;
  }
  if (at != payload.size())
    return fail(errc::bad_length, fmt::format("event_frame: {} bytes left after {} events",
                                              payload.size() - at, out.size()));
  return out;
}

}  // namespace

result<std::vector<byte_view>> read_events(byte_view payload, std::size_t count) {
  return split_events(payload, count, false);
}

result<std::vector<byte_view>> read_all_events(byte_view payload) {
  return split_events(payload, 0, true);
}

namespace {
template <class Msg>
result<std::array<std::uint64_t, 3>> three_u64(const char* what, byte_view b) {
  if (b.size() < 24)
    return fail(errc::truncated,
                fmt::format("{}: truncated: need 24 bytes, got {}", what, b.size()));
  if (b.size() > 24)
    return fail(errc::bad_length,
                fmt::format("{}: bad length: need exactly 24 bytes, got {}", what, b.size()));
  return std::array<std::uint64_t, 3>{load_le<std::uint64_t>(b.data()),
                                      load_le<std::uint64_t>(b.data() + 8),
                                      load_le<std::uint64_t>(b.data() + 16)};
}
std::array<std::uint8_t, 24> put_three(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  std::array<std::uint8_t, 24> out;
  store_le(out.data(), a);
  store_le(out.data() + 8, b);
  store_le(out.data() + 16, c);
  return out;
}
}  // namespace

std::array<std::uint8_t, stream_window_size> stream_window::encode() const noexcept {
  return put_three(stream_id, total_consumed, ack_seq);
}

result<stream_window> stream_window::decode(byte_view b) {
  auto v = three_u64<stream_window>("stream_window", b);
  if (!v) return v.error();
  return stream_window{(*v)[0], (*v)[1], (*v)[2]};
}

std::array<std::uint8_t, stream_nack_size> stream_nack::encode() const noexcept {
  return put_three(stream_id, next_expected, missing_bitmap);
}

result<stream_nack> stream_nack::decode(byte_view b) {
  auto v = three_u64<stream_nack>("stream_nack", b);
  if (!v) return v.error();
  return stream_nack{(*v)[0], (*v)[1], (*v)[2]};
}

std::vector<std::uint64_t> stream_nack::missing() const {
  std::vector<std::uint64_t> out{next_expected};
  for (unsigned i = 0; i < 64; ++i)
    if (missing_bitmap >> i & 1) out.push_back(next_expected + 1 + i);
  return out;
}

namespace {
std::string flags_name(std::uint8_t flags, const char* const* names, unsigned known) {
  if (flags == 0) return "NONE";
  std::string out;
  for (unsigned bit = 0; bit < 8; ++bit) {
    if (!(flags >> bit & 1)) continue;
    if (!out.empty()) out += '|';
    out += bit < known ? std::string(names[bit]) : fmt::format("0x{:02x}", 1u << bit);
  }
  return out;
}
}  // namespace

std::string packet_flags_name(std::uint8_t flags) {
  static const char* const names[] = {"RELIABLE", "NACK",      "PRIORITY",
                                      "FIN",      "HANDSHAKE", "HEARTBEAT"};
  return flags_name(flags, names, 6);
}

std::string route_flags_name(std::uint8_t flags) {
  static const char* const names[] = {"CONTROL", "REQUIRES_ACK", "PRIORITY", "END_OF_STREAM"};
  return flags_name(flags, names, 4);
}

}  // namespace neuromesh::mesh
