#pragma once
// The working set of instances: an in-memory mirror of the store, and the cached read
// views. A write changes the mirror and queues its store write (instance_store::submit)
// under the lock, then returns a pending_write the response waits for: the client is
// acknowledged only after the write committed, and no thread here ever waits on the
// database. Views are rebuilt only when the data changes (a generation counter) or when a
// listed instance turns stale (read-time staleness), never per request.
//
// The mirror runs ahead of the store by the writes in flight: reads show a change as soon
// as it is queued. A write whose commit fails is answered 503 and stays in the mirror (the
// client retries; a restart reloads what the store holds).
//
// Thread-safety: a shared_mutex guards the records (writers hold it exclusively only to
// change the mirror and queue the write, never across store I/O); a second mutex guards
// the cache slots. Lock order: mu_ before views_mu_ and before the store's queue lock.

#include "neuromesh/catalog/http_message.h"
#include "neuromesh/catalog/instance.h"
#include "neuromesh/catalog/instance_store.h"
#include "neuromesh/catalog/service.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace neuromesh::catalog::detail {

class metrics;

/// Fields a register body (or a self-registering heartbeat) carries.
struct registration {
  std::string name;
  std::string version;
  std::string host;
  std::optional<std::chrono::milliseconds> heartbeat_interval;
  std::optional<std::int64_t> generation;
  std::optional<boost::json::array> tools;
};

enum class write_outcome { ok, not_found, deregistered, store_failed };

/// A write's outcome; when ok, pending settles once the store committed it.
struct write_result {
  write_outcome outcome = write_outcome::ok;
  std::shared_ptr<pending_write> pending;  ///< null when nothing was written
};

struct heartbeat_outcome {
  write_outcome outcome = write_outcome::ok;
  bool refresh = false;
  std::shared_ptr<pending_write> pending;  ///< not yet durable: the ack waits for it
};

/// A sweep's counts (known at once) and its writes (settled later).
struct sweep_outcome {
  sweep_result counts;
  std::shared_ptr<pending_write> pending;  ///< null when the sweep wrote nothing
};

/// One (host, name) row of GET /hosts.
struct host_entry {
  std::string host;
  std::string name;
  std::string instance_id;
  std::string version;
  std::size_t tool_count = 0;
};

/// The grouped tools list and each tool's own body, serialised once per rebuild.
struct tool_view {
  std::shared_ptr<const std::string> list_body;
  std::unordered_map<std::string, std::shared_ptr<const std::string>> by_name;
};

class instance_table {
 public:
  instance_table(std::unique_ptr<instance_store> store, metrics& counters);

  write_result register_instance(const std::string& id, registration fields, wall_time now);
  heartbeat_outcome heartbeat(const std::string& id, std::optional<registration> fields,
                              std::optional<std::int64_t> generation, wall_time now);
  write_result set_tools(const std::string& id, boost::json::array tools, wall_time now);
  /// Unknown ids are a no-op (200 as in the reference).
  write_result deregister(const std::string& id, wall_time now);
  sweep_outcome sweep(wall_time now, std::chrono::milliseconds retention);

  std::shared_ptr<const std::string> instances_body(bool active_only, wall_time now);
  std::optional<std::string> instance_body(const std::string& id, wall_time now) const;
  std::shared_ptr<const tool_view> tools(bool active_only, wall_time now);
  std::shared_ptr<const std::vector<host_entry>> hosts(bool active_only, wall_time now);

  std::size_t live(wall_time now) const;
  std::size_t size() const;

 private:
  template <class T>
  struct slot {
    std::shared_ptr<const T> value;
    std::uint64_t generation = 0;
    wall_time valid_until{};
    bool built = false;
  };
  template <class T, class Build>
  std::shared_ptr<const T> cached(slot<T>& s, const std::atomic<std::uint64_t>& gen, wall_time now,
                                  bool time_dependent, Build build);

  /// Records in seq order, optionally only live ones; and the earliest expiry among live.
  std::vector<const instance_record*> select_locked(bool active_only, wall_time now,
                                                    wall_time& earliest_expiry) const;
  void bump_locked(bool membership);
  /// Queues w (under mu_, so the store applies writes in mirror order) and returns the
  /// pending write its commit settles.
  std::shared_ptr<pending_write> submit_locked(instance_write w);
  write_result register_locked(const std::string& id, registration fields, wall_time now);

  std::unique_ptr<instance_store> store_;
  metrics& metrics_;

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, instance_record> records_;
  std::int64_t next_seq_ = 1;
  /// Changes what /tools and /hosts show (membership, tools, names).
  std::atomic<std::uint64_t> membership_gen_{1};
  /// Any change at all (a heartbeat moves last_seen, which /instances shows).
  std::atomic<std::uint64_t> any_gen_{1};

  std::mutex views_mu_;
  slot<std::string> instances_[2];
  slot<tool_view> tools_[2];
  slot<std::vector<host_entry>> hosts_[2];
};

}  // namespace neuromesh::catalog::detail
