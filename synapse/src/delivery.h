#pragma once
// Shared by every backend: the counters behind synapse_stats, and the one place a handler is
// called (exceptions logged and counted, never propagated into the transport).

#include "neuromesh/synapse/synapse.h"

#include <boost/asio/dispatch.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>

namespace neuromesh::synapse::detail {

struct stats_counters {
  std::atomic<std::uint64_t> published{0}, delivered{0}, handler_errors{0}, decode_errors{0},
      dropped{0}, reconnects{0};
  synapse_stats snapshot() const noexcept {
    auto r = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    return {r(published),     r(delivered), r(handler_errors),
            r(decode_errors), r(dropped),   r(reconnects)};
  }
};

/// One subscription as every backend keeps it. The handler runs on ex.
struct subscriber : subscription_state {
  subscriber(std::string pattern_, std::optional<std::string> group_, handler h_,
             boost::asio::any_io_executor ex_, std::shared_ptr<stats_counters> stats_)
      : pattern(std::move(pattern_)),
        group(std::move(group_)),
        h(std::move(h_)),
        ex(std::move(ex_)),
        stats(std::move(stats_)) {}

  std::string pattern;
  std::optional<std::string> group;
  handler h;
  boost::asio::any_io_executor ex;
  std::shared_ptr<stats_counters> stats;
  std::atomic<bool> live{true};
  /// Set by the backend: what unsubscribe() must also do (send unsub, remove from tables).
  std::function<void()> on_unsubscribe;

  void unsubscribe() noexcept override {
    if (!live.exchange(false) || !on_unsubscribe) return;
    try {
      on_unsubscribe();
    } catch (const std::exception& e) {
      spdlog::warn("synapse: unsubscribe of '{}' failed: {}", pattern, e.what());
    }
  }
  bool active() const noexcept override { return live.load(std::memory_order_relaxed); }
  const std::string& subject() const noexcept override { return pattern; }

  /// Calls the handler now (on the current thread).
  void invoke(const shared_signal& s) noexcept {
    if (!live.load(std::memory_order_relaxed)) return;
    try {
      h(s);
      stats->delivered.fetch_add(1, std::memory_order_relaxed);
    } catch (const std::exception& e) {
      stats->handler_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("synapse: handler for '{}' threw: {}", pattern, e.what());
    } catch (...) {
      stats->handler_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("synapse: handler for '{}' threw a non-exception", pattern);
    }
  }
};

/// The function object dispatched to a subscriber's executor.
struct delivery {
  std::shared_ptr<subscriber> to;
  shared_signal signal;
  void operator()() const noexcept { to->invoke(signal); }
};

/// Runs the handler inline when the caller already runs on the subscriber's executor,
/// otherwise queues it there.
inline void deliver(std::shared_ptr<subscriber> to, shared_signal s) {
  auto ex = to->ex;
  boost::asio::dispatch(ex, delivery{std::move(to), std::move(s)});
}

}  // namespace neuromesh::synapse::detail
