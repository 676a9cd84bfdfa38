#pragma once
// Adapters for engine tests: a gate that holds on_batch until opened (to fill rings on
// purpose), a flaky wrapper that fails its first calls with a chosen error, and a wrapper that
// lets its first batch land and then reports a timeout (a lost reply or ack).

#include "neuromesh/bus/errc.h"
#include "neuromesh/bus/memory_adapter.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace neuromesh::bus::test {

class gated_adapter : public adapter {
 public:
  boost::system::result<void> init(std::uint16_t shards) override { return inner_.init(shards); }
  boost::system::result<void> on_batch(const batch& b,
                                       std::chrono::steady_clock::time_point deadline) override {
    entered_.fetch_add(1);
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return open_; });
    }
    return inner_.on_batch(b, deadline);
  }
  boost::system::result<shard_page> poll_shard(std::uint16_t shard, std::string_view after,
                                               std::size_t limit) override {
    return inner_.poll_shard(shard, after, limit);
  }
  boost::system::result<std::string> last_id(std::uint16_t shard) override {
    return inner_.last_id(shard);
  }
  std::string_view name() const noexcept override { return "gated"; }
  bool is_healthy() const noexcept override { return true; }
  bool local_only() const noexcept override { return true; }

  void open() {
    {
      std::lock_guard lk(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  int entered() const { return entered_.load(); }

 private:
  memory_adapter inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  std::atomic<int> entered_{0};
};

/// Fails the first `failures` batches with `error`, delivering them anyway when
/// apply_before_failing (a timeout after the server applied the write).
class flaky_adapter : public adapter {
 public:
  flaky_adapter(int failures, boost::system::error_code error, bool apply_before_failing = false)
      : failures_(failures), error_(error), apply_(apply_before_failing) {}
  boost::system::result<void> init(std::uint16_t shards) override { return inner_.init(shards); }
  boost::system::result<void> on_batch(const batch& b,
                                       std::chrono::steady_clock::time_point deadline) override {
    calls_.fetch_add(1);
    if (failures_.fetch_sub(1) > 0) {
      if (apply_) (void)inner_.on_batch(b, deadline);
      return error_;
    }
    return inner_.on_batch(b, deadline);
  }
  boost::system::result<shard_page> poll_shard(std::uint16_t shard, std::string_view after,
                                               std::size_t limit) override {
    return inner_.poll_shard(shard, after, limit);
  }
  boost::system::result<std::string> last_id(std::uint16_t shard) override {
    return inner_.last_id(shard);
  }
  std::string_view name() const noexcept override { return "flaky"; }
  bool is_healthy() const noexcept override { return true; }
  bool local_only() const noexcept override { return true; }
  int calls() const { return calls_.load(); }

 private:
  memory_adapter inner_;
  std::atomic<int> failures_;
  boost::system::error_code error_;
  bool apply_;
  std::atomic<int> calls_{0};
};

// Applies the first batch, then reports a timeout, as when EXEC ran but its reply was lost.
class lands_then_times_out : public adapter {
 public:
  explicit lands_then_times_out(std::unique_ptr<adapter> inner) : inner_(std::move(inner)) {}
  boost::system::result<void> init(std::uint16_t s) override { return inner_->init(s); }
  boost::system::result<void> on_batch(const batch& b,
                                       std::chrono::steady_clock::time_point d) override {
    auto r = inner_->on_batch(b, d);
    if (r && !tripped_.exchange(true)) return make_error_code(errc::timeout);
    return r;
  }
  boost::system::result<shard_page> poll_shard(std::uint16_t s, std::string_view a,
                                               std::size_t l) override {
    return inner_->poll_shard(s, a, l);
  }
  boost::system::result<std::string> last_id(std::uint16_t s) override {
    return inner_->last_id(s);
  }
  std::string_view name() const noexcept override { return inner_->name(); }
  bool is_healthy() const noexcept override { return inner_->is_healthy(); }

 private:
  std::unique_ptr<adapter> inner_;
  std::atomic<bool> tripped_{false};
};

}  // namespace neuromesh::bus::test
