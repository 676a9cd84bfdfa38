// The CLI commands this layer owns, run as a user would: `neuromesh synapse start memory
// --port 0` in the background, then view, tail and stop against it.
#include "neuromesh/protocol/subject.h"
#include "neuromesh/synapse/cosmo_synapse.h"
#include "neuromesh/testing/child_process.h"
#include "neuromesh/testing/self_signed_cert.h"
#include "synapse_test_support.h"

#include <signal.h>

#include <filesystem>
#include <regex>

namespace neuromesh::synapse::test {
namespace {

using namespace std::chrono_literals;

std::string binary() {
  return testing::env_or("NEUROMESH_BINARY_DIR", ".") + "/apps/neuromesh/neuromesh";
}

/// `neuromesh <args...>` with stdout and stderr merged into one pipe.
class child : public testing::child_process {
 public:
  explicit child(std::vector<std::string> args)
      : child_process(with_binary(std::move(args)), {.err = testing::stderr_to::into_stdout}) {}

 private:
  static std::vector<std::string> with_binary(std::vector<std::string> args) {
    args.insert(args.begin(), binary());
    return args;
  }
};

struct run_result {
  int status;
  std::string output;
};
run_result run(std::vector<std::string> args) {
  child c(std::move(args));
  auto out = c.rest_out();
  return {c.wait(), out};
}

/// The port `synapse start` names on its first line, or "" (a failure showing the line).
std::string port_of(child& broker) {
  auto banner = broker.out_line();
  std::smatch m;
  if (std::regex_search(banner, m, std::regex("port ([0-9]+)"))) return m[1].str();
  ADD_FAILURE() << "no port in the banner: " << banner;
  return "";
}

struct cli_test : ::testing::Test {
  void SetUp() override {
    broker = std::make_unique<child>(std::vector<std::string>{
        "synapse", "start", "memory", "--port", "0", "-n", "clitest", "--print"});
    auto p = port_of(*broker);
    ASSERT_FALSE(p.empty());
    url = "cosmo://127.0.0.1:" + p;
    port = static_cast<std::uint16_t>(std::stoi(p));
  }
  std::unique_ptr<child> broker;
  std::string url;
  std::uint16_t port = 0;
};

TEST_F(cli_test, view_lists_the_registered_namespace) {
  auto table = run({"synapse", "view", "--url", url});
  EXPECT_EQ(table.status, 0) << table.output;
  EXPECT_NE(table.output.find("clitest"), std::string::npos) << table.output;
  auto json = run({"synapse", "view", "--url", url, "--json"});
  EXPECT_NE(json.output.find(R"({"op":"mgmt_ns_list","namespaces":[{"namespace":"clitest")"),
            std::string::npos)
      << json.output;
  auto missing = run({"synapse", "view", "--url", url, "-n", "nope"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.output.find("namespace 'nope' not found"), std::string::npos);
}

TEST_F(cli_test, tail_sends_discover_then_prints_matching_signals) {
  child tail({"tail", "--url", url, "-n", "clitest", "--json", "--type", "task", "--max", "1"});
  // tail's own DISCOVER crosses the broker (and is printed by it) once tail is subscribed.
  bool discovered = testing::eventually([&] {
    auto l = broker->out_line(100ms);
    return l.find("DISCOVER") != std::string::npos;
  });
  ASSERT_TRUE(discovered);
  io_thread io;
  cosmo_options o;
  o.port = port;
  auto c = std::make_shared<cosmo_synapse>(io.executor(), o);
  ASSERT_FALSE(io.run(c->async_connect()));
  auto task = make_signal("for tail");
  ASSERT_FALSE(io.run(c->async_publish(protocol::subject_for("clitest", task), task)));
  auto line = tail.out_line();
  EXPECT_NE(line.find(task.id.str()), std::string::npos) << line;
  EXPECT_NE(line.find(R"("type":"TASK")"), std::string::npos) << line;
  EXPECT_EQ(tail.wait(), 0);
  io.run(c->async_close());
}

TEST_F(cli_test, stop_ends_the_broker_process) {
  auto bad = run({"synapse", "stop", "--url", url, "-n", "other"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.output.find("namespace 'other' not found"), std::string::npos) << bad.output;
  auto ok = run({"synapse", "stop", "--url", url, "-n", "clitest"});
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("Stopped namespace 'clitest'"), std::string::npos) << ok.output;
  EXPECT_EQ(broker->wait(), 0);
}

TEST_F(cli_test, sigterm_stops_the_broker_cleanly) {
  broker->signal(SIGTERM);
  EXPECT_EQ(broker->wait(), 0);
}

TEST(cli_busy_poll, a_busy_polling_broker_relays_signals_and_stops_on_sigterm) {
  child broker({"synapse", "start", "memory", "--port", "0", "-n", "busy", "--print",
                "--busy-poll-us", "100"});
  auto p = port_of(broker);
  ASSERT_FALSE(p.empty());
  io_thread io;
  cosmo_options o;
  o.port = static_cast<std::uint16_t>(std::stoi(p));
  auto c = std::make_shared<cosmo_synapse>(io.executor(), o);
  ASSERT_FALSE(io.run(c->async_connect()));
  auto task = make_signal("busy");
  ASSERT_FALSE(io.run(c->async_publish(protocol::subject_for("busy", task), task)));
  bool printed = testing::eventually(
      [&] { return broker.out_line(100ms).find(task.trace_id.str()) != std::string::npos; });
  EXPECT_TRUE(printed);
  io.run(c->async_close());
  broker.signal(SIGTERM);
  EXPECT_EQ(broker.wait(), 0);

  auto bad = run({"synapse", "start", "memory", "--port", "0", "--busy-poll-us", "20000"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.output.find("--busy-poll-us"), std::string::npos) << bad.output;
}

TEST(cli_liveness, the_owner_connection_answers_pings_so_require_pong_keeps_the_broker_up) {
  child broker({"synapse", "start", "memory", "--port", "0", "-n", "live", "--ping-interval-ms",
                "20", "--require-pong"});
  auto p = port_of(broker);
  ASSERT_FALSE(p.empty());
  std::string url = "cosmo://127.0.0.1:" + p;
  // The namespace lives as long as its owner connection; a stale owner would be closed
  // after three silent intervals (60 ms). Keep checking for ten times that long.
  auto until = std::chrono::steady_clock::now() + 600ms;
  int checks = 0;
  while (std::chrono::steady_clock::now() < until || checks < 3) {
    auto table = run({"synapse", "view", "--url", url});
    ASSERT_EQ(table.status, 0) << table.output;
    ASSERT_NE(table.output.find("live"), std::string::npos) << "check " << checks;
    ++checks;
  }
  broker.signal(SIGTERM);
  auto rest = broker.rest_out();
  EXPECT_EQ(broker.wait(), 0);
  EXPECT_NE(rest.find("0 stale connections closed"), std::string::npos) << rest;
}

TEST(cli_tls, start_view_and_stop_speak_cosmos_and_refuse_plaintext) {
  testing::self_signed_cert certs("cli");
  auto cert = certs.cert.string(), key = certs.key.string();
  // The owner connection speaks TLS too, and answers pings (--require-pong).
  child broker({"synapse", "start", "memory", "--port", "0", "-n", "tlsns", "--tls-cert", cert,
                "--tls-key", key, "--ping-interval-ms", "50", "--require-pong"});
  auto banner = broker.out_line();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(banner, m, std::regex("cosmos://127.0.0.1:([0-9]+)"))) << banner;
  std::string url = "cosmos://127.0.0.1:" + m[1].str() + "?ca=" + cert;
  auto table = run({"synapse", "view", "--url", url});
  EXPECT_EQ(table.status, 0) << table.output;
  EXPECT_NE(table.output.find("tlsns"), std::string::npos) << table.output;
  auto plain = run({"synapse", "view", "--url", "cosmo://127.0.0.1:" + m[1].str()});
  EXPECT_EQ(plain.status, 1);
  EXPECT_NE(plain.output.find("requires TLS"), std::string::npos) << plain.output;
  auto stop = run({"synapse", "stop", "--url", url, "-n", "tlsns"});
  EXPECT_EQ(stop.status, 0) << stop.output;
  EXPECT_EQ(broker.wait(), 0);
}

TEST(cli_errors, bad_urls_are_explained) {
  auto kafka = run({"tail", "--url", "kafka://localhost:9092"});
  EXPECT_EQ(kafka.status, 2);
  EXPECT_NE(kafka.output.find("not supported in this build"), std::string::npos);
  auto nats_view = run({"synapse", "view", "--url", "nats://127.0.0.1:4222"});
  EXPECT_EQ(nats_view.status, 2);
  EXPECT_NE(nats_view.output.find("only the cosmo:// broker"), std::string::npos);
  auto refused = run({"synapse", "stop", "--url",
                      "cosmo://127.0.0.1:" + std::to_string(testing::free_port()), "-n", "x"});
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.output.find("Is a synapse running there?"), std::string::npos);
}

}  // namespace
}  // namespace neuromesh::synapse::test
