#pragma once
// Wakes subscribers when the bus delivers a batch: an epoch counter, a condition variable
// for threads, and a list of parked completion handlers for coroutines. notify() bumps the
// epoch and posts every parked handler to its own executor, so a waiting coroutine resumes
// on the thread that runs its io_context, never on the worker thread.

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

namespace neuromesh::bus::detail {

class notifier {
 public:
  /// A parked wake-up: fn runs on ex.
  struct handler {
    boost::asio::any_io_executor ex;
    std::function<void()> fn;
  };

  std::uint64_t epoch() const;
  /// Bumps the epoch and wakes everyone.
  void notify();
  /// Blocks until the epoch differs from seen or deadline; returns whether it changed.
  bool wait_until(std::uint64_t seen, std::chrono::steady_clock::time_point deadline);
  /// Runs h.fn on h.ex once the epoch differs from seen.
  void park(std::uint64_t seen, handler h);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t epoch_ = 0;
  std::vector<handler> parked_;
};

}  // namespace neuromesh::bus::detail
