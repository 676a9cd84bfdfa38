#pragma once
// A batch handed to an adapter: ordered events of one shard plus the identity that makes
// every event's dedup id unique and reproducible (reference/net-mesh.md §2.2).

#include "neuromesh/bus/event.h"

#include <cstdint>
#include <span>
#include <string>

namespace neuromesh::bus {

struct batch {
  std::uint16_t shard_id = 0;
  /// Per-shard sequence number of events[0]; event i has sequence sequence_start + i.
  std::uint64_t sequence_start = 0;
  /// The producer's identity (random per process, or persisted with producer_nonce_path).
  std::uint64_t process_nonce = 0;
  std::span<const internal_event> events;
};

/// The dedup id of events[i] — the Redis dedup_id field and the JetStream Nats-Msg-Id: the
/// event's own id when it carries one (raw_event::copy_with_id), else
/// "{nonce hex}:{shard}:{sequence_start}:{i}". A retry of the same batch by the same process
/// yields the same ids. A restarted producer never reuses a generated id: with
/// producer_nonce_path its per-shard sequences continue after the last block leased before
/// the restart (see bus_config::producer_nonce_path).
std::string dedup_id(const batch& b, std::size_t i);
/// Appends dedup_id(b, i) to out.
void append_dedup_id(const batch& b, std::size_t i, std::string& out);

}  // namespace neuromesh::bus
