#pragma once
// Counters of an event bus. Every event that does not reach the adapter is in exactly one
// drop counter, and events_dropped is their sum. Refused events (dropped_newest,
// dropped_sampled, rejected_fail_producer, events_unrouted) were never ingested; every
// ingested event is dispatched, evicted, failed or still queued, so
//   events_ingested == events_dispatched + dropped_oldest + dispatch_failed + Σ shards[i].queued
// exactly once the bus is quiescent (after flush()); a snapshot taken while events flow reads
// the counters one after another and may be off by the events moving meanwhile.

#include <cstdint>
#include <string>
#include <vector>

namespace neuromesh::bus {

struct shard_stats {
  std::uint16_t shard_id = 0;
  /// Events accepted into the ring.
  std::uint64_t events_ingested = 0;
  std::uint64_t dropped_newest = 0;
  /// Evicted by DropOldest (and by Sample's kept event).
  std::uint64_t dropped_oldest = 0;
  std::uint64_t dropped_sampled = 0;
  std::uint64_t rejected_fail_producer = 0;
  std::uint64_t events_dispatched = 0;
  std::uint64_t batches_dispatched = 0;
  /// Accepted but never delivered: retries exhausted, fatal adapter error, or abandoned at
  /// the end of the shutdown budget.
  std::uint64_t dispatch_failed = 0;
  std::uint64_t queued = 0;
  std::uint64_t current_batch_target = 0;
};

struct bus_stats {
  std::uint64_t events_ingested = 0;
  /// Sum of every drop below.
  std::uint64_t events_dropped = 0;
  std::uint64_t dropped_newest = 0;
  std::uint64_t dropped_oldest = 0;
  std::uint64_t dropped_sampled = 0;
  std::uint64_t rejected_fail_producer = 0;
  std::uint64_t events_unrouted = 0;
  std::uint64_t dispatch_failed = 0;
  std::uint64_t events_dispatched = 0;
  std::uint64_t batches_dispatched = 0;
  /// Adapter failures a retry may cure, and the retries made.
  std::uint64_t adapter_transient_errors = 0;
  std::uint64_t adapter_fatal_errors = 0;
  std::uint64_t adapter_retries = 0;
  /// With producer_nonce_path: sequence blocks persisted, and persist attempts that failed
  /// (the batch waits and retries like a transient adapter failure).
  std::uint64_t sequence_leases = 0;
  std::uint64_t sequence_lease_failures = 0;
  /// Memory adapter: events held for poll/subscribe, their bytes, and how many the
  /// retention bounds have expired.
  std::uint64_t retained_events = 0;
  std::uint64_t retained_bytes = 0;
  std::uint64_t retention_expired = 0;
  std::vector<shard_stats> shards;
};

/// What health() reports.
struct bus_health {
  bool healthy = false;
  bool accepting = false;
  std::string adapter;
  bool adapter_healthy = false;
  std::uint16_t shards = 0;
};

}  // namespace neuromesh::bus
