// `neuromesh up` against real servers from scripts/services: `--synapse nats://...`
// (NEUROMESH_NATS_URL; no embedded broker, agents on NATS show up in the registry) and
// `--store postgres://...` (NEUROMESH_PG_DSN; registry and catalog survive a restart).
#include "neuromesh/testing/testing.h"
#include "up_process.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace neuromesh::node::test {
namespace {

using neuromesh::testing::eventually;

TEST(up_nats, mirrors_registrations_published_on_nats) {
  auto nats = neuromesh::testing::env_or("NEUROMESH_NATS_URL", "");
  ASSERT_FALSE(nats.empty()) << "NEUROMESH_NATS_URL is not set (run under scripts/services)";
  temp_dir cwd;
  // A namespace of our own: the nats-server may be shared with other tests.
  auto ns = "nodetest" + std::to_string(getpid());
  up_node n;
  n.start(cwd.path, cwd.path / "data", {"--synapse", nats, "--namespace", ns});
  EXPECT_EQ(n.broker_url, nats);
  agent_bus bus(nats);
  bus.publish(ns, register_of("nats-agent", {"translate"}));
  EXPECT_TRUE(eventually([&] {
    auto r = http(n.http_url, "GET", "/neurons?capability=translate");
    return r.status == 200 && r.body.find("\"nats-agent\"") != std::string::npos;
  })) << n.proc->output();

  // A task from the page reaches a NATS subscriber on the routed subject.
  std::atomic<int> tasks{0};
  auto sub =
      bus.subscribe("cosmonapse." + ns + ".TASK.routed", [&](const protocol::signal&) { ++tasks; });
  auto r = http(n.http_url, "POST", "/api/tasks", R"({"input":{},"capabilities":["translate"]})");
  EXPECT_EQ(r.status, 202u) << r.body;
  EXPECT_TRUE(eventually([&] { return tasks.load() == 1; }));
  n.proc->signal(SIGTERM);
  EXPECT_EQ(n.proc->wait_exit(), 0) << n.proc->output();
}

TEST(up_nats, an_unreachable_nats_server_is_one_line) {
  temp_dir cwd;
  auto port = neuromesh::testing::free_port();
  child c(
      up_node::argv(cwd.path / "data", {"--synapse", "nats://127.0.0.1:" + std::to_string(port)}),
      cwd.path);
  EXPECT_EQ(c.wait_exit(), 1);
  EXPECT_NE(
      c.output().find("cannot connect to the Synapse nats://127.0.0.1:" + std::to_string(port)),
      std::string::npos)
      << c.output();
}

TEST(up_postgres, registry_and_catalog_live_in_postgres_across_restarts) {
  auto dsn = neuromesh::testing::env_or("NEUROMESH_PG_DSN", "");
  ASSERT_FALSE(dsn.empty()) << "NEUROMESH_PG_DSN is not set (run under scripts/services)";
  temp_dir cwd;
  auto id = "pg-agent-" + std::to_string(getpid());
  auto inst = "pg-inst-" + std::to_string(getpid());
  {
    up_node n;
    n.start(cwd.path, cwd.path / "data", {"--store", dsn});
    agent_bus bus(n.broker_url);
    bus.publish("dev", register_of(id, {"sql"}));
    ASSERT_TRUE(eventually([&] {
      return http(n.http_url, "GET", "/neurons").body.find(id) != std::string::npos;
    })) << n.proc->output();
    auto r =
        http(n.http_url, "POST", "/instances",
             R"({"instance_id":")" + inst +
                 R"(","name":"svc","version":"1","host":"h","heartbeat_interval":30,"tools":[]})");
    ASSERT_EQ(r.status, 201u) << r.body;
    n.proc->signal(SIGTERM);
    ASSERT_EQ(n.proc->wait_exit(), 0) << n.proc->output();
  }
  temp_dir other;  // a fresh data folder: everything comes from PostgreSQL
  up_node again;
  again.start(other.path, other.path / "data", {"--store", dsn});
  EXPECT_NE(http(again.http_url, "GET", "/neurons").body.find(id), std::string::npos);
  EXPECT_EQ(http(again.http_url, "GET", "/instances/" + inst).status, 200u);
}

}  // namespace
}  // namespace neuromesh::node::test
