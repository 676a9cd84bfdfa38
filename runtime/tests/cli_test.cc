// The runtime's commands run as a user would, against `neuromesh synapse start memory
// --port 0` (or, built with NEUROMESH_CLI_OVER_NATS, the nats-server of scripts/services):
// agent echo, dispatch (exit codes 0/1/2/3), stop, answer, registry list.
#include "cli_child.h"
#include "neuromesh/testing/testing.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using neuromesh::runtime::test::child;

class runtime_cli : public ::testing::Test {
 protected:
  void SetUp() override {
#ifdef NEUROMESH_CLI_OVER_NATS
    // The same flows over the real nats-server of scripts/services.
    url_ = neuromesh::testing::env_or("NEUROMESH_NATS_URL", "");
    ASSERT_FALSE(url_.empty()) << "NEUROMESH_NATS_URL is not set (run scripts/services)";
    // The nats-server is shared with the other service tests running beside this one: a
    // namespace of its own keeps their Signals out of `tail` and `answer`.
    ns_ = "clinats" + std::to_string(::getpid());
    return;
#endif
    url_ = start_broker(broker_);
    ASSERT_FALSE(url_.empty()) << "broker did not start";
  }
  void TearDown() override {
    if (broker_) broker_->signal(SIGTERM);
  }
  std::unique_ptr<child> agent(std::vector<std::string> extra) {
    std::vector<std::string> args{"agent", "echo", "--url", url_, "-n", ns_};
    args.insert(args.end(), extra.begin(), extra.end());
    auto c = std::make_unique<child>(args);
    return c;
  }
  child run(std::vector<std::string> args, bool with_stdin = false) {
    args.insert(args.end(), {"--url", url_, "-n", ns_});
    return child(args, with_stdin);
  }
  std::string url_;
  std::string ns_ = "dev";
  std::unique_ptr<child> broker_;
};

TEST_F(runtime_cli, agent_prints_ready_once_and_deregisters_on_sigterm) {
  auto a = agent({"--neuron-id", "e1"});
  EXPECT_EQ(a->out_line(), "READY e1");
  auto tail = run({"tail", "--type", "DEREGISTER"});
  EXPECT_NE(tail.out_line(), "<timeout>");  // the header
  // A cosmo:// sub is not acknowledged, so the header does not prove the subscription is live
  // (under ASan it was not yet): probe agents come and go until tail shows one's DEREGISTER.
  bool subscribed = false;
  for (int i = 0; i < 20 && !subscribed; ++i) {
    const std::string id = "watch-" + std::to_string(i);
    auto p = agent({"--neuron-id", id});
    EXPECT_EQ(p->out_line(), "READY " + id);
    p->signal(SIGTERM);
    EXPECT_EQ(p->wait(), 0);
    subscribed = tail.out_line(2s).find("watch-") != std::string::npos;
  }
  ASSERT_TRUE(subscribed) << "tail never saw a probe's DEREGISTER";
  a->signal(SIGTERM);
  EXPECT_EQ(a->wait(), 0);
  EXPECT_EQ(a->rest_out(), "");  // nothing but READY on stdout
  std::string dereg;             // later probe lines may come first
  for (auto l = tail.out_line(); l != "<timeout>" && l != "<eof>"; l = tail.out_line())
    if (l.find("e1") != std::string::npos) {
      dereg = l;
      break;
    }
  EXPECT_NE(dereg.find("DEREGISTER"), std::string::npos) << dereg;
  EXPECT_NE(dereg.find("e1"), std::string::npos) << dereg;
}

TEST_F(runtime_cli, dispatch_addressed_routed_open_and_exit_codes) {
  auto a = agent({"--neuron-id", "e1", "--capabilities", "echo,x"});
  ASSERT_EQ(a->out_line(), "READY e1");
  auto c = agent({"--neuron-id", "c1", "--catch-all"});
  ASSERT_EQ(c->out_line(), "READY c1");
  auto d = run({"dispatch", "--neuron", "e1", "--input", R"({"a":1})", "--json"});
  EXPECT_EQ(d.wait(), 0);
  auto out = d.rest_out();
  EXPECT_NE(out.find(R"("type":"FINAL")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("payload":{"result":{"a":1}})"), std::string::npos) << out;
  auto r = run({"dispatch", "--capabilities", "x", "--scope", "all"});
  EXPECT_EQ(r.wait(), 0);
  EXPECT_EQ(r.rest_out().rfind("AGENT_OUTPUT", 0), 0u);
  auto o = run({"dispatch", "--open", "--json"});
  EXPECT_EQ(o.wait(), 0);
  EXPECT_NE(o.rest_out().find(R"("id":"c1")"), std::string::npos);
  auto t = run({"dispatch", "--neuron", "nobody", "--timeout", "0.3"});
  EXPECT_EQ(t.wait(), 2);
  auto bad = run({"dispatch", "--neuron", "e1", "--input", "[1]"});
  EXPECT_EQ(bad.wait(), 64);
  EXPECT_NE(bad.err_line().find("--input must be a JSON object"), std::string::npos);
}

