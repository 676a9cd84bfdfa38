// The cosmo:// broker under load: 1 publisher -> 1 or 4 subscribers, or a 2-member queue
// group, with ~300 B and ~4 KiB envelopes; msgs/s and p50/p99 publish->handler latency.
// With NEUROMESH_BENCH_NATS_URL set, the same load runs through nats-server with libnats
// (bench/synapse_broker_compare.sh starts one and prints the ratio).
//
// Threads: the broker runs on its own io_context thread; publisher and subscribers share a
// second one. The publisher keeps at most `window` messages in flight so that no subscriber
// is ever cut off as a slow consumer (on either server) and latency is measured under load.
#include "neuromesh/protocol/codec.h"
#include "neuromesh/synapse/broker_server.h"
#include "neuromesh/synapse/cosmo_synapse.h"
#include "neuromesh/synapse/nats_synapse.h"

#include <benchmark/benchmark.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace syn = neuromesh::synapse;
namespace proto = neuromesh::protocol;
using clock_type = std::chrono::steady_clock;

struct io_thread {
  asio::io_context ctx{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ctx.get_executor()};
  std::thread t{[this] { ctx.run(); }};
  ~io_thread() {
    work.reset();
    ctx.stop();
    t.join();
  }
  template <class T>
  T run(asio::awaitable<T> a) {
    return asio::co_spawn(ctx, std::move(a), asio::use_future).get();
  }
};

struct load {
  std::string transport;  // cosmo | nats
  int subscribers;        // solo subscribers, or members of one queue group
  bool group;
  std::size_t envelope_bytes;
  std::size_t window;  // messages in flight: 512 measures throughput, 1 unloaded latency
};

// Shared between the publishing coroutine and the handlers (same thread).
struct run_state {
  explicit run_state(asio::any_io_executor ex, std::size_t n) : progress(ex), sent_at(n) {}
  asio::steady_timer progress;  // cancelled by handlers so the publisher re-checks the window
  std::vector<clock_type::time_point> sent_at;
  std::vector<double> latency_us;
  std::uint64_t deliveries = 0;
  std::uint64_t per_message = 1;
  bool measuring = false;
};

struct recorder {
  std::shared_ptr<run_state> st;
  void operator()(const proto::signal& s) const {
    auto now = clock_type::now();
    ++st->deliveries;
    if (st->measuring && s.directed && s.directed->id) {
      std::size_t seq = 0;
      const auto& id = *s.directed->id;
      std::from_chars(id.data(), id.data() + id.size(), seq);
      if (seq < st->sent_at.size())
        st->latency_us.push_back(
            std::chrono::duration<double, std::micro>(now - st->sent_at[seq]).count());
    }
    st->progress.cancel();
  }
};

proto::signal envelope(std::size_t bytes) {
  proto::signal s;
  s.directed = proto::directed{};
  s.directed->id = "000000";
  boost::json::object payload;
  payload["input"] = boost::json::object{{"text", ""}};
  s.payload = proto::raw_object(payload);
  auto base = proto::encode(s).size();
  std::string text(bytes > base ? bytes - base : 0, 'x');
  payload["input"] = boost::json::object{{"text", text}};
  s.payload = proto::raw_object(payload);
  return s;
}

