#pragma once
// Events as the bus moves them (internal_event, in rings and batches) and as consumers see
// them (event, from poll and subscribe).

#include "neuromesh/bus/raw_event.h"

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace neuromesh::bus {

/// An accepted event: payload plus the shard's monotonic insertion timestamp (ns).
struct internal_event {
  raw_event payload;
  std::uint64_t insertion_ts = 0;
};

/// Routes an event by an entity key instead of its payload hash, so one entity's events
/// share a shard and keep their order.
struct partition_key {
  std::string_view value;
};

/// What emit returns: where the event went and when.
struct receipt {
  std::uint16_t shard_id = 0;
  std::uint64_t insertion_ts = 0;
};

/// An event read back from the adapter.
struct event {
  std::uint16_t shard_id = 0;
  /// The adapter's id in its shard stream: a sequence number (memory, JetStream) or a
  /// Redis stream id "<ms>-<seq>". Compared numerically, never as a string.
  std::string id;
  std::uint64_t insertion_ts = 0;
  raw_event payload;
  /// The producer's dedup id when the backend stores one (Redis dedup_id field, JetStream
  /// Nats-Msg-Id); for the memory adapter only the event's own id (copy_with_id). Feed it to
  /// redis_stream_dedup.
  std::string dedup_id;

  std::string_view raw_str() const noexcept { return payload.str(); }
  /// Parses the payload as JSON (errc::decode_failed when it is not JSON).
  boost::system::result<boost::json::value> json() const;
};

}  // namespace neuromesh::bus
