#pragma once
// MemoryRegistryStore: records in a map, lost on close() or exit. For tests and ephemeral
// orchestrators. Thread-safe (one shared_mutex; readers share it).

#include "neuromesh/registry/registry_store.h"

#include <atomic>
#include <map>
#include <shared_mutex>
#include <string>

namespace neuromesh::registry {

class memory_store final : public registry_store {
 public:
  memory_store() = default;

  store_result<void> connect() override;
  void close() noexcept override;
  std::string_view backend() const noexcept override { return "memory"; }
  store_stats stats() const noexcept override;

 protected:
  store_result<void> do_upsert(const neuron_record& record) override;
  store_result<void> do_mark_deregistered(std::string_view neuron_id) override;
  store_result<void> do_touch_heartbeat(std::string_view neuron_id, time_point ts,
                                        std::optional<std::string_view> status) override;
  store_result<std::optional<neuron_record>> do_get(std::string_view neuron_id) override;
  store_result<std::vector<neuron_record>> do_list(const list_options& options) override;
  void count_rejected() noexcept override { ++rejected_; }

 private:
  store_error not_connected_locked();

  mutable std::shared_mutex mutex_;
  bool connected_ = false;
  std::map<std::string, neuron_record, std::less<>> records_;
  std::atomic<std::uint64_t> rejected_{0};
};

}  // namespace neuromesh::registry
