#pragma once
// Settings of an event bus. net_builder fills them; event_bus validates them and throws
// config_error naming the first bad setting.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace neuromesh::bus {

/// What a full ring does with one more event. Every drop, in every mode, is counted in
/// bus_stats (events_dropped and a counter of its own).
struct backpressure {
  /// Refuse the incoming event: errc::backpressure.
  struct drop_newest_t {};
  /// Evict the oldest queued event and accept the new one (the default).
  struct drop_oldest_t {};
  /// Refuse with errc::backpressure; the caller is expected to treat it as a failure.
  struct fail_producer_t {};
  /// Under overload keep 1 in rate events (each kept one evicts the oldest); refuse the
  /// rest with errc::sampled.
  struct sample {
    std::uint32_t rate = 10;
  };
  using mode = std::variant<drop_oldest_t, drop_newest_t, fail_producer_t, sample>;

  static constexpr drop_newest_t drop_newest{};
  static constexpr drop_oldest_t drop_oldest{};
  static constexpr fail_producer_t fail_producer{};
};
using backpressure_mode = backpressure::mode;

/// Adaptive batching: a shard worker hands the adapter a batch when it holds `target`
/// events, where target = observed rate × max_delay clamped to [min_size, max_size], or when
/// its oldest event has waited max_delay, or at flush/shutdown. At low rates target is
/// min_size, so latency stays low; under load batches grow and per-batch costs amortise.
struct batch_config {
  std::size_t min_size = 1;
  std::size_t max_size = 10'000;
  std::chrono::microseconds max_delay{1000};
  /// Window over which the ingest rate is measured.
  std::chrono::milliseconds velocity_window{100};
};

/// Bounds of the memory adapter's per-shard retained log (what poll and subscribe read).
struct retention_config {
  std::size_t max_events = 1'000'000;
  std::size_t max_bytes = std::size_t{256} << 20;
};

struct bus_config {
  std::uint16_t shards = 4;
  backpressure_mode mode = backpressure::drop_oldest_t{};
  /// Per-shard ring capacity in events: a power of two, at least 1024.
  std::size_t ring_capacity = std::size_t{1} << 20;
  batch_config batching{};
  retention_config retention{};
  /// Deadline of one adapter on_batch call.
  std::chrono::milliseconds adapter_timeout{30'000};
  /// Extra attempts after a transient adapter failure (then the batch is counted as
  /// dispatch_failed).
  std::uint32_t adapter_retries = 3;
  /// First retry delay; doubles per attempt up to 1 s.
  std::chrono::milliseconds retry_backoff{10};
  /// How long shutdown() keeps draining and retrying before it counts what is left as
  /// abandoned.
  std::chrono::milliseconds shutdown_budget{10'000};
  /// Persist the producer nonce here (9-byte file) and, beside it in "<path>.seq", each
  /// shard's leased sequence blocks: a block is written and fsynced before any id in it is
  /// used, and a restarted producer continues after the last leased block. So a restart
  /// never reuses a generated dedup id (new events are never mistaken for old ones), and a
  /// batch retried within one process keeps its ids (the backend drops the copy). What this
  /// cannot do: events still in a ring when the process dies are lost, and events the
  /// application emits again after a restart get fresh ids, so both copies are stored.
  /// Producers that can replay deterministically give each event its own id
  /// (net::emit_with_id) and have replays deduplicated. Empty = a fresh nonce per process
  /// (sequences start at 0; ids are still unique because the nonce is new).
  std::string producer_nonce_path;
  /// Subscribers of adapters shared with other processes also re-poll at this interval to
  /// see foreign producers' events (local events always wake them at once).
  std::chrono::milliseconds remote_poll_interval{50};
};

}  // namespace neuromesh::bus
