// Axon bindings (§5.1, §4.15, §6.2) and Engrams / Effectors hosted by a dendrite (§4.6 steps
// 3–5, 9; §4.11 rollback): a Neuron RECALLs and IMPRINTs through ctx.engram(...) on its TASK's
// trace, over MemorySynapse and the cosmo:// broker.
#include "dendrite_support.h"
#include "engram_test_support.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/runtime/bound_engram.h"
#include "neuromesh/runtime/dendrite.h"
#include "neuromesh/runtime/effector_calculator.h"
#include "neuromesh/runtime/engram_memory.h"
#include "neuromesh/runtime/errors.h"
#include "neuromesh/synapse/broker_server.h"
#include "neuromesh/synapse/cosmo_synapse.h"
#include "neuromesh/synapse/memory_synapse.h"
#include "runtime_test_support.h"

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>

#include <algorithm>
#include <memory>

namespace neuromesh::runtime::test {
namespace {

using protocol::signal;
using protocol::signal_type;
using test::connected_memory;

std::string code_name(const engram_result<recall_result>& r) {
  if (r) return "ok";
  return r.error().code == engram_errc::timeout     ? "timeout"
         : r.error().code == engram_errc::cancelled ? "cancelled"
         : r.error().code == engram_errc::not_bound ? "not_bound"
                                                    : r.error().message;
}

// Recalls "milk", imprints the input's note (acknowledged), recalls again.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): a Neuron
asio::awaitable<json::value> notes_neuron(const json::object& in, const context& ctx) {
  auto mem = ctx.engram("memory");
  recall_call before;
  before.query = {{"text", "milk"}};
  auto first = co_await mem.async_recall(std::move(before));
  imprint_call put;
  put.op = "append";
  put.entry = {{"content", in.at("note")}, {"tags", json::array{"shopping"}}};
  put.await_ack = true;
  auto receipt = co_await mem.async_imprint(std::move(put));
  recall_call after;
  after.query = {{"text", "milk"}};
  auto second = co_await mem.async_recall(std::move(after));
  json::object out;
  out["before"] = first ? static_cast<std::int64_t>(first->hits.size()) : -1;
  out["imprinted"] = receipt && *receipt && (*receipt)->ok();
  out["after"] = second ? static_cast<std::int64_t>(second->hits.size()) : -1;
  if (second && !second->hits.empty()) out["content"] = second->hits[0].entry.content;
  co_return out;
}

axon notes_axon() {
  return axon({.neuron_id = "notes",
               .neuron = notes_neuron,
               .engrams = {{.name = "memory",
                            .directed_id = "memory",
                            .default_deadline = std::chrono::milliseconds(5000)}}});
}

// TASK -> RECALL, IMPRINT, RECALL through the binding -> AGENT_OUTPUT, all on one trace.
asio::awaitable<void> task_recalls_and_imprints_on_its_trace(asio::any_io_executor ex,
                                                             synapse::synapse* host_bus_p,
                                                             synapse::synapse* worker_bus_p,
                                                             tap* tap_p) {
  auto& host_bus = *host_bus_p;
  auto& worker_bus = *worker_bus_p;
  auto& t = *tap_p;
  dendrite host(ex, host_bus, nullptr, test_options("store", role::worker));
  host.attach_engram(connected_memory("memory"));
  dendrite worker(ex, worker_bus, nullptr, test_options("worker", role::worker));
  worker.attach(notes_axon());
  dendrite orch(ex, worker_bus, nullptr, test_options("orch"));
  CO_ASSERT(!co_await host.async_start());
  CO_ASSERT(!co_await worker.async_start());
  CO_ASSERT(!co_await orch.async_start());
  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::register_) == 2; }));
  dispatch_args a{.neuron = "notes", .input = {{"note", "buy milk"}}};
  auto reply = co_await orch.async_dispatch_and_wait(std::move(a), 10s);
  CO_ASSERT(reply);
  EXPECT_EQ(reply->type, signal_type::agent_output);
  EXPECT_EQ(payload(*reply).at("output"),
            json::parse(R"({"before":0,"imprinted":true,"after":1,"content":"buy milk"})"));

  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::agent_output) == 1; }));
  auto tasks = t.of(signal_type::task);
  CO_ASSERT(tasks.size() == 1u);
  const auto& task = tasks[0];
  auto recalls = t.of(signal_type::recall);
  auto recalled = t.of(signal_type::recalled);
  auto imprints = t.of(signal_type::imprint);
  auto imprinted = t.of(signal_type::imprinted);
  CO_ASSERT(recalls.size() == 2u && recalled.size() == 2u);
  CO_ASSERT(imprints.size() == 1u && imprinted.size() == 1u);
  // Lineage: requests parented to the TASK, replies to their request, all on its trace.
  for (const auto* group : {&recalls, &imprints})
    for (const auto& r : *group) {
      EXPECT_EQ(r.trace_id, task.trace_id);
      EXPECT_EQ(r.parent_id, task.id);
      EXPECT_EQ(r.directed->id, "memory");
    }
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(recalled[i].trace_id, task.trace_id);
    EXPECT_TRUE(recalled[i].parent_id == recalls[0].id || recalled[i].parent_id == recalls[1].id);
    EXPECT_EQ(recalled[i].directed->id, "memory");
    EXPECT_EQ(recalled[i].directed->type, "context");
  }
  EXPECT_EQ(imprinted[0].trace_id, task.trace_id);
  EXPECT_EQ(imprinted[0].parent_id, imprints[0].id);
  auto outputs = t.of(signal_type::agent_output);
  EXPECT_EQ(outputs[0].trace_id, task.trace_id);
  EXPECT_EQ(outputs[0].parent_id, task.id);
  co_await orch.async_stop();
  co_await worker.async_stop();
  co_await host.async_stop();
}

