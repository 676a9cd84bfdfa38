#include "neuromesh/bus/redis_stream_dedup.h"

#include "dedup_window.h"

#include <algorithm>

namespace neuromesh::bus {

redis_stream_dedup::redis_stream_dedup() : redis_stream_dedup(default_capacity) {}
redis_stream_dedup::redis_stream_dedup(std::size_t capacity)
    : window_(std::make_unique<detail::dedup_window>(capacity)) {}
redis_stream_dedup redis_stream_dedup::with_capacity(std::size_t capacity) {
  return redis_stream_dedup(capacity);
}
redis_stream_dedup redis_stream_dedup::for_batching(const batch_config& batching) {
  return redis_stream_dedup(std::max(default_capacity, batching.max_size));
}
redis_stream_dedup::redis_stream_dedup(redis_stream_dedup&&) noexcept = default;
redis_stream_dedup& redis_stream_dedup::operator=(redis_stream_dedup&&) noexcept = default;
redis_stream_dedup::~redis_stream_dedup() = default;

bool redis_stream_dedup::is_duplicate(std::string_view id) { return window_->test_and_insert(id); }
std::size_t redis_stream_dedup::size() const noexcept { return window_->size(); }
std::size_t redis_stream_dedup::capacity() const noexcept { return window_->capacity(); }

}  // namespace neuromesh::bus
