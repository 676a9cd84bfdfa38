#pragma once
// Consumer-side duplicate filter for Redis Streams (seed 003 "Redis Streams consumer-side
// dedup helper"). Redis has no server-side dedup, so a MULTI/EXEC that timed out and was
// retried can leave two entries with distinct stream ids; their dedup_id field is the same,
// and this LRU set of seen ids removes the second.
//
// Sizing: events/s × the dedup window in seconds (10 K/s × 60 s → 600,000). Transport-
// agnostic: pass the dedup_id read by any client. Not thread-safe (one per consumer).

#include <cstddef>
#include <memory>
#include <string_view>

namespace neuromesh::bus {

namespace detail {
class dedup_window;
}

class redis_stream_dedup {
 public:
  static constexpr std::size_t default_capacity = 4096;

  redis_stream_dedup();
  static redis_stream_dedup with_capacity(std::size_t capacity);
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
