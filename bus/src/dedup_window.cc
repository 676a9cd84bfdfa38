#include "dedup_window.h"

namespace neuromesh::bus::detail {

bool dedup_window::test_and_insert(std::string_view id) {
  if (auto it = index_.find(id); it != index_.end()) {
    order_.splice(order_.begin(), order_, it->second);
    return true;
  }
  if (index_.size() >= capacity_) {
    index_.erase(std::string_view(order_.back()));
    order_.pop_back();
  }
  order_.emplace_front(id);
  // The key views the list node's string, which never moves while the node lives.
  index_.emplace(std::string_view(order_.front()), order_.begin());
  return false;
}

}  // namespace neuromesh::bus::detail
