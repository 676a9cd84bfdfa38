#include "neuromesh/mesh/session.h"

#include "le.h"
#include "sodium_init.h"

#include <fmt/format.h>
#include <sodium.h>

#include <cstring>

namespace neuromesh::mesh {

using detail::load_le;
using detail::store_le;

bool replay_window::acceptable(std::uint64_t c) const noexcept {
  if (c == ~std::uint64_t{0}) return false;
  if (c >= next_) return c - next_ <= window;
  std::uint64_t age = next_ - 1 - c;
  if (age >= window) return false;
  return !(bits_[age / 64] >> (age % 64) & 1);
}

void replay_window::shift(std::uint64_t by) noexcept {
  if (by >= window) {
    bits_.fill(0);
    return;
  }
  std::size_t words = by / 64;
  unsigned bitshift = by % 64;
  for (std::size_t i = bits_.size(); i-- > 0;) {
    std::uint64_t hi = i >= words ? bits_[i - words] << bitshift : 0;
    std::uint64_t lo = (bitshift && i > words) ? bits_[i - words - 1] >> (64 - bitshift) : 0;
    bits_[i] = hi | lo;
  }
}

bool replay_window::commit(std::uint64_t c) noexcept {
  if (!acceptable(c)) return false;
  if (c >= next_) {
    shift(c - next_ + 1);
    next_ = c + 1;
    bits_[0] |= 1;
    return true;
  }
  std::uint64_t age = next_ - 1 - c;
  bits_[age / 64] |= std::uint64_t{1} << (age % 64);
  return true;
}

std::uint32_t session_nonce_prefix(std::uint64_t id) noexcept {
  return static_cast<std::uint32_t>(id) ^ static_cast<std::uint32_t>(id >> 32);
}

session::session(const session_keys& keys)
    : id_(keys.session_id),
      prefix_(session_nonce_prefix(keys.session_id)),
      tx_key_(keys.tx_key),
      rx_key_(keys.rx_key) {
  detail::ensure_sodium();
}

session::~session() {
  sodium_memzero(tx_key_.data(), tx_key_.size());
  sodium_memzero(rx_key_.data(), rx_key_.size());
}

result<void> session::seal(net_header h, const std::vector<byte_view>& events, bytes& out) {
  std::size_t plain_len = framed_size(events);
  if (plain_len > max_payload_size)
    return fail(errc::bad_length, fmt::format("packet: {} framed bytes exceed the {}-byte payload",
                                              plain_len, max_payload_size));
  if (events.size() > max_events_per_packet)
    return fail(errc::bad_length,
                fmt::format("packet: {} events exceed {}", events.size(), max_events_per_packet));
  std::uint64_t counter = tx_counter_++;
  h.session_id = id_;
  store_le(h.nonce.data(), prefix_);
  store_le(h.nonce.data() + 4, counter);
  h.payload_len = static_cast<std::uint16_t>(plain_len);
  h.event_count = static_cast<std::uint16_t>(events.size());
  out.resize(header_size + plain_len + tag_size);
  h.encode_to(out.data());
  std::uint8_t* body = out.data() + header_size;
  for (auto e : events) {
    store_le(body, static_cast<std::uint32_t>(e.size()));
    if (!e.empty()) std::memcpy(body + 4, e.data(), e.size());
    body += 4 + e.size();
  }
  auto aad = h.aad();
  unsigned long long maclen = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt_detached(
      out.data() + header_size, out.data() + header_size + plain_len, &maclen,
      out.data() + header_size, plain_len, aad.data(), aad.size(), nullptr, h.nonce.data(),
      tx_key_.data());
  ++counters_.sealed;
  return {};
}

result<opened_packet> session::open(byte_view packet, bytes& plain) {
  auto h = net_header::decode(packet);
  if (!h) {
    ++counters_.dropped_malformed;
    return h.error();
  }
  if (h->session_id != id_) {
    ++counters_.dropped_malformed;
    return fail(errc::bad_field,
                fmt::format("packet: session_id 0x{:016x} is not this session", h->session_id));
  }
  if (packet.size() != header_size + h->payload_len + tag_size) {
    ++counters_.dropped_malformed;
    return fail(errc::bad_length,
                fmt::format("packet: {} bytes, header says {} + {} + {}", packet.size(),
                            header_size, h->payload_len, tag_size));
  }
  if (load_le<std::uint32_t>(h->nonce.data()) != prefix_) {
    ++counters_.dropped_malformed;
    return fail(errc::bad_field, "packet: nonce prefix does not match the session");
  }
  std::uint64_t counter = load_le<std::uint64_t>(h->nonce.data() + 4);
  if (!replay_.acceptable(counter)) {
    ++counters_.dropped_replayed;
    return fail(errc::replayed,
                fmt::format("packet: counter {} replayed or outside the window", counter));
  }
  auto aad = h->aad();
  plain.resize(h->payload_len);
  if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(
          plain.data(), nullptr, packet.data() + header_size, h->payload_len,
          packet.data() + header_size + h->payload_len, aad.data(), aad.size(), h->nonce.data(),
          rx_key_.data()) != 0) {
    ++counters_.dropped_auth;
    return fail(errc::decrypt_failed, "packet: authentication tag does not verify");
  }
  replay_.commit(counter);
  auto events = read_events(plain, h->event_count);
  if (!events) {
    ++counters_.dropped_malformed;
    return events.error();
  }
  ++counters_.opened;
  return opened_packet{*h, std::move(*events)};
}

}  // namespace neuromesh::mesh
