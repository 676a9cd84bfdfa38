#pragma once
// Redis Streams adapter (reference/net-mesh.md §2.2), on hiredis.
//
// One stream per shard, key "{prefix}:shard:{n}". A batch is one pipelined
//   MULTI; XADD key [MAXLEN ~ N] * d <envelope> dedup_id <id> ...; EXEC
// so it lands whole or not at all. Reads are XRANGE with an exclusive start "(id" fetching
// limit + 1 to tell has_more. Redis has no server-side dedup: a timed-out EXEC that did run
// is retried and duplicates its entries; consumers drop them by dedup_id
// (redis_stream_dedup). Connection loss and timeouts are errc::adapter_transient (the bus
// retries); error replies are errc::adapter_fatal.
//
// Thread-safety: one connection per shard for writes (one worker each) and one, behind a
// mutex, for reads; every connection reconnects lazily after a failure.

#include "neuromesh/bus/adapter.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct redisReply;  // hiredis, kept out of this header

namespace neuromesh::bus {

struct redis_adapter_config {
  /// redis://host[:port]
  std::string url = "redis://127.0.0.1:6379";
  std::string prefix = "net";
  /// Trim each stream to about this many entries (XADD MAXLEN ~ N).
  std::optional<std::size_t> max_stream_len;
  std::chrono::milliseconds command_timeout{1000};
  std::chrono::milliseconds connect_timeout{5000};

  static redis_adapter_config from_url(std::string url) {
    redis_adapter_config c;
    c.url = std::move(url);
    return c;
  }
};

/// "{prefix}:shard:{n}"
std::string redis_stream_key(std::string_view prefix, std::uint16_t shard);

class redis_adapter final : public adapter {
 public:
  /// Throws config_error for a URL it cannot parse.
  explicit redis_adapter(redis_adapter_config config);
  ~redis_adapter() override;

  boost::system::result<void> init(std::uint16_t shards) override;
  boost::system::result<void> on_batch(const batch& b,
                                       std::chrono::steady_clock::time_point deadline) override;
  boost::system::result<shard_page> poll_shard(std::uint16_t shard, std::string_view after_id,
                                               std::size_t limit) override;
  boost::system::result<std::string> last_id(std::uint16_t shard) override;
  void shutdown() override;
  std::string_view name() const noexcept override { return "redis"; }
  bool is_healthy() const noexcept override { return healthy_.load(std::memory_order_relaxed); }

  const redis_adapter_config& config() const noexcept { return config_; }

 private:
  struct connection;
  boost::system::result<std::shared_ptr<::redisReply>> read_command(
      const std::vector<std::string>& args);
  boost::system::result<void> ensure_connected(connection& c,
                                               std::chrono::milliseconds timeout) const;

  redis_adapter_config config_;
  std::string host_;
  int port_ = 6379;
  std::vector<std::unique_ptr<connection>> writers_;
  std::unique_ptr<connection> reader_;
  std::atomic<bool> healthy_{false};
};

}  // namespace neuromesh::bus
