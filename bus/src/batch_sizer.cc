#include "batch_sizer.h"

#include <algorithm>

namespace neuromesh::bus::detail {

batch_sizer::batch_sizer(const batch_config& config, time_point now) noexcept
    : config_(config), window_start_(now), target_(config.min_size) {}

void batch_sizer::observe(std::size_t n, std::size_t asked, time_point now) noexcept {
  window_events_ += n;
  if (asked > 0 && n == asked) target_ = std::min(config_.max_size, target_ * 2);
  auto elapsed = now - window_start_;
  if (elapsed < config_.velocity_window) return;
  double secs = std::chrono::duration<double>(elapsed).count();
  rate_ = static_cast<double>(window_events_) / secs;
  window_events_ = 0;
  window_start_ = now;
  double want = rate_ * std::chrono::duration<double>(config_.max_delay).count();
  auto t = static_cast<std::size_t>(want);
  target_ = std::clamp(t, config_.min_size, config_.max_size);
}

}  // namespace neuromesh::bus::detail
