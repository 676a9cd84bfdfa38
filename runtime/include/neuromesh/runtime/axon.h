#pragma once
// The Axon: the agent-side adapter that turns one TASK into one reply Signal by calling a
// Neuron (reference/cosmonapse.md §5). It never touches the Synapse: the hosting dendrite
// subscribes, routes the TASK here and publishes what comes back.
//
//   runtime::axon echo({.neuron_id = "echo", .neuron = runtime::neuron(
//       [](const json::object& in, const runtime::context&) { return json::value(in); }),
//       .capabilities = {"echo"}});
//
// Result mapping (§5.2), in this order:
//   an object with a truthy "__error__"         -> ERROR (code default NEURON_ERROR,
//                                                  message "", recoverable false)
//   an object with a truthy "__clarification__" -> CLARIFICATION (question, context)
//   an object with a truthy "__permission__"    -> PERMISSION (action, scope, reason, context)
//   any other object                            -> AGENT_OUTPUT {"output": object}
//   a non-object                                -> AGENT_OUTPUT {"output": {"value": v}}
//   an exception (Neuron or before_task hook)   -> ERROR NEURON_EXCEPTION, message = what()
// Every reply is on the TASK's trace, parent_id = the TASK id, directed.id = neuron_id.
//
// Thread-safety: configure (hooks, detectors) before attaching; afterwards the axon is used
// from its dendrite's executor only.

#include "neuromesh/protocol/signal.h"
#include "neuromesh/runtime/binding.h"
#include "neuromesh/runtime/context.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <concepts>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace neuromesh::runtime {

/// A Neuron: `(const json::object& input, const context&) -> asio::awaitable<json::value>`,
/// or the same returning a plain `json::value` (run on its dendrite's blocking pool, so it
/// may block; it must not call the dendrite, ctx.host, from there). Exceptions become ERROR
/// NEURON_EXCEPTION. A coroutine Neuron is cancelled by STOP at its next suspension point
/// (asio's per-operation cancellation); it should let the resulting exception propagate.
/// The dendrite keeps `input` and `ctx` alive until a Neuron's coroutine has finished, so a
/// coroutine Neuron may take them by reference (where clang-tidy's
/// cppcoreguidelines-avoid-reference-coroutine-parameters asks for a NOLINT saying so);
/// taking them by value works too.
class neuron {
 public:
  using async_fn = std::function<boost::asio::awaitable<boost::json::value>(
      const boost::json::object&, const context&)>;
  using sync_fn = std::function<boost::json::value(const boost::json::object&, const context&)>;

  neuron() = default;
  template <class F>
  requires std::invocable<F&, const boost::json::object&, const context&> neuron(
      F f) {  // NOLINT(google-explicit-constructor): a callable is a Neuron
    using R = std::invoke_result_t<F&, const boost::json::object&, const context&>;
    if constexpr (std::is_same_v<R, boost::asio::awaitable<boost::json::value>>)
      async_ = std::move(f);
    else
      sync_ = std::move(f);
  }

  explicit operator bool() const noexcept { return async_ || sync_; }
  /// Runs the Neuron (a sync one inline).
  boost::asio::awaitable<boost::json::value> operator()(const boost::json::object& input,
                                                        const context& ctx) const;

 private:
  async_fn async_;
  sync_fn sync_;
};

/// `async (context_ref) -> list`: loads the context a TASK refers to. A failure (exception)
/// is logged and the context becomes [].
using context_fetcher =
    std::function<boost::asio::awaitable<boost::json::array>(const std::string& context_ref)>;

/// Runs before the Neuron: returns a replacement input, or nullopt to keep it; throwing
/// rejects the TASK (ERROR NEURON_EXCEPTION with the message).
using before_task_hook = std::function<std::optional<boost::json::object>(
    const boost::json::object& input, const context& ctx)>;

/// Looks at a Neuron's output; a returned object claims it (see axon::detects_*).
using output_detector =
    std::function<std::optional<boost::json::object>(const boost::json::value& output)>;

/// Why a refresh hook fired (§4.3 RefreshEvent).
struct refresh_event {
  std::string reason;  ///< heartbeat | register | deregister | stale | manual | scheduled
  std::string neuron_id;
};

