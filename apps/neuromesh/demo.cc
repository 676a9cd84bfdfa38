// neuromesh demo [--url cosmo://127.0.0.1:7070] [-n dev] [--interval-ms 400] [--count N]
//                [--engram ID]
//
// Live traffic for a newcomer: joins a running node (or any Synapse) with a few example
// agents and keeps them busy, one line per round trip:
//   echo        answers with its input                      (addressed TASK)
//   quote-a/-b  both bid for "quote" offers; the first bid wins, the other is declined
//               (TASK_OFFER, BID, TASK_AWARDED, TASK_DECLINED)
//   planner     asks which city first, then plans           (CLARIFICATION, follow-up TASK)
//   notes       writes to and reads from the demo Engram    (IMPRINT, RECALL inside a TASK,
//               through the Axon's Engram binding "memory")
//   calc        multiplies with the calculator Effector     (TOOL_CALL, TOOL_RESULT inside a
//               TASK, through the Axon's Effector binding "calculator")
// The demo Engram and the calculator are hosted by the agents' own dendrite; with --engram ID
// the notes agent uses that Engram of the mesh instead (`--engram memory`: the one `neuromesh
// up` hosts, so the notes outlive the demo) and the demo hosts none.
// Every Signal is on the node's web view at once. Stops on SIGINT/SIGTERM (DEREGISTER sent)
// or after --count round trips; with --count, exits 1 unless every round trip got the answer
// its agent promises (an AGENT_OUTPUT carrying the echo, a quote, a plan, an Engram receipt
// and recall, a product).
#include "command.h"
#include "neuromesh/runtime/bound_engram.h"
#include "neuromesh/runtime/dendrite.h"
#include "neuromesh/runtime/effector_calculator.h"
#include "neuromesh/runtime/engram_memory.h"
#include "runtime_cli.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <csignal>
#include <iostream>
#include <limits>
#include <memory>

