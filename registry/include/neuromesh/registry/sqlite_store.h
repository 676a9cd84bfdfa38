#pragma once
// SqliteRegistryStore: the embedded default, one file on disk (or ":memory:").
//
// The table is the Python SDK's `neurons` (reference §7.3) with its formats — capabilities
// as JSON text written like Python's json.dumps (`["a", "b"]`, non-ASCII as \uXXXX),
// timestamps as isoformat strings with `+00:00` — so a file written by either side reads
// unchanged on the other. PRAGMA user_version holds the schema version (1 = that table; a
// Python-created file has 0 and is migrated in place without changing the table).
//
// Durability: WAL journal, commit per call. With synchronous=NORMAL (the default) a call
// that returned success is in the WAL file in the OS page cache, so it survives kill -9 of
// the process (not a power cut); synchronous=FULL also fsyncs every commit and survives
// power loss at the cost of one fsync per write.
//
// Concurrency: several processes may share the file. Lock contention (SQLITE_BUSY) is
// absorbed by a busy timeout plus retries with backoff up to lock_budget, so "database is
// locked" never reaches the caller unless the lock is held that long (then errc::busy).
// Within one process the store is thread-safe: one connection serialised by a mutex.

#include "neuromesh/registry/registry_store.h"

#include <chrono>
#include <memory>
#include <string>

namespace neuromesh::registry {

struct sqlite_options {
  std::string path = ":memory:";
  /// Open without writing anything (no schema, no migration); writes return read_only.
  bool read_only = false;
  /// false: synchronous=NORMAL (survives a process crash); true: FULL (survives power loss).
  bool fsync_every_commit = false;
  /// How long one call keeps retrying a locked database before errc::busy.
  std::chrono::milliseconds lock_budget{30'000};
};

class sqlite_store final : public registry_store {
 public:
  /// The schema version this build writes (PRAGMA user_version).
  static constexpr int schema_version = 1;

  explicit sqlite_store(sqlite_options options);
  explicit sqlite_store(std::string path);
  ~sqlite_store() override;
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  store_result<void> connect() override;
  void close() noexcept override;
  std::string_view backend() const noexcept override { return "sqlite"; }
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
