#pragma once
// The stale sweep of §4.13 (sans-I/O): which registry records are overdue. A record whose
// last_heartbeat (or registered_at, when it never beat) is older than stale_after at `now`
// and whose status is not "deregistered" is due to be marked deregistered.

#include "neuromesh/registry/neuron_record.h"

#include <chrono>
#include <span>
#include <string>
#include <vector>

namespace neuromesh::runtime {

class stale_sweep {
 public:
  explicit stale_sweep(std::chrono::milliseconds stale_after) : stale_after_(stale_after) {}
  /// Off when stale_after <= 0.
  bool enabled() const noexcept { return stale_after_.count() > 0; }
  /// neuron_ids of the overdue records, in the order given.
  std::vector<std::string> due(std::span<const registry::neuron_record> records,
                               registry::time_point now) const;

 private:
  std::chrono::milliseconds stale_after_;
};

}  // namespace neuromesh::runtime
