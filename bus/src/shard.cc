#include "shard.h"

#include "neuromesh/bus/errc.h"
#include "timestamp.h"

#include <mutex>

namespace neuromesh::bus::detail {

shard::shard(std::uint16_t id, std::size_t capacity, const backpressure_mode& mode)
    : ring_(capacity), id_(id) {
  if (std::holds_alternative<backpressure::drop_newest_t>(mode)) {
    policy_ = policy::drop_newest;
  } else if (std::holds_alternative<backpressure::fail_producer_t>(mode)) {
    policy_ = policy::fail_producer;
  } else if (const auto* s = std::get_if<backpressure::sample>(&mode)) {
    policy_ = policy::sample;
    sample_rate_ = s->rate;
  } else {
    policy_ = policy::drop_oldest;
  }
}

boost::system::error_code shard::make_room_locked() noexcept {
  switch (policy_) {
    case policy::drop_oldest:
      ring_.drop_front();
      dropped_oldest_.add();
      return {};
    case policy::drop_newest:
      dropped_newest_.add();
      return errc::backpressure;
    case policy::fail_producer:
      rejected_fail_producer_.add();
      return errc::backpressure;
    case policy::sample:
      // Keep 1 in rate of the events that arrive while the ring is full.
      if (sample_tick_++ % sample_rate_ == 0) {
        ring_.drop_front();
        dropped_oldest_.add();
        return {};
      }
      dropped_sampled_.add();
      return errc::sampled;
  }
  return {};
}

std::uint64_t shard::stamp_locked() noexcept {
  std::uint64_t now = now_ns();
  last_ts_ = now > last_ts_ ? now : last_ts_ + 1;
  return last_ts_;
}

boost::system::result<std::uint64_t> shard::push(const raw_event& ev) {
  lock_.lock();
  if (closed_) [[unlikely]] {
    lock_.unlock();
    return make_error_code(errc::shutting_down);
  }
  if (ring_.full()) [[unlikely]] {
    if (auto ec = make_room_locked()) {
      lock_.unlock();
      return ec;
    }
  }
  std::uint64_t ts = stamp_locked();
  ring_.emplace(ev, ts);
  accepted_.add();
  bool wake_worker = worker_asleep_ && ring_.size() >= wake_at_;
  if (wake_worker) [[unlikely]]
    worker_asleep_ = false;
  lock_.unlock();
  if (wake_worker) [[unlikely]]
    wake();
  return ts;
}

std::size_t shard::push_many(const raw_event* const* events, std::size_t n) {
  std::size_t accepted = 0;
  lock_.lock();
  if (closed_) {
    lock_.unlock();
    return 0;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (ring_.full() && make_room_locked()) continue;
    ring_.emplace(*events[i], stamp_locked());
    ++accepted;
  }
  accepted_.add(accepted);
  bool wake_worker = worker_asleep_ && accepted > 0 && ring_.size() >= wake_at_;
  if (wake_worker) worker_asleep_ = false;
  lock_.unlock();
  if (wake_worker) wake();
  return accepted;
}

std::size_t shard::pop(std::vector<internal_event>& out, std::size_t max, std::size_t wake_at) {
  std::lock_guard lk(lock_);
  std::size_t n = ring_.pop_into(out, max);
  if (n == 0) {
    worker_asleep_ = true;
    wake_at_ = wake_at;
  }
  return n;
}

void shard::wait(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lk(wake_mu_);
  wake_cv_.wait_until(lk, deadline, [this] { return wake_flag_; });
  wake_flag_ = false;
}

void shard::wake() {
  {
    std::lock_guard lk(wake_mu_);
    wake_flag_ = true;
  }
  wake_cv_.notify_one();
}

void shard::close() {
  std::lock_guard lk(lock_);
  closed_ = true;
}

std::size_t shard::queued() {
  std::lock_guard lk(lock_);
  return ring_.size();
}

}  // namespace neuromesh::bus::detail