asio::awaitable<void> over_memory(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  co_await task_recalls_and_imprints_on_its_trace(ex, &bus, &bus, &t);
}
TEST(axon_bindings, task_recalls_and_imprints_on_one_trace_over_memory_synapse) {
  run(over_memory);
}

asio::awaitable<void> over_broker(asio::any_io_executor ex) {
  synapse::broker_options bo;
  bo.port = 0;
  synapse::broker_server server(ex, bo);
  CO_ASSERT(!server.listen());
  server.start();
  synapse::cosmo_options co;
  co.port = server.port();
  synapse::cosmo_synapse host_bus(ex, co), worker_bus(ex, co), tap_bus(ex, co);
  tap t;
  co_await tap_into(&tap_bus, t.seen);
  co_await task_recalls_and_imprints_on_its_trace(ex, &host_bus, &worker_bus, &t);
  co_await host_bus.async_close();
  co_await worker_bus.async_close();
  co_await tap_bus.async_close();
  co_await server.async_stop();
}
TEST(axon_bindings, task_recalls_and_imprints_on_one_trace_over_the_cosmo_broker) {
  run(over_broker);
}

TEST(axon_bindings, unnamed_untargeted_bad_mode_and_duplicate_bindings_are_usage_errors) {
  auto with = [](std::vector<engram_binding> e, std::vector<effector_binding> fx = {}) {
    return axon({.neuron_id = "n",
                 .neuron = echo_neuron,
                 .engrams = std::move(e),
                 .effectors = std::move(fx)});
  };
  EXPECT_THROW(with({{.name = "m"}}), usage_error);
  EXPECT_THROW(with({{.name = "", .directed_id = "x"}}), usage_error);
  EXPECT_THROW(with({{.name = "m", .directed_id = "x", .default_recall_mode = "some"}}),
               usage_error);
  EXPECT_THROW(with({{.name = "m", .directed_id = "x"}, {.name = "m", .directed_type = "context"}}),
               usage_error);
  EXPECT_THROW(with({}, {{.name = "calc"}}), usage_error);
  EXPECT_THROW(with({}, {{.name = "c", .directed_id = "a"}, {.name = "c", .directed_id = "b"}}),
               usage_error);
  auto ok = with({{.name = "m", .directed_type = "context"}}, {{.name = "c", .directed_id = "a"}});
  EXPECT_TRUE(ok.has_bindings());
  EXPECT_EQ(ok.engram_bindings()[0].name, "m");
}

