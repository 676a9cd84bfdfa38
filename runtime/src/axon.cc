#include "neuromesh/runtime/axon.h"

#include "blocking_pool.h"
#include "json_util.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/runtime/dendrite.h"
#include "neuromesh/runtime/errors.h"

#include <boost/json/parse.hpp>
#include <spdlog/spdlog.h>

#include <exception>
#include <set>

namespace neuromesh::runtime {

namespace json = boost::json;
namespace asio = boost::asio;
using protocol::signal;

namespace {

// in and ctx outlive the call: the axon resumes only after it returned.
asio::awaitable<json::value> run_sync(const neuron::sync_fn* fn, const json::object* in,
                                      const context* ctx) {
  if (!ctx->host) co_return (*fn)(*in, *ctx);
  // Off the dendrite's executor: a blocking Neuron must not hold up STOP, DISCOVER or other
  // TASKs.
  std::function<json::value()> call = [fn, in, ctx] { return (*fn)(*in, *ctx); };
  auto op = detail::async_run_on<json::value>(ctx->host->blocking_executor(), std::move(call));
  co_return co_await std::move(op);
}

}  // namespace

// Not a coroutine: an async Neuron's own awaitable is handed back as it is (no frame of ours
// around it on every run).
asio::awaitable<json::value> neuron::operator()(const json::object& in, const context& ctx) const {
  if (async_) return async_(in, ctx);
  return run_sync(&sync_, &in, &ctx);
}

namespace {

template <class Binding>
void check_bindings(const std::string& neuron_id, const std::vector<Binding>& bindings,
                    const char* what) {
  std::set<std::string> names;
  for (const auto& b : bindings) {
    if (b.name.empty())
      throw usage_error("axon '" + neuron_id + "': an " + what + " binding needs a name");
    if (auto ok = b.check(); !ok)
      throw usage_error("axon '" + neuron_id + "': " + ok.error().message);
    if (!names.insert(b.name).second)
      throw usage_error("axon '" + neuron_id + "': two " + what + " bindings named '" + b.name +
                        "'");
  }
}

}  // namespace

axon::axon(axon_options options) : o_(std::move(options)) {
  if (o_.neuron_id.empty()) throw usage_error("axon: neuron_id must not be empty");
  if (!o_.neuron) throw usage_error("axon '" + o_.neuron_id + "': no neuron given");
  o_.capabilities = detail::sorted_unique(std::move(o_.capabilities));
  check_bindings(o_.neuron_id, o_.engrams, "Engram");
  check_bindings(o_.neuron_id, o_.effectors, "Effector");
}

bool axon::covers(const std::vector<std::string>& wanted) const noexcept {
  return detail::covers(o_.capabilities, wanted);
}

namespace {

protocol::envelope_options reply_envelope(const signal& task, const std::string& neuron_id) {
  return {.directed = protocol::directed{.id = neuron_id},
          .trace = task.trace_id,
          .parent = task.id,
          .meta = {}};
}

json::value marker(std::string_view key, json::object o) {
  o[key] = true;
  return o;
}

}  // namespace

signal axon::error_reply(const signal& task, const std::string& neuron_id, std::string code,
                         std::string message, bool recoverable) {
  return protocol::error_signal(
      {.code = std::move(code), .message = std::move(message), .recoverable = recoverable},
      reply_envelope(task, neuron_id));
}

namespace {

// The reply's envelope out of the run's context: its trace, task id and neuron id are the
// reply's trace, parent and directed id, and the Neuron is done with them (no copies).
protocol::envelope_options reply_envelope(context&& ctx) {
  return {.directed = protocol::directed{.id = std::move(ctx.neuron_id)},
          .trace = std::move(ctx.trace),
          .parent = std::move(ctx.task_id),
          .meta = {}};
}

signal map_output(protocol::envelope_options e, const json::value& output) {
  if (!output.is_object()) return protocol::agent_output_signal(output, std::move(e));
  const auto& o = output.get_object();
  auto flag = [&](std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && detail::truthy(it->value());
  };
  if (flag("__error__")) {
    auto rec = o.find("recoverable");
    return protocol::error_signal({.code = detail::string_field(o, "code").value_or("NEURON_ERROR"),
                                   .message = detail::string_field(o, "message").value_or(""),
                                   .recoverable = rec != o.end() && detail::truthy(rec->value())},
                                  std::move(e));
  }
  if (flag("__clarification__")) {
    const auto* ctx = detail::object_field(o, "context");
    return protocol::clarification_signal(detail::string_field(o, "question").value_or(""),
                                          ctx ? detail::raw(*ctx) : protocol::raw_object{},
                                          std::move(e));
  }
  if (flag("__permission__")) {
    const auto* scope = detail::object_field(o, "scope");
    const auto* ctx = detail::object_field(o, "context");
    return protocol::permission_signal(
        {.action = detail::string_field(o, "action").value_or(""),
         .scope = scope ? detail::raw(*scope) : protocol::raw_object{},
         .reason = detail::string_field(o, "reason"),
         .context = ctx ? detail::raw(*ctx) : protocol::raw_object{}},
        std::move(e));
  }
  return protocol::agent_output_signal(output, std::move(e));
}

}  // namespace

signal axon::map_result(const signal& task, const std::string& neuron_id,
                        const json::value& output) {
  return map_output(reply_envelope(task, neuron_id), output);
}

json::value axon::detect(const json::value& output) const {
  auto first = [&](const std::vector<output_detector>& ds) -> std::optional<json::object> {
    for (const auto& d : ds) {
      if (auto r = d(output)) return r;
    }
    return std::nullopt;
  };
  if (auto r = first(detect_error_)) return marker("__error__", std::move(*r));
  if (auto r = first(detect_clar_)) return marker("__clarification__", std::move(*r));
  if (auto r = first(detect_perm_)) return marker("__permission__", std::move(*r));
  if (auto r = first(detect_output_)) return json::value(std::move(*r));
  return output;
}

// task by pointer: the dendrite keeps the TASK in its in-flight record until this run has
// completed, so a running Neuron does not copy it.
asio::awaitable<signal> axon::async_handle_task(const signal* task_ptr, dendrite* host) const {
  const signal& task = *task_ptr;
  std::string context_ref;
  if (auto cr = detail::payload_value(task, "context_ref"); cr && cr->is_string())
    context_ref = std::string(cr->get_string());
  context ctx{.trace = task.trace_id,
              .task_id = task.id,
              .neuron_id = o_.neuron_id,
              .context_ref = std::move(context_ref),
              .items = {},
              .host = host,
              .engram_bindings = &o_.engrams,
              .effector_bindings = &o_.effectors,
              .caller = host != nullptr && has_bindings() ? host->engram_caller() : nullptr};
  json::object input;
  if (auto in = detail::payload_value(task, "input"); in && !in->is_null()) {
    if (!in->is_object())
      co_return error_reply(
          task, o_.neuron_id, "NEURON_EXCEPTION",
          "TASK payload.input must be an object, got " + std::string(json::to_string(in->kind())));
    input = std::move(in->get_object());
  }
  if (o_.fetcher && !ctx.context_ref.empty()) {
    try {
      ctx.items = co_await o_.fetcher(ctx.context_ref);
    } catch (const std::exception& ex) {
      spdlog::warn("axon {}: context_fetcher failed for '{}': {}", o_.neuron_id, ctx.context_ref,
                   ex.what());
      ctx.items = {};
    }
  }
  json::value output;
  try {
    for (const auto& hook : before_) {
      if (auto replaced = hook(input, ctx)) input = std::move(*replaced);
    }
    output = co_await o_.neuron(input, ctx);
    if (!detect_error_.empty() || !detect_clar_.empty() || !detect_perm_.empty() ||
        !detect_output_.empty())
      output = detect(output);  // (a copy of the output otherwise)
  } catch (const std::exception& ex) {
    co_return protocol::error_signal(
        {.code = "NEURON_EXCEPTION", .message = ex.what(), .recoverable = false},
        reply_envelope(std::move(ctx)));
  }
  co_return map_output(reply_envelope(std::move(ctx)), output);
}

void axon::fire_connect() {
  for (auto& fn : connect_) {
    try {
      fn(*this);
    } catch (const std::exception& ex) {
      spdlog::warn("axon {}: on_connect hook threw: {}", o_.neuron_id, ex.what());
    }
  }
}

void axon::fire_refresh(const refresh_event& e) {
  for (auto& fn : refresh_) {
    try {
      fn(*this, e);
    } catch (const std::exception& ex) {
      spdlog::warn("axon {}: on_refresh hook threw: {}", o_.neuron_id, ex.what());
    }
  }
}

void axon::fire_close() {
  for (auto& fn : close_) {
    try {
      fn(*this);
    } catch (const std::exception& ex) {
      spdlog::warn("axon {}: on_close hook threw: {}", o_.neuron_id, ex.what());
    }
  }
}

}  // namespace neuromesh::runtime
