// `neuromesh up` as a user runs it: a child process on free ports, fed by agents that
// publish through its broker, observed over HTTP.
#include "neuromesh/testing/testing.h"
#include "up_process.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <fstream>

namespace neuromesh::node::test {
namespace {

using neuromesh::testing::eventually;

bool neuron_listed(const up_node& n, const std::string& id, const std::string& liveness = "") {
  auto r = http(n.http_url, "GET", "/api/neurons");
  if (r.status != 200) return false;
  auto list = boost::json::parse(r.body);
  for (const auto& v : list.as_array()) {
    const auto& o = v.as_object();
    if (o.at("neuron_id").as_string() == id &&
        (liveness.empty() || o.at("liveness").as_string() == liveness))
      return true;
  }
  return false;
}

// prefix + i, written so GCC 12 does not trip -Wrestrict on operator+ (PR105329).
std::string numbered(const char* prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

std::string catalog_instance_body(const std::string& id) {
  return R"({"instance_id":")" + id +
         R"(","name":"svc","version":"1","host":"h1","heartbeat_interval":30,"tools":[]})";
}

TEST(up, starts_with_defaults_in_an_empty_folder) {
  temp_dir cwd;
  up_node n;
  n.start(cwd.path, {});  // no --data-dir: ./neuromesh-data
  EXPECT_TRUE(n.broker_url.starts_with("cosmo://127.0.0.1:")) << n.broker_url;
  EXPECT_TRUE(std::filesystem::exists(cwd.path / "neuromesh-data" / "LOCK"));
  EXPECT_TRUE(std::filesystem::exists(cwd.path / "neuromesh-data" / "neuromesh.db"));
  auto page = http(n.http_url, "GET", "/");
  EXPECT_EQ(page.status, 200u);
  EXPECT_NE(page.body.find("<title>neuromesh</title>"), std::string::npos);
  EXPECT_EQ(http(n.http_url, "GET", "/app.js").status, 200u);
  EXPECT_EQ(http(n.http_url, "GET", "/health").body, R"({"status":"ok"})");
  EXPECT_EQ(http(n.http_url, "GET", "/neurons").body, "[]");
  n.proc->signal(SIGTERM);
  EXPECT_EQ(n.proc->wait_exit(), 0) << n.proc->output();
}

TEST(up, banner_lists_every_endpoint_with_its_real_port) {
  temp_dir cwd;
  child c(
      {NEUROMESH_CLI_PATH, "up", "--broker-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"},
      cwd.path);
  auto web = c.wait_for("web view");
  ASSERT_FALSE(web.empty()) << c.output();
  EXPECT_EQ(web.find(":0/"), std::string::npos) << web;
  EXPECT_FALSE(c.wait_for("broker    cosmo://127.0.0.1:").empty()) << c.output();
  EXPECT_FALSE(c.wait_for("/metrics").empty()) << c.output();
  c.signal(SIGINT);
  EXPECT_EQ(c.wait_exit(), 0) << c.output();
}

TEST(up, restart_keeps_the_registry_and_the_catalog) {
  temp_dir cwd;
  auto data = cwd.path / "data";
  {
    up_node n;
    n.start(cwd.path, data);
    agent_bus bus(n.broker_url);
    bus.publish("dev", register_of("keeper", {"echo"}));
    ASSERT_TRUE(eventually([&] { return neuron_listed(n, "keeper"); })) << n.proc->output();
    EXPECT_EQ(http(n.http_url, "POST", "/instances", catalog_instance_body("inst-1")).status, 201u);
    n.proc->signal(SIGTERM);
    ASSERT_EQ(n.proc->wait_exit(), 0) << n.proc->output();
  }
  up_node again;
  again.start(cwd.path, data);
  EXPECT_TRUE(neuron_listed(again, "keeper"));
  auto inst = http(again.http_url, "GET", "/instances/inst-1");
  EXPECT_EQ(inst.status, 200u) << inst.body;
  auto neurons = boost::json::parse(http(again.http_url, "GET", "/neurons").body).as_array();
  ASSERT_EQ(neurons.size(), 1u);
  EXPECT_EQ(neurons[0].at("capabilities").as_array().at(0).as_string(), "echo");
  EXPECT_EQ(neurons[0].at("version").as_string(), "1.2.3");
}

TEST(up, kill_9_then_restart_loses_nothing_accepted) {
  temp_dir cwd;
  auto data = cwd.path / "data";
  {
    up_node n;
    n.start(cwd.path, data);
    agent_bus bus(n.broker_url);
    for (int i = 0; i < 20; ++i) bus.publish("dev", register_of(numbered("a", i), {"x"}));
    bus.publish("dev", protocol::deregister_signal("a3"));
    for (int i = 0; i < 5; ++i) {
      auto r = http(n.http_url, "POST", "/instances", catalog_instance_body(numbered("i", i)));
      ASSERT_EQ(r.status, 201u) << r.body;  // 201 = committed
    }
    // Accepted = visible in the store.
    ASSERT_TRUE(eventually([&] {
      return neuron_listed(n, "a19") && neuron_listed(n, "a3", "deregistered");
    })) << n.proc->output();
    n.proc->signal(SIGKILL);
    EXPECT_EQ(n.proc->wait_exit(), 128 + SIGKILL);
  }
  up_node again;
  again.start(cwd.path, data);  // the lock died with the process
  for (int i = 0; i < 20; ++i) {
    auto id = numbered("a", i);
    EXPECT_TRUE(neuron_listed(again, id, i == 3 ? "deregistered" : "")) << id;
  }
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(http(again.http_url, "GET", "/instances/" + numbered("i", i)).status, 200u);
}

