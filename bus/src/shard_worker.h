#pragma once
// The per-shard drain-and-batch worker: pops events from the shard's ring into a batch,
// sized by batch_sizer, and hands it to the adapter with a deadline, retrying transient
// failures with doubling back-off. It sleeps on the shard when there is nothing to do, so
// an idle bus burns no CPU and a new event is picked up at once (no 100 µs sleep loop).

#include "batch_sizer.h"
#include "neuromesh/bus/event.h"

#include <boost/system/result.hpp>

#include <cstdint>
#include <thread>
#include <vector>

namespace neuromesh::bus {
class event_bus;
class memory_adapter;
}  // namespace neuromesh::bus

namespace neuromesh::bus::detail {

class shard;

class shard_worker {
 public:
  shard_worker(event_bus& bus, shard& s);
  ~shard_worker();
  void start();
  void join();

 private:
  void run();
  /// Delivers pending_ (retrying); returns after it is dispatched or counted as failed.
  void dispatch();

  event_bus& bus_;
  shard& shard_;
  /// Set when the adapter is the memory adapter: batches are handed over by move.
  memory_adapter* memory_;
  std::vector<internal_event> pending_;
  /// Delivers leases, when the bus persists them, up to next_sequence_ + pending_.size().
  boost::system::result<void> ensure_leased();

  std::uint64_t next_sequence_ = 0;
  /// Sequences below this are leased on disk (unbounded without producer_nonce_path).
  std::uint64_t lease_end_ = 0;
  std::thread thread_;
};

}  // namespace neuromesh::bus::detail
