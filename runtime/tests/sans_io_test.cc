// The runtime's sans-I/O parts, without a transport: result mapping, routing, bidding,
// retry policy, decision cache, stale sweep.
#include "neuromesh/protocol/builders.h"
#include "neuromesh/runtime/axon.h"
#include "neuromesh/runtime/bidding.h"
#include "neuromesh/runtime/decision_cache.h"
#include "neuromesh/runtime/errors.h"
#include "neuromesh/runtime/retry.h"
#include "neuromesh/runtime/stale_sweep.h"
#include "neuromesh/runtime/task_router.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace neuromesh::runtime {
namespace {

namespace json = boost::json;
using protocol::signal;
using protocol::signal_type;

signal a_task() {
  return protocol::task_signal({.input = protocol::raw_object::parse(R"({"q":1})").value()},
                               {.directed = protocol::directed{.id = "n1"}});
}

TEST(axon_map_result, object_becomes_agent_output_on_task_trace_parented_to_task) {
  auto t = a_task();
  auto r = axon::map_result(t, "n1", json::parse(R"({"a":1})"));
  EXPECT_EQ(r.type, signal_type::agent_output);
  EXPECT_EQ(r.payload.text(), R"({"output":{"a":1}})");
  EXPECT_EQ(r.trace_id, t.trace_id);
  EXPECT_EQ(r.parent_id, t.id);
  EXPECT_EQ(r.directed->id, "n1");
}

TEST(axon_map_result, non_object_is_wrapped_as_value) {
  auto r = axon::map_result(a_task(), "n1", json::value("hi"));
  EXPECT_EQ(r.payload.text(), R"({"output":{"value":"hi"}})");
  r = axon::map_result(a_task(), "n1", json::value(3));
  EXPECT_EQ(r.payload.text(), R"({"output":{"value":3}})");
}

TEST(axon_map_result, error_marker_with_defaults_and_fields) {
  auto r = axon::map_result(a_task(), "n1", json::parse(R"({"__error__":true})"));
  EXPECT_EQ(r.type, signal_type::error);
  EXPECT_EQ(r.payload.text(), R"({"code":"NEURON_ERROR","message":"","recoverable":false})");
  r = axon::map_result(
      a_task(), "n1",
      json::parse(R"({"__error__":1,"code":"X","message":"m","recoverable":true})"));
  EXPECT_EQ(r.payload.text(), R"({"code":"X","message":"m","recoverable":true})");
}

TEST(axon_map_result, falsy_marker_is_plain_output) {
  auto r = axon::map_result(a_task(), "n1", json::parse(R"({"__error__":false,"x":1})"));
  EXPECT_EQ(r.type, signal_type::agent_output);
}

TEST(axon_map_result, clarification_and_permission_markers) {
  auto r = axon::map_result(a_task(), "n1",
                            json::parse(R"({"__clarification__":true,"question":"which?"})"));
  EXPECT_EQ(r.type, signal_type::clarification);
  EXPECT_EQ(r.payload.text(), R"({"question":"which?"})");
  r = axon::map_result(
      a_task(), "n1",
      json::parse(R"({"__permission__":true,"action":"rm","scope":{"p":"/"},"reason":"why"})"));
  EXPECT_EQ(r.type, signal_type::permission);
  EXPECT_EQ(r.payload.text(), R"({"action":"rm","scope":{"p":"/"},"reason":"why"})");
}

TEST(axon_map_result, marker_precedence_is_error_clarification_permission) {
  auto r = axon::map_result(
      a_task(), "n1",
      json::parse(R"({"__permission__":true,"__clarification__":true,"__error__":true})"));
  EXPECT_EQ(r.type, signal_type::error);
  r = axon::map_result(a_task(), "n1",
                       json::parse(R"({"__permission__":true,"__clarification__":true})"));
  EXPECT_EQ(r.type, signal_type::clarification);
}

TEST(axon, construction_rejects_empty_id_and_missing_neuron) {
  EXPECT_THROW(axon({.neuron_id = "",
                     .neuron = [](const json::object&, const context&) { return json::value(); }}),
               usage_error);
  EXPECT_THROW(axon({.neuron_id = "x"}), usage_error);
}

TEST(task_router, addressed_routed_open) {
  auto fn = [](const json::object&, const context&) { return json::value(); };
  std::vector<std::shared_ptr<axon>> hosted{
      std::make_shared<axon>(axon_options{.neuron_id = "a", .neuron = fn, .capabilities = {"x"}}),
      std::make_shared<axon>(axon_options{
          .neuron_id = "b", .neuron = fn, .capabilities = {"x", "y"}, .catch_all = true})};
  auto t = a_task();
  t.directed = protocol::directed{.id = "b"};
  EXPECT_EQ(route_task(hosted, t, {}).index, 1u);
  t.directed = protocol::directed{.id = "zz"};
  auto miss = route_task(hosted, t, {});
  EXPECT_EQ(miss.route, task_route::addressed);
  EXPECT_FALSE(miss.index);
  t.directed.reset();
  EXPECT_EQ(route_task(hosted, t, {"x"}).index, 0u);  // attach order
  EXPECT_EQ(route_task(hosted, t, {"y", "x"}).index, 1u);
  EXPECT_FALSE(route_task(hosted, t, {"q"}).index);
  auto open = route_task(hosted, t, {});
  EXPECT_EQ(open.route, task_route::open);
  EXPECT_EQ(open.index, 1u);  // the catch_all one
}

signal a_bid(double cost, std::optional<double> confidence, const std::string& who) {
  return protocol::bid_signal({.cost = cost, .confidence = confidence},
                              {.directed = protocol::directed{.id = who}});
}

TEST(bid_selection, first_bid_awards_at_once_and_declines_later_bids) {
  bid_selection s(select_policy::first_bid);
  EXPECT_EQ(s.on_bid(a_bid(5, {}, "a")), bid_selection::action::award);
  EXPECT_EQ(s.on_bid(a_bid(1, {}, "b")), bid_selection::action::decline);
  EXPECT_FALSE(s.on_deadline().winner);
}

TEST(bid_selection, lowest_cost_picks_min_and_declines_the_rest) {
  bid_selection s(select_policy::lowest_cost);
  EXPECT_EQ(s.on_bid(a_bid(5, {}, "a")), bid_selection::action::hold);
  s.on_bid(a_bid(1, {}, "b"));
  s.on_bid(a_bid(3, {}, "c"));
  auto d = s.on_deadline();
  ASSERT_TRUE(d.winner);
  EXPECT_EQ(d.winner->directed->id, "b");
  ASSERT_EQ(d.losers.size(), 2u);
  EXPECT_EQ(d.losers[0].directed->id, "a");
  EXPECT_EQ(s.on_bid(a_bid(0, {}, "late")), bid_selection::action::decline);
}

TEST(bid_selection, highest_confidence_treats_missing_as_lowest) {
  bid_selection s(select_policy::highest_confidence);
  s.on_bid(a_bid(0, {}, "none"));
  s.on_bid(a_bid(0, 0.4, "low"));
  s.on_bid(a_bid(0, 0.9, "high"));
  EXPECT_EQ(s.on_deadline().winner->directed->id, "high");
}

TEST(bid_selection, no_bids_no_winner_and_bad_select_is_usage_error) {
  bid_selection s(select_policy::lowest_cost);
  EXPECT_FALSE(s.on_deadline().winner);
  EXPECT_THROW(parse_select("cheapest"), usage_error);
  EXPECT_EQ(parse_select("highest_confidence"), select_policy::highest_confidence);
}

TEST(retry, default_retry_on_truth_table) {
  EXPECT_TRUE(default_retry_on(outcome(make_error_code(errc::timeout))));
  EXPECT_TRUE(default_retry_on(outcome(make_error_code(errc::pathway_closed))));
  EXPECT_FALSE(default_retry_on(outcome(make_error_code(errc::cancelled))));
  auto t = a_task();
  EXPECT_TRUE(default_retry_on(axon::error_reply(t, "n", "X", "m", true)));
  EXPECT_FALSE(default_retry_on(axon::error_reply(t, "n", "X", "m", false)));
  for (auto type : {signal_type::final, signal_type::agent_output, signal_type::clarification,
                    signal_type::permission}) {
    signal s;
    s.type = type;
    EXPECT_FALSE(default_retry_on(s));
  }
}

TEST(retry, policy_retries_until_max_attempts_and_stops_abandoned_traces) {
  int calls = 0;
  retry_policy p({.max_attempts = 3,
                  .backoff = [](int a) { return std::chrono::milliseconds(10 * (a + 1)); },
                  .on_retry = [&](int, const outcome&) { ++calls; }});
  outcome to(make_error_code(errc::timeout));
  auto d0 = p.after(0, to);
  EXPECT_TRUE(d0.retry);
  EXPECT_TRUE(d0.stop_abandoned);
  EXPECT_EQ(d0.pause, std::chrono::milliseconds(10));
  EXPECT_TRUE(p.after(1, to).retry);
  auto last = p.after(2, to);
  EXPECT_FALSE(last.retry);
  EXPECT_TRUE(last.stop_abandoned);
  EXPECT_EQ(calls, 2);
  signal ok;
  ok.type = signal_type::agent_output;
  EXPECT_FALSE(p.after(0, ok).retry);
  EXPECT_FALSE(p.after(0, ok).stop_abandoned);
  EXPECT_THROW(retry_policy({.max_attempts = 0}), usage_error);
}

TEST(decision_cache, keeps_256_by_parent_fifo) {
  decision_cache c;
  std::vector<signal> reqs;
  for (int i = 0; i < 300; ++i) {
    signal req;
    reqs.push_back(req);
    c.put(protocol::clarification_answer_signal(json::value(i), {.parent = req.id}));
  }
  EXPECT_EQ(c.size(), 256u);
  EXPECT_FALSE(c.find(reqs[0].id.str(), signal_type::clarification_answer));
  auto hit = c.find(reqs[299].id.str(), signal_type::clarification_answer);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->payload.text(), R"({"answer":299})");
  EXPECT_FALSE(c.find(reqs[299].id.str(), signal_type::permission_decision));
}

TEST(stale_sweep, overdue_records_not_already_deregistered) {
  using namespace std::chrono;
  auto now = registry::now_utc();
  auto rec = [](std::string id, std::optional<registry::time_point> beat,
                registry::time_point registered, std::string_view status) {
    registry::neuron_record r;
    r.neuron_id = std::move(id);
    r.last_heartbeat = beat;
    r.registered_at = registered;
    r.status = std::string(status);
    return r;
  };
  auto fresh = rec("fresh", now - seconds(10), now, registry::status::registered);
  auto old = rec("old", now - seconds(600), now - seconds(600), registry::status::registered);
  auto never = rec("never", std::nullopt, now - seconds(600), registry::status::registered);
  auto gone = rec("gone", now - seconds(600), now - seconds(600), registry::status::deregistered);
  std::vector<registry::neuron_record> rs{fresh, old, never, gone};
  EXPECT_EQ(stale_sweep(seconds(90)).due(rs, now), (std::vector<std::string>{"old", "never"}));
  EXPECT_TRUE(stale_sweep(milliseconds(0)).due(rs, now).empty());
}

}  // namespace
}  // namespace neuromesh::runtime
