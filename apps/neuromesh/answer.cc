// `neuromesh answer`: human-in-the-loop. Waits for CLARIFICATION / PERMISSION requests
// (optionally of one trace) and answers them with CLARIFICATION_ANSWER /
// PERMISSION_DECISION, or with --redispatch (as the reference's `cosmo answer --redispatch`,
// §4.14 close-the-loop) with a follow-up TASK to the asking Neuron on the same trace,
// parented to the request: input {"clarification": {"question", "answer"}} or
// {"permission": {"action", "granted", "reason"?}}. With --answer / --grant / --deny it
// answers the first matching request and exits; without them it prompts on stdin for each
// request until EOF, a signal or --timeout. Prints `LISTENING` on stderr once subscribed.
// Exit 0 answered (interactive: at least one), 2 timed out with nothing answered.
#include "command.h"
#include "neuromesh/runtime/dendrite.h"
#include "runtime_cli.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <deque>
#include <iostream>
#include <memory>

namespace neuromesh::cli {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace rt = neuromesh::runtime;
using protocol::signal;
using protocol::signal_type;

struct answer_args {
  std::string url;
  std::string ns = "dev";
  std::string trace;
  std::string answer;
  bool has_answer = false;
  bool grant = false;
  bool deny = false;
  std::string reason;
  double timeout_s = 0;  // 0 = wait forever
  bool json = false;
  bool redispatch = false;  // follow-up TASKs (respond_to_*) instead of discrete replies
};

/// Answers one request; returns false when this mode does not answer this kind of request.
asio::awaitable<bool> answer_one(rt::dendrite* dp, answer_args a, signal req) {
  auto& d = *dp;
  std::optional<std::string> reason;
  if (!a.reason.empty()) reason = a.reason;
  const bool interactive = !a.has_answer && !a.grant && !a.deny;
  if (req.type == signal_type::clarification) {
    std::string text = a.answer;
    if (interactive) {
      auto p = req.payload.to_json();
      std::cout << "CLARIFICATION from "
                << (req.directed && req.directed->id ? *req.directed->id : "-") << " trace "
                << req.trace_id.str() << ": "
                << (p.contains("question") && p.at("question").is_string()
                        ? std::string(p.at("question").get_string())
                        : req.payload.text())
                << "\nanswer> " << std::flush;
      if (!std::getline(std::cin, text)) co_return false;
    } else if (!a.has_answer) {
      co_return false;
    }
    json::value answer(text);
    rt::result<protocol::signal> r;
    if (a.redispatch)
      r = co_await d.async_respond_to_clarification(req, std::move(answer));
    else
      r = co_await d.async_answer_clarification(req, std::move(answer));
    if (r) print_signal(*r, a.json);
    co_return r.has_value();
  }
  bool granted = a.grant;
  if (interactive) {
    auto p = req.payload.to_json();
    std::cout << "PERMISSION from " << (req.directed && req.directed->id ? *req.directed->id : "-")
              << " trace " << req.trace_id.str() << ": " << req.payload.text() << "\ngrant? [y/N] "
              << std::flush;
    std::string line;
    if (!std::getline(std::cin, line)) co_return false;
    granted = !line.empty() && (line[0] == 'y' || line[0] == 'Y');
  } else if (!a.grant && !a.deny) {
    co_return false;
  }
  // Not a conditional of two co_awaits: GCC 12 mishandles its result (see dispatch.cc).
  rt::result<protocol::signal> r;
  if (a.redispatch)
    r = co_await d.async_respond_to_permission(req, granted, reason);
  else if (granted)
    r = co_await d.async_grant_permission(req, reason);
  else
    r = co_await d.async_deny_permission(req, reason);
  if (r) print_signal(*r, a.json);
  co_return r.has_value();
}

asio::awaitable<int> answer_main(synapse::synapse* bus_p, answer_args a) {
  auto& bus = *bus_p;
  auto ex = co_await asio::this_coro::executor;
  rt::dendrite_options o;
  o.ns = a.ns;
  o.dendrite_id = "neuromesh-answer";
  o.heartbeat = std::chrono::milliseconds(0);
  rt::dendrite d(ex, bus, nullptr, o);
  auto inbox = std::make_shared<std::deque<signal>>();
  rt::handler_filter f;
  if (!a.trace.empty()) f.trace_id = a.trace;
  d.on(signal_type::clarification, f, [inbox](const signal& s) { inbox->push_back(s); });
  d.on(signal_type::permission, f, [inbox](const signal& s) { inbox->push_back(s); });
  if (auto ec = co_await d.async_start()) {
    std::cerr << "answer: start failed: " << ec.message() << '\n';
    co_return 64;
  }
  std::cerr << "LISTENING" << std::endl;
  const bool interactive = !a.has_answer && !a.grant && !a.deny;
  auto until = std::chrono::steady_clock::now() +
               std::chrono::milliseconds(static_cast<long>(a.timeout_s * 1000));
  int code = 2;
  asio::steady_timer tick(ex);
  for (;;) {
    if (a.timeout_s > 0 && std::chrono::steady_clock::now() > until) break;
    if (inbox->empty()) {
      tick.expires_after(std::chrono::milliseconds(5));
      co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    auto req = inbox->front();
    inbox->pop_front();
    bool answered = co_await answer_one(&d, a, req);
    if (answered) code = 0;
    if (answered && !interactive) break;
    if (!answered && interactive) {  // stdin closed
      code = 0;
      break;
    }
  }
  if (code == 2) std::cerr << "answer: no request to answer within " << a.timeout_s << " s\n";
  co_await d.async_stop();
  co_return code;
}

void add_answer(CLI::App& root) {
  auto* cmd = root.add_subcommand("answer", "Answer CLARIFICATION / PERMISSION requests");
  auto a = std::make_shared<answer_args>();
  cmd->add_option("--url", a->url, "Synapse URL (cosmo://host:port or nats://...)")->required();
  cmd->add_option("-n,--namespace", a->ns, "Namespace")->capture_default_str();
  cmd->add_option("--trace", a->trace, "Only requests of this trace");
  auto* ans = cmd->add_option("--answer", a->answer, "Answer the next CLARIFICATION with TEXT");
  auto* grant = cmd->add_flag("--grant", a->grant, "Grant the next PERMISSION");
  auto* deny = cmd->add_flag("--deny", a->deny, "Deny the next PERMISSION");
  ans->excludes(grant)->excludes(deny);
  grant->excludes(deny);
  cmd->add_option("--reason", a->reason, "Reason carried in a PERMISSION_DECISION");
  cmd->add_option("--timeout", a->timeout_s, "Give up after S seconds (0 = never)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", a->json, "Print the answer Signal as one JSON line");
  cmd->add_flag("--redispatch", a->redispatch,
                "Answer with a follow-up TASK to the asking Neuron (respond_to_*) instead of "
                "CLARIFICATION_ANSWER / PERMISSION_DECISION");
  cmd->callback([a, ans] {
    a->has_answer = ans->count() > 0;
    set_exit_code(run_on_synapse("answer", a->url,
                                 [a](synapse::synapse* bus) { return answer_main(bus, *a); }));
  });
}

const registrar reg_answer{"answer", 52, add_answer};

}  // namespace
}  // namespace neuromesh::cli