// What each kind of failure looks like to a Neuron, reported in its output.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): a Neuron
asio::awaitable<json::value> failing_neuron(const json::object&, const context& ctx) {
  json::object out;
  auto unbound = ctx.engram("nope");
  recall_call q1;
  q1.query = {{"text", "x"}};
  out["unbound"] = code_name(co_await unbound.async_recall(std::move(q1)));
  auto silent = ctx.engram("silent");  // bound, but nobody hosts "silent"
  recall_call q2;
  q2.query = {{"text", "x"}};
  out["silent"] = code_name(co_await silent.async_recall(std::move(q2)));
  auto nofx = ctx.effector("nope");
  tool_call_request call{.tool = "add"};
  auto r = co_await nofx.async_call_tool(std::move(call));
  out["unbound_tool"] = !r && r.error().code == effector_errc::not_bound;
  auto calc = ctx.effector("calc");
  tool_call_request add{.tool = "add", .args = {{"a", 2}, {"b", 40}}};
  auto sum = co_await calc.async_call_tool(std::move(add));
  if (sum && sum->result) out["sum"] = *sum->result;
  tool_call_request div{.tool = "div", .args = {{"a", 1}, {"b", 0}}};
  auto bad = co_await calc.async_call_tool(std::move(div));
  if (bad && bad->error) out["div"] = *bad->error;
  co_return out;
}

asio::awaitable<void> failures_are_values(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  dendrite host(ex, bus, nullptr, test_options("tools", role::worker));
  host.attach_effector(std::make_shared<calculator_effector>("calc"));
  dendrite worker(ex, bus, nullptr, test_options("worker", role::worker));
  worker.attach(axon({.neuron_id = "f",
                      .neuron = failing_neuron,
                      .engrams = {{.name = "silent",
                                   .directed_id = "silent",
                                   .default_deadline = std::chrono::milliseconds(50)}},
                      .effectors = {{.name = "calc",
                                     .directed_type = "calculator",
                                     .default_deadline = std::chrono::milliseconds(5000)}}}));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  CO_ASSERT(!co_await host.async_start());
  CO_ASSERT(!co_await worker.async_start());
  CO_ASSERT(!co_await orch.async_start());
  dispatch_args a{.neuron = "f"};
  auto reply = co_await orch.async_dispatch_and_wait(std::move(a), 10s);
  CO_ASSERT(reply);
  EXPECT_EQ(payload(*reply).at("output"),
            json::parse(R"({"unbound":"not_bound","silent":"timeout","unbound_tool":true,)"
                        R"("sum":42,"div":"div: division by zero"})"));
  // Unbound names never reach the wire; the TOOL_CALLs ride the TASK's trace.
  EXPECT_EQ(t.count(signal_type::recall), 1u);
  for (const auto& c : t.of(signal_type::tool_call)) {
    EXPECT_EQ(c.trace_id, reply->trace_id);
    EXPECT_EQ(c.parent_id, reply->parent_id);
    EXPECT_EQ(c.directed->type, "calculator");
  }
  EXPECT_EQ(t.count(signal_type::tool_result), 2u);
  co_await orch.async_stop();
  co_await worker.async_stop();
  co_await host.async_stop();
}
TEST(axon_bindings, unbound_names_deadlines_and_tool_errors_are_values) {
  run(failures_are_values);
}

// Waits on a recall nobody answers (no deadline); reports how it ended.
std::shared_ptr<std::string> waited_result = std::make_shared<std::string>();
// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): a Neuron
asio::awaitable<json::value> waiting_neuron(const json::object&, const context& ctx) {
  auto silent = ctx.engram("silent");
  recall_call q;
  q.query = {{"text", "x"}};
  auto r = co_await silent.async_recall(std::move(q));
  *waited_result = code_name(r);
  co_return json::object{{"ended", *waited_result}};
}

asio::awaitable<void> trace_end_cancels(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  dendrite worker(ex, bus, nullptr, test_options("worker", role::worker));
  worker.attach(axon({.neuron_id = "w",
                      .neuron = waiting_neuron,
                      .engrams = {{.name = "silent", .directed_type = "nobody"}}}));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  CO_ASSERT(!co_await worker.async_start());
  CO_ASSERT(!co_await orch.async_start());

  // FINAL of the trace: the call wakes cancelled and the Neuron still answers.
  waited_result->clear();
  dispatch_args a{.neuron = "w"};
  auto task = co_await orch.async_dispatch_task(std::move(a));
  CO_ASSERT(task);
  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::recall) == 1; }));
  json::value done = json::object{};
  auto fin = co_await orch.async_emit_final(task->trace_id, task->id, std::move(done));
  CO_ASSERT(fin);
  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::agent_output) == 1; }));
  EXPECT_EQ(*waited_result, "cancelled");

  // STOP of the trace: the Neuron is cancelled with its call (EngramCancelled), no reply.
  waited_result->clear();
  dispatch_args b{.neuron = "w"};
  auto task2 = co_await orch.async_dispatch_task(std::move(b));
  CO_ASSERT(task2);
  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::recall) == 2; }));
  auto acks = co_await orch.async_stop_trace(task2->trace_id, false, "enough");
  CO_ASSERT(acks);
  EXPECT_TRUE(co_await until([&] { return !waited_result->empty(); }));
  EXPECT_EQ(*waited_result, "cancelled");
  EXPECT_EQ(t.count(signal_type::agent_output), 1u);
  EXPECT_EQ(worker.stats().tasks_cancelled, 1u);
  co_await orch.async_stop();
  co_await worker.async_stop();
}
TEST(axon_bindings, final_or_stop_of_the_trace_cancels_a_waiting_call) { run(trace_end_cancels); }

