#pragma once
// What a Neuron is told about the TASK it runs (reference/cosmonapse.md §5.1–5.2), and its
// way to the Engrams and Effectors its Axon binds (bound_engram.h).

#include "neuromesh/protocol/ids.h"

#include <boost/json/array.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::runtime {

class dendrite;
class engram_client;
class bound_engram;
class bound_effector;
struct engram_binding;
struct effector_binding;

/// The ambient task context of one Neuron call. Valid for the duration of the call only.
struct context {
  protocol::trace_id trace;    ///< the TASK's trace: replies and nested dispatches stay on it
  protocol::event_id task_id;  ///< the TASK's id: replies are parented to it
  std::string neuron_id;       ///< the Neuron being run
  std::string context_ref;     ///< payload.context_ref of the TASK ("" when absent)
  boost::json::array items;    ///< what the Axon's context_fetcher returned ([] by default)
  /// The hosting dendrite (never null while the Neuron runs): for nested dispatches, e.g.
  /// `co_await ctx.host->async_dispatch({.neuron = "b", .parent = ctx.task_id, ...})`.
  runtime::dendrite* host = nullptr;
  /// The Axon's bindings (§5.1; null or empty: none) and the caller that sends RECALL /
  /// IMPRINT / TOOL_CALL for them (the host dendrite's; null outside one).
  const std::vector<engram_binding>* engram_bindings = nullptr;
  const std::vector<effector_binding>* effector_bindings = nullptr;
  std::shared_ptr<engram_client> caller{};

  /// The Engram bound under name, on this TASK's trace (include bound_engram.h). An unbound
  /// name gives a handle whose calls fail with engram_errc::not_bound (EngramNotBound).
  bound_engram engram(std::string_view name) const;
  /// The Effector bound under name; unbound: effector_errc::not_bound (EffectorNotBound).
  bound_effector effector(std::string_view name) const;
};

}  // namespace neuromesh::runtime
