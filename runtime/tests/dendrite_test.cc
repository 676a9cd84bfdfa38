// Dendrite behaviour over MemorySynapse (reference/cosmonapse.md §4, §5, §10): lifecycle,
// routing, finalize, Pathways, STOP, bidding, retries, clarification / permission,
// registry, DISCOVER, guards.
#include "neuromesh/runtime/dendrite.h"

#include "dendrite_support.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/protocol/subject.h"
#include "neuromesh/registry/memory_store.h"
#include "neuromesh/runtime/errors.h"
#include "neuromesh/synapse/memory_synapse.h"
#include "runtime_test_support.h"

#include <boost/asio/detached.hpp>

#include <algorithm>
#include <memory>

namespace neuromesh::runtime::test {
namespace {

using protocol::signal;
using protocol::signal_type;

// ---- lifecycle -------------------------------------------------------------------------------

asio::awaitable<void> start_registers_stop_deregisters(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  dendrite d(ex, bus, nullptr, test_options("host", role::worker));
  d.attach(axon(
      {.neuron_id = "n1", .neuron = echo_neuron, .capabilities = {"b", "a"}, .version = "1.2"}));
  int connected = 0;
  d.on_connect([&](dendrite&) { ++connected; });
  EXPECT_FALSE(co_await d.async_start());
  EXPECT_TRUE(d.running());
  EXPECT_EQ(connected, 1);
  EXPECT_EQ(d.capabilities(), (std::vector<std::string>{"a", "b"}));
  auto regs = t.of(signal_type::register_);
  EXPECT_EQ(regs.size(), 1u);
  if (!regs.empty()) {
    EXPECT_EQ(regs[0].payload.text(),
              R"({"role":"neuron","capabilities":["a","b"],"version":"1.2"})");
    EXPECT_EQ(regs[0].directed->id, "n1");
    EXPECT_EQ(regs[0].directed->type, "neuron");
  }
  EXPECT_THROW(d.attach(echo_axon("n2")), state_error);
  co_await d.async_stop();
  EXPECT_FALSE(d.running());
  auto deregs = t.of(signal_type::deregister);
  CO_ASSERT(deregs.size() == 1u);
  EXPECT_EQ(deregs[0].payload.text(), "{}");
  EXPECT_EQ(deregs[0].directed->id, "n1");
  co_await d.async_stop();  // idempotent
  EXPECT_EQ(t.count(signal_type::deregister), 1u);
}
TEST(dendrite, start_registers_stop_deregisters) { run(start_registers_stop_deregisters); }

asio::awaitable<void> destroying_a_running_dendrite_deregisters(asio::any_io_executor) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  {
    auto d = std::make_unique<dendrite>(co_await asio::this_coro::executor, bus, nullptr,
                                        test_options("host", role::worker));
    d->attach(echo_axon("n1"));
    co_await d->async_start();
  }
  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::deregister) == 1; }));
}
TEST(dendrite, destroying_a_running_dendrite_deregisters) {
  run(destroying_a_running_dendrite_deregisters);
}

asio::awaitable<void> attach_guards(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  dendrite d(ex, bus, nullptr, test_options("host"));
  d.attach(echo_axon("n1"));
  EXPECT_THROW(d.attach(echo_axon("n1")), usage_error);
  EXPECT_TRUE(co_await throws<unknown_neuron>(d.async_detach("nope")));
  EXPECT_THROW(d.find_neurons(), state_error);
  EXPECT_THROW(d.on_schedule(0ms, [](dendrite&) {}), usage_error);
  EXPECT_THROW(parse_role("boss"), usage_error);
  co_await d.async_detach("n1");
  EXPECT_TRUE(d.axons().empty());
}
TEST(dendrite, attach_guards) { run(attach_guards); }

// ---- routing ---------------------------------------------------------------------------------

