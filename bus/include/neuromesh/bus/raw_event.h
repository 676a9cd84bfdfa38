#pragma once
// A pre-hashed, reference-counted payload: the bus's unit of data (reference/net-mesh.md
// §2.1 RawEvent). The bytes are copied and hashed (xxh3-64) once when the event is built;
// copies of a raw_event share the bytes through an atomic count, so pushing one into a ring
// costs the same for 50 B as for 1 KB.
//
// An event may also carry its own dedup id (an idempotency key, see copy_with_id): adapters
// then use it verbatim instead of the id they generate, so a producer that replays its
// events deterministically after a crash has the replay deduplicated by the backend.
//
// Thread-safety: a raw_event may be copied and destroyed from any thread; the bytes are
// immutable after construction.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

namespace neuromesh::bus {

namespace detail {
/// One allocation: this header, then size payload bytes, then id_size dedup-id bytes.
struct payload_header {
  std::atomic<std::uint32_t> refs;
  std::uint32_t size;
  std::uint64_t hash;
  std::uint32_t id_size;
};
void free_payload(payload_header* h) noexcept;
}  // namespace detail

class raw_event {
 public:
  raw_event() noexcept = default;
  /// Copies and hashes the bytes. Payloads over 4 GiB are rejected (std::length_error).
  static raw_event copy_of(std::string_view bytes);
  static raw_event copy_of(std::span<const std::byte> bytes) {
    return copy_of(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  /// As copy_of, and the event carries dedup_id: adapters store it verbatim as its dedup id
  /// (Redis dedup_id field, JetStream Nats-Msg-Id) instead of the generated
  /// "{nonce}:{shard}:{seq}:{i}". It shares the backend's id space with generated ids, so do
  /// not choose ids of that shape. Routing still uses the payload hash.
  /// std::invalid_argument (naming the problem) unless dedup_id is 1..max_dedup_id_size
  /// bytes of printable ASCII without spaces (it travels as a NATS header value).
  static raw_event copy_with_id(std::string_view bytes, std::string_view dedup_id);
  static constexpr std::size_t max_dedup_id_size = 256;

  raw_event(const raw_event& o) noexcept : h_(o.h_) {
    if (h_) h_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  raw_event(raw_event&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  raw_event& operator=(const raw_event& o) noexcept {
    raw_event(o).swap(*this);
    return *this;
  }
  raw_event& operator=(raw_event&& o) noexcept {
    raw_event(std::move(o)).swap(*this);
    return *this;
  }
  ~raw_event() { release(); }

  void swap(raw_event& o) noexcept { std::swap(h_, o.h_); }
  bool empty() const noexcept { return h_ == nullptr; }
  std::size_t size() const noexcept { return h_ ? h_->size : 0; }
  /// xxh3-64 of the bytes, computed once at construction.
  std::uint64_t hash() const noexcept { return h_ ? h_->hash : 0; }
  std::string_view str() const noexcept {
    return h_ ? std::string_view(reinterpret_cast<const char*>(h_ + 1), h_->size)
              : std::string_view();
  }
  /// The event's own dedup id (copy_with_id), or empty.
  std::string_view dedup_id() const noexcept {
    return h_ && h_->id_size
               ? std::string_view(reinterpret_cast<const char*>(h_ + 1) + h_->size, h_->id_size)
               : std::string_view();
  }
  std::span<const std::byte> bytes() const noexcept {
    auto s = str();
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
  }
  /// Holders of these bytes (for tests and memory accounting).
  std::uint32_t use_count() const noexcept {
    return h_ ? h_->refs.load(std::memory_order_relaxed) : 0;
  }
  /// Heap bytes one payload occupies (header + bytes).
  static constexpr std::size_t overhead_bytes() noexcept { return sizeof(detail::payload_header); }

 private:
  explicit raw_event(detail::payload_header* h) noexcept : h_(h) {}
  static raw_event make(std::string_view bytes, std::string_view id);
  void release() noexcept {
    if (h_ && h_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) detail::free_payload(h_);
  }
  detail::payload_header* h_ = nullptr;
};

}  // namespace neuromesh::bus
