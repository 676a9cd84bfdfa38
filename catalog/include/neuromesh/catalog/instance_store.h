#pragma once
// Where catalog instances persist. The service keeps the working set in memory and sends
// every change to the store's writer; a change is acknowledged to the client only after
// the transaction that carried it committed, so a restart (or kill -9) of the server is
// invisible to clients (reference §13 bug B). One interface, three backends (memory,
// SQLite, PostgreSQL), one conformance suite (tests/instance_store_test.cc).
//
// The write path is asynchronous: submit() only queues. The SQLite and PostgreSQL backends
// run one writer thread (registry::storage::group_writer) that applies queued writes in
// shared transactions (group commit) and then calls each write's completion; no caller
// thread ever waits on the database unless it asks to (the blocking conveniences below).
//
// Thread-safety: every method may be called from any thread. Writes are applied in the
// order submit() was called. Failures come back as values (errc::store_failed), never as
// exceptions; the cause is logged by the backend.

#include "neuromesh/catalog/instance.h"
#include "neuromesh/catalog/store_url.h"

#include <boost/system/result.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace neuromesh::catalog {

/// One change to the stored instances.
struct instance_write {
  enum class kind {
    upsert,      ///< record: inserts or replaces the whole record
    heartbeat,   ///< instance_id, at: last_seen of an instance known to be active (hot path)
    touch,       ///< instance_id, at: last_seen, active = true, inactive_since cleared
    deactivate,  ///< instance_id, at: active = false, inactive_since = at
    erase,       ///< instance_id: removed for good (retention garbage collection)
  };
  kind op = kind::upsert;
  std::string instance_id;
  wall_time at{};
  std::optional<instance_record> record;

  static instance_write upsert(instance_record r);
  static instance_write heartbeat(std::string id, wall_time last_seen);
  static instance_write touch(std::string id, wall_time last_seen);
  static instance_write deactivate(std::string id, wall_time inactive_since);
  static instance_write erase(std::string id);
};

class instance_store {
 public:
  virtual ~instance_store() = default;

  /// Every stored record, in seq order. Blocking; called once at start.
  virtual boost::system::result<std::vector<instance_record>> load_all() = 0;
  /// Queues w; done(ok) is called exactly once, after the transaction that carried w
  /// committed (ok) or failed — possibly at once, possibly later on the writer thread.
  /// done must be short and must not call back into the store's blocking methods.
  virtual void submit(instance_write w, std::function<void(bool ok)> done) = 0;
  /// Human-readable backend name for logs ("memory", "sqlite:/path", "postgres").
  virtual std::string describe() const = 0;

  // Blocking conveniences (tools and tests): submit and wait for the commit. Never call
  // them from an event loop's thread or from a completion.
  boost::system::result<void> upsert(const instance_record& record);
  boost::system::result<void> touch(const std::string& instance_id, wall_time last_seen);
  boost::system::result<void> deactivate(std::span<const instance_record> records);
  boost::system::result<void> erase(std::span<const std::string> instance_ids);
  /// Submits every write, waits for all; ok only when every one committed.
  boost::system::result<void> write(std::vector<instance_write> writes);
};

/// Opens (and migrates) the store named by url.
boost::system::result<std::unique_ptr<instance_store>> open_instance_store(const store_url& url);

std::unique_ptr<instance_store> make_memory_store();

}  // namespace neuromesh::catalog
