#include "neuromesh/protocol/type_sets.h"

#include <algorithm>
#include <array>

namespace neuromesh::protocol {
namespace {

using enum signal_type;

constexpr std::array axon = {agent_output, clarification, permission, error,
                             register_,    deregister,    heartbeat};
constexpr std::array synapse = {task,
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
                                consensus,
                                context_sync,
                                critique,
                                discover,
                                permission_decision,
                                clarification_answer,
                                recall,
                                recalled,
                                imprint,
                                imprinted,
                                stop,
                                stopped};
constexpr std::array on_trace = {agent_output, final,        error,         plan,     thought_delta,
                                 tool_call,    tool_result,  memory_append, critique, escalation,
                                 consensus,    context_sync, clarification};

constexpr auto make_pathway() {
  std::array<signal_type, signal_type_count - 5> out{};
  std::size_t n = 0;
  for (int i = 0; i < signal_type_count; ++i) {
    auto t = static_cast<signal_type>(i);
    if (t != task && t != register_ && t != deregister && t != heartbeat && t != discover)
      out[n++] = t;
  }
  return out;
}
constexpr auto pathway = make_pathway();

template <std::size_t n>
bool contains(const std::array<signal_type, n>& a, signal_type t) noexcept {
  return std::find(a.begin(), a.end(), t) != a.end();
}

}  // namespace

std::span<const signal_type> axon_types() noexcept { return axon; }
std::span<const signal_type> synapse_types() noexcept { return synapse; }
std::span<const signal_type> pathway_types() noexcept { return pathway; }
std::span<const signal_type> on_trace_default_types() noexcept { return on_trace; }

bool is_axon_type(signal_type t) noexcept { return contains(axon, t); }
bool is_synapse_type(signal_type t) noexcept { return contains(synapse, t); }
bool is_pathway_type(signal_type t) noexcept { return contains(pathway, t); }
bool is_terminal_type(signal_type t) noexcept { return t == final || t == error; }
bool is_wait_type(signal_type t) noexcept {
  return t == agent_output || t == clarification || t == permission || t == error || t == final;
}
bool is_terminal_scope_type(signal_type t) noexcept {
  return t == final || t == error || t == clarification || t == permission;
}
bool is_orchestrator_only_type(signal_type t) noexcept { return t == task || t == stop; }

}  // namespace neuromesh::protocol