asio::awaitable<void> async_publish_all(std::shared_ptr<syn::synapse> pub,
                                        std::shared_ptr<run_state> st, proto::signal sig,
                                        std::size_t count, std::size_t window) {
  const std::string subject = "cosmonapse.bench.TASK";
  for (std::size_t i = 0; i < count; ++i) {
    while (st->deliveries / st->per_message + window <= i) {
      st->progress.expires_after(std::chrono::milliseconds(50));
      boost::system::error_code ec;
      co_await st->progress.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    sig.directed->id = std::to_string(i);
    st->sent_at[i] = clock_type::now();
    co_await pub->async_publish(subject, sig);
  }
  while (st->deliveries < count * st->per_message) {
    st->progress.expires_after(std::chrono::milliseconds(50));
    boost::system::error_code ec;
    co_await st->progress.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> async_warm_up(std::shared_ptr<syn::synapse> pub,
                                    std::shared_ptr<run_state> st, proto::signal sig,
                                    std::uint64_t need) {
  // Subscriptions are live once every subscriber has received something.
  while (st->deliveries < need) {
    co_await pub->async_publish("cosmonapse.bench.TASK", sig);
    st->progress.expires_after(std::chrono::milliseconds(5));
    boost::system::error_code ec;
    co_await st->progress.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void run_load(benchmark::State& state, load l) {
  std::size_t count = l.envelope_bytes > 1000 ? 20000 : 50000;
  if (l.window == 1) count = 5000;
  const std::size_t window = l.window;
  io_thread broker_io, client_io;
  std::unique_ptr<syn::broker_server> server;
  auto make_client = [&]() -> std::shared_ptr<syn::synapse> {
    if (l.transport == "nats") {
      syn::nats_options o;
      o.url = std::getenv("NEUROMESH_BENCH_NATS_URL");
      return std::make_shared<syn::nats_synapse>(o);
    }
    syn::cosmo_options o;
    o.port = server->port();
    return std::make_shared<syn::cosmo_synapse>(client_io.ctx.get_executor(), o);
  };
  if (l.transport == "cosmo") {
    syn::broker_options o;
    o.port = 0;
    server = std::make_unique<syn::broker_server>(broker_io.ctx.get_executor(), o);
    if (server->listen()) {
      state.SkipWithError("broker listen failed");
      return;
    }
    server->start();
  }
  auto st = std::make_shared<run_state>(client_io.ctx.get_executor(), count);
  st->per_message = l.group ? 1 : static_cast<std::uint64_t>(l.subscribers);
  std::vector<std::shared_ptr<syn::synapse>> subs;
  auto pub = make_client();
  if (client_io.run(pub->async_connect())) {
    state.SkipWithError("publisher cannot connect");
    return;
  }
  for (int i = 0; i < l.subscribers; ++i) {
    auto s = make_client();
    client_io.run(s->async_connect());
    std::optional<std::string> group;
    if (l.group) group = "caps:bench";
    client_io.run(s->async_subscribe("cosmonapse.bench.>", recorder{st}, group));
    subs.push_back(s);
  }
  auto sig = envelope(l.envelope_bytes);
  client_io.run(async_warm_up(pub, st, sig, static_cast<std::uint64_t>(l.subscribers) * 4));
  st->latency_us.reserve(count * st->per_message);

  for (auto _ : state) {
    st->deliveries = 0;
    st->measuring = true;
    client_io.run(async_publish_all(pub, st, sig, count, window));
    st->measuring = false;
  }
  auto& lat = st->latency_us;
  std::sort(lat.begin(), lat.end());
  if (!lat.empty()) {
    state.counters["p50_us"] = lat[lat.size() / 2];
    state.counters["p99_us"] = lat[lat.size() * 99 / 100];
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(count * state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(count * state.iterations() * l.envelope_bytes));
  state.counters["envelope_B"] = static_cast<double>(proto::encode(sig).size());
  for (auto& s : subs) client_io.run(s->async_close());
  client_io.run(pub->async_close());
  if (server) broker_io.run(server->async_stop());
}

void register_loads(const std::string& transport) {
  struct shape {
    const char* name;
    int subs;
    bool group;
  };
  for (auto sh : {shape{"1sub", 1, false}, shape{"4subs", 4, false}, shape{"group2", 2, true}})
    for (std::size_t bytes : {std::size_t{300}, std::size_t{4096}}) {
      for (std::size_t window : {std::size_t{512}, std::size_t{1}}) {
        if (window == 1 && sh.subs != 1) continue;  // unloaded latency: one subscriber
        std::string name = "broker/" + transport + "/" + sh.name + "/" + std::to_string(bytes) +
                           "B/" + (window == 1 ? "pingpong" : "window512");
        benchmark::RegisterBenchmark(name.c_str(), run_load,
                                     load{transport, sh.subs, sh.group, bytes, window})
            ->Iterations(1)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
}

}  // namespace

int main(int argc, char** argv) {
  register_loads("cosmo");
  if (const char* url = std::getenv("NEUROMESH_BENCH_NATS_URL"); url && *url)
    register_loads("nats");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
