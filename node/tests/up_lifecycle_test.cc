// `neuromesh up` as a user runs it, the parts node_up_test leaves out: what a SIGTERM says on
// the bus, what `kill -9` keeps beyond registrations (heartbeats, acknowledged imprints into
// the node's Engram), the namespace flag, and random bodies on the page's two POST routes.
#include "neuromesh/testing/testing.h"
#include "up_process.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <random>

namespace neuromesh::node::test {
namespace {

using neuromesh::testing::eventually;

/// The record of id in the node's /api/neurons, or null.
boost::json::value record_of(const up_node& n, const std::string& id) {
  auto r = http(n.http_url, "GET", "/api/neurons");
  if (r.status != 200) return nullptr;
  const auto list = boost::json::parse(r.body);
  for (const auto& v : list.as_array())
    if (v.as_object().at("neuron_id").as_string() == id) return v;
  return nullptr;
}

/// Runs the CLI to its end: exit code and stdout+stderr.
std::pair<int, std::string> run_cli(const std::filesystem::path& cwd,
                                    std::vector<std::string> args) {
  args.insert(args.begin(), NEUROMESH_CLI_PATH);
  child c(std::move(args), cwd);
  auto code = c.wait_exit();
  return {code.value_or(-1), c.output()};
}

TEST(up_lifecycle, sigterm_deregisters_its_engram_on_the_bus_and_exits_0_within_the_grace) {
  temp_dir cwd;
  up_node n;
  n.start(cwd.path, cwd.path / "data", {"--shutdown-grace", "2s"});
  std::mutex mu;
  std::vector<std::string> deregistered;
  auto watcher = std::make_unique<agent_bus>(n.broker_url);
  auto sub = watcher->subscribe("cosmonapse.dev.DEREGISTER", [&](const protocol::signal& s) {
    std::lock_guard lock(mu);
    deregistered.push_back(s.directed && s.directed->id ? *s.directed->id : "?");
  });
  // A cosmo:// sub has no ack: the watcher's own DEREGISTER coming back (same connection,
  // in order) shows the subscription is live at the broker.
  watcher->publish("dev", protocol::deregister_signal("probe"));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return !deregistered.empty();
  }));
  {
    std::lock_guard lock(mu);
    deregistered.clear();
  }
  const auto start = std::chrono::steady_clock::now();
  n.proc->signal(SIGTERM);
  EXPECT_EQ(n.proc->wait_exit(10s), 0) << n.proc->output();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  std::lock_guard lock(mu);
  EXPECT_EQ(deregistered, std::vector<std::string>{"memory"}) << n.proc->output();
}

TEST(up_lifecycle, kill_9_keeps_heartbeat_status_and_acknowledged_imprints) {
  temp_dir cwd;
  auto data = cwd.path / "data";
  std::string beat_at;
  {
    up_node n;
    n.start(cwd.path, data);
    agent_bus bus(n.broker_url);
    bus.publish("dev", register_of("beater", {"x"}));
    bus.publish("dev", protocol::heartbeat_signal("beater", "busy"));
    // Accepted = visible in the store (the heartbeat's status overwrites the record's, §7.3).
    ASSERT_TRUE(eventually([&] {
      auto r = record_of(n, "beater");
      return r.is_object() && r.at("status") == "busy";
    })) << n.proc->output();
    beat_at = boost::json::serialize(record_of(n, "beater").at("last_heartbeat"));
    // IMPRINTED = committed: the CLI prints the receipt only after the reply.
    auto [code, out] = run_cli(
        cwd.path, {"engram", "imprint", "--url", n.broker_url, "--id", "memory", "--op", "append",
                   "--entry", R"({"content":"kept across kill -9","tags":["k9"]})"});
    ASSERT_EQ(code, 0) << out;
    ASSERT_NE(out.find(R"("engram_id":"memory")"), std::string::npos) << out;
    n.proc->signal(SIGKILL);
    EXPECT_EQ(n.proc->wait_exit(), 128 + SIGKILL);
  }
  up_node again;
  again.start(cwd.path, data);
  auto r = record_of(again, "beater");
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r.at("status"), "busy");
  EXPECT_EQ(boost::json::serialize(r.at("last_heartbeat")), beat_at);
  auto [code, out] = run_cli(cwd.path, {"engram", "recall", "--url", again.broker_url, "--kind",
                                        "context", "--query", R"({"text":"across kill"})"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find(R"("content":"kept across kill -9")"), std::string::npos) << out;
}

