#pragma once
// One RedEX log: an append-only sequence of byte records numbered from 0, kept in memory
// and, when persistent, mirrored to three files on disk (index_record.h draws the layout).
// Reads are served from memory; the disk files are for restart and crash recovery.
//
//   auto f = redex.open_file(channel_name::parse("orders/audit"), {.persistent = true});
//   auto seq = f->append("event-1");                   // result<uint64_t>: 0, 1, 2, …
//   auto evs = f->read(0, 100);                        // up to 100 retained records from seq 0
//   auto t = f->tail(0);                               // replay from 0, then follow appends
//   auto e = co_await t.async_next();                  // woken by the append, no polling
//
// Lifecycle: open through a `redex` manager; close() (or the manager's close, or the last
// handle going away) fsyncs and closes the disk files, after which appends fail with
// errc::closed and tails finish once they have read everything.
//
// Thread-safety: every member is safe to call from any thread; appends are serialised by
// one mutex per file, so sequence numbers follow append order. A redex_tail is used by one
// thread or coroutine at a time.
//
// Tombstones: tombstone(seq) appends a record flagged TOMBSTONE whose payload is the target
// seq (u64 LE). read() skips deleted records and tombstones; a tail delivers each tombstone
// (is_tombstone(), target()) so a follower learns of the deletion, and skips deleted records
// it has not yet read.

#include "neuromesh/cortex/channel_name.h"
#include "neuromesh/cortex/errc.h"
#include "neuromesh/cortex/redex_config.h"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::cortex {

namespace detail {
class file_state;
}

struct redex_event {
  std::uint64_t seq = 0;
  /// Unix nanoseconds at append (from the ts sidecar after a restart).
  std::uint64_t ts_ns = 0;
  std::string payload;
  bool tombstone = false;
  /// The seq a tombstone deletes (0 for other records).
  std::uint64_t target() const noexcept;
};

struct redex_stats {
  /// Retained records, tombstones and deleted ones included.
  std::uint64_t count = 0;
  /// Retained bytes: 20 per record plus payloads.
  std::uint64_t bytes = 0;
  /// Seq of the oldest retained record, and the next seq append() will return.
  std::uint64_t first_seq = 0;
  std::uint64_t next_seq = 0;
  std::uint64_t appended = 0;
  std::uint64_t evicted = 0;
  std::uint64_t tombstones = 0;
  std::uint64_t fsyncs = 0;
  /// Records dropped at open because their tail was torn (a crash mid-append).
  std::uint64_t recovered_truncated = 0;
};

/// A cursor over one file: replays retained records from its start seq, then waits for
/// appends. If retention evicts records before the cursor reaches them, it skips ahead to
/// the oldest retained one and counts them in skipped().
class redex_tail {
 public:
  redex_tail(redex_tail&&) noexcept;
  redex_tail& operator=(redex_tail&&) noexcept;
  ~redex_tail();

  /// The next record if one is retained now.
  std::optional<redex_event> try_next();
  /// Blocks up to timeout: errc::timeout, or errc::closed once the file is closed and read.
  boost::system::result<redex_event> next(std::chrono::nanoseconds timeout);
  /// Suspends until the next record; errc::closed as above. Run it on a single-threaded
  /// io_context or a strand; the wake-up is posted to the coroutine's executor. Cancellable
  /// (e.g. by `||` with a timer): then it returns boost::asio::error::operation_aborted.
  boost::asio::awaitable<boost::system::result<redex_event>> async_next();
  /// Seq of the next record this cursor will deliver.
  std::uint64_t position() const noexcept { return next_; }
  std::uint64_t skipped() const noexcept { return skipped_; }

 private:
  friend class redex_file;
  redex_tail(std::shared_ptr<detail::file_state> f, std::uint64_t from);
  std::shared_ptr<detail::file_state> f_;
  std::uint64_t next_ = 0;
  std::uint64_t skipped_ = 0;
};

class redex_file {
 public:
  ~redex_file();
  redex_file(const redex_file&) = delete;
  redex_file& operator=(const redex_file&) = delete;

  const channel_name& name() const noexcept;
  const redex_file_config& config() const noexcept;

  /// Appends one record; its seq. errc::closed, errc::io_error, errc::log_full.
  boost::system::result<std::uint64_t> append(std::string_view payload);
  /// Appends all records contiguously (one write per disk file); the first seq. All or none.
  boost::system::result<std::uint64_t> append_batch(std::span<const std::string_view> payloads);
  boost::system::result<std::uint64_t> append_batch(std::span<const std::string> payloads);
  /// Deletes a retained record: appends a tombstone for it; the tombstone's seq.
  /// errc::unknown_seq if target is not retained, already deleted, or itself a tombstone.
  boost::system::result<std::uint64_t> tombstone(std::uint64_t target);

  /// Up to n live records (not deleted, not tombstones) with seq >= from, in order.
  std::vector<redex_event> read(std::uint64_t from, std::size_t n) const;
  /// A cursor starting at from (clamped to the oldest retained record).
  redex_tail tail(std::uint64_t from = 0) const;

  /// Evicts head records past the retention caps now (appends do it too); how many.
  std::uint64_t sweep_retention();
  /// fsyncs the disk files (no-op in memory).
  boost::system::result<void> sync();
  /// fsyncs and closes; wakes every tail. Idempotent.
  boost::system::result<void> close();
  bool closed() const noexcept;

  std::uint64_t next_seq() const noexcept;
  redex_stats stats() const;

  /// Blocks until next_seq() > seen_next or the file closes or the deadline passes; whether
  /// there is something new. For fold drivers that read through their own cursor.
  bool wait_for_append(std::uint64_t seen_next,
                       std::chrono::steady_clock::time_point deadline) const;
  /// The coroutine form: true when next_seq() > seen_next, false when the file closed first
  /// or the coroutine was cancelled. Same executor rules as redex_tail::async_next().
  boost::asio::awaitable<bool> async_wait_for_append(std::uint64_t seen_next) const;

 private:
  friend class redex;
  explicit redex_file(std::shared_ptr<detail::file_state> f);
  std::shared_ptr<detail::file_state> f_;
};

}  // namespace neuromesh::cortex
