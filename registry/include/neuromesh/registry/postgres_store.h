#pragma once
// PostgresRegistryStore: for several processes sharing one registry.
//
// Table `cosmonapse_neurons` exactly as the Python SDK creates it (reference §7.3): JSONB
// capabilities, TIMESTAMPTZ heartbeats, index cosmonapse_neurons_status_idx; the capability
// filter is `capabilities @> to_jsonb($1::text)`. Writes are single INSERT ... ON CONFLICT
// statements, so any number of processes may write at once without lost updates.
//
// A small pool of libpqxx connections (max_connections, created on demand; one at
// connect()) makes the store safe to call from many threads; a call waits for a free
// connection. A connection found broken is replaced and the call retried once.

#include "neuromesh/registry/registry_store.h"

#include <cstddef>
#include <memory>
#include <string>

namespace neuromesh::registry {

struct postgres_options {
  /// libpq connection string or URI, e.g. "postgresql://user:pw@host:5432/db".
  std::string dsn;
  /// Largest number of open connections (the Python store's max_size is 5).
  std::size_t max_connections = 5;
  /// Schema to create and use instead of the connection's search_path; empty = default.
  std::string schema;
};

class postgres_store final : public registry_store {
 public:
  explicit postgres_store(postgres_options options);
  explicit postgres_store(std::string dsn);
  ~postgres_store() override;
  postgres_store(const postgres_store&) = delete;
  postgres_store& operator=(const postgres_store&) = delete;

  store_result<void> connect() override;
  void close() noexcept override;
  std::string_view backend() const noexcept override { return "postgres"; }
  store_stats stats() const noexcept override;

 protected:
  store_result<void> do_upsert(const neuron_record& record) override;
  store_result<void> do_mark_deregistered(std::string_view neuron_id) override;
  store_result<void> do_touch_heartbeat(std::string_view neuron_id, time_point ts,
                                        std::optional<std::string_view> status) override;
  store_result<std::optional<neuron_record>> do_get(std::string_view neuron_id) override;
  store_result<std::vector<neuron_record>> do_list(const list_options& options) override;
  void count_rejected() noexcept override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace neuromesh::registry
