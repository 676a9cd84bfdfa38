// Registry behaviour of §4.13: REGISTER / HEARTBEAT / DEREGISTER mirroring into a store,
// heartbeats, the stale sweep (also on a pure orchestrator), find_neurons, DISCOVER answers.
#include "dendrite_support.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/registry/memory_store.h"
#include "neuromesh/runtime/dendrite.h"
#include "neuromesh/synapse/memory_synapse.h"

namespace neuromesh::runtime::test {
namespace {

using protocol::signal;
using protocol::signal_type;

asio::awaitable<void> store_mirrors_lifecycle_signals(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  registry::memory_store store;
  auto wo = test_options("w", role::worker);
  wo.heartbeat = 20ms;
  dendrite w(ex, bus, nullptr, wo);
  dendrite orch(ex, bus, &store, test_options("orch"));
  w.attach(
      axon({.neuron_id = "n1", .neuron = echo_neuron, .capabilities = {"sum"}, .version = "2"}));
  std::vector<std::string> reasons;
  orch.on_refresh([&](dendrite&, const refresh_event& e) { reasons.push_back(e.reason); });
  co_await orch.async_start();
  EXPECT_EQ(t.count(signal_type::discover), 1u);  // a dendrite with a store DISCOVERs on start
  co_await w.async_start();
  // Mirroring runs on the blocking pool: the record lands shortly after the REGISTER.
  EXPECT_TRUE(co_await until([&] {
    auto r = store.get("n1");
    return r && *r;
  }));
  auto rec = store.get("n1");
  EXPECT_TRUE(rec && *rec);
  if (rec && *rec) {
    EXPECT_EQ((*rec)->capabilities, std::vector<std::string>{"sum"});
    EXPECT_EQ((*rec)->version, "2");
  }
  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::heartbeat) >= 2; }));
  auto hb = t.of(signal_type::heartbeat).at(0);
  EXPECT_EQ(hb.payload.text(), R"({"status":"ok"})");
  EXPECT_EQ(hb.directed->id, "n1");
  EXPECT_GE(t.count(signal_type::register_), 2u);  // re-REGISTER with each heartbeat
  EXPECT_EQ(orch.find_neurons("sum").size(), 1u);
  EXPECT_TRUE(orch.find_neurons("nope").empty());
  co_await w.async_stop();
  EXPECT_TRUE(co_await until([&] { return orch.find_neurons().empty(); }));
  EXPECT_EQ(orch.registry_snapshot(std::nullopt, true).at(0).status, "deregistered");
  EXPECT_TRUE(co_await until(
      [&] { return std::find(reasons.begin(), reasons.end(), "deregister") != reasons.end(); }));
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), "register"), reasons.end());
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), "heartbeat"), reasons.end());
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), "deregister"), reasons.end());
  co_await orch.async_stop();
}
TEST(dendrite_registry, store_mirrors_lifecycle_signals) { run(store_mirrors_lifecycle_signals); }

asio::awaitable<void> pure_orchestrator_sweeps_stale_records(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  registry::memory_store store;
  auto o = test_options("orch");
  o.heartbeat = 10ms;
  o.stale_after = std::chrono::seconds(90);
  auto now = std::make_shared<registry::time_point>(registry::now_utc());
  o.clock = [now] { return *now; };
  dendrite orch(ex, bus, &store, o);
  std::vector<std::string> stale;
  orch.on_refresh([&](dendrite&, const refresh_event& e) {
    if (e.reason == "stale") stale.push_back(e.neuron_id);
  });
  co_await orch.async_start();
  registry::neuron_record crashed;
  crashed.neuron_id = "crashed";
  crashed.last_heartbeat = *now - std::chrono::seconds(600);
  registry::neuron_record alive;
  alive.neuron_id = "alive";
  alive.last_heartbeat = *now - std::chrono::seconds(10);
  EXPECT_TRUE(store.upsert(crashed));
  EXPECT_TRUE(store.upsert(alive));
  EXPECT_EQ(orch.find_neurons(std::nullopt, std::chrono::seconds(60)).size(), 1u);
  EXPECT_TRUE(co_await until([&] { return stale.size() == 1; }));
  EXPECT_EQ(stale, std::vector<std::string>{"crashed"});
  EXPECT_EQ(orch.find_neurons().size(), 1u);
  EXPECT_EQ(orch.stats().stale_swept, 1u);
  *now += std::chrono::seconds(200);  // now "alive" is overdue too
  EXPECT_TRUE(co_await until([&] { return stale.size() == 2; }));
  co_await orch.async_stop();
}
TEST(dendrite_registry, pure_orchestrator_sweeps_stale_records) {
  run(pure_orchestrator_sweeps_stale_records);
}

asio::awaitable<void> discover_answered_by_matching_axons(asio::any_io_executor ex) {
  synapse::memory_synapse bus;
  tap t;
  co_await tap_into(&bus, t.seen);
  dendrite w(ex, bus, nullptr, test_options("w", role::worker));
  w.attach(echo_axon("na", {"a"}));
  w.attach(echo_axon("nb", {"a", "b"}));
  co_await w.async_start();
  t.seen->clear();
  auto probe1 = protocol::discover_signal(std::nullopt, std::vector<std::string>{"b"});

  co_await inject(&bus, std::move(probe1));
  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::register_) == 1; }));
  EXPECT_EQ(t.of(signal_type::register_).at(0).directed->id, "nb");
  t.seen->clear();
  auto probe2 = protocol::discover_signal(std::string("na"));

  co_await inject(&bus, std::move(probe2));
  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::register_) == 1; }));
  EXPECT_EQ(t.of(signal_type::register_).at(0).directed->id, "na");
  t.seen->clear();
  auto probe3 = protocol::discover_signal();

  co_await inject(&bus, std::move(probe3));
  EXPECT_TRUE(co_await until([&] { return t.count(signal_type::register_) == 2; }));
  EXPECT_EQ(w.stats().discovers_answered, 3u);
  co_await w.async_stop();
  // on_discover replaces the built-in answer.
  dendrite custom(ex, bus, nullptr, test_options("custom", role::worker));
  custom.attach(echo_axon("nc"));
  int calls = 0;
  custom.on_discover([&](const signal&) { ++calls; });
  co_await custom.async_start();
  t.seen->clear();
  auto probe4 = protocol::discover_signal();

  co_await inject(&bus, std::move(probe4));
  co_await sleep_for(20ms);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(t.count(signal_type::register_), 0u);
  co_await custom.async_stop();
}
TEST(dendrite_registry, discover_answered_by_matching_axons) {
  run(discover_answered_by_matching_axons);
}

}  // namespace
}  // namespace neuromesh::runtime::test
