#pragma once
// Effector: how agents act (reference §4.15; Python cosmonapse.effector). An Effector serves
// TOOL_CALL Signals addressed to its effector_id (or its effector_kind) and answers each with
// one TOOL_RESULT on the same trace, parent_id = the call's id:
//
//   TOOL_CALL   {"tool":"div","args":{"a":1,"b":0},"call_id"?:"c1"}
//   TOOL_RESULT {"tool":"div","error":"div: division by zero","call_id":"c1"}
//   TOOL_RESULT {"tool":"add","result":3,"call_id":"c1"}
//
// A tool failure (bad arguments, a missing file, division by zero) rides TOOL_RESULT's
// `error` and never becomes an ERROR Signal, so the calling TASK goes on. A malformed
// TOOL_CALL gets a TOOL_RESULT whose error names the field. Effectors are announced with
// REGISTER role "effector" (directed = {id, kind, capabilities = the tool names}).
//
// Thread-safety: call() may run on many threads at once; the shipped Effectors keep no
// mutable state.

#include "neuromesh/protocol/signal.h"
#include "neuromesh/runtime/binding.h"
#include "neuromesh/runtime/engram_errc.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace neuromesh::runtime {

/// A decoded TOOL_CALL.
struct tool_call {
  std::string tool;
  boost::json::object args;
  std::optional<std::string> call_id;
  std::optional<std::string> trace_id;
};

/// What a tool call produced: exactly one of result / error (ToolOutcome).
struct tool_outcome {
  std::string tool;
  std::optional<boost::json::value> result;
  std::optional<std::string> error;
  std::optional<std::string> call_id;
  std::optional<std::int64_t> took_ms;
  std::optional<std::string> effector_id;
  bool ok() const noexcept { return !error; }
};

/// Identity an Effector announces in REGISTER.
struct effector_identity {
  std::string effector_id;
  std::string effector_kind = "effector";
  std::vector<std::string> tools;  ///< served tool names; empty = every tool
  std::optional<std::string> version;
};

class effector {
 public:
  explicit effector(effector_identity identity) : identity_(std::move(identity)) {}
  virtual ~effector() = default;
  effector(const effector&) = delete;
  effector& operator=(const effector&) = delete;

  const std::string& effector_id() const noexcept { return identity_.effector_id; }
  const std::string& effector_kind() const noexcept { return identity_.effector_kind; }
  /// The tool names (REGISTER's capabilities).
  const std::vector<std::string>& tools() const noexcept { return identity_.tools; }
  const std::optional<std::string>& version() const noexcept { return identity_.version; }

  /// Whether this Effector serves tool: listed in tools(), or tools() is empty.
  virtual bool can_serve(std::string_view tool) const;
  /// Runs one call. Tool failures are outcome.error, never exceptions.
  virtual tool_outcome call(const tool_call& c) = 0;

 private:
  effector_identity identity_;
};

/// TOOL_CALL's payload decoded; invalid_argument naming the field otherwise.
engram_result<tool_call> decode_tool_call(const protocol::signal& s);

/// Whether directed addresses fx: directed.id == effector_id, or (no id) directed.type ==
/// effector_kind, or neither is set (an open call: every Effector serving the tool answers;
/// the caller keeps the first TOOL_RESULT).
bool addresses(const effector& fx, const std::optional<protocol::directed>& directed) noexcept;

/// Serves a TOOL_CALL: nullopt when it does not address fx, or addresses it by kind (or not
/// at all) for a tool it does not serve (another Effector may); otherwise the TOOL_RESULT —
/// also for an unknown tool addressed by id, and for a malformed call (`error` names the
/// field). An exception escaping call() becomes `error` too.
std::optional<protocol::signal> serve_tool_call(effector& fx, const protocol::signal& call);

/// The TOOL_RESULT for outcome, replying to call.
protocol::signal tool_result_reply(const effector& fx, const protocol::signal& call,
                                   const tool_outcome& outcome);

}  // namespace neuromesh::runtime