asio::awaitable<void> addressed_task_only_host_acts(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  dendrite w1(ex, bus, nullptr, test_options("w1", role::worker));
  dendrite w2(ex, bus, nullptr, test_options("w2", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  w1.attach(echo_axon("n1"));
  w2.attach(echo_axon("n2"));
  co_await w1.async_start();
  co_await w2.async_start();
  co_await orch.async_start();
  json::object in{{"q", "hi"}};
  dispatch_args arg1{.neuron = "n1", .input = in};
  auto r = co_await orch.async_dispatch_and_wait(std::move(arg1), 2s);
  EXPECT_TRUE(r);
  if (r) {
    EXPECT_EQ(r->type, signal_type::agent_output);
    EXPECT_EQ(r->payload.text(), R"({"output":{"q":"hi"}})");
    EXPECT_EQ(r->directed->id, "n1");
    auto task = t.of(signal_type::task).at(0);
    EXPECT_EQ(r->parent_id, task.id);
    EXPECT_EQ(r->trace_id, task.trace_id);
  }
  EXPECT_EQ(w1.stats().tasks_run, 1u);
  EXPECT_EQ(w2.stats().tasks_run, 0u);
  EXPECT_EQ(w2.stats().tasks_not_hosted, 1u);
  EXPECT_EQ(orch.open_pathways(), 0u);
  dispatch_args arg2{.neuron = "n2"};
  EXPECT_TRUE(co_await throws<protocol_error>(w1.async_dispatch(std::move(arg2))));
  co_await orch.async_stop();
  co_await w1.async_stop();
  co_await w2.async_stop();
}
TEST(dendrite, addressed_task_only_host_acts) { run(addressed_task_only_host_acts); }

asio::awaitable<void> routed_task_once_per_profile(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  dendrite a(ex, bus, nullptr, test_options("a", role::worker));
  dendrite b(ex, bus, nullptr, test_options("b", role::worker));
  dendrite c(ex, bus, nullptr, test_options("c", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  a.attach(echo_axon("na", {"sum", "mul"}));
  b.attach(echo_axon("nb", {"mul", "sum"}));  // same profile: one queue group
  c.attach(echo_axon("nc", {"other"}));
  for (auto* d : std::vector<dendrite*>{&a, &b, &c, &orch}) co_await d->async_start();
  for (int i = 0; i < 10; ++i) {
    dispatch_args arg3{.capabilities = {"sum"}};
    auto r = co_await orch.async_dispatch_and_wait(std::move(arg3), 2s);
    EXPECT_TRUE(r && r->type == signal_type::agent_output);
  }
  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::agent_output) == 10; }));
  EXPECT_EQ(a.stats().tasks_run + b.stats().tasks_run, 10u);
  EXPECT_GT(a.stats().tasks_run, 0u);
  EXPECT_GT(b.stats().tasks_run, 0u);
  EXPECT_EQ(c.stats().tasks_run, 0u);  // another profile sees each routed TASK once
  EXPECT_EQ(c.stats().tasks_not_hosted, 10u);
  dispatch_args arg4{.capabilities = {"none"}};
  auto routed = co_await orch.async_dispatch_and_wait(std::move(arg4), 100ms);
  EXPECT_EQ(routed.error(), errc::timeout);
  for (auto* d : std::vector<dendrite*>{&a, &b, &c, &orch}) co_await d->async_stop();
}
TEST(dendrite, routed_task_once_per_profile) { run(routed_task_once_per_profile); }

asio::awaitable<void> open_call_goes_to_catch_all(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  w.attach(echo_axon("plain"));
  w.attach(echo_axon("catcher", {}, true));
  co_await w.async_start();
  co_await orch.async_start();
  dispatch_args arg5{.input = {{"x", 1}}};
  auto r = co_await orch.async_dispatch_and_wait(std::move(arg5), 2s);
  EXPECT_TRUE(r && r->directed->id == "catcher");
  co_await orch.async_stop();
  co_await w.async_stop();
}
TEST(dendrite, open_call_goes_to_catch_all) { run(open_call_goes_to_catch_all); }

