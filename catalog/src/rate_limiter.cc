#include "rate_limiter.h"

namespace neuromesh::catalog::detail {
namespace {
constexpr auto window_length = std::chrono::minutes(1);
}

rate_limiter::decision rate_limiter::check_locked(window& w, int limit, wall_time now, bool count) {
  if (now - w.start >= window_length || now < w.start) {
    w.start = now;
    w.count = 0;
  }
  if (w.count >= limit) {
    auto left = std::chrono::ceil<std::chrono::seconds>(w.start + window_length - now);
    return {false, left};
  }
  if (count) ++w.count;
  return {true, {}};
}

rate_limiter::decision rate_limiter::hit(const std::string& key, int limit, wall_time now) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = windows_.try_emplace(key, window{now, 0});
  return check_locked(it->second, limit, now, true);
}

rate_limiter::decision rate_limiter::peek(const std::string& key, int limit, wall_time now) {
  std::lock_guard lock(mu_);
  auto it = windows_.find(key);
  if (it == windows_.end()) return {};
  return check_locked(it->second, limit, now, false);
}

void rate_limiter::forget_expired(wall_time now) {
  std::lock_guard lock(mu_);
  std::erase_if(windows_, [&](const auto& kv) { return now - kv.second.start >= window_length; });
}

std::size_t rate_limiter::size() const {
  std::lock_guard lock(mu_);
  return windows_.size();
}

}  // namespace neuromesh::catalog::detail