TEST(up, a_second_up_on_the_same_data_folder_fails_fast) {
  temp_dir cwd;
  up_node first;
  first.start(cwd.path, cwd.path / "data");
  child second(up_node::argv(cwd.path / "data"), cwd.path);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(second.wait_exit(10s), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_NE(second.output().find("is in use by another `neuromesh up` (pid " +
                                 std::to_string(first.proc->pid()) + ")"),
            std::string::npos)
      << second.output();
}

TEST(up, a_port_in_use_is_one_line_naming_it) {
  temp_dir cwd;
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor taken(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto port = std::to_string(taken.local_endpoint().port());
  for (std::string flag : {"--http-listen", "--broker-listen"}) {
    std::string other = flag == "--http-listen" ? "--broker-listen" : "--http-listen";
    std::vector<std::string> argv{NEUROMESH_CLI_PATH, "up", "--data-dir",       "d1", other,
                                  "127.0.0.1:0",      flag, "127.0.0.1:" + port};
    child c(argv, cwd.path);
    EXPECT_EQ(c.wait_exit(), 1) << flag;
    auto out = c.output();
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    EXPECT_NE(out.find(flag + " 127.0.0.1:" + port), std::string::npos) << out;
    EXPECT_NE(out.find("in use"), std::string::npos) << out;
  }
}

TEST(up, bad_flags_and_values_are_one_line_naming_them) {
  temp_dir cwd;
  struct bad {
    std::vector<std::string> args;
    std::string expect;
  };
  std::vector<bad> cases{
      {{"--http-listen", "localhost"}, "--http-listen: 'localhost': expected HOST:PORT"},
      {{"--broker-listen", "127.0.0.1:99999"}, "--broker-listen: '127.0.0.1:99999': port"},
      {{"--stale-after", "soon"}, "--stale-after: 'soon': expected a duration"},
      {{"--namespace", "a.b"}, "--namespace: 'a.b': a namespace is one subject token"},
      {{"--synapse", "kafka://x"}, "--synapse: 'kafka://x': expected nats://"},
      {{"--config", "missing.toml"}, "config file missing.toml: cannot be read"},
      {{"--bogus"}, "--bogus"},
  };
  for (const auto& b : cases) {
    std::vector<std::string> argv{NEUROMESH_CLI_PATH, "up"};
    argv.insert(argv.end(), b.args.begin(), b.args.end());
    child c(argv, cwd.path);
    auto code = c.wait_exit();
    EXPECT_TRUE(code && *code != 0) << b.expect;
    EXPECT_NE(c.output().find(b.expect), std::string::npos) << c.output();
  }
  EXPECT_FALSE(std::filesystem::exists(cwd.path / "neuromesh-data"));
}

TEST(up, configuration_precedence_is_flag_then_env_then_file) {
  temp_dir cwd;
  std::ofstream(cwd.path / "n.toml") << "namespace = \"fromfile\"\nhttp_listen = "
                                        "\"127.0.0.1:1111\"\nstale_after = 30\n"
                                        "broker_listen = \"127.0.0.1:2222\"\n";
  child c({NEUROMESH_CLI_PATH, "up", "--config", "n.toml", "--print-config", "--http-listen",
           "127.0.0.1:3333"},
          cwd.path, {"NEUROMESH_HTTP_LISTEN=127.0.0.1:4444", "NEUROMESH_NAMESPACE=fromenv"});
  ASSERT_EQ(c.wait_exit(), 0) << c.output();
  auto out = c.output();
  EXPECT_NE(out.find("http_listen = \"127.0.0.1:3333\"  # flag"), std::string::npos) << out;
  EXPECT_NE(out.find("namespace = \"fromenv\"  # environment"), std::string::npos) << out;
  EXPECT_NE(out.find("broker_listen = \"127.0.0.1:2222\"  # config file"), std::string::npos);
  EXPECT_NE(out.find("stale_after = \"30s\"  # config file"), std::string::npos) << out;
  EXPECT_NE(out.find("data_dir = \"neuromesh-data\"  # default"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(cwd.path / "neuromesh-data"));

  std::ofstream(cwd.path / "bad.toml") << "namespace = \"x\"\nhttp_listen = [1,\n";
  child b({NEUROMESH_CLI_PATH, "up", "--config", "bad.toml"}, cwd.path);
  EXPECT_EQ(b.wait_exit(), 1);
  EXPECT_NE(b.output().find("config file bad.toml:"), std::string::npos) << b.output();
}

}  // namespace
}  // namespace neuromesh::node::test