asio::awaitable<void> finalize_promotes_output_to_final(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  w.attach(echo_axon("n1", {"echo"}));
  co_await w.async_start();
  co_await orch.async_start();
  dispatch_args term{.neuron = "n1", .input = {{"v", 7}}, .scope = scope::terminal};
  auto r = co_await orch.async_dispatch_and_wait(std::move(term), 2s);
  EXPECT_TRUE(r && r->type == signal_type::final);
  if (r) {
    EXPECT_EQ(r->payload.text(), R"({"result":{"v":7}})");
    EXPECT_EQ(r->directed->id, "n1");
    EXPECT_EQ(r->parent_id, t.of(signal_type::agent_output).at(0).id);
  }
  EXPECT_EQ(t.of(signal_type::task).at(0).payload.text(), R"({"input":{"v":7},"finalize":true})");
  // Default scope all: no FINAL; routed + finalize promotes too.
  dispatch_args arg6{.neuron = "n1"};
  auto plain = co_await orch.async_dispatch_and_wait(std::move(arg6), 2s);
  EXPECT_TRUE(plain && plain->type == signal_type::agent_output);
  dispatch_args routed_term{.capabilities = {"echo"}, .finalize = true, .scope = scope::terminal};
  auto routed = co_await orch.async_dispatch_and_wait(std::move(routed_term), 2s);
  EXPECT_TRUE(routed && routed->type == signal_type::final);
  EXPECT_EQ(t.count(signal_type::final), 2u);
  co_await orch.async_stop();
  co_await w.async_stop();
}
TEST(dendrite, finalize_promotes_output_to_final) { run(finalize_promotes_output_to_final); }

json::value throwing_neuron(const json::object&, const context&) {
  throw std::runtime_error("boom");
}
json::value clarifying_neuron(const json::object& in, const context&) {
  if (in.contains("clarification"))
    return json::object{{"answer", in.at("clarification").at("answer")}};
  return json::object{{"__clarification__", true}, {"question", "which one?"}};
}
json::value permission_neuron(const json::object&, const context&) {
  return json::object{{"__permission__", true}, {"action", "delete"}};
}

asio::awaitable<void> errors_markers_and_hooks(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  w.attach(axon({.neuron_id = "boom", .neuron = throwing_neuron}));
  auto& hooked = w.attach(echo_axon("hooked"));
  hooked.before_task([](const json::object& in, const context&) -> std::optional<json::object> {
    if (in.contains("reject")) throw std::runtime_error("rejected by hook");
    auto out = in;
    out["hooked"] = true;
    return out;
  });
  co_await w.async_start();
  co_await orch.async_start();
  dispatch_args arg7{.neuron = "boom"};
  auto e = co_await orch.async_dispatch_and_wait(std::move(arg7), 2s);
  EXPECT_TRUE(e && e->type == signal_type::error);
  if (e) {
    EXPECT_EQ(e->payload.text(),
              R"({"code":"NEURON_EXCEPTION","message":"boom","recoverable":false})");
  }
  dispatch_args arg8{.neuron = "hooked", .input = {{"a", 1}}};
  auto h = co_await orch.async_dispatch_and_wait(std::move(arg8), 2s);
  EXPECT_TRUE(h && h->payload.text() == R"({"output":{"a":1,"hooked":true}})");
  dispatch_args arg9{.neuron = "hooked", .input = {{"reject", 1}}};
  auto rj = co_await orch.async_dispatch_and_wait(std::move(arg9), 2s);
  EXPECT_TRUE(rj && rj->type == signal_type::error);
  // ERROR is never promoted even with finalize.
  dispatch_args arg10{.neuron = "boom", .scope = scope::terminal};
  auto ef = co_await orch.async_dispatch_and_wait(std::move(arg10), 2s);
  EXPECT_TRUE(ef && ef->type == signal_type::error);
  EXPECT_EQ(t.count(signal_type::final), 0u);
  co_await orch.async_stop();
  co_await w.async_stop();
}
TEST(dendrite, errors_markers_and_hooks) { run(errors_markers_and_hooks); }

