#pragma once
// Every SignalType of Cosmonapse 0.1.12 (31) plus AUDIT from HEAD (reference §2.1), and the
// producer/group sets of §2.3.

#include <optional>
#include <string_view>

namespace neuromesh::protocol {

enum class signal_type : unsigned char {
  task,
  agent_output,
  final,
  error,
  task_offer,
  bid,
  task_awarded,
  task_declined,
  thought_delta,
  audit,
  plan,
  tool_call,
  tool_result,
  memory_append,
  escalation,
  recall,
  recalled,
  imprint,
  imprinted,
  consensus,
  context_sync,
  critique,
  clarification,
  permission,
  permission_decision,
  clarification_answer,
  register_,
  deregister,
  heartbeat,
  discover,
  stop,
  stopped,
};

inline constexpr int signal_type_count = 32;

/// The wire string, e.g. "TASK", "AGENT_OUTPUT".
std::string_view to_string(signal_type t) noexcept;
/// Parses a wire string; nullopt for an unknown one.
std::optional<signal_type> signal_type_from_string(std::string_view s) noexcept;

}  // namespace neuromesh::protocol