struct axon_options {
  std::string neuron_id;
  runtime::neuron neuron{};
  std::vector<std::string> capabilities{};
  bool catch_all = false;  ///< answer open calls (TASKs with neither id nor capabilities)
  std::string version{};
  std::string neuron_kind = "neuron";  ///< directed.type on REGISTER
  context_fetcher fetcher{};           ///< default: context is []
  /// The Engrams and Effectors the Neuron may use, by binding name (§5.1): reached through
  /// ctx.engram(name) / ctx.effector(name) (bound_engram.h). Names are unique per list.
  std::vector<engram_binding> engrams{};
  std::vector<effector_binding> effectors{};
};

class axon {
 public:
  /// Throws usage_error for an empty neuron_id, a missing Neuron, a binding without id or
  /// type (or with a bad recall mode), or two bindings of one list with the same name.
  explicit axon(axon_options options);

  const std::string& neuron_id() const noexcept { return o_.neuron_id; }
  /// Sorted, de-duplicated.
  const std::vector<std::string>& capabilities() const noexcept { return o_.capabilities; }
  bool catch_all() const noexcept { return o_.catch_all; }
  const std::string& version() const noexcept { return o_.version; }
  const std::string& neuron_kind() const noexcept { return o_.neuron_kind; }
  /// True when every cap in wanted is one of ours.
  bool covers(const std::vector<std::string>& wanted) const noexcept;
  const std::vector<engram_binding>& engram_bindings() const noexcept { return o_.engrams; }
  const std::vector<effector_binding>& effector_bindings() const noexcept { return o_.effectors; }
  /// True when the Axon binds any Engram or Effector (its dendrite then runs a caller).
  bool has_bindings() const noexcept { return !o_.engrams.empty() || !o_.effectors.empty(); }

  /// Hooks run in registration order before each Neuron call.
  void before_task(before_task_hook hook) { before_.push_back(std::move(hook)); }
  /// Detectors run after the Neuron in the fixed precedence error -> clarification ->
  /// permission -> output; the first that returns an object decides. detects_error's object
  /// becomes an ERROR (keys code/message/recoverable), detects_clarification's a
  /// CLARIFICATION (question/context), detects_permission's a PERMISSION
  /// (action/scope/reason/context), detects_output's the AGENT_OUTPUT's output.
  void detects_error(output_detector d) { detect_error_.push_back(std::move(d)); }
  void detects_clarification(output_detector d) { detect_clar_.push_back(std::move(d)); }
  void detects_permission(output_detector d) { detect_perm_.push_back(std::move(d)); }
  void detects_output(output_detector d) { detect_output_.push_back(std::move(d)); }

  /// Lifecycle hooks: on_connect after the dendrite REGISTERed this axon (once per start),
  /// on_refresh on each heartbeat tick and registry event, on_close when the dendrite stops
  /// or detaches it (the place to release what the Neuron holds). Exceptions are logged.
  void on_connect(std::function<void(axon&)> fn) { connect_.push_back(std::move(fn)); }
  void on_refresh(std::function<void(axon&, const refresh_event&)> fn) {
    refresh_.push_back(std::move(fn));
  }
  void on_close(std::function<void(axon&)> fn) { close_.push_back(std::move(fn)); }

  /// §5.2 whole: input, context, hooks, Neuron, detectors, mapping. Never throws for what the
  /// Neuron does; a cancellation (STOP) surfaces as whatever the Neuron threw, mapped to
  /// ERROR, and the dendrite discards replies of cancelled tasks. *task must outlive the
  /// returned awaitable (taken by pointer so a running Neuron does not copy the TASK).
  boost::asio::awaitable<protocol::signal> async_handle_task(const protocol::signal* task,
                                                             runtime::dendrite* host) const;

  /// The mapping of step 7 alone (sans-I/O): output -> reply Signal for task.
  static protocol::signal map_result(const protocol::signal& task, const std::string& neuron_id,
                                     const boost::json::value& output);
  /// ERROR reply to task from neuron_id.
  static protocol::signal error_reply(const protocol::signal& task, const std::string& neuron_id,
                                      std::string code, std::string message,
                                      bool recoverable = false);

  /// Hook runners used by the dendrite (exceptions logged, never propagated).
  void fire_connect();
  void fire_refresh(const refresh_event& e);
  void fire_close();

 private:
  boost::json::value detect(const boost::json::value& output) const;

  axon_options o_;
  std::vector<before_task_hook> before_;
  std::vector<output_detector> detect_error_, detect_clar_, detect_perm_, detect_output_;
  std::vector<std::function<void(axon&)>> connect_, close_;
  std::vector<std::function<void(axon&, const refresh_event&)>> refresh_;
};

}  // namespace neuromesh::runtime
