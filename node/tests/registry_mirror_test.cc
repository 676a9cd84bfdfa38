#include "neuromesh/node/registry_mirror.h"

#include "neuromesh/protocol/builders.h"
#include "neuromesh/registry/memory_store.h"

#include <gtest/gtest.h>

namespace neuromesh::node {
namespace {

using namespace std::chrono_literals;

struct mirror_fixture : ::testing::Test {
  registry::time_point now = registry::now_utc();
  std::shared_ptr<registry::memory_store> store = std::make_shared<registry::memory_store>();
  std::unique_ptr<registry_mirror> mirror;

  void SetUp() override {
    ASSERT_TRUE(store->connect());
    mirror_options o;
    o.suspect_after = 45s;
    o.stale_after = 90s;
    o.clock = [this] { return now; };
    mirror = std::make_unique<registry_mirror>(store, o);
  }
  registry::neuron_record get(const std::string& id) { return store->get(id).value().value(); }
};

protocol::signal reg(const std::string& id, std::string role = "neuron") {
  return protocol::register_signal(
      {.id = id, .kind = "k", .capabilities = {"b", "a"}, .role = std::move(role), .version = "2"});
}

TEST_F(mirror_fixture, register_heartbeat_and_deregister_reach_the_store) {
  EXPECT_TRUE(mirror->on_signal(reg("n1")));
  auto r = get("n1");
  EXPECT_EQ(r.capabilities, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(r.version, "2");
  EXPECT_EQ(r.status, "registered");
  EXPECT_EQ(r.last_heartbeat, now);

  now += 10s;
  EXPECT_TRUE(mirror->on_signal(protocol::heartbeat_signal("n1", "busy")));
  EXPECT_EQ(get("n1").last_heartbeat, now);
  EXPECT_EQ(get("n1").status, "busy");  // the reference's quirk: status as sent

  EXPECT_TRUE(mirror->on_signal(protocol::deregister_signal("n1")));
  EXPECT_EQ(get("n1").status, "deregistered");
  EXPECT_EQ(mirror->stats().registers, 1u);
  EXPECT_EQ(mirror->stats().heartbeats, 1u);
  EXPECT_EQ(mirror->stats().deregisters, 1u);
}

TEST_F(mirror_fixture, engrams_signals_without_an_id_and_other_types_are_not_stored) {
  EXPECT_FALSE(mirror->on_signal(reg("mem", "engram")));
  auto anonymous = protocol::heartbeat_signal("x");
  anonymous.directed.reset();
  EXPECT_FALSE(mirror->on_signal(anonymous));
  EXPECT_FALSE(
      mirror->on_signal(protocol::task_signal({}, {.directed = protocol::directed{.id = "n"}})));
  EXPECT_TRUE(store->list().value().empty());
  EXPECT_EQ(mirror->stats().ignored, 2u);
}

TEST_F(mirror_fixture, effectors_are_stored_like_the_reference_does) {
  EXPECT_TRUE(mirror->on_signal(reg("tool", "effector")));
  EXPECT_EQ(store->list().value().size(), 1u);
}

TEST_F(mirror_fixture, a_heartbeat_from_an_unknown_neuron_creates_a_thin_record) {
  EXPECT_TRUE(mirror->on_signal(protocol::heartbeat_signal("ghost")));
  EXPECT_TRUE(get("ghost").capabilities.empty());
}

TEST_F(mirror_fixture, liveness_goes_alive_stale_then_the_sweep_deregisters) {
  mirror->on_signal(reg("n1"));
  mirror->on_signal(reg("n2"));
  EXPECT_EQ(mirror->classify(get("n1")), liveness::alive);
  now += 50s;
  mirror->on_signal(protocol::heartbeat_signal("n2"));
  EXPECT_EQ(mirror->classify(get("n1")), liveness::stale);
  EXPECT_EQ(mirror->classify(get("n2")), liveness::alive);
  EXPECT_TRUE(mirror->sweep().empty());  // 50 s < stale_after
  now += 45s;                            // n1 silent 95 s, n2 45 s
  EXPECT_EQ(mirror->sweep(), std::vector<std::string>{"n1"});
  EXPECT_EQ(mirror->classify(get("n1")), liveness::deregistered);
  EXPECT_EQ(mirror->classify(get("n2")), liveness::stale);
  EXPECT_EQ(mirror->stats().swept, 1u);
  EXPECT_TRUE(mirror->sweep().empty());  // already deregistered
}

TEST_F(mirror_fixture, a_zero_stale_after_never_sweeps) {
  mirror_options o;
  o.stale_after = 0ms;
  o.clock = [this] { return now; };
  registry_mirror never(store, o);
  never.on_signal(reg("n1"));
  now += 24h;
  EXPECT_TRUE(never.sweep().empty());
}

TEST_F(mirror_fixture, store_failures_are_counted_not_thrown) {
  store->close();
  EXPECT_FALSE(mirror->on_signal(reg("n1")));
  EXPECT_TRUE(mirror->sweep().empty());
  EXPECT_EQ(mirror->stats().store_errors, 2u);
}

}  // namespace
}  // namespace neuromesh::node
