#pragma once
// NATS JetStream adapter (reference/net-mesh.md §2.2), on libnats (nats.c).
//
// One stream per shard, "{prefix}_shard_{n}", on subject "{prefix}.shard.{n}": file storage,
// limits retention, discard old, direct get allowed, one replica, and a duplicate window
// (default 1 h; NATS's own default is 2 min). Each event is published asynchronously with
// header Nats-Msg-Id = its dedup id, and a batch succeeds when every ack has arrived, so the
// server drops a retried batch's duplicates. Reads walk "direct get next by subject" from a
// sequence cursor. Disconnections and ack timeouts are errc::adapter_transient; the client
// reconnects on its own.
//
// Thread-safety: one connection; one JetStream context per shard (one worker each); reads
// use their own context behind a mutex.

#include "neuromesh/bus/adapter.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace neuromesh::bus {

struct jetstream_adapter_config {
  std::string url = "nats://127.0.0.1:4222";
  std::string prefix = "net";
  std::chrono::seconds duplicate_window{3600};
  /// Cap each stream at this many messages (discard old).
  std::optional<std::int64_t> max_messages;
  std::chrono::milliseconds connect_timeout{5000};
  /// How long a batch waits for its acks (also bounded by the bus's adapter_timeout).
  std::chrono::milliseconds ack_timeout{5000};

  static jetstream_adapter_config from_url(std::string url) {
    jetstream_adapter_config c;
    c.url = std::move(url);
    return c;
  }
};

/// "{prefix}_shard_{n}" and "{prefix}.shard.{n}"
std::string jetstream_stream_name(std::string_view prefix, std::uint16_t shard);
std::string jetstream_subject(std::string_view prefix, std::uint16_t shard);

class jetstream_adapter final : public adapter {
 public:
  explicit jetstream_adapter(jetstream_adapter_config config);
  ~jetstream_adapter() override;

  boost::system::result<void> init(std::uint16_t shards) override;
  boost::system::result<void> on_batch(const batch& b,
                                       std::chrono::steady_clock::time_point deadline) override;
  boost::system::result<shard_page> poll_shard(std::uint16_t shard, std::string_view after_id,
                                               std::size_t limit) override;
  boost::system::result<std::string> last_id(std::uint16_t shard) override;
  void shutdown() override;
  std::string_view name() const noexcept override { return "jetstream"; }
  bool is_healthy() const noexcept override { return healthy_.load(std::memory_order_relaxed); }

 private:
  struct state;
  boost::system::result<void> connect_locked();
  std::unique_ptr<state> state_;
  jetstream_adapter_config config_;
  std::uint16_t shards_ = 0;
  std::atomic<bool> healthy_{false};
};

}  // namespace neuromesh::bus
