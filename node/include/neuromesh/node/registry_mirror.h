#pragma once
// The node's registry mirror (reference/cosmonapse.md §4.13): every REGISTER, HEARTBEAT and
// DEREGISTER seen on the namespace goes into the registry store, and a periodic stale sweep
// marks records whose last heartbeat is too old as deregistered.
//
// Sans-I/O: the caller feeds it Signals (from a synapse subscription) and calls sweep() on a
// timer; time comes from an injected clock. It is the same store mirroring a runtime
// Dendrite does, so a Dendrite with a registry store can replace it or run beside it (both
// write the same idempotent upserts).
//
// Mirroring rules, as the reference (§4.13):
//  * REGISTER  -> upsert(neuron_id = directed.id, capabilities, version, status
//                 "registered", last_heartbeat = ts); role "engram" is not a Neuron and is
//                 skipped (effectors are stored, the reference's quirk kept on purpose);
//  * HEARTBEAT -> touch_heartbeat(directed.id, ts, payload.status);
//  * DEREGISTER-> mark_deregistered(directed.id);
//  * a Signal without directed.id is ignored (counted).
// Fixed on purpose: the heartbeat time written is the time the node received it (the
// clock), not the sender's ts, so one agent with a skewed clock is not swept as stale.
//
// Thread-safety: none. The node drives it from one thread (the store calls block).

#include "neuromesh/protocol/signal.h"
#include "neuromesh/registry/registry_store.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace neuromesh::node {

struct mirror_options {
  /// A record with no heartbeat for this long counts as stale (still listed).
  std::chrono::milliseconds suspect_after{std::chrono::seconds(45)};
  /// The sweep marks records with no heartbeat for this long deregistered (0: never).
  std::chrono::milliseconds stale_after{std::chrono::seconds(90)};
  std::function<registry::time_point()> clock = [] { return registry::now_utc(); };
};

/// What a participant looks like from the registry: heartbeating, silent, or gone.
enum class liveness { alive, stale, deregistered };
std::string_view to_string(liveness l) noexcept;

/// Counters (monotonic).
struct mirror_stats {
  std::uint64_t registers = 0;     ///< REGISTERs written
  std::uint64_t heartbeats = 0;    ///< HEARTBEATs written
  std::uint64_t deregisters = 0;   ///< DEREGISTERs written
  std::uint64_t ignored = 0;       ///< lifecycle Signals without directed.id, or engrams
  std::uint64_t store_errors = 0;  ///< store calls that failed (logged)
  std::uint64_t swept = 0;         ///< records the stale sweep deregistered
};

class registry_mirror {
 public:
  /// store must be connected; it is shared with the HTTP routes that read it.
  registry_mirror(std::shared_ptr<registry::registry_store> store, mirror_options options);

  /// Applies one Signal. True when it was a lifecycle Signal written to the store; every
  /// other type is ignored and returns false.
  bool on_signal(const protocol::signal& s);

  /// Deregisters every listed record whose last heartbeat (or registration) is older than
  /// stale_after; returns their ids.
  std::vector<std::string> sweep();

  /// Liveness of a record now (by the clock and the options).
  liveness classify(const registry::neuron_record& r) const;

  const mirror_options& options() const noexcept { return options_; }
  const mirror_stats& stats() const noexcept { return stats_; }
  registry::registry_store& store() noexcept { return *store_; }

 private:
  void count_error(const registry::store_error& e, const char* what);

  std::shared_ptr<registry::registry_store> store_;
  mirror_options options_;
  mirror_stats stats_;
};

}  // namespace neuromesh::node
