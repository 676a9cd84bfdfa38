#include "neuromesh/runtime/effector.h"

#include "json_util.h"
#include "neuromesh/protocol/builders.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>

namespace neuromesh::runtime {
namespace {

using boost::json::object;
using boost::json::value;

engram_error bad(std::string message) {
  return {engram_errc::invalid_argument, std::move(message)};
}

using detail::shown;

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

engram_result<void> effector_binding::check() const {
  if ((!directed_id || directed_id->empty()) && (!directed_type || directed_type->empty()))
    return bad("effector binding '" + name +
               "' needs directed_id (effector_id) or directed_type (effector_kind)");
  return {};
}

bool effector::can_serve(std::string_view tool) const {
  return tools().empty() || std::find(tools().begin(), tools().end(), tool) != tools().end();
}

engram_result<tool_call> decode_tool_call(const protocol::signal& s) {
  const object p = s.payload.to_json();
  tool_call out;
  const auto* tool = p.if_contains("tool");
  if (tool == nullptr) return bad("tool: required");
  if (!tool->is_string() || tool->get_string().empty())
    return bad("tool: expected a non-empty string, got " + shown(*tool));
  out.tool = std::string(tool->get_string());
  if (const auto* args = p.if_contains("args"); args != nullptr && !args->is_null()) {
    if (!args->is_object()) return bad("args: expected object, got " + shown(*args));
    out.args = args->get_object();
  }
  if (const auto* id = p.if_contains("call_id"); id != nullptr && !id->is_null()) {
    if (!id->is_string()) return bad("call_id: expected string, got " + shown(*id));
    out.call_id = std::string(id->get_string());
  }
  out.trace_id = s.trace_id.value;
  return out;
}

bool addresses(const effector& fx, const std::optional<protocol::directed>& d) noexcept {
  if (!d) return true;  // an open call: whoever serves the tool
  if (d->id && !d->id->empty()) return *d->id == fx.effector_id();
  if (d->type && !d->type->empty()) return *d->type == fx.effector_kind();
  return true;
}

protocol::signal tool_result_reply(const effector& fx, const protocol::signal& call,
                                   const tool_outcome& outcome) {
  protocol::tool_result_args a;
  a.tool = outcome.tool;
  a.result = outcome.result;
  a.error = outcome.error;
  a.call_id = outcome.call_id;
  return protocol::tool_result_signal(a, {.directed = protocol::directed{.id = fx.effector_id(),
                                                                         .type = fx.effector_kind(),
                                                                         .capabilities = {}},
                                          .trace = call.trace_id,
                                          .parent = call.id,
                                          .meta = {}});
}

std::optional<protocol::signal> serve_tool_call(effector& fx, const protocol::signal& call) {
  if (!addresses(fx, call.directed)) return std::nullopt;
  const bool by_id = call.directed && call.directed->id && !call.directed->id->empty();
  auto decoded = decode_tool_call(call);
  tool_outcome out;
  if (!decoded) {
    // Echo what can be echoed so the caller can correlate.
    const object p = call.payload.to_json();
    if (const auto* t = p.if_contains("tool"); t != nullptr && t->is_string())
      out.tool = std::string(t->get_string());
    if (const auto* id = p.if_contains("call_id"); id != nullptr && id->is_string())
      out.call_id = std::string(id->get_string());
    out.error = decoded.error().message;
    return tool_result_reply(fx, call, out);
  }
  if (!fx.can_serve(decoded->tool)) {
    if (!by_id) return std::nullopt;
    out.tool = decoded->tool;
    out.call_id = decoded->call_id;
    out.error = "unknown tool '" + decoded->tool + "'; " + fx.effector_id() +
                " serves: " + joined(fx.tools());
    return tool_result_reply(fx, call, out);
  }
  const auto start = std::chrono::steady_clock::now();
  try {
    out = fx.call(*decoded);
  } catch (const std::exception& e) {
    out = {};
    out.error = std::string("effector_exception: ") + e.what();
  }
  out.tool = decoded->tool;
  out.call_id = decoded->call_id;
  out.effector_id = fx.effector_id();
  out.took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  if (out.error) out.result.reset();  // exactly one of result / error on the wire
  if (!out.error && !out.result) out.result = value();
  return tool_result_reply(fx, call, out);
}

}  // namespace neuromesh::runtime
