#pragma once
// One-shot reads: poll(poll_request) returns up to limit events, an opaque cursor to resume
// from, and whether more are waiting.

#include "neuromesh/bus/event.h"
#include "neuromesh/bus/filter.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace neuromesh::bus {

enum class ordering {
  /// Shard by shard, each in stream order.
  none,
  /// Merged across shards by insertion timestamp (per-shard order always holds).
  insertion_ts,
};

struct poll_request {
  std::size_t limit = 100;
  /// From a previous poll_response::next_cursor; empty = from the oldest retained event.
  std::string cursor;
  std::optional<bus::filter> filter;
  ordering order = ordering::none;
  /// Shards to read; empty = all.
  std::vector<std::uint16_t> shards;
};

struct poll_response {
  std::vector<event> events;
  /// Resume here. Events skipped by the filter are behind the cursor, not re-read.
  std::string next_cursor;
  bool has_more = false;
};

}  // namespace neuromesh::bus
