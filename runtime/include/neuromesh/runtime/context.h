#pragma once
// What a Neuron is told about the TASK it runs (reference/cosmonapse.md §5.1–5.2).

#include "neuromesh/protocol/ids.h"

#include <boost/json/array.hpp>

#include <string>

namespace neuromesh::runtime {

class dendrite;

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
};

}  // namespace neuromesh::runtime
