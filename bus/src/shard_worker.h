#pragma once
// The per-shard drain-and-batch worker: pops events from the shard's ring into a batch,
// sized by batch_sizer, and hands it to the adapter with a deadline, retrying transient
// failures with doubling back-off. It sleeps on the shard when there is nothing to do, so
// an idle bus burns no CPU and a new event is picked up at once (no 100 µs sleep loop).

#include "batch_sizer.h"
#include "neuromesh/bus/event.h"

#include <cstdint>
#include <thread>
#include <vector>

namespace neuromesh::bus {
class event_bus;
}

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
  std::vector<internal_event> pending_;
  std::uint64_t next_sequence_ = 0;
  std::thread thread_;
};

}  // namespace neuromesh::bus::detail
