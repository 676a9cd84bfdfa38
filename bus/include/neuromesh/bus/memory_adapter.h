#pragma once
// The in-process adapter. Unlike the reference's no-op adapter it delivers: each shard keeps
// a retained log bounded by event count and bytes, so poll() and subscribe() work in one
// process. Payloads are shared with the producer (no copy); ids are per-shard sequence
// numbers starting at 1.
//
// Thread-safety: one mutex per shard log; on_batch and poll_shard may run concurrently.

#include "neuromesh/bus/adapter.h"
#include "neuromesh/bus/config.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace neuromesh::bus {

namespace detail {
class retained_log;
}

class memory_adapter final : public adapter {
 public:
  explicit memory_adapter(retention_config retention = {});
  ~memory_adapter() override;

  boost::system::result<void> init(std::uint16_t shards) override;
  boost::system::result<void> on_batch(const batch& b,
                                       std::chrono::steady_clock::time_point deadline) override;
  /// As on_batch, keeping the events by move from `owned` (the same events as b.events, in
  /// order; the bus discards what is left): a moved payload's shared reference count is not
  /// touched, where copying and then releasing it fought a producer that re-emits the payload
  /// on another core for its cache line (issue 17). The bus's workers call this instead of
  /// on_batch when the adapter is a memory_adapter.
  boost::system::result<void> on_batch_owned(const batch& b, std::span<internal_event> owned);
  boost::system::result<shard_page> poll_shard(std::uint16_t shard, std::string_view after_id,
                                               std::size_t limit) override;
  boost::system::result<std::string> last_id(std::uint16_t shard) override;
  std::string_view name() const noexcept override { return "memory"; }
  bool is_healthy() const noexcept override { return true; }
  bool local_only() const noexcept override { return true; }

  std::uint64_t retained_events() const noexcept;
  std::uint64_t retained_bytes() const noexcept;
  std::uint64_t expired() const noexcept;
  /// Heap bytes one retained event costs besides its payload bytes.
  static std::size_t bytes_per_event_overhead() noexcept;

 private:
  retention_config retention_;
  std::vector<std::unique_ptr<detail::retained_log>> logs_;
};

}  // namespace neuromesh::bus
