#pragma once
// Adaptive batch size: target = ingest rate × max_delay, clamped to [min_size, max_size].
// The rate is measured over velocity_window. At low rates the target falls to min_size, so an
// event is dispatched as soon as it is popped; under load it grows until per-batch costs
// (a Redis round trip, a JetStream ack) are amortised; a backlog doubles it at once. Driven by the
// caller's clock, so it is tested without threads.

#include "neuromesh/bus/config.h"

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace neuromesh::bus::detail {

class batch_sizer {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  batch_sizer(const batch_config& config, time_point now) noexcept;

  /// Records n events popped at now, out of `asked`. A pop that got all it asked for means
  /// a backlog: the target doubles at once instead of waiting for the next rate window.
  void observe(std::size_t n, std::size_t asked, time_point now) noexcept;
  std::size_t target() const noexcept { return target_; }
  /// Events per second measured over the last complete window.
  double rate() const noexcept { return rate_; }

 private:
  batch_config config_;
  time_point window_start_;
  std::uint64_t window_events_ = 0;
  double rate_ = 0;
  std::size_t target_;
};

}  // namespace neuromesh::bus::detail
