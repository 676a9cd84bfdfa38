#pragma once
// What the node counts about the Signals it sees and sends, for /metrics: Signals in and out
// by type and bytes, tasks by outcome, task latency per capability, tool-call and recall
// latency. Pairing follows the Prism (reference §9): a reply pairs with its request by
// parent_id (TASK -> AGENT_OUTPUT / FINAL / ERROR / CLARIFICATION / PERMISSION;
// TOOL_CALL -> TOOL_RESULT; RECALL -> RECALLED).
//
// Bounded: at most max_open requests wait for a reply (the oldest are dropped and counted
// as outcome "abandoned"), and at most max_capabilities capability labels are kept (the rest
// count under "other"), so a flood of unanswered or oddly-labelled tasks cannot grow it.
//
// Thread-safety: every function may be called from any thread (one mutex; nothing else is
// locked under it).

#include "neuromesh/protocol/signal.h"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

namespace neuromesh::node {

/// A latency histogram with fixed buckets (milliseconds), Prometheus style.
struct latency_histogram {
  static constexpr std::array<double, 14> bounds_ms{1,   5,    10,   25,   50,    100,   250,
                                                    500, 1000, 2500, 5000, 10000, 30000, 60000};
  std::array<std::uint64_t, bounds_ms.size() + 1> buckets{};  ///< last one is +Inf
  std::uint64_t count = 0;
  double sum_ms = 0;
  void observe(double ms) noexcept;
};

class signal_stats {
 public:
  using clock = std::chrono::steady_clock;
  explicit signal_stats(std::size_t max_open = 10'000, std::size_t max_capabilities = 32)
      : max_open_(max_open), max_capabilities_(max_capabilities) {}

  /// A Signal seen on the namespace (bytes: its encoded size).
  void observe_in(const protocol::signal& s, std::size_t bytes, clock::time_point now);
  /// A Signal the node itself published.
  void observe_out(protocol::signal_type t) noexcept;

  /// Prometheus exposition text of everything above.
  std::string render() const;

  /// Tasks that ended with outcome (for tests): output, final, error, clarification,
  /// permission, abandoned.
  std::uint64_t tasks(std::string_view outcome) const;
  std::uint64_t signals_in(protocol::signal_type t) const;

 private:
  struct open_request {
    clock::time_point started;
    std::string label;  ///< capability label (tasks only)
  };
  void close_request(std::map<std::string, open_request>& open, const std::string& parent,
                     clock::time_point now, latency_histogram& h, bool is_task,
                     std::string_view outcome);
  std::string capability_label(const protocol::signal& task);

  mutable std::mutex mu_;
  std::size_t max_open_;
  std::size_t max_capabilities_;
  std::array<std::uint64_t, 64> in_{};
  std::array<std::uint64_t, 64> out_{};
  std::uint64_t bytes_in_ = 0;
  std::map<std::string, open_request> tasks_open_;  ///< by TASK id
  std::map<std::string, open_request> tools_open_;  ///< by TOOL_CALL id
  std::map<std::string, open_request> recalls_open_;
  std::map<std::string, std::uint64_t> outcomes_;
  std::map<std::string, latency_histogram> task_latency_;  ///< by capability label
  latency_histogram tool_latency_;
  latency_histogram recall_latency_;
};

}  // namespace neuromesh::node
