#include "fold_core.h"

#include <spdlog/spdlog.h>

namespace neuromesh::cortex::detail {

fold_core::fold_core(std::shared_ptr<redex_file> file, std::uint64_t from, apply_fn apply)
    : file_(std::move(file)), apply_(std::move(apply)), tail_(file_->tail(from)), position_(from) {
  pump();
}

std::size_t fold_core::pump() {
  std::size_t n = 0;
  {
    std::lock_guard pl(pump_mu_);
    if (file_->next_seq() <= tail_.position()) return 0;
    std::unique_lock sl(state_mu);
    while (auto e = tail_.try_next()) {
      if (auto err = apply_(*e); !err.empty()) {
        errors_.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("cortex fold {}: skipped seq {}: {}", file_->name().str(), e->seq, err);
      }
      ++n;
    }
    position_.store(tail_.position(), std::memory_order_release);
  }
  if (n) changed.notify();
  return n;
}

bool fold_core::wait_for_seq(std::uint64_t seq, std::chrono::nanoseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout);
  for (;;) {
    catch_up();
    if (position() > seq) return true;
    if (!file_->wait_for_append(position(), deadline)) {
      catch_up();
      return position() > seq;
    }
  }
}

}  // namespace neuromesh::cortex::detail
