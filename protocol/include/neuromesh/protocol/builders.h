#pragma once
// Typed builders for every Signal type, following the payload rules of the Python SDK's
// builders (reference §2.2): required keys always written, "if truthy" keys omitted when empty
// / zero / false, "if not None" keys omitted only when absent, keys in the builder's order.
// Builder validation (§1.6) throws std::invalid_argument naming the field, as the Python
// builders raise ValueError, before anything reaches the wire.
//
//   auto t = task_signal({.input = raw_object::parse(R"({"q":"hi"})").value()},
//                        {.directed = directed{.id = "answerer"}});
//   auto out = reply(t, signal_type::agent_output, agent_output_payload(...));

#include "neuromesh/protocol/signal.h"

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace neuromesh::protocol {

/// Addressing and lineage every builder takes: directed, trace (default: a new one), parent
/// (default: none), meta (default: {}).
struct envelope_options {
  std::optional<protocol::directed> directed{};
  std::optional<protocol::trace_id> trace{};
  std::optional<event_id> parent{};
  raw_object meta{};
};

/// Any type with a ready payload: fresh id, trace from e (or new), ts now. Builder rules
/// (check_builder_rules) are applied, so a RECALL/IMPRINT payload is checked too.
signal make_signal(signal_type type, raw_object payload, envelope_options e = {});

/// §1.6 builder validation for any payload: RECALL needs directed.id or .type and recall_mode
/// in {first, merge, all}; IMPRINT needs op in {add, append, merge, upsert, delete},
/// directed.id or .type, and merge_key for merge/upsert. Throws std::invalid_argument naming
/// the field.
void check_builder_rules(signal_type type, const raw_object& payload,
                         const std::optional<protocol::directed>& d);

/// A reply to src (§1.7): fresh id, same trace, parent_id = src.id, directed = the given one or
/// a copy of src's.
signal reply(const signal& src, signal_type type, raw_object payload = {},
             std::optional<protocol::directed> directed = std::nullopt, raw_object meta = {});

struct task_args {
  raw_object input{};
  std::string context_ref{};                ///< if truthy
  std::vector<std::string> capabilities{};  ///< if truthy
  bool finalize = false;                    ///< only written as true
};
signal task_signal(const task_args& a, envelope_options e = {});

/// A non-object output is wrapped as {"value": output}, as the Axon does.
signal agent_output_signal(const boost::json::value& output, envelope_options e = {});

struct final_args {
  boost::json::value result = boost::json::object();
  raw_object cost{};  ///< if truthy
};
signal final_signal(const final_args& a, envelope_options e = {});

struct error_args {
  std::string code{};
  std::string message{};
  bool recoverable = false;  ///< always written
};
signal error_signal(const error_args& a, envelope_options e = {});

struct task_offer_args {
  raw_object input{};
  std::vector<std::string> capabilities{};  ///< if truthy
  std::int64_t deadline_ms = 0;             ///< if truthy
};
signal task_offer_signal(const task_offer_args& a, envelope_options e = {});

struct bid_args {
  double cost = 0;
  std::optional<std::int64_t> eta_ms{};
  std::optional<double> confidence{};
};
signal bid_signal(const bid_args& a, envelope_options e = {});

struct task_awarded_args {
  raw_object input{};
  std::optional<raw_object> winning_bid{};  ///< the winner's cost / eta_ms / confidence keys
  std::optional<std::string> context_ref{};
  bool finalize = false;  ///< only written as true
};
signal task_awarded_signal(const task_awarded_args& a, envelope_options e = {});

signal task_declined_signal(std::optional<std::string> reason, envelope_options e = {});

/// THOUGHT_DELTA (0.1.12; removed at HEAD).
signal thought_delta_signal(std::string delta, std::optional<std::int64_t> seq,
                            envelope_options e = {});

struct audit_args {
  std::string kind{}, domain{}, outcome{};
  std::int64_t attempt = 1;  ///< always written, >= 1
  std::optional<std::string> component{}, direction{}, signal{}, policy_id{};
  std::optional<boost::json::value> policy_version{};
  std::optional<std::string> card_id{}, reason{}, hash{};
  std::optional<boost::json::value> took_ms{};
};
signal audit_signal(const audit_args& a, envelope_options e = {});

signal plan_signal(boost::json::array steps, std::optional<std::string> rationale,
                   envelope_options e = {});

struct tool_call_args {
  std::string tool{};
  raw_object args{};
  std::optional<std::string> call_id{};
};
signal tool_call_signal(const tool_call_args& a, envelope_options e = {});

struct tool_result_args {
  std::string tool{};
  std::optional<boost::json::value> result{};
  std::optional<std::string> error{};
  std::optional<std::string> call_id{};
};
signal tool_result_signal(const tool_result_args& a, envelope_options e = {});

signal memory_append_signal(std::string key, const boost::json::value& value,
                            envelope_options e = {});

struct escalation_args {
  std::string reason{};
  std::optional<std::string> target{};
  std::optional<raw_object> context{};
};
signal escalation_signal(const escalation_args& a, envelope_options e = {});

struct consensus_args {
  std::vector<std::string> members{};
  std::string verdict{};
  std::optional<raw_object> votes{};
};
signal consensus_signal(const consensus_args& a, envelope_options e = {});

signal context_sync_signal(raw_object snapshot, std::optional<std::string> version,
                           envelope_options e = {});

struct critique_args {
  std::string target_event_id{};
  boost::json::array issues{};
  std::string verdict{};
};
signal critique_signal(const critique_args& a, envelope_options e = {});

signal clarification_signal(std::string question, raw_object context = {}, envelope_options e = {});

struct permission_args {
  std::string action{};
  raw_object scope{};  ///< if truthy
  std::optional<std::string> reason{};
  raw_object context{};  ///< if truthy
};
signal permission_signal(const permission_args& a, envelope_options e = {});

struct permission_decision_args {
  bool granted = false;
  std::optional<std::string> reason{};
  std::optional<std::int64_t> ttl_ms{};
};
signal permission_decision_signal(const permission_decision_args& a, envelope_options e = {});

signal clarification_answer_signal(const boost::json::value& answer, envelope_options e = {});

struct recall_args {
  raw_object query{};
  std::string recall_mode = "first";  ///< first | merge | all; always written
  std::optional<raw_object> filters{};
  std::optional<std::string> context_ref{};
  std::optional<std::int64_t> deadline_ms{};
  std::optional<double> min_confidence{};
};
/// Throws std::invalid_argument without directed.id / directed.type or with a bad recall_mode.
signal recall_signal(const recall_args& a, envelope_options e);

struct recalled_args {
  std::string engram_id{};
  boost::json::array hits{};  ///< each {"id":..., "entry":{...}, "score":...}
  bool truncated = false;
  std::optional<boost::json::value> took_ms{};
  std::optional<std::string> error{};
};
signal recalled_signal(const recalled_args& a, envelope_options e = {});

struct imprint_args {
  std::string op{};  ///< add | append | merge | upsert | delete
  raw_object entry{};
  std::optional<std::string> merge_key{};  ///< required for merge / upsert
};
/// Throws std::invalid_argument for a bad op, a missing merge_key or no directed.id/.type.
signal imprint_signal(const imprint_args& a, envelope_options e);

struct imprinted_args {
  std::string engram_id{};
  std::string op{};
  std::optional<std::string> id{};  ///< entry id, eng_…
  std::optional<std::int64_t> version{};
  std::optional<boost::json::value> took_ms{};
  std::optional<std::string> error{};
};
signal imprinted_signal(const imprinted_args& a, envelope_options e = {});

struct register_args {
  std::string id{};    ///< participant id (directed.id)
  std::string kind{};  ///< neuron / engram / effector kind (directed.type)
  std::vector<std::string> capabilities{};
  std::string role = "neuron";  ///< always written first; "engram" also writes engram:true
  std::string version{};        ///< if truthy
};
/// directed = {id, kind, capabilities}; a new trace per emission.
signal register_signal(const register_args& a, raw_object meta = {});
signal deregister_signal(std::string neuron_id, std::string reason = {}, raw_object meta = {});
signal heartbeat_signal(std::string neuron_id, std::string status = "ok", raw_object meta = {});
/// Filters live in the payload: neuron / capabilities, each if not None.
signal discover_signal(std::optional<std::string> neuron = std::nullopt,
                       std::optional<std::vector<std::string>> capabilities = std::nullopt,
                       raw_object meta = {});

/// STOP for a trace (broadcast, no parent_id).
signal stop_signal(protocol::trace_id trace, bool rollback = false,
                   std::optional<std::string> reason = std::nullopt, envelope_options e = {});
struct stopped_args {
  bool rolled_back = false;
  std::int64_t cancelled = 0;
  std::int64_t compensated = 0;
  std::optional<std::string> node{};  ///< the SDK puts the namespace here
};
/// STOPPED acknowledging stop: same trace, parent_id = stop.id.
signal stopped_signal(const signal& stop, const stopped_args& a,
                      std::optional<protocol::directed> directed = std::nullopt,
                      raw_object meta = {});

}  // namespace neuromesh::protocol
