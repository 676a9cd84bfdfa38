// The Neuron side of Axon bindings (§5.1, §4.15): calls addressed by the binding, on the
// TASK's trace, sent through the host dendrite's engram_client.
#include "neuromesh/runtime/bound_engram.h"

#include <algorithm>

namespace neuromesh::runtime {

namespace asio = boost::asio;

namespace {

template <class Binding>
std::optional<Binding> find_binding(const std::vector<Binding>* list, std::string_view name) {
  if (list == nullptr) return std::nullopt;
  auto it =
      std::find_if(list->begin(), list->end(), [&](const Binding& b) { return b.name == name; });
  if (it == list->end()) return std::nullopt;
  return *it;
}

template <class Binding>
call_target bound_target(const Binding& b, const call_target& given, protocol::trace_id trace,
                         protocol::event_id parent) {
  call_target t;
  if (b.directed_id && !b.directed_id->empty())
    t.id = b.directed_id;
  else
    t.kind = b.directed_type;
  t.trace = std::move(trace);
  t.parent = std::move(parent);
  t.deadline = given.deadline ? given.deadline : b.default_deadline;
  return t;
}

std::string no_engram(const std::string& neuron, const std::string& name) {
  return "EngramNotBound: neuron '" + neuron + "' has no Engram binding named '" + name + "'";
}

std::string no_effector(const std::string& neuron, const std::string& name) {
  return "EffectorNotBound: neuron '" + neuron + "' has no Effector binding named '" + name + "'";
}

engram_error no_caller(const std::string& neuron) {
  return {engram_errc::not_connected,
          "neuron '" + neuron + "' runs outside a dendrite: no caller for its bindings"};
}

// The coroutines take everything by value: the handle may be a temporary.
asio::awaitable<engram_result<recall_result>> recall_via(std::shared_ptr<engram_client> caller,
                                                         recall_call c) {
  co_return co_await caller->async_recall(std::move(c));
}

asio::awaitable<engram_result<std::optional<imprint_receipt>>> imprint_via(
    std::shared_ptr<engram_client> caller, imprint_call c) {
  co_return co_await caller->async_imprint(std::move(c));
}

asio::awaitable<engram_result<tool_outcome>> call_via(std::shared_ptr<engram_client> caller,
                                                      tool_call_request c) {
  co_return co_await caller->async_call_tool(std::move(c));
}

template <class T>
asio::awaitable<engram_result<T>> fail(engram_error e) {
  co_return e;
}

}  // namespace

bound_engram context::engram(std::string_view name) const {
  return {caller, find_binding(engram_bindings, name), std::string(name), *this};
}

bound_effector context::effector(std::string_view name) const {
  return {caller, find_binding(effector_bindings, name), std::string(name), *this};
}

bound_engram::bound_engram(std::shared_ptr<engram_client> caller,
                           std::optional<engram_binding> binding, std::string name,
                           const context& ctx)
    : caller_(std::move(caller)),
      binding_(std::move(binding)),
      name_(std::move(name)),
      neuron_id_(ctx.neuron_id),
      trace_(ctx.trace),
      parent_(ctx.task_id) {}

call_target bound_engram::target(const call_target& given) const {
  return bound_target(*binding_, given, trace_, parent_);
}

asio::awaitable<engram_result<recall_result>> bound_engram::async_recall(recall_call c) const {
  if (!binding_) return fail<recall_result>({engram_errc::not_bound, no_engram(neuron_id_, name_)});
  if (!caller_) return fail<recall_result>(no_caller(neuron_id_));
  c.target = target(c.target);
  if (c.recall_mode.empty()) c.recall_mode = binding_->default_recall_mode;
  return recall_via(caller_, std::move(c));
}

asio::awaitable<engram_result<std::optional<imprint_receipt>>> bound_engram::async_imprint(
    imprint_call c) const {
  if (!binding_)
    return fail<std::optional<imprint_receipt>>(
        {engram_errc::not_bound, no_engram(neuron_id_, name_)});
  if (!caller_) return fail<std::optional<imprint_receipt>>(no_caller(neuron_id_));
  c.target = target(c.target);
  return imprint_via(caller_, std::move(c));
}

bound_effector::bound_effector(std::shared_ptr<engram_client> caller,
                               std::optional<effector_binding> binding, std::string name,
                               const context& ctx)
    : caller_(std::move(caller)),
      binding_(std::move(binding)),
      name_(std::move(name)),
      neuron_id_(ctx.neuron_id),
      trace_(ctx.trace),
      parent_(ctx.task_id) {}

asio::awaitable<engram_result<tool_outcome>> bound_effector::async_call_tool(
    tool_call_request c) const {
  if (!binding_)
    return fail<tool_outcome>(
        {make_error_code(effector_errc::not_bound), no_effector(neuron_id_, name_)});
  if (!caller_) return fail<tool_outcome>(no_caller(neuron_id_));
  c.target = bound_target(*binding_, c.target, trace_, parent_);
  return call_via(caller_, std::move(c));
}

}  // namespace neuromesh::runtime
