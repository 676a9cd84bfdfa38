#pragma once
// Producer sets and type groups (reference §2.3). Both THOUGHT_DELTA (0.1.12) and AUDIT (HEAD)
// are members wherever the reference lists that slot.

#include "neuromesh/protocol/signal_type.h"

#include <span>

namespace neuromesh::protocol {

/// AGENT_OUTPUT, CLARIFICATION, PERMISSION, ERROR, REGISTER, DEREGISTER, HEARTBEAT.
std::span<const signal_type> axon_types() noexcept;
/// What Dendrite::emit() accepts (ERROR is in both sets).
std::span<const signal_type> synapse_types() noexcept;
/// Every type except TASK, REGISTER, DEREGISTER, HEARTBEAT, DISCOVER.
std::span<const signal_type> pathway_types() noexcept;
/// The types `on_trace` subscribes by default.
std::span<const signal_type> on_trace_default_types() noexcept;

bool is_axon_type(signal_type t) noexcept;
bool is_synapse_type(signal_type t) noexcept;
bool is_pathway_type(signal_type t) noexcept;
/// FINAL, ERROR: close a Pathway.
bool is_terminal_type(signal_type t) noexcept;
/// AGENT_OUTPUT, CLARIFICATION, PERMISSION, ERROR, FINAL: resolve Pathway.wait().
bool is_wait_type(signal_type t) noexcept;
/// FINAL, ERROR, CLARIFICATION, PERMISSION: delivered under scope="terminal".
bool is_terminal_scope_type(signal_type t) noexcept;
/// TASK and STOP may only be initiated by an orchestrator.
bool is_orchestrator_only_type(signal_type t) noexcept;

}  // namespace neuromesh::protocol