// NEUROMESH_BUSY_POLL_US busy-polls the commands' io_context: the flows are unchanged, and
// an unreadable value stops the command before it connects.
TEST_F(runtime_cli, busy_polling_agent_and_dispatch_still_answer) {
  ::setenv("NEUROMESH_BUSY_POLL_US", "100", 1);
  auto a = agent({"--neuron-id", "bp1"});
  auto first = a->out_line();
  auto d = run({"dispatch", "--neuron", "bp1", "--input", R"({"b":2})", "--json"});
  int code = d.wait();
  ::setenv("NEUROMESH_BUSY_POLL_US", "fast", 1);
  auto bad = run({"dispatch", "--neuron", "bp1"});
  auto bad_err = bad.err_until("NEUROMESH_BUSY_POLL_US");
  int bad_code = bad.wait();
  ::unsetenv("NEUROMESH_BUSY_POLL_US");
  ASSERT_EQ(first, "READY bp1");
  EXPECT_EQ(code, 0);
  EXPECT_NE(d.rest_out().find(R"("payload":{"result":{"b":2}})"), std::string::npos);
  EXPECT_EQ(bad_code, 64);
  EXPECT_NE(bad_err.find("NEUROMESH_BUSY_POLL_US: 'fast'"), std::string::npos) << bad_err;
}

TEST_F(runtime_cli, dispatch_offer_lowest_cost_goes_to_cheapest) {
  auto a = agent({"--neuron-id", "dear", "--bid-cost", "5"});
  ASSERT_EQ(a->out_line(), "READY dear");
  auto b = agent({"--neuron-id", "cheap", "--bid-cost", "1"});
  ASSERT_EQ(b->out_line(), "READY cheap");
  auto d = run({"dispatch", "--offer", "--select", "lowest_cost", "--deadline-ms", "300", "--input",
                R"({"j":1})", "--json"});
  EXPECT_EQ(d.wait(), 0);
  auto out = d.rest_out();
  EXPECT_NE(out.find(R"("id":"cheap")"), std::string::npos) << out;
  auto none =
      run({"dispatch", "--offer", "--capabilities", "nobody-has-this", "--deadline-ms", "50"});
  EXPECT_EQ(none.wait(), 2);
}

TEST_F(runtime_cli, stop_cancels_a_slow_task_and_prints_acks) {
  auto a = agent({"--neuron-id", "slow", "--slow-ms", "30000"});
  ASSERT_EQ(a->out_line(), "READY slow");
  auto d = run({"dispatch", "--neuron", "slow", "--timeout", "20"});
  auto sent = d.err_until("trace=");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(sent, m, std::regex(R"(trc_[0-9A-Z]+)"))) << sent;
  auto s = run({"stop", "--trace", m.str(), "--reason", "test", "--collect-ms", "500", "--json"});
  EXPECT_EQ(s.wait(), 0);
  auto acks = s.rest_out();
  EXPECT_NE(acks.find(R"("cancelled":1)"), std::string::npos) << acks;
  EXPECT_EQ(d.wait(), 2);  // STOPped: no result
  auto bad = run({"stop", "--trace", "nope"});
  EXPECT_EQ(bad.wait(), 64);
}

TEST_F(runtime_cli, clarification_answered_with_answer_command) {
  auto a = agent({"--neuron-id", "asker", "--ask-clarification"});
  ASSERT_EQ(a->out_line(), "READY asker");
  auto ans = run({"answer", "--answer", "blue", "--timeout", "20", "--json"});
  ASSERT_EQ(ans.err_until("LISTENING"), "LISTENING");
  auto tail = run({"tail", "--type", "AGENT_OUTPUT", "--max", "1"});
  EXPECT_NE(tail.out_line(), "<timeout>");  // the header: tail is subscribed
  auto d = run({"dispatch", "--neuron", "asker", "--json"});
  EXPECT_EQ(d.wait(), 3);  // a CLARIFICATION is pending
  EXPECT_NE(d.rest_out().find(R"("type":"CLARIFICATION")"), std::string::npos);
  EXPECT_EQ(ans.wait(), 0);
  EXPECT_NE(ans.rest_out().find(R"("payload":{"answer":"blue"})"), std::string::npos);
  auto out = tail.out_line();  // the resumed task's reply
  EXPECT_NE(out.find("AGENT_OUTPUT"), std::string::npos) << out;
  EXPECT_NE(out.find("asker"), std::string::npos) << out;
}

