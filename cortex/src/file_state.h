#pragma once
// The state behind a redex_file handle: the retained records in memory (a deque of slots
// plus payload chunks; payloads of up to 8 bytes live inside their slot), the optional
// disk mirror, and the append notifier tails and folds wait on. One mutex guards it all;
// notify() runs after the mutex is released.

#include "disk_store.h"
#include "neuromesh/cortex/channel_name.h"
#include "neuromesh/cortex/redex_config.h"
#include "neuromesh/cortex/redex_file.h"
#include "notifier.h"

#include <boost/system/result.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace neuromesh::cortex::detail {

std::uint64_t unix_now_ns() noexcept;

class file_state {
 public:
  /// A memory file, or (disk_dir set) a disk file recovered from disk_dir.
  file_state(channel_name name, redex_file_config config,
             std::optional<std::filesystem::path> disk_dir);
  ~file_state();

  boost::system::result<std::uint64_t> append(std::span<const std::string_view> payloads,
                                              std::uint32_t flags = 0);
  boost::system::result<std::uint64_t> tombstone(std::uint64_t target);
  std::vector<redex_event> read(std::uint64_t from, std::size_t n) const;
  /// The next record at or after cursor (tombstones included, deleted skipped); advances it.
  std::optional<redex_event> next_from(std::uint64_t& cursor, std::uint64_t& skipped) const;
  std::uint64_t sweep();
  boost::system::result<void> sync();
  boost::system::result<void> close();
  redex_stats stats() const;

  std::uint64_t next_seq() const noexcept { return next_seq_.load(std::memory_order_acquire); }
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

  const channel_name name;
  const redex_file_config config;
  notifier appended;

 private:
  static constexpr std::uint32_t deleted_bit = 1;  // in slot::flags, low bits are free
  struct slot {
    std::uint64_t ts_ns;
    union {
      const char* ptr;  // payloads of len > 8, inside a chunk
      char bytes[8];    // payloads of len <= 8
    };
    std::uint32_t len;
    std::uint32_t flags;  // index_record flag bits | deleted_bit
  };
  // Payload storage: fixed buffers filled in seq order and freed from the front once every
  // payload in them is evicted, so a payload never moves and eviction never copies.
  struct chunk {
    std::unique_ptr<char[]> buf;
    std::size_t cap = 0, used = 0, count = 0, evicted = 0;
  };
  static constexpr std::size_t chunk_size = 1 << 20;

  void push_locked(std::string_view payload, std::uint64_t ts, std::uint32_t flags);
  std::uint64_t evict_locked(std::uint64_t now);
  redex_event event_locked(std::size_t i) const;

  mutable std::mutex mu_;
  std::deque<slot> slots_;
  std::deque<chunk> chunks_;
  std::uint64_t first_seq_ = 0;
  std::uint64_t bytes_ = 0;
  std::atomic<std::uint64_t> next_seq_{0};
  std::atomic<bool> closed_{false};
  std::unique_ptr<disk_store> disk_;
  std::vector<pending_record> pending_;
  redex_stats counters_;
};

}  // namespace neuromesh::cortex::detail