TEST(up_lifecycle, the_namespace_flag_mirrors_and_serves_only_its_namespace) {
  temp_dir cwd;
  up_node n;
  n.start(cwd.path, cwd.path / "data", {"-n", "team"});
  auto info = boost::json::parse(http(n.http_url, "GET", "/api/info").body);
  EXPECT_EQ(info.at("namespace"), "team");
  agent_bus bus(n.broker_url);
  bus.publish("dev", register_of("elsewhere", {"x"}));
  bus.publish("team", register_of("member", {"x"}));
  ASSERT_TRUE(eventually([&] { return record_of(n, "member").is_object(); })) << n.proc->output();
  EXPECT_TRUE(record_of(n, "elsewhere").is_null());
  // Its Engram answers on the namespace, not on dev.
  auto put = run_cli(cwd.path, {"engram", "imprint", "--url", n.broker_url, "-n", "team", "--id",
                                "memory", "--entry", R"({"content":"team note"})"});
  EXPECT_EQ(put.first, 0) << put.second;
  auto dev = run_cli(cwd.path, {"engram", "recall", "--url", n.broker_url, "-n", "dev", "--id",
                                "memory", "--deadline-ms", "200"});
  EXPECT_EQ(dev.first, 1) << dev.second;
  EXPECT_NE(dev.second.find("no reply within 200 ms"), std::string::npos) << dev.second;
}

/// A random JSON value, biased towards the shapes the routes read.
boost::json::value random_value(std::mt19937& rng, int depth) {
  static const char* const keys[] = {"input",  "neuron",  "capabilities", "request_id",
                                     "answer", "granted", "reason",       "x"};
  switch (rng() % (depth > 2 ? 6 : 8)) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2:
      return static_cast<std::int64_t>(rng() % 2000) - 1000;
    case 3:
      return "";
    case 4:
      return rng() % 2 ? "evt_01" : "n\u00e9\"\\";
    case 5:
      return 1.5e300;
    case 6: {
      boost::json::array a;
      for (unsigned i = rng() % 4; i > 0; --i) a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      boost::json::object o;
      for (unsigned i = rng() % 5; i > 0; --i)
        o[keys[rng() % std::size(keys)]] = random_value(rng, depth + 1);
      return o;
    }
  }
}

TEST(up_lifecycle, random_task_and_answer_bodies_get_202_or_a_named_error_and_it_keeps_serving) {
  temp_dir cwd;
  up_node n;
  n.start(cwd.path, cwd.path / "data");
  std::mt19937 rng(20261130);
  int accepted = 0;
  for (int i = 0; i < 300; ++i) {
    auto v = random_value(rng, 0);
    if (i % 3 == 0) {  // a valid body with one key replaced by a random value
      boost::json::object o{{"input", boost::json::object{{"q", i}}},
                            {"neuron", "someone"},
                            {"capabilities", boost::json::array{"c"}}};
      static const char* const keys[] = {"input", "neuron", "capabilities", "x"};
      o[keys[rng() % std::size(keys)]] = random_value(rng, 1);
      v = std::move(o);
    }
    auto body = boost::json::serialize(v);
    if (i % 10 == 7) body.resize(rng() % (body.size() + 1));  // cut short: not JSON
    const std::string path = i % 2 ? "/api/answer" : "/api/tasks";
    auto r = http(n.http_url, "POST", path, body);
    SCOPED_TRACE(path + " " + body + " -> " + std::to_string(r.status) + " " + r.body);
    if (r.status == 202) {
      ++accepted;
      EXPECT_TRUE(boost::json::parse(r.body).as_object().contains("trace_id"));
      continue;
    }
    ASSERT_TRUE(r.status == 400 || r.status == 404 || r.status == 422);
    auto detail = boost::json::parse(r.body).at("detail").as_string();
    EXPECT_FALSE(detail.empty());
    EXPECT_EQ(std::string_view(detail).find('\n'), std::string_view::npos);
    if (r.status == 422 || r.status == 404) {  // names the field
      EXPECT_TRUE(detail.starts_with("input") || detail.starts_with("neuron") ||
                  detail.starts_with("capabilities") || detail.starts_with("request_id") ||
                  detail.starts_with("answer") || detail.starts_with("granted"));
    }
  }
  EXPECT_GT(accepted, 0);  // the generator reaches the valid shapes too
  EXPECT_EQ(http(n.http_url, "GET", "/health").body, R"({"status":"ok"})");
  // Each accepted body was one TASK on the bus, and the node saw it come back.
  const auto tasks = "neuromesh_node_signals_in_total{type=\"TASK\"} " + std::to_string(accepted);
  EXPECT_TRUE(eventually([&] {
    return http(n.http_url, "GET", "/metrics").body.find(tasks) != std::string::npos;
  })) << tasks;
  n.proc->signal(SIGTERM);
  EXPECT_EQ(n.proc->wait_exit(), 0) << n.proc->output();
}

}  // namespace
}  // namespace neuromesh::node::test
