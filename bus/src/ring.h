#pragma once
// A bounded power-of-two ring of T. Not synchronised: the owning shard guards it with its
// lock. Storage is allocated uninitialised, so a 2^20 ring costs address space until used.
// head and tail are 64-bit counters and never wrap in practice (the reference's 32-bit wrap
// bug class).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace neuromesh::bus::detail {

template <class T>
class ring {
 public:
  /// capacity must be a power of two (checked by the bus config).
  explicit ring(std::size_t capacity)
      : storage_(new std::byte[capacity * sizeof(T)]), mask_(capacity - 1) {}
  ~ring() { clear(); }
  ring(const ring&) = delete;
  ring& operator=(const ring&) = delete;

  std::size_t capacity() const noexcept { return mask_ + 1; }
  std::size_t size() const noexcept { return static_cast<std::size_t>(tail_ - head_); }
  bool empty() const noexcept { return tail_ == head_; }
  bool full() const noexcept { return size() == capacity(); }

  /// Precondition: !full().
  template <class... Args>
  void emplace(Args&&... args) noexcept {
    new (slot(tail_)) T(std::forward<Args>(args)...);
    ++tail_;
  }
  /// Precondition: !empty().
  void drop_front() noexcept {
    slot(head_)->~T();
    ++head_;
  }
  /// Moves up to max elements from the front into out; returns how many.
  std::size_t pop_into(std::vector<T>& out, std::size_t max) {
    std::size_t n = size() < max ? size() : max;
    for (std::size_t i = 0; i < n; ++i) {
      T* p = slot(head_ + i);
      out.push_back(std::move(*p));
      p->~T();
    }
    head_ += n;
    return n;
  }
  void clear() noexcept {
    while (!empty()) drop_front();
  }

 private:
  T* slot(std::uint64_t i) noexcept {
    return std::launder(reinterpret_cast<T*>(storage_.get()) + (i & mask_));
  }
  std::unique_ptr<std::byte[]> storage_;
  std::size_t mask_;
  std::uint64_t head_ = 0;
  std::uint64_t tail_ = 0;
};

}  // namespace neuromesh::bus::detail
