#pragma once
// Retries of request/reply dispatches (reference/cosmonapse.md §4.12). retry_strategy is the
// user's configuration; retry_policy is the sans-I/O decision it drives (what to do after an
// attempt's outcome), used by dendrite::async_run_with_retry and tested without a transport.

#include "neuromesh/protocol/signal.h"
#include "neuromesh/runtime/errc.h"

#include <chrono>
#include <functional>
#include <string>

namespace neuromesh::runtime {

/// What one attempt produced: a reply Signal, or errc::timeout / errc::pathway_closed / ...
using outcome = result<protocol::signal>;

/// Retry on errc::timeout, on errc::pathway_closed, or on an ERROR whose payload.recoverable
/// is true; never on FINAL, AGENT_OUTPUT, CLARIFICATION, PERMISSION or a non-recoverable ERROR.
bool default_retry_on(const outcome& o);

struct retry_strategy {
  int max_attempts = 3;                      ///< >= 1 (usage_error otherwise)
  std::chrono::milliseconds timeout{30000};  ///< per attempt
  /// Pause before attempt n+1 (n is the 0-based index of the attempt that failed).
  std::function<std::chrono::milliseconds(int attempt)> backoff{};
  std::function<bool(const outcome&)> retry_on = default_retry_on;
  bool new_trace = true;           ///< a fresh trace per attempt (the abandoned one is STOPped)
  bool rollback_on_retry = false;  ///< the STOP of an abandoned trace asks for rollback
  std::function<void(int attempt, const outcome&)> on_retry{};
  std::string reason = "retry";  ///< STOP reason for abandoned traces
};

/// The decision after each attempt (sans-I/O).
class retry_policy {
 public:
  /// Throws usage_error when s.max_attempts < 1.
  explicit retry_policy(retry_strategy s);

  struct decision {
    bool retry = false;                  ///< run another attempt
    bool stop_abandoned = false;         ///< STOP the attempt's trace first
    std::chrono::milliseconds pause{0};  ///< sleep before the next attempt
  };
  /// attempt is 0-based. Calls on_retry when the answer is to retry.
  decision after(int attempt, const outcome& o);
  const retry_strategy& strategy() const noexcept { return s_; }

 private:
  retry_strategy s_;
};

}  // namespace neuromesh::runtime
