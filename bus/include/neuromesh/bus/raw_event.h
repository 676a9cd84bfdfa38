#pragma once
// A pre-hashed, reference-counted payload: the bus's unit of data (reference/net-mesh.md
// §2.1 RawEvent). The bytes are copied and hashed (xxh3-64) once when the event is built;
// copies of a raw_event share the bytes through an atomic count, so pushing one into a ring
// costs the same for 50 B as for 1 KB.
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
/// One allocation: this header, then size bytes.
struct payload_header {
  std::atomic<std::uint32_t> refs;
  std::uint32_t size;
  std::uint64_t hash;
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
  void release() noexcept {
    if (h_ && h_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) detail::free_payload(h_);
  }
  detail::payload_header* h_ = nullptr;
};

}  // namespace neuromesh::bus
