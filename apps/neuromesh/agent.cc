// `neuromesh agent echo`: a ready example agent. Hosts one echo Neuron on a Dendrite,
// prints exactly `READY <neuron_id>` once it is registered, and deregisters cleanly on
// SIGINT / SIGTERM. Options make it useful in tests and demos: --slow-ms holds each task
// (so it can be STOPped), --ask-clarification asks once and then echoes the answer (given
// by a follow-up TASK or by a discrete CLARIFICATION_ANSWER), --bid-cost / --bid-confidence
// bid explicitly for offers (otherwise it auto-bids), --catch-all answers open calls.
#include "command.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/runtime/dendrite.h"
#include "neuromesh/runtime/errors.h"
#include "runtime_cli.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>

#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <unordered_map>

namespace neuromesh::cli {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace rt = neuromesh::runtime;
using protocol::signal;
using protocol::signal_type;

struct echo_args {
  std::string url;
  std::string ns = "dev";
  std::string neuron_id;
  std::string capabilities;
  bool catch_all = false;
  std::optional<double> bid_cost;
  std::optional<double> bid_confidence;
  int slow_ms = 0;
  bool ask_clarification = false;
  int heartbeat_ms = 30000;
};

constexpr const char* question = "What should I echo?";

/// The echo Neuron (a named coroutine on a config object).
struct echo_neuron {
  int slow_ms = 0;
  bool ask = false;
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): a Neuron
  asio::awaitable<json::value> operator()(const json::object& in, const rt::context&) const {
    if (slow_ms > 0) {
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(slow_ms));
      co_await t.async_wait(asio::use_awaitable);
    }
    if (!ask) co_return json::value(in);
    if (auto it = in.find("clarification"); it != in.end() && it->value().is_object()) {
      const auto& c = it->value().get_object();
      auto a = c.find("answer");
      co_return json::object{{"answer", a == c.end() ? json::value() : a->value()}};
    }
    co_return json::object{{"__clarification__", true}, {"question", question}};
  }
};

/// Explicit bids (--bid-cost / --bid-confidence) instead of auto-bidding.
struct bidder {
  rt::dendrite* d;
  std::string neuron;
  double cost;
  std::optional<double> confidence;
  asio::awaitable<void> operator()(signal offer) const {
    auto a = d->find_axon(neuron);
    auto caps = offer.payload.to_json();
    std::vector<std::string> wanted;
    if (auto it = caps.find("capabilities"); it != caps.end() && it->value().is_array())
      for (const auto& c : it->value().get_array())
        if (c.is_string()) wanted.emplace_back(c.get_string());
    if (!a || !a->covers(wanted)) co_return;
    (void)co_await d->async_bid(offer, neuron, cost, std::nullopt, confidence);
  }
};

/// Resumes a task when a discrete CLARIFICATION_ANSWER answers one of our questions.
struct resumer {
  rt::dendrite* d;
  std::string neuron;
  // CLARIFICATION id -> finalize flag of the task that asked (bounded).
  std::shared_ptr<std::unordered_map<std::string, bool>> asked;
  std::shared_ptr<std::unordered_map<std::string, bool>> task_finalize;

  void on_task(const signal& t) const {
    if (task_finalize->size() > 4096) task_finalize->clear();
    (*task_finalize)[t.id.str()] = t.payload.find("finalize") == "true";
  }
  void on_clarification(const signal& c) const {
    if (!c.parent_id) return;
    if (asked->size() > 4096) asked->clear();
    auto it = task_finalize->find(c.parent_id->str());
    (*asked)[c.id.str()] = it != task_finalize->end() && it->second;
  }
  void on_answer(const signal& a) const {
    if (!a.parent_id) return;
    auto it = asked->find(a.parent_id->str());
    if (it == asked->end()) return;
    bool finalize = it->second;
    asked->erase(it);
    auto payload = a.payload.to_json();
    json::object c{{"question", question},
                   {"answer", payload.contains("answer") ? payload.at("answer") : json::value()}};
    json::object input{{"clarification", std::move(c)}};
    auto task = protocol::task_signal(
        {.input = protocol::raw_object(input), .finalize = finalize},
        {.directed = protocol::directed{.id = neuron}, .trace = a.trace_id, .parent = a.parent_id});
    task.id = a.id;  // the reply is parented to the answer, which is on the wire
    d->inject_task(task);
  }
};

