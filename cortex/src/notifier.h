#pragma once
// Wakes waiters when something changes (an append to a RedEX file, a fold applying events):
// an epoch counter, a condition variable for blocking threads, and a list of parked
// coroutine wake-ups. notify() costs one atomic increment and one atomic load when nobody
// waits, which keeps it off the append hot path.
//
// Coroutines wait through async_wait(): it parks a wake-up that cancels a timer on the
// coroutine's own executor; a guard in the coroutine frame unparks it when the coroutine
// resumes or is destroyed, so notify() never posts to an executor whose waiter is gone.

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>

namespace neuromesh::cortex::detail {

class notifier {
 public:
  std::uint64_t epoch() const noexcept { return epoch_.load(std::memory_order_seq_cst); }
  /// Bumps the epoch and wakes every waiter.
  void notify();
  /// Blocks until epoch() != seen or the deadline; whether it changed.
  bool wait_until(std::uint64_t seen, std::chrono::steady_clock::time_point deadline);
  /// Suspends until epoch() != seen. Returns false when the coroutine was cancelled.
  boost::asio::awaitable<bool> async_wait(std::uint64_t seen);

 private:
  struct parked {
    std::function<void()> wake;  // posts a timer cancel to the waiter's executor
  };
  std::atomic<std::uint64_t> epoch_{0};
  std::atomic<int> waiters_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::list<parked> parked_;
  friend struct park_guard;
};

}  // namespace neuromesh::cortex::detail
