// `neuromesh stop`: STOP a trace and print the STOPPED acknowledgements collected.
#include "command.h"
#include "neuromesh/runtime/dendrite.h"
#include "runtime_cli.h"

#include <boost/asio/this_coro.hpp>

#include <iostream>
#include <memory>

namespace neuromesh::cli {
namespace {

namespace asio = boost::asio;
namespace rt = neuromesh::runtime;

struct stop_args {
  std::string url;
  std::string ns = "dev";
  std::string trace;
  std::string reason;
  bool rollback = false;
  int collect_ms = 1000;
  bool json = false;
};

asio::awaitable<int> stop_main(synapse::synapse* bus_p, stop_args a) {
  auto& bus = *bus_p;
  rt::dendrite_options o;
  o.ns = a.ns;
  o.dendrite_id = "neuromesh-cli";
  o.heartbeat = std::chrono::milliseconds(0);
  rt::dendrite d(co_await asio::this_coro::executor, bus, nullptr, o);
  if (auto ec = co_await d.async_start()) {
    std::cerr << "stop: start failed: " << ec.message() << '\n';
    co_return 64;
  }
  std::optional<std::string> reason;
  if (!a.reason.empty()) reason = a.reason;
  // Operands built first: GCC 12 mishandles temporaries in co_await operands.
  protocol::trace_id trace{a.trace};
  std::chrono::milliseconds collect(a.collect_ms);
  auto acks = co_await d.async_stop_trace(std::move(trace), a.rollback, std::move(reason), collect);
  co_await d.async_stop();
  if (!acks) {
    std::cerr << "stop: " << acks.error().message() << '\n';
    co_return 1;
  }
  for (const auto& s : *acks) print_signal(s, a.json);
  if (!a.json) std::cerr << "stop: " << acks->size() << " STOPPED ack(s)\n";
  co_return 0;
}

void add_stop(CLI::App& root) {
  auto* cmd = root.add_subcommand("stop", "STOP a trace and print the STOPPED acks");
  auto a = std::make_shared<stop_args>();
  cmd->add_option("--url", a->url, "Synapse URL (cosmo://host:port or nats://...)")->required();
  cmd->add_option("-n,--namespace", a->ns, "Namespace")->capture_default_str();
  cmd->add_option("--trace", a->trace, "Trace id (trc_...)")->required();
  cmd->add_option("--reason", a->reason, "Reason carried in the STOP");
  cmd->add_flag("--rollback", a->rollback, "Ask participants to compensate");
  cmd->add_option("--collect-ms", a->collect_ms, "How long to collect STOPPED acks")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "Print each ack as one JSON line");
  cmd->callback([a] {
    if (!protocol::trace_id::has_prefix(a->trace)) {
      std::cerr << "stop: --trace must be a trace id starting with trc_, got '" << a->trace
                << "'\n";
      set_exit_code(64);
      return;
    }
    set_exit_code(
        run_on_synapse("stop", a->url, [a](synapse::synapse* bus) { return stop_main(bus, *a); }));
  });
}

const registrar reg_stop{"stop", 51, add_stop};

}  // namespace
}  // namespace neuromesh::cli
