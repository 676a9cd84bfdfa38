#include "shard_worker.h"

#include "neuromesh/bus/adapter.h"
#include "neuromesh/bus/errc.h"
#include "neuromesh/bus/event_bus.h"
#include "neuromesh/bus/memory_adapter.h"
#include "notifier.h"
#include "sequence_lease.h"
#include "shard.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace neuromesh::bus::detail {

using clock = std::chrono::steady_clock;

shard_worker::shard_worker(event_bus& bus, shard& s)
    : bus_(bus), shard_(s), memory_(dynamic_cast<memory_adapter*>(bus.adapter_.get())) {
  if (bus_.leases_) {
    // Continue after the last block any earlier process leased; nothing is leased yet.
    next_sequence_ = bus_.leases_->start(shard_.id());
    lease_end_ = next_sequence_;
  } else {
    lease_end_ = UINT64_MAX;
  }
}

boost::system::result<void> shard_worker::ensure_leased() {
  const std::uint64_t need = next_sequence_ + pending_.size();
  if (need <= lease_end_) return {};
  const std::uint64_t end = need + sequence_leases::block;
  if (auto r = bus_.leases_->extend(shard_.id(), end); !r) {
    shard_.lease_failures_.add();
    return r;
  }
  shard_.leases_.add();
  lease_end_ = end;
  return {};
}

shard_worker::~shard_worker() { join(); }

void shard_worker::start() { thread_ = std::thread(&shard_worker::run, this); }

void shard_worker::join() {
  if (thread_.joinable()) thread_.join();
}

void shard_worker::run() {
  const auto& cfg = bus_.config_.batching;
  batch_sizer sizer(cfg, clock::now());
  pending_.reserve(std::min<std::size_t>(cfg.max_size, 65536));
  clock::time_point first_pending{};
  std::uint64_t seen_flush = bus_.flush_epoch_.load(std::memory_order_acquire);

  for (;;) {
    const std::size_t target = sizer.target();
    shard_.batch_target_.store(target, std::memory_order_relaxed);
    std::size_t room = pending_.size() < target ? target - pending_.size() : 0;
    std::size_t had = pending_.size();
    std::size_t n = room ? shard_.pop(pending_, room, had == 0 ? 1 : room) : 0;
    auto now = clock::now();
    sizer.observe(n, room, now);
    if (had == 0 && n > 0) first_pending = now;

    const bool closing = bus_.closing_.load(std::memory_order_acquire);
    const std::uint64_t flush = bus_.flush_epoch_.load(std::memory_order_acquire);
    const bool flush_asked = flush != seen_flush;
    if (!pending_.empty() && (pending_.size() >= target || closing || flush_asked ||
                              now - first_pending >= cfg.max_delay || n == 0)) {
      // n == 0 with events pending: the ring ran dry, so waiting longer only adds latency
      // unless the rate says a fuller batch is coming within max_delay.
      if (n == 0 && !closing && !flush_asked && pending_.size() < target &&
          now - first_pending < cfg.max_delay) {
        shard_.wait(first_pending + cfg.max_delay);
        continue;
      }
      if (flush_asked) seen_flush = flush;
      dispatch();
      continue;
    }
    if (pending_.empty() && n == 0) {
      if (closing) break;  // closed and drained: every accepted event has been handled
      if (flush_asked) {
        seen_flush = flush;
        bus_.notify_settled();
      }
      shard_.wait(now + std::chrono::seconds(1));
    }
  }
  bus_.notify_settled();
}

void shard_worker::dispatch() {
  batch b;
  b.shard_id = shard_.id();
  b.sequence_start = next_sequence_;
  b.process_nonce = bus_.nonce_;
  b.events = pending_;
  auto& a = *bus_.adapter_;
  const auto& cfg = bus_.config_;
  auto backoff = cfg.retry_backoff;
  bool delivered = false;
  for (std::uint32_t attempt = 0;; ++attempt) {
    // No id of this batch leaves the process before its sequence block is on disk.
    auto leased = ensure_leased();
    if (!leased) {
      spdlog::warn("bus: shard {} cannot lease sequences in {}: {}", b.shard_id,
                   cfg.producer_nonce_path, leased.error().message());
    }
    auto r = !leased   ? leased
             : memory_ ? memory_->on_batch_owned(b, pending_)
                       : a.on_batch(b, clock::now() + cfg.adapter_timeout);
    if (r) {
      delivered = true;
      break;
    }
    if (leased && !is_transient(r.error())) {
      shard_.fatal_errors_.add();
      spdlog::error("bus: shard {} batch of {} failed: {}", b.shard_id, b.events.size(),
                    r.error().message());
      break;
    }
    if (leased) shard_.transient_errors_.add();
    bool out_of_budget = false;
    if (bus_.closing_.load(std::memory_order_acquire)) {
      out_of_budget = clock::now() >= bus_.shutdown_deadline_;
    }
    if (attempt >= cfg.adapter_retries || out_of_budget) {
      spdlog::warn("bus: shard {} batch of {} dropped after {} attempts: {}", b.shard_id,
                   b.events.size(), attempt + 1, r.error().message());
      break;
    }
    shard_.retries_.add();
    auto until = clock::now() + backoff;
    while (clock::now() < until) shard_.wait(until);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(1));
  }
  // Sequence numbers advance even for a failed batch so later dedup ids never collide
  // (unless no lease could be written: then no id of it was used).
  if (next_sequence_ + pending_.size() <= lease_end_) next_sequence_ += pending_.size();
  if (delivered) {
    shard_.batches_.add();
    shard_.dispatched_.add(pending_.size());
  } else {
    shard_.dispatch_failed_.add(pending_.size());
  }
  pending_.clear();
  bus_.notify_settled();
  if (delivered) bus_.delivered_->notify();
}

}  // namespace neuromesh::bus::detail