namespace neuromesh::cli {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace rt = neuromesh::runtime;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using protocol::signal_type;

struct demo_args {
  std::string url = "cosmo://127.0.0.1:7070";
  std::string ns = "dev";
  int interval_ms = 400;
  int count = 0;       // 0 = until a signal
  std::string engram;  // empty: host demo-memory; else the engram_id the notes agent binds
};

const char* const memory_id = "demo-memory";

json::value echo(const json::object& in, const rt::context&) { return json::object{{"echo", in}}; }

/// A bidder's Neuron: its quote carries its name.
struct quote_neuron {
  std::string name;
  double price;
  json::value operator()(const json::object&, const rt::context&) const {
    return json::object{{"quote", price}, {"by", name}};
  }
};

/// Asks which city first; a follow-up TASK carries the answer.
json::value planner(const json::object& in, const rt::context&) {
  if (auto it = in.find("clarification"); it != in.end() && it->value().is_object()) {
    const auto& c = it->value().get_object();
    auto a = c.find("answer");
    std::string city =
        a != c.end() && a->value().is_string() ? a->value().get_string().c_str() : "somewhere";
    return json::object{{"plan", "three days in " + city}};
  }
  return json::object{{"__clarification__", true}, {"question", "Which city?"}};
}

/// Writes the note to the bound Engram (on the task's trace), then recalls every note.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): a Neuron
asio::awaitable<json::value> notes(const json::object& in, const rt::context& ctx) {
  auto memory = ctx.engram("memory");
  rt::imprint_call write;
  write.op = "append";
  write.entry = {{"content", in.contains("text") ? in.at("text") : json::value("a note")},
                 {"tags", json::array{"demo"}}};
  write.await_ack = true;
  auto receipt = co_await memory.async_imprint(std::move(write));
  rt::recall_call read;
  read.query = {{"tag", "demo"}, {"top_k", 100}};
  auto recalled = co_await memory.async_recall(std::move(read));
  json::object out;
  out["stored"] = receipt && *receipt && (*receipt)->id ? json::value(*(*receipt)->id) : nullptr;
  out["notes_in_memory"] = recalled ? static_cast<std::int64_t>(recalled->hits.size()) : -1;
  co_return out;
}

/// Multiplies input.a by input.b with the bound calculator Effector.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): a Neuron
asio::awaitable<json::value> calc(const json::object& in, const rt::context& ctx) {
  auto calculator = ctx.effector("calculator");
  rt::tool_call_request c;
  c.tool = "mul";
  c.args = in;
  auto out = co_await calculator.async_call_tool(std::move(c));
  if (!out) co_return json::object{{"error", out.error().message}};
  if (out->error) co_return json::object{{"error", *out->error}};
  co_return json::object{{"product", out->result.value_or(nullptr)}};
}

/// Whether round i got the answer its agent promises: an AGENT_OUTPUT whose output carries
/// what that agent computes (and no error from an Engram or Effector call).
bool answered(int i, const protocol::signal& s) {
  if (s.type != signal_type::agent_output) return false;
  boost::system::error_code ec;
  auto payload = json::parse(s.payload.text(), ec);
  if (ec || !payload.is_object()) return false;
  const auto* out = payload.get_object().if_contains("output");
  if (!out || !out->is_object() || out->get_object().contains("error")) return false;
  const auto& o = out->get_object();
  switch (i % 5) {
    case 0:
      return o.contains("echo");
    case 1:
      return o.contains("quote") && o.at("quote").is_number();
    case 2:
      return o.contains("plan") && o.at("plan").is_string();
    case 3: {
      const auto* n = o.if_contains("notes_in_memory");
      return o.contains("stored") && o.at("stored").is_string() && n && n->is_int64() &&
             n->get_int64() >= 1;
    }
    default:
      return o.contains("product") && o.at("product").is_number();
  }
}

/// One line per round trip; true when it got its answer.
bool report(int i, const char* what, const rt::result<protocol::signal>& r,
            std::chrono::steady_clock::duration took) {
  const auto ms = std::chrono::duration<double, std::milli>(took).count();
  const bool ok = r && answered(i, *r);
  std::cout << "demo #" << i << " " << what << " -> ";
  if (r)
    std::cout << to_string(r->type) << " " << r->payload.text();
  else
    std::cout << "no reply (" << r.error().message() << ")";
  std::cout << " [" << ms << " ms]";
  if (r && !ok) std::cout << " (not the expected answer)";
  std::cout << std::endl;
  return ok;
}

asio::awaitable<rt::result<protocol::signal>> plan_trip(rt::dendrite* dp, int i) {
  auto& d = *dp;
  rt::dispatch_args a{.neuron = "planner", .input = {{"trip", i}}};
  auto pw = co_await d.async_dispatch(std::move(a));
  if (!pw) co_return pw.error();
  auto first = co_await (*pw)->async_wait(2s);
  if (!first || first->type != signal_type::clarification) co_return first;
  json::value answer = i % 2 ? "Lisbon" : "Kyoto";
  auto follow = co_await d.async_respond_to_clarification(*first, std::move(answer));
  if (!follow) co_return follow.error();
  co_return co_await (*pw)->async_wait_for(signal_type::agent_output, 2s);
}

asio::awaitable<rt::result<protocol::signal>> one_round(rt::dendrite* dp, int i) {
  auto& d = *dp;
  switch (i % 5) {
    case 0: {
      rt::dispatch_args a{.neuron = "echo", .input = {{"hello", i}}};
      co_return co_await d.async_dispatch_and_wait(std::move(a), 2s);
    }
    case 1: {
      rt::dispatch_args a{.input = {{"item", "widget"}}, .capabilities = {"quote"}};
      rt::offer_args o{.select = rt::select_policy::first_bid, .deadline = 250ms};
      auto pw = co_await d.async_dispatch_offer(std::move(a), o);
      if (!pw) co_return pw.error();
      co_return co_await (*pw)->async_wait(2s);
    }
    case 2:
      co_return co_await plan_trip(&d, i);
    case 3: {
      rt::dispatch_args a{.neuron = "notes", .input = {{"text", "note " + std::to_string(i)}}};
      // Longer than its two Engram calls' deadlines (2 s each): a missing Engram shows as
      // an answer without a receipt, not as no answer.
      co_return co_await d.async_dispatch_and_wait(std::move(a), 5s);
    }
    default: {
      rt::dispatch_args a{.neuron = "calc", .input = {{"a", i}, {"b", 7}}};
      co_return co_await d.async_dispatch_and_wait(std::move(a), 3s);
    }
  }
}

const char* round_name(int i) {
  static const char* const names[] = {"TASK echo", "TASK_OFFER quote (first_bid)",
                                      "TASK planner + clarification", "TASK notes (Engram)",
                                      "TASK calc (Effector)"};
  return names[i % 5];
}

asio::awaitable<int> demo_main(synapse::synapse* bus_p, demo_args a) {
  auto& bus = *bus_p;
  auto ex = co_await asio::this_coro::executor;
  asio::signal_set signals(ex, SIGINT, SIGTERM);

  rt::dendrite agents(ex, bus, nullptr,
                      {.ns = a.ns, .dendrite_id = "demo-agents", .role = rt::role::worker});
  // Memory and tools, hosted by the agents' dendrite like any Engram / Effector on the mesh
  // (the memory only when no Engram of the mesh was named).
  const std::string engram_id = a.engram.empty() ? memory_id : a.engram;
  if (a.engram.empty()) {
    auto memory = std::make_shared<rt::memory_engram>(
        rt::engram_identity{memory_id, "context", {"tags", "substring"}, std::nullopt});
    (void)memory->connect();
    agents.attach_engram(memory);
  }
  agents.attach_effector(std::make_shared<rt::calculator_effector>());
  agents.attach(rt::axon({.neuron_id = "echo", .neuron = echo, .capabilities = {"echo"}}));
  agents.attach(rt::axon({.neuron_id = "quote-a",
                          .neuron = quote_neuron{"quote-a", 12.5},
                          .capabilities = {"quote"}}));
  agents.attach(rt::axon(
      {.neuron_id = "quote-b", .neuron = quote_neuron{"quote-b", 9.0}, .capabilities = {"quote"}}));
  agents.attach(rt::axon({.neuron_id = "planner", .neuron = planner, .capabilities = {"plan"}}));
  agents.attach(rt::axon(
      {.neuron_id = "notes",
       .neuron = notes,
       .capabilities = {"notes"},
       .engrams = {{.name = "memory", .directed_id = engram_id, .default_deadline = 2s}}}));
  agents.attach(
      rt::axon({.neuron_id = "calc",
                .neuron = calc,
                .capabilities = {"calc"},
                .effectors = {
                    {.name = "calculator", .directed_id = "calculator", .default_deadline = 2s}}}));
  rt::dendrite dispatcher(ex, bus, nullptr, {.ns = a.ns, .dendrite_id = "demo-dispatcher"});

  auto ec2 = co_await agents.async_start();
  auto ec3 = co_await dispatcher.async_start();
  if (ec2 || ec3) {
    std::cerr << "demo: cannot start on " << a.url << '\n';
    co_return 1;
  }
  std::cout << "demo: agents echo, quote-a, quote-b, planner, notes, calc; Engram " << engram_id
            << (a.engram.empty() ? " (hosted here)" : " (of the mesh)")
            << "; Effector calculator -- on " << a.url << " namespace " << a.ns << std::endl;

  int code = 0;
  asio::steady_timer pause(ex);
  for (int i = 0; a.count == 0 || i < a.count; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto r = co_await one_round(&dispatcher, i);
    if (!report(i, round_name(i), r, std::chrono::steady_clock::now() - start)) code = 1;
    pause.expires_after(std::chrono::milliseconds(a.interval_ms));
    auto woke = co_await (pause.async_wait(asio::as_tuple(asio::use_awaitable)) ||
                          signals.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (woke.index() == 1) break;
  }
  std::string reason = "demo over";
  co_await dispatcher.async_stop();
  co_await agents.async_stop(std::move(reason));
  co_return a.count == 0 ? 0 : code;
}

void add_demo(CLI::App& root) {
  auto a = std::make_shared<demo_args>();
  auto* cmd = root.add_subcommand("demo", "Example agents and a dispatcher loop on a node");
  cmd->add_option("--url", a->url, "Synapse URL (the node's broker)")->capture_default_str();
  cmd->add_option("-n,--namespace", a->ns, "Namespace")->capture_default_str();
  const int most = std::numeric_limits<int>::max();
  cmd->add_option("--interval-ms", a->interval_ms, "Pause between round trips")
      ->capture_default_str()
      ->check(CLI::Range(0, most));
  cmd->add_option("--count", a->count,
                  "Stop after this many round trips (0 = until Ctrl-C); exit 1 unless each "
                  "got its answer")
      ->capture_default_str()
      ->check(CLI::Range(0, most));
  cmd->add_option("--engram", a->engram,
                  "engram_id the notes agent uses (e.g. memory, the node's) instead of hosting "
                  "demo-memory");
  cmd->callback([a] {
    set_exit_code(
        run_on_synapse("demo", a->url, [a](synapse::synapse* bus) { return demo_main(bus, *a); }));
  });
}

const registrar reg{"demo", 2, add_demo};

}  // namespace
}  // namespace neuromesh::cli