// ---- hosting ---------------------------------------------------------------------------

asio::awaitable<void> hosting_lifecycle(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  auto mem = connected_memory("memory", "context");
  dendrite host(ex, bus, nullptr, test_options("store", role::worker));
  host.attach_engram(mem);
  EXPECT_THROW(host.attach_engram(connected_memory("memory", "other")), usage_error);
  host.attach_effector(std::make_shared<calculator_effector>("calc"));
  CO_ASSERT(!co_await host.async_start());
  EXPECT_THROW(host.attach_engram(connected_memory("late")), state_error);
  auto regs = t.of(signal_type::register_);
  CO_ASSERT(regs.size() == 2u);
  EXPECT_EQ(regs[0].payload.text(),
            R"({"role":"engram","capabilities":[],"version":"1","engram":true})");
  EXPECT_EQ(regs[0].directed->id, "memory");
  EXPECT_THAT(regs[1].payload.text(), ::testing::StartsWith(R"({"role":"effector",)"));

  // IMPRINT by kind, then FINAL: committed, so a later rollback undoes nothing.
  const auto t1 = protocol::trace_id::generate();
  auto put = protocol::imprint_signal(
      {.op = "append", .entry = protocol::raw_object::parse(R"({"content":"kept"})").value()},
      {.directed = protocol::directed{.type = "context"}, .trace = t1});
  co_await inject(&bus, put);
  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::imprinted) == 1; }));
  EXPECT_EQ(t.of(signal_type::imprinted)[0].parent_id, put.id);
  auto fin = protocol::final_signal({}, {.trace = t1});  // a local: GCC 12 and co_await operands
  co_await inject(&bus, std::move(fin));
  // IMPRINT on another trace, then STOP with rollback: compensated and acknowledged.
  const auto t2 = protocol::trace_id::generate();
  auto put2 = protocol::imprint_signal(
      {.op = "append", .entry = protocol::raw_object::parse(R"({"content":"undone"})").value()},
      {.directed = protocol::directed{.id = "memory"}, .trace = t2});
  co_await inject(&bus, put2);
  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::imprinted) == 2; }));
  auto stop = protocol::stop_signal(t2, true, "undo");
  co_await inject(&bus, stop);
  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::stopped) == 1; }));
  auto stopped = t.of(signal_type::stopped);
  CO_ASSERT(!stopped.empty());
  EXPECT_EQ(stopped[0].parent_id, stop.id);
  EXPECT_EQ(stopped[0].payload.text(),
            R"({"rolled_back":true,"cancelled":0,"compensated":1,"node":"dev"})");
  auto left = mem->recall({});
  CO_ASSERT(left);
  CO_ASSERT(left->hits.size() == 1u);
  EXPECT_EQ(left->hits[0].entry.content, json::value("kept"));
  auto late_stop = protocol::stop_signal(t1, true);  // t1 was committed by FINAL: silent
  co_await inject(&bus, std::move(late_stop));
  // TOOL_CALL by id: TOOL_RESULT parented to it.
  auto call = protocol::tool_call_signal(
      {.tool = "mul", .args = protocol::raw_object::parse(R"({"a":6,"b":7})").value()},
      {.directed = protocol::directed{.id = "calc"}});
  co_await inject(&bus, call);
  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::tool_result) == 1; }));
  EXPECT_EQ(t.of(signal_type::tool_result)[0].parent_id, call.id);
  EXPECT_EQ(t.count(signal_type::stopped), 1u);

  co_await host.async_stop();
  auto deregs = t.of(signal_type::deregister);
  CO_ASSERT(deregs.size() == 2u);
  EXPECT_EQ(deregs[0].directed->id, "memory");
  EXPECT_EQ(deregs[1].directed->id, "calc");
}
TEST(dendrite_engram, hosts_serves_commits_compensates_and_deregisters) { run(hosting_lifecycle); }

}  // namespace
}  // namespace neuromesh::runtime::test