// ---- STOP ------------------------------------------------------------------------------------

asio::awaitable<void> stop_cancels_running_neuron_and_acks(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite idle(ex, bus, nullptr, test_options("idle", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  w.attach(axon({.neuron_id = "slow", .neuron = slow_neuron}));
  w.attach(echo_axon("fast"));
  idle.attach(echo_axon("other"));
  std::vector<std::string> rolled;
  w.on_rollback([&](const protocol::trace_id& tr, bool rb) -> std::int64_t {
    if (rb) rolled.push_back(tr.str());
    return 0;
  });
  for (auto* d : std::vector<dendrite*>{&w, &idle, &orch}) co_await d->async_start();
  dispatch_args arg11{.neuron = "slow", .input = {{"ms", 10000}}};
  auto pw = co_await orch.async_dispatch(std::move(arg11));
  EXPECT_TRUE(pw);
  EXPECT_TRUE(co_await until([&] { return w.in_flight() == 1; }));
  // While the Neuron runs, the same worker still serves other TASKs.
  dispatch_args arg12{.neuron = "fast"};
  auto fast = co_await orch.async_dispatch_and_wait(std::move(arg12), 2s);
  EXPECT_TRUE(fast && fast->type == signal_type::agent_output);
  auto acks = co_await orch.async_stop_trace((*pw)->trace(), true, "user", 300ms);
  EXPECT_TRUE(acks);
  if (acks) {
    CO_ASSERT(acks->size() == 2u);  // the worker (cancelled 1) and the originator (its pathway)
    auto worker_ack = std::find_if(acks->begin(), acks->end(), [](const signal& s) {
      return s.payload.find("cancelled") == "1";
    });
    CO_ASSERT(worker_ack != acks->end());
    EXPECT_EQ(worker_ack->payload.text(),
              R"({"rolled_back":true,"cancelled":1,"compensated":0,"node":"dev"})");
    EXPECT_EQ(worker_ack->parent_id, t.of(signal_type::stop).at(0).id);
  }
  EXPECT_EQ(w.in_flight(), 0u);
  EXPECT_TRUE((*pw)->closed());
  EXPECT_EQ(rolled.size(), 1u);
  EXPECT_EQ(t.of(signal_type::stop).at(0).payload.text(), R"({"rollback":true,"reason":"user"})");
  // No reply from the cancelled Neuron; the idle peer stayed silent.
  for (const auto& s : t.of(signal_type::agent_output)) EXPECT_NE(s.directed->id, "slow");
  EXPECT_EQ(idle.stats().stops_acked, 0u);
  EXPECT_TRUE(co_await throws<protocol_error>(w.async_stop_trace((*pw)->trace())));
  for (auto* d : std::vector<dendrite*>{&w, &idle, &orch}) co_await d->async_stop();
}
TEST(dendrite, stop_cancels_running_neuron_and_acks) { run(stop_cancels_running_neuron_and_acks); }

asio::awaitable<void> stop_drains_then_cancels(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  w.attach(axon({.neuron_id = "slow", .neuron = slow_neuron}));
  co_await w.async_start();
  co_await orch.async_start();
  dispatch_args arg13{.neuron = "slow", .input = {{"ms", 20}}};
  (void)co_await orch.async_dispatch(std::move(arg13));
  dispatch_args arg14{.neuron = "slow", .input = {{"ms", 60000}}};
  (void)co_await orch.async_dispatch(std::move(arg14));
  EXPECT_TRUE(co_await until([&] { return w.in_flight() == 2; }));
  auto t0 = std::chrono::steady_clock::now();
  co_await w.async_stop();  // drain_timeout 200 ms
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_EQ(w.in_flight(), 0u);
  EXPECT_EQ(t.count(signal_type::agent_output),
            1u);  // the short one drained, the long one cancelled
  EXPECT_EQ(w.stats().tasks_cancelled, 1u);
  EXPECT_EQ(t.count(signal_type::deregister), 1u);
  co_await orch.async_stop();
}
TEST(dendrite, stop_drains_then_cancels) { run(stop_drains_then_cancels); }

// ---- bidding ---------------------------------------------------------------------------------

asio::awaitable<void> offer_first_bid_declines_later_bidders(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  dendrite a(ex, bus, nullptr, test_options("a", role::worker));
  dendrite b(ex, bus, nullptr, test_options("b", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  a.attach(echo_axon("na", {"x"}));
  b.attach(echo_axon("nb", {"x"}));
  for (auto* d : std::vector<dendrite*>{&a, &b, &orch}) co_await d->async_start();
  json::object job{{"job", 1}};
  dispatch_args offer{.input = job, .capabilities = {"x"}};
  offer_args first{.select = select_policy::first_bid, .deadline = 500ms};
  auto pw = co_await orch.async_dispatch_offer(std::move(offer), first);
  EXPECT_TRUE(pw);
  if (pw) {
    auto r = co_await (*pw)->async_wait(2s);
    EXPECT_TRUE(r && r->type == signal_type::agent_output);
  }
  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::task_declined) == 1; }));
  EXPECT_EQ(t.count(signal_type::bid), 2u);
  EXPECT_EQ(t.count(signal_type::task_awarded), 1u);
  auto award = t.of(signal_type::task_awarded).at(0);
  auto decline = t.of(signal_type::task_declined).at(0);
  EXPECT_NE(award.directed->id, decline.directed->id);
  EXPECT_EQ(decline.payload.text(), R"({"reason":"not selected"})");
  EXPECT_EQ(t.of(signal_type::bid).at(0).meta.text(), R"({"auto_bid":true})");
  EXPECT_EQ(award.payload.text(),
            R"({"input":{"job":1},"winning_bid":{"cost":0.0,"confidence":1.0}})");
  auto out = t.of(signal_type::agent_output).at(0);
  EXPECT_EQ(out.parent_id, award.id);  // the reply's parent is on the wire
  for (auto* d : std::vector<dendrite*>{&a, &b, &orch}) co_await d->async_stop();
}
TEST(dendrite, offer_first_bid_declines_later_bidders) {
  run(offer_first_bid_declines_later_bidders);
}

