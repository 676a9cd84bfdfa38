// `neuromesh demo` as a newcomer runs it: beside `neuromesh up` (a child process on free
// ports), joined through the node's broker; its output, exit code, the node's registry and
// the node's /metrics observed from outside.
#include "neuromesh/testing/testing.h"
#include "up_process.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace neuromesh::node::test {
namespace {

using neuromesh::testing::eventually;

/// The demo's agents (its dendrite's Neurons and its Effector), as the registry lists them.
const std::map<std::string, std::string> demo_participants{
    {"echo", "echo"},   {"quote-a", "quote"}, {"quote-b", "quote"},  {"planner", "plan"},
    {"notes", "notes"}, {"calc", "calc"},     {"calculator", "add"},
};

std::vector<std::string> demo_argv(const up_node& n, std::vector<std::string> extra) {
  std::vector<std::string> a{NEUROMESH_CLI_PATH, "demo", "--url", n.broker_url};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

/// Lines "demo #i ..." of the output, by i.
std::map<int, std::string> round_lines(const std::string& output) {
  std::map<int, std::string> out;
  std::istringstream in(output);
  static const std::regex line(R"(^demo #(\d+) (.*)$)");
  std::smatch m;
  for (std::string l; std::getline(in, l);)
    if (std::regex_match(l, m, line)) out[std::stoi(m[1].str())] = m[2].str();
  return out;
}

/// The sum of a /metrics counter over its labels, or the one labelled type=T.
std::uint64_t signals_in(const up_node& n, const std::string& type) {
  auto text = http(n.http_url, "GET", "/metrics").body;
  auto needle = "neuromesh_node_signals_in_total{type=\"" + type + "\"} ";
  auto at = text.find(needle);
  if (at == std::string::npos) return 0;
  return std::stoull(text.substr(at + needle.size()));
}

/// id -> (liveness, capabilities) from the node's /api/neurons (deregistered ones included).
std::map<std::string, std::pair<std::string, std::set<std::string>>> neurons(const up_node& n) {
  std::map<std::string, std::pair<std::string, std::set<std::string>>> out;
  auto r = http(n.http_url, "GET", "/api/neurons");
  if (r.status != 200) return out;
  const auto list = boost::json::parse(r.body);  // kept alive for the loop
  for (const auto& v : list.as_array()) {
    const auto& o = v.as_object();
    std::set<std::string> caps;
    for (const auto& c : o.at("capabilities").as_array()) caps.emplace(std::string(c.as_string()));
    out[std::string(o.at("neuron_id").as_string())] = {std::string(o.at("liveness").as_string()),
                                                       std::move(caps)};
  }
  return out;
}

/// Whether every demo participant is listed with its capability and this liveness.
bool all_listed(const up_node& n, const std::string& liveness) {
  auto list = neurons(n);
  for (const auto& [id, cap] : demo_participants) {
    auto it = list.find(id);
    if (it == list.end() || it->second.first != liveness || !it->second.second.contains(cap))
      return false;
  }
  return true;
}

TEST(demo, answers_every_kind_of_round_trip_through_the_node_which_times_them) {
  temp_dir cwd;
  up_node n;
  n.start(cwd.path, cwd.path / "data");
  child demo(demo_argv(n, {"--count", "10", "--interval-ms", "0"}), cwd.path);
  ASSERT_EQ(demo.wait_exit(30s), 0) << demo.output();

  auto rounds = round_lines(demo.output());
  ASSERT_EQ(rounds.size(), 10u) << demo.output();
  for (int i = 0; i < 10; ++i) {
    SCOPED_TRACE(rounds[i]);
    EXPECT_NE(rounds[i].find("-> AGENT_OUTPUT {\"output\":"), std::string::npos);
    EXPECT_EQ(rounds[i].find("not the expected answer"), std::string::npos);
    switch (i % 5) {
      case 0:  // addressed TASK to the echo agent
        EXPECT_NE(rounds[i].find(R"({"echo":{"hello":)" + std::to_string(i) + "}}"),
                  std::string::npos);
        break;
      case 1:  // TASK_OFFER, two bidders, the first bid wins
        EXPECT_TRUE(std::regex_search(rounds[i], std::regex(R"("by":"quote-[ab]")")));
        break;
      case 2:  // CLARIFICATION answered with a follow-up TASK
        EXPECT_NE(rounds[i].find(i % 2 ? "three days in Lisbon" : "three days in Kyoto"),
                  std::string::npos);
        break;
      case 3:  // IMPRINT then RECALL through the Engram binding: one more note each time
        EXPECT_TRUE(std::regex_search(rounds[i], std::regex(R"("stored":"[^"]+")")));
        EXPECT_NE(rounds[i].find("\"notes_in_memory\":" + std::to_string(i / 5 + 1)),
                  std::string::npos);
        break;
      default:  // TOOL_CALL mul through the Effector binding
        EXPECT_NE(rounds[i].find("\"product\":" + std::to_string(i * 7)), std::string::npos);
    }
  }
  // Every kind of Signal went through the node's broker (what the web view shows).
  for (const char* type :
       {"TASK", "AGENT_OUTPUT", "TASK_OFFER", "BID", "TASK_AWARDED", "CLARIFICATION", "IMPRINT",
        "IMPRINTED", "RECALL", "RECALLED", "TOOL_CALL", "TOOL_RESULT", "REGISTER", "DEREGISTER"}) {
    EXPECT_TRUE(eventually([&] { return signals_in(n, type) >= 2; }))
        << type << " seen " << signals_in(n, type) << " times";
  }
  // The node timed them: 10 TASKs on the bus (the offers' tasks run inside the winner), 2 of
  // them answered with a CLARIFICATION; one tool call and one recall per 5 rounds.
  for (const char* needle :
       {R"(neuromesh_node_tasks_total{outcome="output"} 8)",
        R"(neuromesh_node_tasks_total{outcome="clarification"} 2)",
        R"x(neuromesh_node_task_seconds_count{capability="(addressed)"} 10)x",
        "neuromesh_node_tool_call_seconds_count 2", "neuromesh_node_recall_seconds_count 2"}) {
    EXPECT_TRUE(eventually([&] {
      return http(n.http_url, "GET", "/metrics").body.find(needle) != std::string::npos;
    })) << needle;
  }
  n.proc->signal(SIGTERM);
  EXPECT_EQ(n.proc->wait_exit(), 0) << n.proc->output();
}

TEST(demo, its_participants_are_in_the_node_registry_while_it_runs_and_deregistered_after) {
  temp_dir cwd;
  up_node n;
  n.start(cwd.path, cwd.path / "data");
  child demo(demo_argv(n, {"--interval-ms", "20"}), cwd.path);  // until a signal
  ASSERT_FALSE(demo.wait_for("demo #0").empty()) << demo.output();
  EXPECT_TRUE(eventually([&] { return all_listed(n, "alive"); }))
      << http(n.http_url, "GET", "/api/neurons").body;
  // The catalog route lists them too (alive ones only).
  auto listed = http(n.http_url, "GET", "/neurons");
  ASSERT_EQ(listed.status, 200u);
  for (const auto& [id, cap] : demo_participants)
    EXPECT_NE(listed.body.find("\"neuron_id\":\"" + id + "\""), std::string::npos) << id;

  demo.signal(SIGINT);
  EXPECT_EQ(demo.wait_exit(10s), 0) << demo.output();
  EXPECT_TRUE(eventually([&] { return all_listed(n, "deregistered"); }))
      << http(n.http_url, "GET", "/api/neurons").body;
  EXPECT_EQ(http(n.http_url, "GET", "/neurons").body, "[]");
}

TEST(demo, with_engram_memory_its_notes_live_in_the_node_engram_and_outlive_it) {
  temp_dir cwd;
  up_node n;
  n.start(cwd.path, cwd.path / "data");
  for (int run = 1; run <= 2; ++run) {
    child demo(demo_argv(n, {"--engram", "memory", "--count", "4", "--interval-ms", "0"}),
               cwd.path);
    ASSERT_EQ(demo.wait_exit(30s), 0) << demo.output();
    EXPECT_NE(demo.output().find("Engram memory (of the mesh)"), std::string::npos);
    // The second run finds the first run's note too: they are in the node's engram.db.
    EXPECT_NE(round_lines(demo.output())[3].find("\"notes_in_memory\":" + std::to_string(run)),
              std::string::npos)
        << demo.output();
  }
  child recall({NEUROMESH_CLI_PATH, "engram", "recall", "--url", n.broker_url, "--id", "memory",
                "--query", R"({"tag":"demo"})"},
               cwd.path);
  ASSERT_EQ(recall.wait_exit(), 0) << recall.output();
  auto found = boost::json::parse(recall.output().substr(recall.output().find('{')));
  EXPECT_EQ(found.at("hits").as_array().size(), 2u) << recall.output();
  EXPECT_EQ(found.at("hits").at(0).at("entry").at("content"), "note 3");
}

TEST(demo, a_round_trip_without_its_answer_fails_the_run) {
  temp_dir cwd;
  up_node n;
  n.start(cwd.path, cwd.path / "data");
  // Nobody hosts "nowhere": the notes agent still answers, with no receipt and no recall.
  child demo(demo_argv(n, {"--engram", "nowhere", "--count", "4", "--interval-ms", "0"}), cwd.path);
  EXPECT_EQ(demo.wait_exit(30s), 1) << demo.output();
  auto rounds = round_lines(demo.output());
  ASSERT_EQ(rounds.size(), 4u) << demo.output();
  EXPECT_NE(rounds[3].find(R"("stored":null,"notes_in_memory":-1})"), std::string::npos);
  EXPECT_NE(rounds[3].find("(not the expected answer)"), std::string::npos) << rounds[3];
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(rounds[i].find("not the expected answer"), std::string::npos) << rounds[i];
}

TEST(demo, an_unreachable_node_or_a_bad_flag_is_one_line_and_a_failure) {
  temp_dir cwd;
  const auto url = "cosmo://127.0.0.1:" + std::to_string(neuromesh::testing::free_port());
  child refused({NEUROMESH_CLI_PATH, "demo", "--url", url, "--count", "1"}, cwd.path);
  auto code = refused.wait_exit();
  EXPECT_TRUE(code && *code != 0) << refused.output();
  EXPECT_EQ(refused.output(), "demo: cannot connect to " + url + ": Connection refused\n");

  struct bad {
    std::vector<std::string> args;
    std::string expect;
  };
  for (const auto& b : std::vector<bad>{
           {{"--count", "-1"}, "--count: Value -1 not in range 0 to 2147483647"},
           {{"--interval-ms", "soon"}, "--interval-ms: Value soon not in range"},
           {{"--url", "kafka:x"}, "demo: synapse URL 'kafka:x'"},
           {{"--bogus"}, "--bogus"},
       }) {
    std::vector<std::string> argv{NEUROMESH_CLI_PATH, "demo"};
    argv.insert(argv.end(), b.args.begin(), b.args.end());
    child c(argv, cwd.path);
    auto exit = c.wait_exit();
    EXPECT_TRUE(exit && *exit != 0) << b.expect;
    EXPECT_NE(c.output().find(b.expect), std::string::npos) << c.output();
  }
}

}  // namespace
}  // namespace neuromesh::node::test
