#pragma once
// A bounded LRU set of strings: the last `capacity` distinct ids seen. A hit refreshes the
// id's recency; an insert past capacity evicts the least recently seen.

#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace neuromesh::bus::detail {

class dedup_window {
 public:
  explicit dedup_window(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

  /// True when id is present (refreshing it); otherwise inserts it and returns false.
  bool test_and_insert(std::string_view id);
  std::size_t size() const noexcept { return index_.size(); }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  std::size_t capacity_;
  std::list<std::string> order_;  // front = most recent
  std::unordered_map<std::string_view, std::list<std::string>::iterator> index_;
};

}  // namespace neuromesh::bus::detail
