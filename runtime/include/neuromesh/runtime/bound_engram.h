#pragma once
// What a Neuron calls its Axon's bindings with (reference §5.1 helpers, §4.15, §6.2):
//
//   asio::awaitable<json::value> notes(const json::object& in, const runtime::context& ctx) {
//     auto memory = ctx.engram("memory");                 // a binding of the Axon
//     runtime::imprint_call put;
//     put.entry = {{"content", in.at("note")}};
//     put.await_ack = true;
//     auto receipt = co_await memory.async_imprint(std::move(put));
//     runtime::recall_call get;
//     get.query = {{"text", "milk"}};
//     auto found = co_await memory.async_recall(std::move(get));
//     if (!found) co_return json::object{{"error", found.error().message}};
//     auto calc = ctx.effector("calc");
//     runtime::tool_call_request add{.tool = "add", .args = {{"a", 1}, {"b", 2}}};
//     auto sum = co_await calc.async_call_tool(std::move(add));
//     ...
//   }
//
// Every call goes out on the TASK's trace with parent_id = the TASK's id, addressed by the
// binding (its id, else its kind; the call's own target id/kind is ignored: the Axon decides
// what a Neuron may touch), so RECALLED / IMPRINTED / TOOL_RESULT are parented to the call and
// the whole exchange stays on the task's trace. A call without a deadline takes the binding's
// default_deadline; a recall without a mode takes default_recall_mode.
//
// Errors (values, as engram_client's): a name the Axon did not bind -> engram_errc::not_bound
// (EngramNotBound) / effector_errc::not_bound (EffectorNotBound); no reply in time -> timeout
// (EngramTimeout / EffectorTimeout); FINAL, ERROR or STOP of the trace, the Neuron cancelled by
// STOP, or the dendrite stopping -> cancelled (EngramCancelled / EffectorCancelled); a Neuron
// run outside a dendrite (no caller) -> engram_errc::not_connected.
//
// The handles copy what they need: they stay usable after the context is gone, but a call
// needs its dendrite alive. GCC 12: keep the handle in a local (as above) rather than awaiting
// a call on the temporary `ctx.engram("x")`.

#include "neuromesh/runtime/binding.h"
#include "neuromesh/runtime/context.h"
#include "neuromesh/runtime/engram_client.h"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>

namespace neuromesh::runtime {

/// An Engram binding seen from one Neuron call.
class bound_engram {
 public:
  /// binding null: the name is not bound (every call fails with not_bound).
  bound_engram(std::shared_ptr<engram_client> caller, std::optional<engram_binding> binding,
               std::string name, const context& ctx);

  bool bound() const noexcept { return binding_.has_value(); }
  const std::string& name() const noexcept { return name_; }

  /// RECALL through the binding: recall_result, or timeout / cancelled / not_bound.
  boost::asio::awaitable<engram_result<recall_result>> async_recall(recall_call c) const;
  /// IMPRINT through the binding: nullopt without await_ack; with it the receipt.
  boost::asio::awaitable<engram_result<std::optional<imprint_receipt>>> async_imprint(
      imprint_call c) const;

 private:
  call_target target(const call_target& given) const;

  std::shared_ptr<engram_client> caller_;
  std::optional<engram_binding> binding_;
  std::string name_;
  std::string neuron_id_;
  protocol::trace_id trace_;
  protocol::event_id parent_;
};

/// An Effector binding seen from one Neuron call.
class bound_effector {
 public:
  bound_effector(std::shared_ptr<engram_client> caller, std::optional<effector_binding> binding,
                 std::string name, const context& ctx);

  bool bound() const noexcept { return binding_.has_value(); }
  const std::string& name() const noexcept { return name_; }

  /// TOOL_CALL through the binding: the outcome (a tool failure stays in outcome.error), or
  /// effector_errc timeout / cancelled / not_bound.
  boost::asio::awaitable<engram_result<tool_outcome>> async_call_tool(tool_call_request c) const;

 private:
  std::shared_ptr<engram_client> caller_;
  std::optional<effector_binding> binding_;
  std::string name_;
  std::string neuron_id_;
  protocol::trace_id trace_;
  protocol::event_id parent_;
};

}  // namespace neuromesh::runtime
