#pragma once
// Drives one fold: a cursor (redex_tail) over a RedEX file, an apply function run under the
// state's write lock, the seq folded so far, and a change notifier bumped after each fold.
//
// The fold is pumped by whoever needs it, serialised by pump_mu_: a writer right after its
// own append (so write → visible costs one append plus one apply), and every query, wait and
// watch first catches up with what other writers appended (one atomic comparison when there
// is nothing new). No thread of its own: an append wakes only the waiters that exist. A
// record that fails to decode is logged, counted in fold_errors and skipped (Net's
// LogAndContinue).
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

namespace neuromesh::cortex::detail {

class fold_core {
 public:
  /// Applies one event to the state; returns an error message, or empty on success.
  using apply_fn = std::function<std::string(const redex_event&)>;

  fold_core(std::shared_ptr<redex_file> file, std::uint64_t from, apply_fn apply);

  /// Folds everything the file holds now; returns how many records were applied.
  std::size_t pump();
  /// pump() only when the file has records the fold has not seen.
  void catch_up() {
    if (file_->next_seq() > position()) pump();
  }
  /// Pumps, then waits for appends until seq is folded. False on timeout or a closed file.
  bool wait_for_seq(std::uint64_t seq, std::chrono::nanoseconds timeout);
  /// Next seq the fold will apply (everything below it is folded).
  std::uint64_t position() const noexcept { return position_.load(std::memory_order_acquire); }
  std::uint64_t fold_errors() const noexcept { return errors_.load(std::memory_order_relaxed); }
  redex_file& file() noexcept { return *file_; }

  std::shared_mutex state_mu;
  /// Bumped after each pump that applied something.
  notifier changed;

 private:
  std::shared_ptr<redex_file> file_;
  apply_fn apply_;
  std::mutex pump_mu_;
  redex_tail tail_;
  std::atomic<std::uint64_t> position_;
  std::atomic<std::uint64_t> errors_{0};
};

}  // namespace neuromesh::cortex::detail
