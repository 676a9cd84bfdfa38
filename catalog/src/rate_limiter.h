#pragma once
// Fixed one-minute windows keyed by an arbitrary string, as slowapi's default strategy
// counts (§6). The service keys write routes by (client address, exact path) and failed
// authentication by client address alone.
//
// Thread-safety: all methods lock one internal mutex; nothing else is locked under it.

#include "neuromesh/catalog/instance.h"

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace neuromesh::catalog::detail {

class rate_limiter {
 public:
  struct decision {
    bool allowed = true;
    std::chrono::seconds retry_after{0};
  };

  /// Counts one hit on key and says whether it is within limit for this window.
  decision hit(const std::string& key, int limit, wall_time now);
  /// Whether key is already at limit (does not count a hit).
  decision peek(const std::string& key, int limit, wall_time now);
  /// Drops windows that ended (called by the sweep, so the map stays small).
  void forget_expired(wall_time now);
  std::size_t size() const;

 private:
  struct window {
    wall_time start;
    int count = 0;
  };
  decision check_locked(window& w, int limit, wall_time now, bool count);

  mutable std::mutex mu_;
  std::unordered_map<std::string, window> windows_;
};

}  // namespace neuromesh::catalog::detail
