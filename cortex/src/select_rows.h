#pragma once
// The query step both folds share (tasks, memories): the rows a filter matches, in its
// order, at most its limit. Callers hold the fold's state lock.

#include "neuromesh/cortex/tasks.h"  // order_by

#include <algorithm>
#include <cstddef>
#include <tuple>
#include <vector>

namespace neuromesh::cortex::detail {

template <class Row, class Filter>
std::vector<Row> select_rows(const std::vector<Row>& items, const Filter& f) {
  std::vector<const Row*> hits;
  for (const auto& r : items)
    if (f.matches(r)) hits.push_back(&r);
  auto less = [&](const Row* a, const Row* b) {
    switch (f.order) {
      case order_by::id_asc:
        return a->id < b->id;
      case order_by::id_desc:
        return a->id > b->id;
      case order_by::created_asc:
        return std::tie(a->created_ns, a->id) < std::tie(b->created_ns, b->id);
      case order_by::created_desc:
        return std::tie(a->created_ns, a->id) > std::tie(b->created_ns, b->id);
      case order_by::updated_asc:
        return std::tie(a->updated_ns, a->id) < std::tie(b->updated_ns, b->id);
      case order_by::updated_desc:
        return std::tie(a->updated_ns, a->id) > std::tie(b->updated_ns, b->id);
    }
    return false;
  };
  std::size_t n = f.limit ? std::min(*f.limit, hits.size()) : hits.size();
  if (n < hits.size())
    std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(n), hits.end(),
                      less);
  else if (!std::is_sorted(hits.begin(), hits.end(), less))  // often already in id order
    std::sort(hits.begin(), hits.end(), less);
  std::vector<Row> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(*hits[i]);
  return out;
}

}  // namespace neuromesh::cortex::detail
