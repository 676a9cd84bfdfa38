#pragma once
// Consumer-side duplicate filter for Redis Streams (seed 003 "Redis Streams consumer-side
// dedup helper"). Redis has no server-side dedup, so a MULTI/EXEC that timed out and was
// retried can leave two entries with distinct stream ids; their dedup_id field is the same,
// and this LRU set of seen ids removes the second.
//
// Sizing: a retried batch's copy follows the original in its shard stream, so a window per
// shard stream must hold at least one whole batch (batch_config::max_size) to catch every
// duplicate of a retried full batch; for_batching() sizes it so. The reference's default
// (4,096) was below its own default max batch (10,000); ours is 16,384, above ours (10,000).
// To also catch an application's re-emits with the same ids (emit_with_id) that arrive later,
// use events/s × the re-emit horizon in seconds (10 K/s × 60 s → 600,000). Keep one filter
// per shard stream, or multiply by the number of streams read through it. Transport-agnostic:
// pass the dedup_id read by any client. Not thread-safe (one per consumer).

#include "neuromesh/bus/config.h"

#include <cstddef>
#include <memory>
#include <string_view>

namespace neuromesh::bus {

namespace detail {
class dedup_window;
}

class redis_stream_dedup {
 public:
  static constexpr std::size_t default_capacity = 16384;
  static_assert(default_capacity >= batch_config{}.max_size,
                "the default window must hold a retried default full batch");

  redis_stream_dedup();
  static redis_stream_dedup with_capacity(std::size_t capacity);
  /// A window that holds a retried full batch of these settings: max(default, max_size).
  static redis_stream_dedup for_batching(const batch_config& batching);
  redis_stream_dedup(redis_stream_dedup&&) noexcept;
  redis_stream_dedup& operator=(redis_stream_dedup&&) noexcept;
  ~redis_stream_dedup();

  /// Test-and-insert: true when id was seen within the last capacity distinct ids.
  bool is_duplicate(std::string_view id);
  std::size_t size() const noexcept;
  std::size_t capacity() const noexcept;

 private:
  explicit redis_stream_dedup(std::size_t capacity);
  std::unique_ptr<detail::dedup_window> window_;
};

}  // namespace neuromesh::bus
