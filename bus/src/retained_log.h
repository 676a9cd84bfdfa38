#pragma once
// One shard's retained log in the memory adapter: a deque of (sequence, event) bounded by
// count and bytes; the oldest entries expire first. Sequences start at 1 and are contiguous,
// so a read after id k starts at index k - first_sequence + 1 without a search. A cursor
// older than the oldest retained entry resumes at the oldest (the gap shows in expired()).

#include "neuromesh/bus/adapter.h"
#include "neuromesh/bus/config.h"

#include <cstdint>
#include <deque>
#include <mutex>

namespace neuromesh::bus::detail {

class retained_log {
 public:
  explicit retained_log(const retention_config& bounds) : bounds_(bounds) {}

  void append(std::span<const internal_event> events);
  /// As append, moving the events in (their payloads' reference counts are not touched).
  void append_moved(std::span<internal_event> events);
  shard_page read_after(std::uint16_t shard, std::uint64_t after, std::size_t limit) const;
  std::uint64_t last_sequence() const;
  std::uint64_t size() const;
  std::uint64_t bytes() const;
  std::uint64_t expired() const;

  /// Bytes one entry costs besides its payload bytes: the deque slot plus the payload header.
  static constexpr std::size_t entry_overhead() noexcept {
    return sizeof(internal_event) + raw_event::overhead_bytes();
  }

 private:
  void expire_locked();

  retention_config bounds_;
  mutable std::mutex mu_;
  std::deque<internal_event> entries_;
  std::uint64_t first_sequence_ = 1;
  std::uint64_t bytes_ = 0;
  std::uint64_t expired_ = 0;
};

}  // namespace neuromesh::bus::detail