asio::awaitable<void> bid_with(dendrite* d, std::string neuron, double cost, signal offer) {
  (void)co_await d->async_bid(offer, neuron, cost, std::nullopt, std::nullopt);
}

asio::awaitable<void> offer_lowest_cost_with_explicit_bids(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  dendrite a(ex, bus, nullptr, test_options("a", role::worker));
  dendrite b(ex, bus, nullptr, test_options("b", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  a.attach(echo_axon("na"));
  b.attach(echo_axon("nb"));
  auto* ap = &a;
  auto* bp = &b;
  a.on(signal_type::task_offer, [ap](const signal& o) { return bid_with(ap, "na", 5.0, o); });
  b.on(signal_type::task_offer, [bp](const signal& o) { return bid_with(bp, "nb", 2.0, o); });
  for (auto* d : std::vector<dendrite*>{&a, &b, &orch}) co_await d->async_start();
  signal not_offer;
  std::string na = "na";
  EXPECT_TRUE(co_await throws<protocol_error>(a.async_bid(not_offer, na, 1.0)));
  json::object job{{"j", 2}};
  dispatch_args offer{.input = job, .scope = scope::terminal};
  offer_args lowest{.select = select_policy::lowest_cost, .deadline = 100ms};
  auto pw = co_await orch.async_dispatch_offer(std::move(offer), lowest);
  EXPECT_TRUE(pw);
  if (pw) {
    auto r = co_await (*pw)->async_wait(2s);
    EXPECT_TRUE(r && r->type == signal_type::final && r->directed->id == "nb");
  }
  EXPECT_EQ(t.count(signal_type::bid), 2u);
  EXPECT_EQ(t.of(signal_type::task_awarded).at(0).directed->id, "nb");
  EXPECT_EQ(t.of(signal_type::task_declined).at(0).directed->id, "na");
  // Declines go out before the award.
  auto pos = [&](signal_type ty) {
    return std::find_if(t.seen->begin(), t.seen->end(),
                        [&](const signal& s) { return s.type == ty; }) -
           t.seen->begin();
  };
  EXPECT_LT(pos(signal_type::task_declined), pos(signal_type::task_awarded));
  for (auto* d : std::vector<dendrite*>{&a, &b, &orch}) co_await d->async_stop();
}
TEST(dendrite, offer_lowest_cost_with_explicit_bids) { run(offer_lowest_cost_with_explicit_bids); }

asio::awaitable<void> offer_without_bids_is_no_responder(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  w.attach(echo_axon("n", {"x"}));
  co_await w.async_start();
  co_await orch.async_start();
  dispatch_args arg16{.capabilities = {"y"}};
  offer_args arg15{.deadline = 50ms};
  auto r = co_await orch.async_dispatch_offer(std::move(arg16), std::move(arg15));
  EXPECT_EQ(r.error(), errc::no_responder);
  EXPECT_EQ(orch.open_pathways(), 0u);
  auto offer = protocol::task_offer_signal({});
  std::string n = "n";
  EXPECT_TRUE(co_await throws<usage_error>(orch.async_bid(offer, n, 1.0)));
  co_await orch.async_stop();
  co_await w.async_stop();
}
TEST(dendrite, offer_without_bids_is_no_responder) { run(offer_without_bids_is_no_responder); }

// ---- retries ---------------------------------------------------------------------------------

int stall_calls = 0;  // the first call of stall_once_neuron hangs

// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): a Neuron
asio::awaitable<json::value> stall_once_neuron(const json::object&, const context& ctx) {
  json::object long_wait{{"ms", 60000}};
  if (stall_calls++ == 0) co_return co_await slow_neuron(long_wait, ctx);
  co_return json::object{{"calls", stall_calls}};
}

asio::awaitable<void> run_with_retry_recovers_after_a_stall(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  w.attach(axon({.neuron_id = "flaky", .neuron = stall_once_neuron}));
  co_await w.async_start();
  co_await orch.async_start();
  int retries = 0;
  stall_calls = 0;
  dispatch_args flaky{.neuron = "flaky"};
  retry_strategy three{
      .max_attempts = 3, .timeout = 100ms, .on_retry = [&](int, const outcome&) { ++retries; }};
  auto r = co_await orch.async_run_with_retry(std::move(flaky), std::move(three));
  EXPECT_TRUE(r && r->type == signal_type::agent_output);
  EXPECT_EQ(retries, 1);
  EXPECT_EQ(t.count(signal_type::stop), 1u);  // the abandoned trace was STOPped
  EXPECT_EQ(w.stats().tasks_cancelled, 1u);
  auto tasks = t.of(signal_type::task);
  CO_ASSERT(tasks.size() == 2u);
  EXPECT_NE(tasks[0].trace_id, tasks[1].trace_id);
  EXPECT_EQ(tasks[1].meta.text(), R"({"attempt":1})");
  dispatch_args nobody{.neuron = "nobody"};
  retry_strategy two{.max_attempts = 2, .timeout = 30ms};
  auto all = co_await orch.async_run_with_retry(std::move(nobody), std::move(two));
  EXPECT_EQ(all.error(), errc::timeout);
  co_await orch.async_stop();
  co_await w.async_stop();
}
TEST(dendrite, run_with_retry_recovers_after_a_stall) {
  run(run_with_retry_recovers_after_a_stall);
}

// ---- clarification / permission --------------------------------------------------------------

asio::awaitable<void> clarification_flows(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  w.attach(axon({.neuron_id = "asker", .neuron = clarifying_neuron}));
  co_await w.async_start();
  co_await orch.async_start();
  dispatch_args arg17{.neuron = "asker", .scope = scope::terminal};
  auto pw = co_await orch.async_dispatch(std::move(arg17));
  EXPECT_TRUE(pw);
  if (!pw) co_return;
  auto q = co_await (*pw)->async_wait(2s);
  EXPECT_TRUE(q && q->type == signal_type::clarification);
  if (!q) co_return;
  EXPECT_FALSE((*pw)->closed());
  EXPECT_EQ(q->payload.text(), R"({"question":"which one?"})");
  // Discrete answer, then await_decision served from the cache.
  auto ans = co_await orch.async_answer_clarification(*q, json::value("the red one"));
  EXPECT_TRUE(ans);
  EXPECT_EQ(ans->directed->id, "orch");
  EXPECT_EQ(ans->parent_id, q->id);
  auto got = co_await w.async_await_decision(*q, 1s);
  EXPECT_TRUE(got && got->payload.text() == R"({"answer":"the red one"})");
  EXPECT_TRUE(co_await throws<protocol_error>(w.async_await_decision(*ans)));
  // Close-the-loop follow-up TASK.
  auto follow = co_await orch.async_respond_to_clarification(*q, json::value("blue"));
  EXPECT_TRUE(follow);
  if (follow) {
    EXPECT_EQ(follow->payload.text(),
              R"({"input":{"clarification":{"question":"which one?","answer":"blue"}}})");
    EXPECT_EQ(follow->parent_id, q->id);
    EXPECT_EQ(follow->trace_id, q->trace_id);
  }
  auto out = co_await (*pw)->async_wait_for(signal_type::clarification, 10ms);  // consumed
  EXPECT_FALSE(out);
  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::agent_output) == 1; }));
  EXPECT_EQ(t.of(signal_type::agent_output).at(0).payload.text(),
            R"({"output":{"answer":"blue"}})");
  co_await orch.async_stop();
  co_await w.async_stop();
}
TEST(dendrite, clarification_flows) { run(clarification_flows); }

