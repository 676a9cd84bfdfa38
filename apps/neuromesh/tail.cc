// neuromesh tail: live Signals of one namespace, one per line (reference/cosmonapse.md §9,
// `cosmo prism --tail`). Works on any synapse URL (cosmo://, nats://). Like the reference it
// publishes one DISCOVER first so live Neurons announce themselves.
#include "command.h"
#include "neuromesh/protocol/codec.h"
#include "neuromesh/protocol/subject.h"
#include "neuromesh/synapse/signal_row.h"
#include "neuromesh/synapse/synapse_from_url.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace syn = neuromesh::synapse;
namespace proto = neuromesh::protocol;
using namespace asio::experimental::awaitable_operators;

struct tail_args {
  std::string url;
  std::string ns = "dev";
  std::vector<std::string> types;
  std::string trace;
  std::string neuron;
  bool json = false;
  std::size_t max = 0;  // 0 = until interrupted
};

struct tail_state {
  tail_args args;
  std::vector<proto::signal_type> types;
  std::size_t shown = 0;
  std::unique_ptr<asio::steady_timer> done;  // cancelled when --max is reached
};

bool wanted(const tail_state& st, const proto::signal& s) {
  const auto& a = st.args;
  if (!st.types.empty() && std::find(st.types.begin(), st.types.end(), s.type) == st.types.end())
    return false;
  if (!a.trace.empty() && s.trace_id.str() != a.trace) return false;
  if (!a.neuron.empty() && !(s.directed && s.directed->id == a.neuron)) return false;
  return true;
}

// The subscription handler: filter and print.
struct printer {
  std::shared_ptr<tail_state> st;
  void operator()(const proto::signal& s) const {
    if (!wanted(*st, s)) return;
    if (st->args.max != 0 && st->shown >= st->args.max) return;
    std::string line = st->args.json ? proto::encode(s) : syn::signal_row(s);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    if (++st->shown == st->args.max) st->done->cancel();
  }
};

asio::awaitable<void> async_wait_done(std::shared_ptr<tail_state> st) {
  st->done->expires_at(asio::steady_timer::time_point::max());
  boost::system::error_code ec;
  co_await st->done->async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<int> async_tail(std::shared_ptr<tail_state> st) {
  auto ex = co_await asio::this_coro::executor;
  auto made = syn::synapse_from_url(st->args.url, ex);
  if (!made) {
    std::fprintf(stderr, "tail: %s\n", made.error().message.c_str());
    co_return 2;
  }
  std::shared_ptr<syn::synapse> bus = std::move(*made);
  if (auto ec = co_await bus->async_connect()) {
    std::fprintf(stderr, "tail: cannot connect to %s: %s\n", st->args.url.c_str(),
                 ec.message().c_str());
    co_return 1;
  }
  auto sub = co_await bus->async_subscribe(proto::namespace_wildcard(st->args.ns), printer{st},
                                           std::nullopt);
  if (!sub) {
    std::fprintf(stderr, "tail: subscribe failed: %s\n", sub.error().message().c_str());
    co_await bus->async_close();
    co_return 1;
  }
  if (!st->args.json) {
    auto header = syn::signal_row_header();
    std::fwrite(header.data(), 1, header.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  proto::signal discover;
  discover.type = proto::signal_type::discover;
  if (auto ec = co_await bus->async_publish(proto::subject_for(st->args.ns, discover), discover))
    std::fprintf(stderr, "tail: DISCOVER not sent: %s\n", ec.message().c_str());
  asio::signal_set signals(ex, SIGINT, SIGTERM);
  co_await (async_wait_done(st) || signals.async_wait(asio::use_awaitable));
  sub->unsubscribe();
  co_await bus->async_close();
  co_return 0;
}

void add_tail(CLI::App& root) {
  auto a = std::make_shared<tail_args>();
  auto* cmd = root.add_subcommand("tail", "Print live Signals of a namespace, one per line");
  cmd->add_option("--url", a->url, "Synapse URL: cosmo://host:port or nats://host:port")
      ->required();
  cmd->add_option("-n,--namespace", a->ns, "Namespace")->capture_default_str();
  cmd->add_option("--type", a->types, "Only these signal types (repeatable), e.g. TASK");
  cmd->add_option("--trace", a->trace, "Only this trace id");
  cmd->add_option("--neuron", a->neuron, "Only Signals whose directed.id is this");
  cmd->add_flag("--json", a->json, "One envelope JSON per line (NDJSON)");
  cmd->add_option("--max", a->max, "Exit after this many Signals (0 = until Ctrl-C)");
  cmd->callback([a] {
    auto st = std::make_shared<tail_state>();
    st->args = *a;
    for (const auto& t : a->types) {
      std::string upper = t;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      auto parsed = proto::signal_type_from_string(upper);
      if (!parsed) {
        std::fprintf(stderr,
                     "tail: --type '%s' is not a signal type (see `neuromesh schema --types`)\n",
                     t.c_str());
        return neuromesh::cli::set_exit_code(2);
      }
      st->types.push_back(*parsed);
    }
    asio::io_context ctx(1);
    st->done = std::make_unique<asio::steady_timer>(ctx);
    auto done = asio::co_spawn(ctx, async_tail(st), asio::use_future);
    ctx.run();
    neuromesh::cli::set_exit_code(done.get());
  });
}

const neuromesh::cli::registrar reg{"tail", 60, add_tail};

}  // namespace
