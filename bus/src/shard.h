#pragma once
// One shard: a bounded ring behind a spin lock, its monotonic clock, its backpressure policy
// and its counters. Producers push under the lock; the shard's single worker pops batches
// under the same lock and sleeps on a condition variable when the ring is empty. The
// "worker is asleep" flag lives under the spin lock, so a producer sees it without a fence
// and pays for a wake-up only when the worker actually sleeps.

#include "neuromesh/bus/config.h"
#include "neuromesh/bus/event.h"
#include "ring.h"
#include "spinlock.h"

#include <boost/system/result.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

namespace neuromesh::bus::detail {

/// A relaxed counter written by one side at a time (under a lock or by the one worker), read
/// by stats() from anywhere; increments compile to plain adds.
struct counter {
  std::atomic<std::uint64_t> v{0};
  void add(std::uint64_t n = 1) noexcept {
    v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_release);
  }
  std::uint64_t get() const noexcept { return v.load(std::memory_order_acquire); }
};

class shard {
 public:
  shard(std::uint16_t id, std::size_t capacity, const backpressure_mode& mode);

  /// Accepts ev (applying the backpressure mode when full); returns its insertion ts.
  boost::system::result<std::uint64_t> push(const raw_event& ev);
  /// Pushes several under one lock acquisition; returns how many were accepted.
  std::size_t push_many(const raw_event* const* events, std::size_t n);

  /// Moves up to max events into out. When none are queued, marks the worker asleep so
  /// the push that makes wake_at events queued wakes it (1 when idle; the rest of the batch
  /// target while a batch is filling, so producers do not pay a wake-up per event).
  std::size_t pop(std::vector<internal_event>& out, std::size_t max, std::size_t wake_at = 1);
  /// Sleeps until woken or deadline.
  void wait(std::chrono::steady_clock::time_point deadline);
  /// Wakes the worker (flush, shutdown, or a push that found it asleep).
  void wake();
  /// Refuses later pushes (shutdown phase 1).
  void close();

  std::uint16_t id() const noexcept { return id_; }
  std::size_t queued();

 private:
  enum class policy : std::uint8_t { drop_oldest, drop_newest, fail_producer, sample };
  // Returns true when the event may be pushed (after an eviction when needed).
  boost::system::error_code make_room_locked() noexcept;
  std::uint64_t stamp_locked() noexcept;

  // Producer side: everything a push touches shares the lock's cache lines, so an
  // uncontended push stays in one core's cache (issue 17: the worker's counters used to
  // share a line with accepted_, and every dispatch stole it from the producer).
  alignas(64) spinlock lock_;
  bool closed_ = false;
  bool worker_asleep_ = false;
  std::size_t wake_at_ = 1;
  policy policy_;
  std::uint32_t sample_rate_ = 1;
  std::uint64_t sample_tick_ = 0;
  std::uint64_t last_ts_ = 0;
  ring<internal_event> ring_;
  std::uint16_t id_;

 public:
  // Producer-side counters (written under the lock).
  counter accepted_;
  counter dropped_newest_;
  counter dropped_oldest_;
  counter dropped_sampled_;
  counter rejected_fail_producer_;
  // Worker-side counters, on lines of their own.
  alignas(64) counter dispatched_;
  counter batches_;
  counter dispatch_failed_;
  counter transient_errors_;
  counter fatal_errors_;
  counter retries_;
  counter leases_;
  counter lease_failures_;
  std::atomic<std::uint64_t> batch_target_{1};

  /// Events that will never be popped again or were handed over: what flush waits for.
  std::uint64_t settled() const noexcept {
    return dispatched_.get() + dispatch_failed_.get() + dropped_oldest_.get();
  }

 private:
  alignas(64) std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  bool wake_flag_ = false;
};

}  // namespace neuromesh::bus::detail
