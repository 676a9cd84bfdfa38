#pragma once
// Where catalog instances persist. The service keeps the working set in memory and writes
// every change through to the store before it acknowledges it, so a restart of the server
// is invisible to clients (reference §13 bug B). One interface, three backends (memory,
// SQLite, PostgreSQL), one conformance suite (tests/instance_store_test.cc).
//
// Thread-safety: every method may be called from any thread; backends serialise
// internally. Failures come back as values (errc::store_failed), never as exceptions.

#include "neuromesh/catalog/instance.h"
#include "neuromesh/catalog/store_url.h"

#include <boost/system/result.hpp>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace neuromesh::catalog {

class instance_store {
 public:
  virtual ~instance_store() = default;

  /// Every stored record, in seq order.
  virtual boost::system::result<std::vector<instance_record>> load_all() = 0;
  /// Inserts or replaces the whole record.
  virtual boost::system::result<void> upsert(const instance_record& record) = 0;
  /// A heartbeat: last_seen, active=true, inactive_since cleared. Hot path.
  virtual boost::system::result<void> touch(const std::string& instance_id,
                                            wall_time last_seen) = 0;
  /// The hot-path heartbeat of an instance the caller knows is active (only last_seen
  /// moves; reactivation goes through touch()). done(ok) is called once the write is
  /// durable, possibly later and from another thread: the SQLite backend groups concurrent
  /// heartbeats into one transaction. The default runs touch() and calls done at once.
  /// Writes queued before a later upsert/touch/deactivate/erase are applied before it.
  virtual void touch_async(const std::string& instance_id, wall_time last_seen,
                           std::function<void(bool ok)> done);
  /// Marks records inactive (a DELETE or a sweep), recording when.
  virtual boost::system::result<void> deactivate(std::span<const instance_record> records) = 0;
  /// Removes records for good (retention garbage collection).
  virtual boost::system::result<void> erase(std::span<const std::string> instance_ids) = 0;
  /// Human-readable backend name for logs ("memory", "sqlite:/path", "postgres").
  virtual std::string describe() const = 0;
};

/// Opens (and migrates) the store named by url.
boost::system::result<std::unique_ptr<instance_store>> open_instance_store(const store_url& url);

std::unique_ptr<instance_store> make_memory_store();

}  // namespace neuromesh::catalog
