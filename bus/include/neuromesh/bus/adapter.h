#pragma once
// Where a bus delivers its batches (reference/net-mesh.md §2.2). One interface, one file per
// backend: memory_adapter.h, redis_adapter.h, jetstream_adapter.h.
//
// Contract: on_batch is all-or-nothing and keeps the batch's order; calling it again with
// the same batch (a retry) must not create duplicates the consumer cannot remove (dedup ids).
// on_batch is called by one worker thread per shard, so calls for different shards run
// concurrently; poll_shard may run concurrently with both. Errors: errc::adapter_transient
// or errc::timeout are retried by the bus; anything else is fatal for that batch.

#include "neuromesh/bus/batch.h"
#include "neuromesh/bus/event.h"

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::bus {

/// One page of a shard stream.
struct shard_page {
  std::vector<event> events;
  /// More events follow the last one returned.
  bool has_more = false;
};

class adapter {
 public:
  virtual ~adapter() = default;

  /// Prepares streams for `shards` shards. A transient failure here is not fatal: the bus
  /// starts and on_batch retries the connection.
  virtual boost::system::result<void> init(std::uint16_t shards) = 0;
  /// Delivers one batch before deadline.
  virtual boost::system::result<void> on_batch(const batch& b,
                                               std::chrono::steady_clock::time_point deadline) = 0;
  virtual boost::system::result<void> flush() { return {}; }
  virtual void shutdown() {}
  /// Events of `shard` strictly after after_id (empty = from the start), at most limit.
  virtual boost::system::result<shard_page> poll_shard(std::uint16_t shard,
                                                       std::string_view after_id,
                                                       std::size_t limit) = 0;
  /// Id of the newest event of the shard ("" when empty), so a subscriber can start at
  /// the tail.
  virtual boost::system::result<std::string> last_id(std::uint16_t shard) = 0;
  virtual std::string_view name() const noexcept = 0;
  virtual bool is_healthy() const noexcept = 0;
  /// True when only this process writes the streams (so local wake-ups see everything).
  virtual bool local_only() const noexcept { return false; }
};

/// Compares two stream ids numerically: plain integers, or Redis "<ms>-<seq>"; anything
/// else falls back to (length, bytes) so "9" < "10".
int compare_stream_ids(std::string_view a, std::string_view b) noexcept;

}  // namespace neuromesh::bus
