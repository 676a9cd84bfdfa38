#pragma once
// The recent-decision cache of §4.6 step 8: the last 256 CLARIFICATION_ANSWER /
// PERMISSION_DECISION Signals keyed by parent_id (the request they answer), so that
// await_decision() still finds an answer that flew by before it was called. FIFO eviction.

#include "neuromesh/protocol/signal.h"

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace neuromesh::runtime {

class decision_cache {
 public:
  explicit decision_cache(std::size_t capacity = 256) : capacity_(capacity) {}

  /// Keeps s when it has a parent_id (a newer answer to the same request replaces the older).
  void put(const protocol::signal& s);
  /// The cached answer to request_id of type t.
  std::optional<protocol::signal> find(std::string_view request_id, protocol::signal_type t) const;
  std::size_t size() const noexcept { return by_parent_.size(); }

 private:
  std::size_t capacity_;
  std::deque<std::string> order_;
  std::unordered_map<std::string, protocol::signal> by_parent_;
};

}  // namespace neuromesh::runtime
