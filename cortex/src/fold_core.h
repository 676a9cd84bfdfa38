#pragma once
// Drives one fold: a cursor (redex_tail) over a RedEX file, an apply function run under the
// state's write lock, the seq folded so far, and a change notifier for watchers.
//
// Two paths pump the cursor, serialised by pump_mu_: the writer, right after its own append
// (so write → visible costs one append plus one apply), and a follower thread that sleeps
// on the file's append notifier and folds records appended by anyone else. A record that
// fails to decode is logged, counted in fold_errors and skipped (Net's LogAndContinue).
//
// Lock order: pump_mu_ → state (unique). Queries take state shared only.

#include "neuromesh/cortex/redex_file.h"
#include "notifier.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

namespace neuromesh::cortex::detail {

class fold_core {
 public:
  /// Applies one event to the state; returns an error message, or empty on success.
  using apply_fn = std::function<std::string(const redex_event&)>;

  fold_core(std::shared_ptr<redex_file> file, std::uint64_t from, apply_fn apply);
  ~fold_core();

  /// Folds everything the file holds now; returns how many records were applied.
  std::size_t pump();
  /// Pumps, then waits until seq is folded. False on timeout or when the file closed first.
  bool wait_for_seq(std::uint64_t seq, std::chrono::nanoseconds timeout);
  /// Next seq the fold will apply (everything below it is folded).
  std::uint64_t position() const noexcept { return position_.load(std::memory_order_acquire); }
  std::uint64_t fold_errors() const noexcept { return errors_.load(std::memory_order_relaxed); }
  redex_file& file() noexcept { return *file_; }
  const std::shared_ptr<redex_file>& file_ptr() const noexcept { return file_; }

  std::shared_mutex state_mu;
  /// Bumped after each pump that applied something.
  notifier changed;

 private:
  void follow();

  std::shared_ptr<redex_file> file_;
  apply_fn apply_;
  std::mutex pump_mu_;
  redex_tail tail_;
  std::atomic<std::uint64_t> position_;
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<bool> stop_{false};
  std::thread follower_;
};

}  // namespace neuromesh::cortex::detail
