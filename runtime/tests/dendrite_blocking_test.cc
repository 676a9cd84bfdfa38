// Blocking work off the dendrite's executor: a synchronous Neuron that blocks (until the test
// lets it go) does not delay a concurrent async task's reply, nor a STOP's STOPPED; a
// registry_store whose calls block does not hold up TASKs either.
#include "dendrite_support.h"
#include "gated_store.h"
#include "neuromesh/registry/memory_store.h"
#include "neuromesh/runtime/dendrite.h"
#include "neuromesh/synapse/memory_synapse.h"
#include "runtime_test_support.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace neuromesh::runtime::test {
namespace {

using protocol::signal_type;

/// A sync Neuron that blocks on the gate, then echoes.
struct blocking_neuron {
  std::shared_ptr<gate> g;
  json::value operator()(const json::object& in, const context&) const {
    g->wait();
    return json::value(in);
  }
};

asio::awaitable<void> blocking_sync_neuron_holds_up_nothing(asio::any_io_executor ex) {
  auto g = std::make_shared<gate>();
  g->dendrite_thread = std::this_thread::get_id();
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  w.attach(axon({.neuron_id = "blocker", .neuron = blocking_neuron{g}}));
  w.attach(echo_axon("echo"));
  co_await w.async_start();
  co_await orch.async_start();

  dispatch_args to_blocker{.neuron = "blocker", .input = {{"n", 1}}};
  auto blocked = co_await orch.async_dispatch(std::move(to_blocker));
  EXPECT_TRUE(blocked);
  EXPECT_TRUE(co_await until([&] { return g->waiting.load() == 1; }));

  // An async task on the same dendrite is answered while the sync one blocks.
  dispatch_args to_echo{.neuron = "echo", .input = {{"q", "hi"}}};
  auto r = co_await orch.async_dispatch_and_wait(std::move(to_echo), 2s);
  EXPECT_TRUE(r && r->type == signal_type::agent_output);
  EXPECT_EQ(g->waiting.load(), 1);

  // STOP for the blocked trace is acknowledged at once by the worker, the running call
  // counted as cancelled (the originator acks too: it held the trace's Pathway).
  auto acks = co_await orch.async_stop_trace((*blocked)->trace(), false, "test", 300ms);
  EXPECT_TRUE(acks);
  std::size_t worker_acks = 0;
  if (acks) {
    for (const auto& a : *acks)
      if (payload(a).at("cancelled") == 1) ++worker_acks;
    EXPECT_EQ(acks->size(), 2u);
  }
  EXPECT_EQ(worker_acks, 1u);
  EXPECT_EQ(g->waiting.load(), 1);  // still blocked: STOP did not wait for it

  g->release();
  EXPECT_TRUE(co_await until([&] { return w.in_flight() == 0; }));
  EXPECT_FALSE(g->on_dendrite_thread.load());
  // The STOPped call's result is dropped: the only AGENT_OUTPUT is echo's.
  EXPECT_EQ(t.count(signal_type::agent_output), 1u);
  co_await orch.async_stop();
  co_await w.async_stop();
}
TEST(dendrite_blocking, blocking_sync_neuron_holds_up_nothing) {
  run(blocking_sync_neuron_holds_up_nothing);
}

asio::awaitable<void> sync_neuron_result_and_exception_come_back(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite orch(ex, bus, nullptr, test_options("orch"));
  auto caller = std::this_thread::get_id();
  auto ran_elsewhere = std::make_shared<std::atomic<bool>>(false);
  w.attach(axon({.neuron_id = "sum",
                 .neuron = neuron([caller, ran_elsewhere](const json::object& in,
                                                          const context&) -> json::value {
                   *ran_elsewhere = std::this_thread::get_id() != caller;
                   if (!in.contains("a")) throw std::runtime_error("no a");
                   return json::object{{"sum", in.at("a").as_int64() + 1}};
                 })}));
  co_await w.async_start();
  co_await orch.async_start();
  dispatch_args ok{.neuron = "sum", .input = {{"a", 41}}};
  auto r = co_await orch.async_dispatch_and_wait(std::move(ok), 2s);
  EXPECT_TRUE(r && r->type == signal_type::agent_output);
  if (r) {
    EXPECT_EQ(payload(*r).at("output").at("sum"), 42);
  }
  EXPECT_TRUE(ran_elsewhere->load());
  dispatch_args bad{.neuron = "sum", .input = {{"b", 1}}};
  auto e = co_await orch.async_dispatch_and_wait(std::move(bad), 2s);
  EXPECT_TRUE(e && e->type == signal_type::error);
  if (e) {
    EXPECT_EQ(payload(*e).at("code"), "NEURON_EXCEPTION");
    EXPECT_EQ(payload(*e).at("message"), "no a");
  }
  co_await orch.async_stop();
  co_await w.async_stop();
}
TEST(dendrite_blocking, sync_neuron_result_and_exception_come_back) {
  run(sync_neuron_result_and_exception_come_back);
}

asio::awaitable<void> blocking_store_holds_up_no_task(asio::any_io_executor ex) {
  auto g = std::make_shared<gate>();
  g->dendrite_thread = std::this_thread::get_id();
  gated_store store(g, gated_store::blocks::upsert);
  synapse::memory_synapse bus;
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  dendrite mirror(ex, bus, &store, test_options("mirror"));
  w.attach(echo_axon("echo"));
  co_await mirror.async_start();
  co_await w.async_start();  // its REGISTER reaches the mirror, whose upsert blocks
  EXPECT_TRUE(co_await until([&] { return g->waiting.load() == 1; }));
  dispatch_args to_echo{.neuron = "echo", .input = {{"q", 1}}};
  auto r = co_await mirror.async_dispatch_and_wait(std::move(to_echo), 2s);
  EXPECT_TRUE(r && r->type == signal_type::agent_output);
  EXPECT_EQ(g->waiting.load(), 1);
  g->release();
  EXPECT_TRUE(co_await until([&] {
    auto rec = store.get("echo");
    return rec && *rec;
  }));
  EXPECT_FALSE(g->on_dendrite_thread.load());
  co_await w.async_stop();
  co_await mirror.async_stop();
}
TEST(dendrite_blocking, blocking_store_holds_up_no_task) { run(blocking_store_holds_up_no_task); }

}  // namespace
}  // namespace neuromesh::runtime::test
