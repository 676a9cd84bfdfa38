#include "neuromesh/protocol/builders.h"

#include "object_writer.h"

#include <stdexcept>

namespace neuromesh::protocol {
namespace {

using detail::object_writer;

signal make(signal_type type, raw_object payload, envelope_options&& e) {
  return signal{
      .v = "1",
      .id = event_id::generate(),
      .trace_id = e.trace ? std::move(*e.trace) : trace_id::generate(),
      .parent_id = std::move(e.parent),
      .type = type,
      .directed = std::move(e.directed),
      .ts = timestamp::now(),
      .payload = std::move(payload),
      .meta = std::move(e.meta),
  };
}

bool addressed_by_id_or_type(const std::optional<directed>& d) {
  return d && ((d->id && !d->id->empty()) || (d->type && !d->type->empty()));
}

bool one_of(std::optional<std::string_view> v, std::initializer_list<std::string_view> quoted) {
  return v && std::find(quoted.begin(), quoted.end(), *v) != quoted.end();
}

}  // namespace

void check_builder_rules(signal_type type, const raw_object& payload,
                         const std::optional<directed>& d) {
  if (type == signal_type::recall) {
    if (!addressed_by_id_or_type(d))
      throw std::invalid_argument(
          "directed: RECALL needs directed.id (engram_id) or directed.type (engram_kind)");
    auto mode = payload.find("recall_mode");
    if (mode && !one_of(mode, {R"("first")", R"("merge")", R"("all")"}))
      throw std::invalid_argument("recall_mode: must be first, merge or all, got " +
                                  std::string(*mode));
  } else if (type == signal_type::imprint) {
    auto op = payload.find("op");
    if (!one_of(op, {R"("add")", R"("append")", R"("merge")", R"("upsert")", R"("delete")"}))
      throw std::invalid_argument("op: must be add, append, merge, upsert or delete, got " +
                                  std::string(op.value_or("nothing")));
    if (!addressed_by_id_or_type(d))
      throw std::invalid_argument(
          "directed: IMPRINT needs directed.id (engram_id) or directed.type (engram_kind)");
    auto key = payload.find("merge_key");
    if (one_of(op, {R"("merge")", R"("upsert")"}) &&
        (!key || !key->starts_with('"') || *key == R"("")"))
      throw std::invalid_argument("merge_key: required when op is " +
                                  std::string(op->substr(1, op->size() - 2)));
  }
}

signal make_signal(signal_type type, raw_object payload, envelope_options e) {
  check_builder_rules(type, payload, e.directed);
  return make(type, std::move(payload), std::move(e));
}

signal reply(const signal& src, signal_type type, raw_object payload,
             std::optional<protocol::directed> directed, raw_object meta) {
  return make(type, std::move(payload),
              {.directed = directed ? std::move(directed) : src.directed,
               .trace = src.trace_id,
               .parent = src.id,
               .meta = std::move(meta)});
}

signal task_signal(const task_args& a, envelope_options e) {
  object_writer w;
  w.object("input", a.input);
  if (!a.context_ref.empty()) w.str("context_ref", a.context_ref);
  if (!a.capabilities.empty()) w.strings("capabilities", a.capabilities);
  if (a.finalize) w.boolean("finalize", true);
  return make(signal_type::task, w.finish(), std::move(e));
}

signal agent_output_signal(const boost::json::value& output, envelope_options e) {
  object_writer w;
  if (output.is_object()) {
    w.value("output", output);
  } else {
    object_writer wrapped;
    wrapped.value("value", output);
    w.object("output", wrapped.finish());
  }
  return make(signal_type::agent_output, w.finish(), std::move(e));
}

signal final_signal(const final_args& a, envelope_options e) {
  object_writer w;
  w.value("result", a.result);
  if (!a.cost.empty()) w.object("cost", a.cost);
  return make(signal_type::final, w.finish(), std::move(e));
}

signal error_signal(const error_args& a, envelope_options e) {
  object_writer w;
  w.str("code", a.code).str("message", a.message).boolean("recoverable", a.recoverable);
  return make(signal_type::error, w.finish(), std::move(e));
}

signal task_offer_signal(const task_offer_args& a, envelope_options e) {
  object_writer w;
  w.object("input", a.input);
  if (!a.capabilities.empty()) w.strings("capabilities", a.capabilities);
  if (a.deadline_ms != 0) w.integer("deadline_ms", a.deadline_ms);
  return make(signal_type::task_offer, w.finish(), std::move(e));
}

signal bid_signal(const bid_args& a, envelope_options e) {
  object_writer w;
  w.number("cost", a.cost);
  if (a.eta_ms) w.integer("eta_ms", *a.eta_ms);
  if (a.confidence) w.number("confidence", *a.confidence);
  return make(signal_type::bid, w.finish(), std::move(e));
}

signal task_awarded_signal(const task_awarded_args& a, envelope_options e) {
  object_writer w;
  w.object("input", a.input);
  if (a.winning_bid) w.object("winning_bid", *a.winning_bid);
  if (a.context_ref) w.str("context_ref", *a.context_ref);
  if (a.finalize) w.boolean("finalize", true);
  return make(signal_type::task_awarded, w.finish(), std::move(e));
}

signal task_declined_signal(std::optional<std::string> reason, envelope_options e) {
  object_writer w;
  if (reason) w.str("reason", *reason);
  return make(signal_type::task_declined, w.finish(), std::move(e));
}

signal thought_delta_signal(std::string delta, std::optional<std::int64_t> seq,
                            envelope_options e) {
  object_writer w;
  w.str("delta", delta);
  if (seq) w.integer("seq", *seq);
  return make(signal_type::thought_delta, w.finish(), std::move(e));
}

signal audit_signal(const audit_args& a, envelope_options e) {
  if (a.attempt < 1) throw std::invalid_argument("attempt: must be >= 1");
  object_writer w;
  w.str("kind", a.kind)
      .str("domain", a.domain)
      .str("outcome", a.outcome)
      .integer("attempt", a.attempt);
  auto opt = [&w](std::string_view key, const std::optional<std::string>& v) {
    if (v) w.str(key, *v);
  };
  opt("component", a.component);
  opt("direction", a.direction);
  opt("signal", a.signal);
  opt("policy_id", a.policy_id);
  if (a.policy_version) w.value("policy_version", *a.policy_version);
  opt("card_id", a.card_id);
  opt("reason", a.reason);
  opt("hash", a.hash);
  if (a.took_ms) w.value("took_ms", *a.took_ms);
  return make(signal_type::audit, w.finish(), std::move(e));
}

signal plan_signal(boost::json::array steps, std::optional<std::string> rationale,
                   envelope_options e) {
  object_writer w;
  w.value("steps", steps);
  if (rationale) w.str("rationale", *rationale);
  return make(signal_type::plan, w.finish(), std::move(e));
}

signal tool_call_signal(const tool_call_args& a, envelope_options e) {
  object_writer w;
  w.str("tool", a.tool).object("args", a.args);
  if (a.call_id) w.str("call_id", *a.call_id);
  return make(signal_type::tool_call, w.finish(), std::move(e));
}

signal tool_result_signal(const tool_result_args& a, envelope_options e) {
  object_writer w;
  w.str("tool", a.tool);
  if (a.result) w.value("result", *a.result);
  if (a.error) w.str("error", *a.error);
  if (a.call_id) w.str("call_id", *a.call_id);
  return make(signal_type::tool_result, w.finish(), std::move(e));
}

signal memory_append_signal(std::string key, const boost::json::value& value, envelope_options e) {
  object_writer w;
  w.str("key", key).value("value", value);
  return make(signal_type::memory_append, w.finish(), std::move(e));
}

signal escalation_signal(const escalation_args& a, envelope_options e) {
  object_writer w;
  w.str("reason", a.reason);
  if (a.target) w.str("target", *a.target);
  if (a.context) w.object("context", *a.context);
  return make(signal_type::escalation, w.finish(), std::move(e));
}

signal consensus_signal(const consensus_args& a, envelope_options e) {
  object_writer w;
  w.strings("members", a.members).str("verdict", a.verdict);
  if (a.votes) w.object("votes", *a.votes);
  return make(signal_type::consensus, w.finish(), std::move(e));
}

signal context_sync_signal(raw_object snapshot, std::optional<std::string> version,
                           envelope_options e) {
  object_writer w;
  w.object("snapshot", snapshot);
  if (version) w.str("version", *version);
  return make(signal_type::context_sync, w.finish(), std::move(e));
}

signal critique_signal(const critique_args& a, envelope_options e) {
  object_writer w;
  w.str("target_event_id", a.target_event_id).value("issues", a.issues).str("verdict", a.verdict);
  return make(signal_type::critique, w.finish(), std::move(e));
}

signal clarification_signal(std::string question, raw_object context, envelope_options e) {
  object_writer w;
  w.str("question", question);
  if (!context.empty()) w.object("context", context);
  return make(signal_type::clarification, w.finish(), std::move(e));
}

signal permission_signal(const permission_args& a, envelope_options e) {
  object_writer w;
  w.str("action", a.action);
  if (!a.scope.empty()) w.object("scope", a.scope);
  if (a.reason) w.str("reason", *a.reason);
  if (!a.context.empty()) w.object("context", a.context);
  return make(signal_type::permission, w.finish(), std::move(e));
}

signal permission_decision_signal(const permission_decision_args& a, envelope_options e) {
  object_writer w;
  w.boolean("granted", a.granted);
  if (a.reason) w.str("reason", *a.reason);
  if (a.ttl_ms) w.integer("ttl_ms", *a.ttl_ms);
  return make(signal_type::permission_decision, w.finish(), std::move(e));
}

signal clarification_answer_signal(const boost::json::value& answer, envelope_options e) {
  object_writer w;
  w.value("answer", answer);
  return make(signal_type::clarification_answer, w.finish(), std::move(e));
}

signal recall_signal(const recall_args& a, envelope_options e) {
  object_writer w;
  w.object("query", a.query).str("recall_mode", a.recall_mode);
  if (a.filters) w.object("filters", *a.filters);
  if (a.context_ref) w.str("context_ref", *a.context_ref);
  if (a.deadline_ms) w.integer("deadline_ms", *a.deadline_ms);
  if (a.min_confidence) w.number("min_confidence", *a.min_confidence);
  return make_signal(signal_type::recall, w.finish(), std::move(e));
}

signal recalled_signal(const recalled_args& a, envelope_options e) {
  object_writer w;
  w.str("engram_id", a.engram_id).value("hits", a.hits).boolean("truncated", a.truncated);
  if (a.took_ms) w.value("took_ms", *a.took_ms);
  if (a.error) w.str("error", *a.error);
  return make(signal_type::recalled, w.finish(), std::move(e));
}

signal imprint_signal(const imprint_args& a, envelope_options e) {
  object_writer w;
  w.str("op", a.op).object("entry", a.entry);
  if (a.merge_key) w.str("merge_key", *a.merge_key);
  return make_signal(signal_type::imprint, w.finish(), std::move(e));
}

signal imprinted_signal(const imprinted_args& a, envelope_options e) {
  object_writer w;
  w.str("engram_id", a.engram_id).str("op", a.op);
  if (a.id) w.str("id", *a.id);
  if (a.version) w.integer("version", *a.version);
  if (a.took_ms) w.value("took_ms", *a.took_ms);
  if (a.error) w.str("error", *a.error);
  return make(signal_type::imprinted, w.finish(), std::move(e));
}

signal register_signal(const register_args& a, raw_object meta) {
  object_writer w;
  w.str("role", a.role).strings("capabilities", a.capabilities);
  if (!a.version.empty()) w.str("version", a.version);
  if (a.role == "engram") w.boolean("engram", true);
  return make(signal_type::register_, w.finish(),
              {.directed = directed{.id = a.id, .type = a.kind, .capabilities = a.capabilities},
               .meta = std::move(meta)});
}

signal deregister_signal(std::string neuron_id, std::string reason, raw_object meta) {
  object_writer w;
  if (!reason.empty()) w.str("reason", reason);
  return make(signal_type::deregister, w.finish(),
              {.directed = directed{.id = std::move(neuron_id)}, .meta = std::move(meta)});
}

signal heartbeat_signal(std::string neuron_id, std::string status, raw_object meta) {
  object_writer w;
  w.str("status", status);
  return make(signal_type::heartbeat, w.finish(),
              {.directed = directed{.id = std::move(neuron_id)}, .meta = std::move(meta)});
}

signal discover_signal(std::optional<std::string> neuron,
                       std::optional<std::vector<std::string>> capabilities, raw_object meta) {
  object_writer w;
  if (neuron) w.str("neuron", *neuron);
  if (capabilities) w.strings("capabilities", *capabilities);
  return make(signal_type::discover, w.finish(), {.meta = std::move(meta)});
}

signal stop_signal(protocol::trace_id trace, bool rollback, std::optional<std::string> reason,
                   envelope_options e) {
  object_writer w;
  w.boolean("rollback", rollback);
  if (reason) w.str("reason", *reason);
  e.trace = std::move(trace);
  return make(signal_type::stop, w.finish(), std::move(e));
}

signal stopped_signal(const signal& stop, const stopped_args& a,
                      std::optional<protocol::directed> directed, raw_object meta) {
  object_writer w;
  w.boolean("rolled_back", a.rolled_back)
      .integer("cancelled", a.cancelled)
      .integer("compensated", a.compensated);
  if (a.node) w.str("node", *a.node);
  return make(signal_type::stopped, w.finish(),
              {.directed = std::move(directed),
               .trace = stop.trace_id,
               .parent = stop.id,
               .meta = std::move(meta)});
}

}  // namespace neuromesh::protocol
