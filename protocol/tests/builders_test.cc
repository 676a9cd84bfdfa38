#include "neuromesh/protocol/builders.h"

#include "neuromesh/protocol/codec.h"
#include "neuromesh/protocol/type_sets.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <set>

namespace neuromesh::protocol {
namespace {

namespace json = boost::json;

raw_object obj(std::string_view text) { return raw_object::parse(text).value(); }

envelope_options to(std::string id) { return {.directed = directed{.id = std::move(id)}}; }

// Every builder's payload, with the §2.2 omission rules exercised both ways.
TEST(builders, golden_payloads_for_every_type) {
  struct row {
    signal s;
    signal_type type;
    std::string_view payload;
  };
  const row rows[] = {
      {task_signal({.input = obj(R"({"q":"hi"})")}), signal_type::task, R"({"input":{"q":"hi"}})"},
      {task_signal({.input = obj("{}"),
                    .context_ref = "ctx",
                    .capabilities = {"a", "b"},
                    .finalize = true}),
       signal_type::task,
       R"({"input":{},"context_ref":"ctx","capabilities":["a","b"],"finalize":true})"},
      {agent_output_signal(json::parse(R"({"answer":42})")), signal_type::agent_output,
       R"({"output":{"answer":42}})"},
      {agent_output_signal(json::value("text")), signal_type::agent_output,
       R"({"output":{"value":"text"}})"},
      {final_signal({.result = json::parse(R"({"r":1.0})")}), signal_type::final,
       R"({"result":{"r":1.0}})"},
      {final_signal({.result = json::parse("[1]"), .cost = obj(R"({"usd":0.5})")}),
       signal_type::final, R"({"result":[1],"cost":{"usd":0.5}})"},
      {error_signal({.code = "NEURON_EXCEPTION", .message = "boom"}), signal_type::error,
       R"({"code":"NEURON_EXCEPTION","message":"boom","recoverable":false})"},
      {task_offer_signal({.input = obj("{}")}), signal_type::task_offer, R"({"input":{}})"},
      {task_offer_signal({.input = obj("{}"), .capabilities = {"x"}, .deadline_ms = 250}),
       signal_type::task_offer, R"({"input":{},"capabilities":["x"],"deadline_ms":250})"},
      {bid_signal({.cost = 0}), signal_type::bid, R"({"cost":0.0})"},
      {bid_signal({.cost = 1.5, .eta_ms = 0, .confidence = 1.0}), signal_type::bid,
       R"({"cost":1.5,"eta_ms":0,"confidence":1.0})"},
      {task_awarded_signal({.input = obj("{}"),
                            .winning_bid = obj(R"({"cost":0.0,"confidence":1.0})"),
                            .context_ref = "",
                            .finalize = true}),
       signal_type::task_awarded,
       R"({"input":{},"winning_bid":{"cost":0.0,"confidence":1.0},"context_ref":"","finalize":true})"},
      {task_declined_signal(std::nullopt), signal_type::task_declined, "{}"},
      {task_declined_signal("not selected"), signal_type::task_declined,
       R"({"reason":"not selected"})"},
      {thought_delta_signal("th", 3), signal_type::thought_delta, R"({"delta":"th","seq":3})"},
      {audit_signal(
           {.kind = "GUARDED", .domain = "security", .outcome = "redacted", .reason = "pii"}),
       signal_type::audit,
       R"({"kind":"GUARDED","domain":"security","outcome":"redacted","attempt":1,"reason":"pii"})"},
      {plan_signal(json::parse(R"([{"step":1}])").as_array(), std::nullopt), signal_type::plan,
       R"({"steps":[{"step":1}]})"},
      {plan_signal({}, "because"), signal_type::plan, R"({"steps":[],"rationale":"because"})"},
      {tool_call_signal({.tool = "search", .args = obj(R"({"q":"x"})"), .call_id = "call_1"}),
       signal_type::tool_call, R"({"tool":"search","args":{"q":"x"},"call_id":"call_1"})"},
      {tool_result_signal({.tool = "search", .result = json::value(nullptr)}),
       signal_type::tool_result, R"({"tool":"search","result":null})"},
      {tool_result_signal({.tool = "search", .error = "timeout", .call_id = "c"}),
       signal_type::tool_result, R"({"tool":"search","error":"timeout","call_id":"c"})"},
      {memory_append_signal("k", json::value(1)), signal_type::memory_append,
       R"({"key":"k","value":1})"},
      {escalation_signal({.reason = "stuck", .target = "human", .context = obj("{}")}),
       signal_type::escalation, R"({"reason":"stuck","target":"human","context":{}})"},
      {consensus_signal({.members = {"a", "b"}, .verdict = "yes"}), signal_type::consensus,
       R"({"members":["a","b"],"verdict":"yes"})"},
      {context_sync_signal(obj(R"({"s":1})"), "v2"), signal_type::context_sync,
       R"({"snapshot":{"s":1},"version":"v2"})"},
      {critique_signal({.target_event_id = "evt_x", .issues = {}, .verdict = "ok"}),
       signal_type::critique, R"({"target_event_id":"evt_x","issues":[],"verdict":"ok"})"},
      {clarification_signal("which?"), signal_type::clarification, R"({"question":"which?"})"},
      {clarification_signal("which?", obj(R"({"opts":[1,2]})")), signal_type::clarification,
       R"({"question":"which?","context":{"opts":[1,2]}})"},
      {permission_signal({.action = "rm", .scope = obj("{}"), .reason = "cleanup"}),
       signal_type::permission, R"({"action":"rm","reason":"cleanup"})"},
      {permission_decision_signal({.granted = true, .ttl_ms = 1000}),
       signal_type::permission_decision, R"({"granted":true,"ttl_ms":1000})"},
      {clarification_answer_signal(json::value("blue")), signal_type::clarification_answer,
       R"({"answer":"blue"})"},
      {recall_signal({.query = obj(R"({"k":"x"})")}, to("ctx")), signal_type::recall,
       R"({"query":{"k":"x"},"recall_mode":"first"})"},
      {recall_signal(
           {.query = obj("{}"), .recall_mode = "all", .deadline_ms = 50, .min_confidence = 0.5},
           to("ctx")),
       signal_type::recall,
       R"({"query":{},"recall_mode":"all","deadline_ms":50,"min_confidence":0.5})"},
      {recalled_signal(
           {.engram_id = "ctx",
            .hits = json::parse(R"([{"id":"eng_1","entry":{},"score":1.0}])").as_array()}),
       signal_type::recalled,
       R"({"engram_id":"ctx","hits":[{"id":"eng_1","entry":{},"score":1.0}],"truncated":false})"},
      {imprint_signal({.op = "upsert", .entry = obj(R"({"k":1})"), .merge_key = "k"}, to("ctx")),
       signal_type::imprint, R"({"op":"upsert","entry":{"k":1},"merge_key":"k"})"},
      {imprinted_signal({.engram_id = "ctx", .op = "add", .id = "eng_1", .version = 2}),
       signal_type::imprinted, R"({"engram_id":"ctx","op":"add","id":"eng_1","version":2})"},
      {register_signal({.id = "n1", .kind = "llm", .capabilities = {"en"}}), signal_type::register_,
       R"({"role":"neuron","capabilities":["en"]})"},
      {register_signal(
           {.id = "ctx", .kind = "memory", .capabilities = {}, .role = "engram", .version = "1.2"}),
       signal_type::register_,
       R"({"role":"engram","capabilities":[],"version":"1.2","engram":true})"},
      {deregister_signal("n1"), signal_type::deregister, "{}"},
      {deregister_signal("n1", "bye"), signal_type::deregister, R"({"reason":"bye"})"},
      {heartbeat_signal("n1"), signal_type::heartbeat, R"({"status":"ok"})"},
      {discover_signal(), signal_type::discover, "{}"},
      {discover_signal("n1", std::vector<std::string>{}), signal_type::discover,
       R"({"neuron":"n1","capabilities":[]})"},
      {stop_signal(trace_id{"trc_t"}, true, "user"), signal_type::stop,
       R"({"rollback":true,"reason":"user"})"},
  };
  std::set<signal_type> covered;
  for (const auto& r : rows) {
    EXPECT_EQ(r.s.type, r.type);
    EXPECT_EQ(r.s.payload.text(), r.payload) << to_string(r.type);
    covered.insert(r.type);
    // Builder output is canonical: it survives decode -> encode byte for byte.
    std::string wire = encode(r.s);
    auto back = decode(wire);
    ASSERT_TRUE(back) << back.error().what();
    EXPECT_EQ(encode(*back), wire);
  }
  covered.insert(signal_type::stopped);  // stopped_signal has its own test
  EXPECT_EQ(covered.size(), static_cast<std::size_t>(signal_type_count));
}

TEST(builders, management_signals_carry_their_addressing) {
  auto r = register_signal({.id = "n1", .kind = "llm", .capabilities = {"en", "fr"}});
  ASSERT_TRUE(r.directed);
  EXPECT_EQ(r.directed->id, "n1");
  EXPECT_EQ(r.directed->type, "llm");
  EXPECT_EQ(r.directed->capabilities, (std::vector<std::string>{"en", "fr"}));
  EXPECT_FALSE(r.parent_id);
  EXPECT_NE(register_signal({.id = "n1"}).trace_id, r.trace_id);  // a new trace per emission
  EXPECT_EQ(heartbeat_signal("n1").directed->id, "n1");
  EXPECT_FALSE(discover_signal().directed);
}

TEST(builders, reply_keeps_the_trace_and_points_at_its_source) {
  auto t = task_signal({.input = obj("{}")}, to("answerer"));
  auto out = reply(t, signal_type::agent_output, obj(R"({"output":{}})"));
  EXPECT_NE(out.id, t.id);
  EXPECT_EQ(out.trace_id, t.trace_id);
  EXPECT_EQ(out.parent_id, t.id);
  EXPECT_EQ(out.directed, t.directed);  // propagated when not given
  EXPECT_EQ(out.meta.text(), "{}");
  auto other = reply(t, signal_type::final, {}, directed{.id = "dendrite"});
  EXPECT_EQ(other.directed->id, "dendrite");
  EXPECT_EQ(other.payload.text(), "{}");
}

TEST(builders, stopped_acknowledges_its_stop) {
  auto stop = stop_signal(trace_id{"trc_t"});
  EXPECT_EQ(stop.payload.text(), R"({"rollback":false})");
  EXPECT_EQ(stop.trace_id.str(), "trc_t");
  EXPECT_FALSE(stop.parent_id);
  auto ack =
      stopped_signal(stop, {.rolled_back = true, .cancelled = 2, .compensated = 1, .node = "dev"});
  EXPECT_EQ(ack.type, signal_type::stopped);
  EXPECT_EQ(ack.trace_id, stop.trace_id);
  EXPECT_EQ(ack.parent_id, stop.id);
  EXPECT_EQ(ack.payload.text(),
            R"({"rolled_back":true,"cancelled":2,"compensated":1,"node":"dev"})");
}

TEST(builders, engram_builders_validate_like_the_reference) {
  EXPECT_THROW(recall_signal({.query = obj("{}")}, {}), std::invalid_argument);
  EXPECT_THROW(recall_signal({.query = obj("{}"), .recall_mode = "best"}, to("ctx")),
               std::invalid_argument);
  EXPECT_NO_THROW(recall_signal({.query = obj("{}")}, {.directed = directed{.type = "memory"}}));
  EXPECT_THROW(imprint_signal({.op = "put", .entry = obj("{}")}, to("ctx")), std::invalid_argument);
  EXPECT_THROW(imprint_signal({.op = "add", .entry = obj("{}")}, {}), std::invalid_argument);
  EXPECT_THROW(imprint_signal({.op = "merge", .entry = obj("{}")}, to("ctx")),
               std::invalid_argument);
  try {
    imprint_signal({.op = "upsert", .entry = obj("{}")}, to("ctx"));
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "merge_key: required when op is upsert");
  }
  EXPECT_NO_THROW(imprint_signal({.op = "delete", .entry = obj("{}")}, to("ctx")));
}

TEST(type_sets, match_the_reference_groups) {
  EXPECT_EQ(axon_types().size(), 7u);
  EXPECT_EQ(synapse_types().size(), 26u);  // 25 of the reference + both THOUGHT_DELTA and AUDIT
  EXPECT_EQ(pathway_types().size(), static_cast<std::size_t>(signal_type_count - 5));
  EXPECT_TRUE(is_axon_type(signal_type::error) && is_synapse_type(signal_type::error));
  EXPECT_FALSE(is_synapse_type(signal_type::agent_output));
  EXPECT_FALSE(is_pathway_type(signal_type::heartbeat));
  EXPECT_TRUE(is_pathway_type(signal_type::audit));
  EXPECT_TRUE(is_terminal_type(signal_type::final));
  EXPECT_FALSE(is_terminal_type(signal_type::clarification));
  EXPECT_TRUE(is_wait_type(signal_type::permission));
  EXPECT_TRUE(is_terminal_scope_type(signal_type::clarification));
  EXPECT_FALSE(is_terminal_scope_type(signal_type::agent_output));
  EXPECT_TRUE(is_orchestrator_only_type(signal_type::stop));
  for (auto t : axon_types())
    if (t != signal_type::error) {
      EXPECT_FALSE(is_synapse_type(t)) << to_string(t);
    }
}

}  // namespace
}  // namespace neuromesh::protocol
