#include "neuromesh/runtime/engram_host.h"

#include "engram_test_support.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/protocol/subject.h"
#include "neuromesh/runtime/effector_calculator.h"
#include "neuromesh/runtime/engram_client.h"
#include "neuromesh/runtime/engram_memory.h"
#include "neuromesh/synapse/broker_server.h"
#include "neuromesh/synapse/cosmo_synapse.h"
#include "neuromesh/synapse/memory_synapse.h"
#include "neuromesh/testing/io_thread.h"
#include "neuromesh/testing/testing.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <gmock/gmock.h>

#include <mutex>
#include <thread>

namespace neuromesh::runtime {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace proto = protocol;
using namespace std::chrono_literals;

using neuromesh::testing::io_thread;
using test::connected_memory;
using test::recorder;
using test::recorder_handler;

TEST(engram_host_handle, serves_every_engram_of_a_kind_and_commits_or_compensates_traces) {
  asio::io_context io;
  synapse::memory_synapse bus;
  engram_host host(io.get_executor(), bus, {.ns = "dev", .threads = 1});
  auto a = connected_memory("a", "context");
  auto b = connected_memory("b", "context");
  host.attach(a);
  host.attach(b);
  const auto trace = proto::trace_id::generate();
  auto imprint = proto::imprint_signal(
      {.op = "append", .entry = proto::raw_object::parse(R"({"content":"x"})").value()},
      {.directed = proto::directed{.type = "context"}, .trace = trace});
  auto replies = host.handle(imprint);
  ASSERT_EQ(replies.size(), 2u);  // every Engram of the kind answers
  EXPECT_EQ(replies[0].type, proto::signal_type::imprinted);
  EXPECT_EQ(replies[0].parent_id, imprint.id);

  auto stop = proto::stop_signal(trace, true, "undo");
  auto acks = host.handle(stop);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].type, proto::signal_type::stopped);
  EXPECT_EQ(acks[0].parent_id, stop.id);
  EXPECT_EQ(acks[0].payload.text(),
            R"({"rolled_back":true,"cancelled":0,"compensated":2,"node":"dev"})");
  EXPECT_TRUE(a->recall({})->hits.empty());
  EXPECT_TRUE(b->recall({})->hits.empty());

  // FINAL is the commit point: a later rollback finds nothing to undo and stays silent.
  const auto t2 = proto::trace_id::generate();
  imprint.id = proto::event_id::generate();
  imprint.trace_id = t2;
  host.handle(imprint);
  host.handle(proto::final_signal({}, {.trace = t2}));
  EXPECT_TRUE(host.handle(proto::stop_signal(t2, true)).empty());
  EXPECT_EQ(a->recall({})->hits.size(), 1u);
  EXPECT_EQ(host.stats().compensated, 2u);
}

TEST(engram_host_handle, registrations_announce_engrams_and_effectors_by_role) {
  asio::io_context io;
  synapse::memory_synapse bus;
  engram_host host(io.get_executor(), bus, {.ns = "dev"});
  host.attach(connected_memory("mem", "context"));
  host.attach(std::make_shared<calculator_effector>("calc"));
  auto regs = host.registrations();
  ASSERT_EQ(regs.size(), 2u);
  EXPECT_EQ(regs[0].payload.text(),
            R"({"role":"engram","capabilities":[],"version":"1","engram":true})");
  EXPECT_EQ(regs[0].directed->id, "mem");
  EXPECT_EQ(regs[0].directed->type, "context");
  EXPECT_THAT(regs[1].payload.text(), ::testing::StartsWith(R"({"role":"effector",)"));
  EXPECT_EQ(regs[1].directed->capabilities, (std::vector<std::string>{"add", "sub", "mul", "div"}));
}

