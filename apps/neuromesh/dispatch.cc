// `neuromesh dispatch`: send one TASK (addressed, capability-routed, open call, or as a
// TASK_OFFER) and print every reply Signal until the result.
// Exit codes: 0 a result (AGENT_OUTPUT, or FINAL when one is expected), 1 an ERROR, 2 no
// result in time (timeout, no BID for an offer, or the trace was STOPped), 3 a CLARIFICATION
// or PERMISSION is pending, 64 bad arguments or no connection. Prints `dispatch: sent
// trace=<id>` on stderr first, so the trace can be followed or STOPped.
#include "command.h"
#include "neuromesh/runtime/dendrite.h"
#include "neuromesh/runtime/errors.h"
#include "runtime_cli.h"

#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>

#include <iostream>
#include <memory>

namespace neuromesh::cli {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace rt = neuromesh::runtime;
using protocol::signal_type;

struct dispatch_cli_args {
  std::string url;
  std::string ns = "dev";
  std::string neuron;
  std::string capabilities;
  bool open = false;
  bool offer = false;
  std::string select = "first_bid";
  int deadline_ms = 250;
  std::string input = "{}";
  bool finalize = false;
  double timeout_s = 30;
  std::string scope = "terminal";
  bool json = false;
};

asio::awaitable<int> dispatch_main(synapse::synapse* bus_p, dispatch_cli_args a,
                                   rt::dispatch_args d, rt::offer_args offer) {
  auto& bus = *bus_p;
  auto ex = co_await asio::this_coro::executor;
  rt::dendrite_options o;
  o.ns = a.ns;
  o.dendrite_id = "neuromesh-cli";
  o.heartbeat = std::chrono::milliseconds(0);
  rt::dendrite den(ex, bus, nullptr, o);
  if (auto ec = co_await den.async_start()) {
    std::cerr << "dispatch: start failed: " << ec.message() << '\n';
    co_return 64;
  }
  const bool want_final = d.finalize.value_or(d.scope == rt::scope::terminal);
  // Not `c ? co_await x : co_await y`: GCC 12 loses the reference the result holds in a
  // conditional of two co_awaits (the pathway was freed under ASan).
  rt::result<std::shared_ptr<rt::pathway>> pw;
  if (a.offer)
    pw = co_await den.async_dispatch_offer(d, offer);
  else
    pw = co_await den.async_dispatch(d);
  if (!pw) {
    std::cerr << "dispatch: " << pw.error().message() << '\n';
    co_await den.async_stop();
    co_return pw.error() == rt::errc::no_responder ? 2 : 64;
  }
  std::cerr << "dispatch: " << (a.offer ? "offered" : "sent") << " trace=" << (*pw)->trace().str()
            << std::endl;
  auto until = std::chrono::steady_clock::now() +
               std::chrono::milliseconds(static_cast<long>(a.timeout_s * 1000));
  int code = 2;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto r = co_await (*pw)->async_next(left);
    if (!r) break;
    auto t = r->type;
    if (t == signal_type::bid || t == signal_type::task_awarded || t == signal_type::task_declined)
      continue;  // the offer's own traffic
    print_signal(*r, a.json);
    if (t == signal_type::error) {
      code = 1;
      break;
    }
    if (t == signal_type::clarification || t == signal_type::permission) {
      code = 3;
      break;
    }
    if (t == signal_type::final || (t == signal_type::agent_output && !want_final)) {
      code = 0;
      break;
    }
  }
  if (code == 2) std::cerr << "dispatch: timed out after " << a.timeout_s << " s\n";
  (*pw)->close();
  co_await den.async_stop();
  co_return code;
}

int run_dispatch(const dispatch_cli_args& a) {
  rt::dispatch_args d;
  int modes = (!a.neuron.empty()) + (!a.capabilities.empty()) + a.open;
  if (modes > 1) {
    std::cerr << "dispatch: give only one of --neuron, --capabilities, --open\n";
    return 64;
  }
  if (modes == 0 && !a.offer) {
    std::cerr << "dispatch: give --neuron ID, --capabilities a,b or --open (or --offer)\n";
    return 64;
  }
  if (!a.neuron.empty()) d.neuron = a.neuron;
  d.capabilities = split_csv(a.capabilities);
  boost::system::error_code ec;
  auto input = json::parse(a.input, ec);
  if (ec || !input.is_object()) {
    std::cerr << "dispatch: --input must be a JSON object"
              << (ec ? " (" + ec.message() + ")" : std::string()) << '\n';
    return 64;
  }
  d.input = input.get_object();
  rt::offer_args offer;
  try {
    d.scope = rt::parse_scope(a.scope);
    offer.select = rt::parse_select(a.select);
  } catch (const rt::usage_error& e) {
    std::cerr << "dispatch: " << e.what() << '\n';
    return 64;
  }
  if (a.finalize) d.finalize = true;
  offer.deadline = std::chrono::milliseconds(a.deadline_ms);
  return run_on_synapse("dispatch", a.url, [a, d, offer](synapse::synapse* bus) {
    return dispatch_main(bus, a, d, offer);
  });
}

void add_dispatch(CLI::App& root) {
  auto* cmd = root.add_subcommand("dispatch", "Dispatch one TASK and print its replies");
  auto a = std::make_shared<dispatch_cli_args>();
  cmd->add_option("--url", a->url, "Synapse URL (cosmo://host:port or nats://...)")->required();
  cmd->add_option("-n,--namespace", a->ns, "Namespace")->capture_default_str();
  cmd->add_option("--neuron", a->neuron, "Address one neuron by id");
  cmd->add_option("--capabilities", a->capabilities, "Route by capabilities (comma-separated)");
  cmd->add_flag("--open", a->open, "Open call: any catch-all neuron answers");
  cmd->add_flag("--offer", a->offer, "Offer the task and award it to a bidder");
  cmd->add_option("--select", a->select, "Offer selection")
      ->check(CLI::IsMember({"first_bid", "lowest_cost", "highest_confidence"}))
      ->capture_default_str();
  cmd->add_option("--deadline-ms", a->deadline_ms, "Offer deadline")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--input", a->input, "Task input (a JSON object)")->capture_default_str();
  cmd->add_flag("--finalize", a->finalize, "Ask the worker to promote its output to FINAL");
  cmd->add_option("--timeout", a->timeout_s, "Seconds to wait for the result")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--scope", a->scope, "Which replies to follow")
      ->check(CLI::IsMember({"terminal", "all"}))
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "Print each reply Signal as one JSON line");
  cmd->callback([a] { set_exit_code(run_dispatch(*a)); });
}

const registrar reg_dispatch{"dispatch", 50, add_dispatch};

}  // namespace
}  // namespace neuromesh::cli
