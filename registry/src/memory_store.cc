#include "neuromesh/registry/memory_store.h"

#include <mutex>

namespace neuromesh::registry {

store_result<void> memory_store::connect() {
  std::unique_lock lock(mutex_);
  connected_ = true;
  return {};
}

void memory_store::close() noexcept {
  std::unique_lock lock(mutex_);
  connected_ = false;
  records_.clear();  // the reference's MemoryRegistryStore.close() forgets everything
}

store_stats memory_store::stats() const noexcept {
  store_stats s;
  s.rejected = rejected_.load();
  return s;
}

store_error memory_store::not_connected_locked() {
  ++rejected_;
  return {errc::not_connected, "memory store: connect() not called"};
}

store_result<void> memory_store::do_upsert(const neuron_record& record) {
  std::unique_lock lock(mutex_);
  if (!connected_) return not_connected_locked();
  auto it = records_.find(record.neuron_id);
  if (it == records_.end()) {
    records_.emplace(record.neuron_id, record);
  } else {
    const auto registered_at = it->second.registered_at;
    it->second = record;
    it->second.registered_at = registered_at;
  }
  return {};
}

store_result<void> memory_store::do_mark_deregistered(std::string_view neuron_id) {
  std::unique_lock lock(mutex_);
  if (!connected_) return not_connected_locked();
  if (auto it = records_.find(neuron_id); it != records_.end())
    it->second.status = status::deregistered;
  return {};
}

store_result<void> memory_store::do_touch_heartbeat(std::string_view neuron_id, time_point ts,
                                                    std::optional<std::string_view> status) {
  std::unique_lock lock(mutex_);
  if (!connected_) return not_connected_locked();
  auto it = records_.find(neuron_id);
  if (it == records_.end()) {
    neuron_record thin;
    thin.neuron_id = std::string(neuron_id);
    thin.status = std::string(status.value_or(status::registered));
    thin.last_heartbeat = ts;
    records_.emplace(thin.neuron_id, std::move(thin));
    return {};
  }
  it->second.last_heartbeat = ts;
  if (status) it->second.status = std::string(*status);
  return {};
}

store_result<std::optional<neuron_record>> memory_store::do_get(std::string_view neuron_id) {
  std::shared_lock lock(mutex_);
  if (!connected_) return not_connected_locked();
  auto it = records_.find(neuron_id);
  if (it == records_.end()) return std::optional<neuron_record>{};
  return std::optional<neuron_record>{it->second};
}

store_result<std::vector<neuron_record>> memory_store::do_list(const list_options& options) {
  std::shared_lock lock(mutex_);
  if (!connected_) return not_connected_locked();
  std::vector<neuron_record> out;
  for (const auto& [id, record] : records_) {
    if (!options.include_deregistered && record.status == status::deregistered) continue;
    if (options.capability && !record.has_capability(*options.capability)) continue;
    out.push_back(record);
  }
  return out;  // the map keeps them sorted by neuron_id
}

}  // namespace neuromesh::registry