asio::awaitable<void> deny_later(dendrite* d, signal request) {
  co_await sleep_for(10ms);
  (void)co_await d->async_deny_permission(request, "no");
}

asio::awaitable<void> permission_flows(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  w.attach(axon({.neuron_id = "perm", .neuron = permission_neuron}));
  co_await w.async_start();
  co_await orch.async_start();
  dispatch_args arg18{.neuron = "perm"};
  auto p = co_await orch.async_dispatch_and_wait(std::move(arg18), 2s);
  EXPECT_TRUE(p && p->type == signal_type::permission);
  if (!p) co_return;
  // await first, then the decision arrives.
  asio::co_spawn(ex, deny_later(&orch, *p), asio::detached);
  auto d = co_await w.async_await_decision(*p, 2s);
  EXPECT_TRUE(d && d->payload.text() == R"({"granted":false,"reason":"no"})");
  auto g = co_await orch.async_grant_permission(*p, std::nullopt, 5000);
  EXPECT_TRUE(g && g->payload.text() == R"({"granted":true,"ttl_ms":5000})");
  auto f = co_await orch.async_respond_to_permission(*p, true, "ok");
  EXPECT_TRUE(f &&
              f->payload.text() ==
                  R"({"input":{"permission":{"action":"delete","granted":true,"reason":"ok"}}})");
  auto unanswered = protocol::permission_signal({.action = "x"});
  auto none = co_await orch.async_await_decision(unanswered, 20ms);
  EXPECT_EQ(none.error(), errc::timeout);
  co_await orch.async_stop();
  co_await w.async_stop();
}
TEST(dendrite, permission_flows) { run(permission_flows); }