TEST_F(runtime_cli, answer_interactive_reads_each_answer_from_stdin) {
  auto a = agent({"--neuron-id", "asker", "--ask-clarification"});
  ASSERT_EQ(a->out_line(), "READY asker");
  auto ans = run({"answer", "--timeout", "20", "--json"}, true);
  ASSERT_EQ(ans.err_until("LISTENING"), "LISTENING");
  auto tail = run({"tail", "--type", "AGENT_OUTPUT", "--max", "1"});
  EXPECT_NE(tail.out_line(), "<timeout>");  // the header: tail is subscribed
  auto d = run({"dispatch", "--neuron", "asker", "--json"});
  EXPECT_EQ(d.wait(), 3);        // a CLARIFICATION is pending
  auto prompt = ans.out_line();  // the request, then the prompt "answer> " without a newline
  EXPECT_EQ(prompt.rfind("CLARIFICATION from asker trace trc_", 0), 0u) << prompt;
  ASSERT_TRUE(ans.write_in("green\n"));
  auto reply = ans.out_line();
  EXPECT_EQ(reply.rfind("answer> {", 0), 0u) << reply;
  EXPECT_NE(reply.find(R"("type":"CLARIFICATION_ANSWER")"), std::string::npos) << reply;
  EXPECT_NE(reply.find(R"("payload":{"answer":"green"})"), std::string::npos) << reply;
  auto out = tail.out_line();  // the asker resumed with the typed answer
  EXPECT_NE(out.find("AGENT_OUTPUT"), std::string::npos) << out;
  EXPECT_NE(out.find("asker"), std::string::npos) << out;
  // EOF on stdin: the next request finds no answer and the command ends (0: it answered one).
  ans.close_in();
  auto again = run({"dispatch", "--neuron", "asker", "--json"});
  EXPECT_EQ(again.wait(), 3);
  EXPECT_EQ(ans.wait(), 0);
}

TEST_F(runtime_cli, answer_redispatch_sends_a_follow_up_task_to_the_asker) {
  auto a = agent({"--neuron-id", "asker", "--ask-clarification"});
  ASSERT_EQ(a->out_line(), "READY asker");
  auto ans = run({"answer", "--redispatch", "--answer", "blue", "--timeout", "20", "--json"});
  ASSERT_EQ(ans.err_until("LISTENING"), "LISTENING");
  auto tail = run({"tail", "--type", "AGENT_OUTPUT", "--max", "1"});
  EXPECT_NE(tail.out_line(), "<timeout>");  // the header: tail is subscribed
  auto d = run({"dispatch", "--neuron", "asker", "--json"});
  EXPECT_EQ(d.wait(), 3);
  auto request = d.rest_out();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(request, m, std::regex(R"re("id":"(evt_[0-9A-Z]+)")re")))
      << request;
  const std::string clarification_id = m[1].str();
  EXPECT_EQ(ans.wait(), 0);
  auto task = ans.rest_out();  // a TASK to the asker, parented to the CLARIFICATION
  EXPECT_NE(task.find(R"("type":"TASK","directed":{"id":"asker")"), std::string::npos) << task;
  EXPECT_NE(task.find(R"("parent_id":")" + clarification_id + "\""), std::string::npos) << task;
  EXPECT_NE(task.find(R"("answer":"blue")"), std::string::npos) << task;
  EXPECT_NE(task.find(R"({"input":{"clarification":{"question":)"), std::string::npos) << task;
  auto out = tail.out_line();  // the asker's reply to the follow-up TASK
  EXPECT_NE(out.find("AGENT_OUTPUT"), std::string::npos) << out;
  EXPECT_NE(out.find("asker"), std::string::npos) << out;
  auto bad = run({"answer", "--redispatch", "--grant", "--answer", "x"});
  EXPECT_NE(bad.wait(), 0);  // --answer and --grant exclude each other
}

TEST_F(runtime_cli, registry_list_discovers_live_agents) {
  auto a = agent({"--neuron-id", "r1", "--capabilities", "sum"});
  ASSERT_EQ(a->out_line(), "READY r1");
  auto b = agent({"--neuron-id", "r2", "--capabilities", "mul"});
  ASSERT_EQ(b->out_line(), "READY r2");
  auto l = run({"registry", "list", "--timeout", "0.4"});
  EXPECT_EQ(l.wait(), 0);
  auto out = l.rest_out();
  EXPECT_NE(out.find("r1"), std::string::npos) << out;
  EXPECT_NE(out.find("r2"), std::string::npos) << out;
  auto f = run({"registry", "list", "--capability", "mul", "--timeout", "0.4", "--json"});
  EXPECT_EQ(f.wait(), 0);
  auto js = f.rest_out();
  EXPECT_NE(js.find(R"("neuron_id":"r2")"), std::string::npos) << js;
  EXPECT_EQ(js.find("r1"), std::string::npos) << js;
}

}  // namespace
