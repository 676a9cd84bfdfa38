#include "neuromesh/protocol/signal_type.h"

#include <array>

namespace neuromesh::protocol {
namespace {

constexpr std::array<std::string_view, signal_type_count> names = {
    "TASK",
    "AGENT_OUTPUT",
    "FINAL",
    "ERROR",
    "TASK_OFFER",
    "BID",
    "TASK_AWARDED",
    "TASK_DECLINED",
    "THOUGHT_DELTA",
    "AUDIT",
    "PLAN",
    "TOOL_CALL",
    "TOOL_RESULT",
    "MEMORY_APPEND",
    "ESCALATION",
    "RECALL",
    "RECALLED",
    "IMPRINT",
    "IMPRINTED",
    "CONSENSUS",
    "CONTEXT_SYNC",
    "CRITIQUE",
    "CLARIFICATION",
    "PERMISSION",
    "PERMISSION_DECISION",
    "CLARIFICATION_ANSWER",
    "REGISTER",
    "DEREGISTER",
    "HEARTBEAT",
    "DISCOVER",
    "STOP",
    "STOPPED",
};

}  // namespace

std::string_view to_string(signal_type t) noexcept { return names[static_cast<std::size_t>(t)]; }

std::optional<signal_type> signal_type_from_string(std::string_view s) noexcept {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == s) return static_cast<signal_type>(i);
  return std::nullopt;
}

}  // namespace neuromesh::protocol