asio::awaitable<int> echo_main(synapse::synapse* bus_p, echo_args a) {
  auto& bus = *bus_p;
  auto ex = co_await asio::this_coro::executor;
  asio::signal_set signals(ex, SIGINT, SIGTERM);
  rt::dendrite_options o;
  o.ns = a.ns;
  o.dendrite_id = "agent-" + a.neuron_id;
  o.role = rt::role::worker;
  o.heartbeat = std::chrono::milliseconds(a.heartbeat_ms);
  rt::dendrite d(ex, bus, nullptr, o);
  try {
    d.attach(rt::axon({.neuron_id = a.neuron_id,
                       .neuron = echo_neuron{a.slow_ms, a.ask_clarification},
                       .capabilities = split_csv(a.capabilities),
                       .catch_all = a.catch_all}));
  } catch (const rt::dendrite_error& e) {
    std::cerr << "agent echo: " << e.what() << '\n';
    co_return 64;
  }
  if (a.bid_cost || a.bid_confidence)
    d.on(signal_type::task_offer,
         bidder{&d, a.neuron_id, a.bid_cost.value_or(0.0), a.bid_confidence});
  if (a.ask_clarification) {
    resumer r{&d, a.neuron_id, std::make_shared<std::unordered_map<std::string, bool>>(),
              std::make_shared<std::unordered_map<std::string, bool>>()};
    d.on(signal_type::task, {.neuron = a.neuron_id}, [r](const signal& s) { r.on_task(s); });
    d.on(signal_type::clarification, {.neuron = a.neuron_id},
         [r](const signal& s) { r.on_clarification(s); });
    d.on(signal_type::clarification_answer, [r](const signal& s) { r.on_answer(s); });
  }
  if (auto ec = co_await d.async_start()) {
    std::cerr << "agent echo: start failed: " << ec.message() << '\n';
    co_return 1;
  }
  std::cout << "READY " << a.neuron_id << std::endl;
  auto [ec, sig] = co_await signals.async_wait(asio::as_tuple(asio::use_awaitable));
  std::cerr << "agent echo: signal " << sig << ", deregistering " << a.neuron_id << '\n';
  std::string reason = "shutdown";
  co_await d.async_stop(std::move(reason));
  co_return 0;
}

void add_agent(CLI::App& root) {
  auto* agent = root.add_subcommand("agent", "Run an example agent on a Synapse");
  agent->require_subcommand(1);
  auto* echo = agent->add_subcommand("echo", "Host an echo Neuron; prints READY <neuron_id>");
  auto a = std::make_shared<echo_args>();
  echo->add_option("--url", a->url, "Synapse URL (cosmo://host:port or nats://...)")->required();
  echo->add_option("-n,--namespace", a->ns, "Namespace")->capture_default_str();
  echo->add_option("--neuron-id", a->neuron_id, "Neuron id to register")->required();
  echo->add_option("--capabilities", a->capabilities, "Comma-separated capabilities");
  echo->add_flag("--catch-all", a->catch_all, "Answer open calls (no id, no capabilities)");
  echo->add_option("--bid-cost", a->bid_cost, "Bid this cost for offers (instead of auto-bid)");
  echo->add_option("--bid-confidence", a->bid_confidence, "Bid this confidence (0..1)")
      ->check(CLI::Range(0.0, 1.0));
  echo->add_option("--slow-ms", a->slow_ms, "Hold each task this long (STOP cancels it)")
      ->check(CLI::NonNegativeNumber);
  echo->add_flag("--ask-clarification", a->ask_clarification,
                 "Ask a clarification first, then echo the answer");
  echo->add_option("--heartbeat-ms", a->heartbeat_ms, "Heartbeat interval (0 = off)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  echo->callback([a] {
    set_exit_code(run_on_synapse("agent echo", a->url,
                                 [a](synapse::synapse* bus) { return echo_main(bus, *a); }));
  });
}

const registrar reg_agent{"agent", 55, add_agent};

}  // namespace
}  // namespace neuromesh::cli