// ---- handlers and pathways -------------------------------------------------------------------

asio::awaitable<void> handlers_filters_and_observers(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  dendrite watcher(ex, bus, nullptr, test_options("watcher", role::worker));
  w.attach(echo_axon("n1", {"c1"}));
  w.attach(echo_axon("n2"));
  int n1_outputs = 0, c1_outputs = 0, all_outputs = 0, finals = 0, trace_hits = 0;
  w.on(signal_type::agent_output, {.neuron = "n1"}, [&](const signal&) { ++n1_outputs; });
  w.on(signal_type::agent_output, {.capability = "c1"}, [&](const signal&) { ++c1_outputs; });
  orch.on(signal_type::agent_output, [&](const signal&) { ++all_outputs; });
  orch.on(signal_type::final, [&](const signal&) { ++finals; });
  for (auto* d : std::vector<dendrite*>{&w, &orch, &watcher}) co_await d->async_start();
  auto trace = protocol::trace_id::generate();
  orch.on_trace(trace, [&](const signal&) { ++trace_hits; });
  std::vector<signal_type> arg19{signal_type::agent_output};
  co_await orch.async_ensure_subscribed(std::move(arg19));
  auto obs = co_await watcher.async_observe_pathway(trace);
  EXPECT_TRUE(co_await throws<usage_error>(watcher.async_observe_pathway(trace)));
  dispatch_args arg20{.neuron = "n1", .trace = trace};
  auto r1 = co_await orch.async_dispatch_and_wait(std::move(arg20), 2s);
  dispatch_args arg21{.neuron = "n2"};
  auto r2 = co_await orch.async_dispatch_and_wait(std::move(arg21), 2s);
  EXPECT_TRUE(r1 && r2);
  auto seen = co_await obs->async_wait(1s);
  EXPECT_TRUE(seen && r1 && seen->id == r1->id);  // same Signal on another dendrite
  EXPECT_EQ(n1_outputs, 1);
  EXPECT_EQ(c1_outputs, 1);
  EXPECT_EQ(all_outputs, 2);
  EXPECT_EQ(trace_hits, 1);
  json::object done{{"done", true}};
  (void)co_await orch.async_emit_final(r2->trace_id, r2->id, done);
  EXPECT_EQ(finals, 1);
  EXPECT_TRUE(co_await throws<protocol_error>(orch.async_emit(protocol::heartbeat_signal("x"))));
  for (auto* d : std::vector<dendrite*>{&w, &orch, &watcher}) co_await d->async_stop();
  EXPECT_TRUE(obs->closed());  // stop closes every Pathway
}
TEST(dendrite, handlers_filters_and_observers) { run(handlers_filters_and_observers); }

asio::awaitable<void> many_concurrent_pathways_are_released(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  w.attach(axon({.neuron_id = "slow", .neuron = slow_neuron}));
  co_await w.async_start();
  co_await orch.async_start();
  std::vector<std::shared_ptr<pathway>> pws;
  for (int i = 0; i < 10000; ++i) {
    dispatch_args arg22{.neuron = "slow", .input = {{"ms", 50}}, .scope = scope::terminal};
    auto pw = co_await orch.async_dispatch(std::move(arg22));
    if (pw) pws.push_back(*pw);
  }
  EXPECT_EQ(pws.size(), 10000u);
  EXPECT_EQ(orch.open_pathways(), 10000u);
  for (auto& pw : pws) {
    auto r = co_await pw->async_wait(10s);
    EXPECT_TRUE(r && r->type == signal_type::final);
    if (!r) break;
  }
  EXPECT_EQ(orch.open_pathways(), 0u);  // FINAL closed and evicted each one
  co_await orch.async_stop();
  co_await w.async_stop();
}
TEST(dendrite, many_concurrent_pathways_are_released) {
  run(many_concurrent_pathways_are_released, std::chrono::seconds(60));
}

}  // namespace
}  // namespace neuromesh::runtime::test