// The same round trips on any transport.
void round_trips(io_thread& io, synapse::synapse& host_bus, synapse::synapse& caller_bus) {
  auto events = std::make_shared<recorder>();
  ASSERT_TRUE(io.run(caller_bus.async_subscribe(proto::namespace_wildcard("dev"),
                                                recorder_handler{events}, std::nullopt)));
  engram_host host(io.executor(), host_bus, {.ns = "dev"});
  auto mem = connected_memory("mem", "context");
  host.attach(mem);
  host.attach(connected_memory("mem2", "context"));
  host.attach(std::make_shared<calculator_effector>("calc"));
  ASSERT_FALSE(io.run(host.async_start()));
  engram_client client(io.executor(), caller_bus, "dev");
  ASSERT_FALSE(io.run(client.async_start()));
  ASSERT_TRUE(neuromesh::testing::eventually(
      [&] { return events->of(proto::signal_type::register_).size() == 3; }));

  imprint_call put;
  put.target = {.id = "mem", .deadline = 5000ms};
  put.op = "upsert";
  put.merge_key = "q:1";
  put.entry = json::parse(R"({"content":{"answer":"forty-two"},"tags":["t"]})").as_object();
  put.await_ack = true;
  auto receipt = io.run(client.async_imprint(put));
  ASSERT_TRUE(receipt) << receipt.error().message;
  ASSERT_TRUE(*receipt);
  EXPECT_EQ((*receipt)->engram_id, "mem");
  EXPECT_EQ((*receipt)->version, 1);
  EXPECT_TRUE((*receipt)->ok());

  recall_call get;
  get.target = {.id = "mem", .deadline = 5000ms};
  get.query = json::parse(R"({"text":"FORTY"})").as_object();
  auto found = io.run(client.async_recall(get));
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->hits.size(), 1u);
  EXPECT_EQ(found->hits[0].entry.content, json::parse(R"({"answer":"forty-two"})"));
  EXPECT_EQ(found->hits[0].entry.merge_key, "q:1");
  EXPECT_EQ(found->engram_ids, std::vector<std::string>{"mem"});

  // merge mode: both Engrams of the kind answer within the deadline.
  recall_call both;
  both.target = {.kind = "context", .deadline = 300ms};
  both.recall_mode = "merge";
  auto merged = io.run(client.async_recall(both));
  ASSERT_TRUE(merged) << merged.error().message;
  EXPECT_EQ(merged->engram_ids.size(), 2u);
  EXPECT_EQ(merged->hits.size(), 1u);

  recall_call nobody;
  nobody.target = {.id = "missing", .deadline = 100ms};
  auto late = io.run(client.async_recall(nobody));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, engram_errc::timeout);

  tool_call_request add;
  add.target = {.id = "calc", .deadline = 5000ms};
  add.tool = "add";
  add.args = json::parse(R"({"a":2,"b":40})").as_object();
  add.call_id = "c1";
  auto sum = io.run(client.async_call_tool(add));
  ASSERT_TRUE(sum) << sum.error().message;
  EXPECT_EQ(sum->result, json::value(42));
  EXPECT_EQ(sum->call_id, "c1");
  EXPECT_EQ(sum->effector_id, "calc");
  add.tool = "div";
  add.args = json::parse(R"({"a":1,"b":0})").as_object();
  auto div = io.run(client.async_call_tool(add));
  ASSERT_TRUE(div);
  EXPECT_EQ(div->error, "div: division by zero");

  // Every reply sits on its request's trace, parented to it, attributed to the server.
  for (const auto& r : events->of(proto::signal_type::imprinted)) {
    EXPECT_EQ(r.directed->id, "mem");
    EXPECT_EQ(r.directed->type, "context");
  }
  io.run(client.async_stop());
  io.run(host.async_stop());
}

TEST(engram_host, round_trips_over_memory_synapse) {
  io_thread io;
  synapse::memory_synapse bus;
  ASSERT_FALSE(io.run(bus.async_connect()));
  round_trips(io, bus, bus);
  io.run(bus.async_close());
}

TEST(engram_host, round_trips_over_the_cosmo_broker) {
  io_thread io;
  synapse::broker_options o;
  o.port = 0;
  synapse::broker_server server(io.executor(), o);
  ASSERT_FALSE(server.listen());
  server.start();
  synapse::cosmo_options co;
  co.port = server.port();
  synapse::cosmo_synapse host_bus(io.executor(), co);
  synapse::cosmo_synapse caller_bus(io.executor(), co);
  ASSERT_FALSE(io.run(host_bus.async_connect()));
  ASSERT_FALSE(io.run(caller_bus.async_connect()));
  round_trips(io, host_bus, caller_bus);
  io.run(caller_bus.async_close());
  io.run(host_bus.async_close());
  io.run(server.async_stop());
}

TEST(engram_host, stop_deregisters_its_engrams_and_effectors_once) {
  io_thread io;
  synapse::memory_synapse bus;
  ASSERT_FALSE(io.run(bus.async_connect()));
  auto events = std::make_shared<recorder>();
  ASSERT_TRUE(io.run(bus.async_subscribe(proto::namespace_wildcard("dev"), recorder_handler{events},
                                         std::nullopt)));
  engram_host host(io.executor(), bus, {.ns = "dev"});
  host.attach(connected_memory("mem", "context"));
  host.attach(std::make_shared<calculator_effector>("calc"));
  io.run(host.async_stop());  // before start: nothing to withdraw
  ASSERT_FALSE(io.run(host.async_start()));
  io.run(host.async_stop());
  io.run(host.async_stop());  // idempotent
  ASSERT_TRUE(neuromesh::testing::eventually(
      [&] { return events->of(proto::signal_type::deregister).size() == 2; }));
  auto deregs = events->of(proto::signal_type::deregister);
  EXPECT_EQ(deregs[0].directed->id, "mem");
  EXPECT_EQ(deregs[1].directed->id, "calc");
  EXPECT_EQ(host.stats().publish_errors, 0u);
  io.run(bus.async_close());
}

asio::awaitable<void> async_end_trace(synapse::memory_synapse* bus, proto::trace_id trace) {
  // Named arguments: GCC 12 mishandles temporaries in co_await operands.
  auto subject = proto::subject_for("dev", proto::signal_type::final);
  auto final = proto::final_signal({}, {.trace = trace});
  co_await bus->async_publish(std::move(subject), std::move(final));
}

TEST(engram_client, a_call_whose_trace_ends_is_cancelled) {
  io_thread io;
  synapse::memory_synapse bus;
  ASSERT_FALSE(io.run(bus.async_connect()));
  engram_client client(io.executor(), bus, "dev");
  ASSERT_FALSE(io.run(client.async_start()));
  const auto trace = proto::trace_id::generate();
  recall_call get;
  get.target = {.id = "silent", .trace = trace};  // no deadline: waits for the trace
  auto pending = asio::co_spawn(io.executor(), client.async_recall(get), asio::use_future);
  // Keep ending the trace until the waiting call has seen it.
  ASSERT_TRUE(neuromesh::testing::eventually([&] {
    io.run(async_end_trace(&bus, trace));
    return pending.wait_for(5ms) == std::future_status::ready;
  }));
  auto r = pending.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, engram_errc::cancelled);
  io.run(bus.async_close());
}

}  // namespace
}  // namespace neuromesh::runtime
