#pragma once
// The working set of instances: an in-memory mirror of the store, written through before
// any change is acknowledged, and the cached read views. Views are rebuilt only when the
// data changes (a generation counter) or when a listed instance turns stale (read-time
// staleness), never per request.
//
// Thread-safety: a shared_mutex guards the records (writers hold it exclusively while
// they write through to the store); a second mutex guards the cache slots. Lock order:
// mu_ before views_mu_; the store's own lock is taken under mu_.

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

struct heartbeat_outcome {
  write_outcome outcome = write_outcome::ok;
  bool refresh = false;
  std::shared_ptr<pending_write> pending;  ///< not yet durable: the ack waits for it
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

  write_outcome register_instance(const std::string& id, registration fields, wall_time now);
  heartbeat_outcome heartbeat(const std::string& id, std::optional<registration> fields,
                              std::optional<std::int64_t> generation, wall_time now);
  write_outcome set_tools(const std::string& id, boost::json::array tools, wall_time now);
  /// Unknown ids are a no-op (200 as in the reference).
  write_outcome deregister(const std::string& id, wall_time now);
  sweep_result sweep(wall_time now, std::chrono::milliseconds retention);

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
