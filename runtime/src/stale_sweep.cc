#include "neuromesh/runtime/stale_sweep.h"

namespace neuromesh::runtime {

std::vector<std::string> stale_sweep::due(std::span<const registry::neuron_record> records,
                                          registry::time_point now) const {
  std::vector<std::string> out;
  if (!enabled()) return out;
  for (const auto& r : records) {
    if (r.status == registry::status::deregistered) continue;
    auto seen = r.last_heartbeat.value_or(r.registered_at);
    if (now - seen > stale_after_) out.push_back(r.neuron_id);
  }
  return out;
}

}  // namespace neuromesh::runtime
