#include "neuromesh/runtime/decision_cache.h"

namespace neuromesh::runtime {

void decision_cache::put(const protocol::signal& s) {
  if (!s.parent_id || capacity_ == 0) return;
  const auto& key = s.parent_id->str();
  auto [it, inserted] = by_parent_.insert_or_assign(key, s);
  if (!inserted) return;
  order_.push_back(key);
  while (order_.size() > capacity_) {
    by_parent_.erase(order_.front());
    order_.pop_front();
  }
}

std::optional<protocol::signal> decision_cache::find(std::string_view request_id,
                                                     protocol::signal_type t) const {
  auto it = by_parent_.find(std::string(request_id));
  if (it == by_parent_.end() || it->second.type != t) return std::nullopt;
  return it->second;
}

}  // namespace neuromesh::runtime
