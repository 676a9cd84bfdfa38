// The runtime through a network Synapse on loopback: the cosmo:// broker (in process, its own
// thread) and, when NEUROMESH_BENCH_NATS_URL names one, a nats-server. Two clients of the
// transport (one dendrite hosting an echo Neuron, one dispatching): sequential
// dispatch_and_wait round trips (p50/p99 counters) and round trips per second with 200 in
// flight; beside them the raw round trip of the same transport (publish a Signal to a
// subscriber that publishes it back, no runtime), so bench/runtime_compare.sh can print the
// runtime's overhead as a ratio.
#include "neuromesh/runtime/dendrite.h"
#include "neuromesh/synapse/broker_server.h"
#include "neuromesh/synapse/busy_poll.h"
#include "neuromesh/synapse/cosmo_synapse.h"
#include "neuromesh/synapse/nats_synapse.h"

#include <benchmark/benchmark.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace rt = neuromesh::runtime;
namespace syn = neuromesh::synapse;
namespace proto = neuromesh::protocol;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

syn::broker_options loopback_any_port() {
  syn::broker_options o;
  o.port = 0;
  return o;
}

/// With NEUROMESH_BENCH_PIN=1 the broker runs on CPU 0 and the clients on CPU 1: the two
/// threads then never share a core, which takes the scheduler's placement out of the figures.
void pin_to(int cpu) {
  const char* pin = std::getenv("NEUROMESH_BENCH_PIN");
  if (!pin || std::string_view(pin) != "1") return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/// NEUROMESH_BENCH_BUSY_POLL_US=N runs the broker's and the clients' io_contexts with
/// synapse::run_busy_polling (what `neuromesh up --busy-poll-us N` does for the broker).
std::chrono::microseconds busy_poll() {
  const char* v = std::getenv("NEUROMESH_BENCH_BUSY_POLL_US");
  return std::chrono::microseconds(v ? std::atoi(v) : 0);
}

/// The broker on its own io_context thread, as in a real deployment.
struct broker_thread {
  asio::io_context ctx{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ctx.get_executor()};
  syn::broker_server server{ctx.get_executor(), loopback_any_port()};
  std::thread t;
  broker_thread() {
    if (server.listen()) throw std::runtime_error("broker: listen failed");
    server.start();
    t = std::thread([this] {
      pin_to(0);
      syn::run_busy_polling(ctx, busy_poll());
    });
  }
  ~broker_thread() {
    asio::co_spawn(ctx, server.async_stop(), asio::use_future).get();
    work.reset();
    ctx.stop();
    t.join();
  }
};

/// Where the clients connect: the in-process broker's port, or a nats-server URL.
struct transport {
  std::uint16_t cosmo_port = 0;
  std::string nats_url;
};

asio::awaitable<std::unique_ptr<syn::synapse>> connect(transport t) {
  std::unique_ptr<syn::synapse> s;
  if (t.nats_url.empty()) {
    syn::cosmo_options o;
    o.port = t.cosmo_port;
    s = std::make_unique<syn::cosmo_synapse>(co_await asio::this_coro::executor, o);
  } else {
    syn::nats_options o;
    o.url = t.nats_url;
    s = std::make_unique<syn::nats_synapse>(o);
  }
  if (co_await s->async_connect()) throw std::runtime_error("connect failed");
  co_return s;
}

void report(benchmark::State& state, std::vector<double>& lat_us, int per_iteration) {
  state.SetItemsProcessed(state.iterations() * per_iteration);
  if (lat_us.empty()) return;
  std::sort(lat_us.begin(), lat_us.end());
  state.counters["p50_us"] = lat_us[lat_us.size() / 2];
  state.counters["p99_us"] = lat_us[lat_us.size() * 99 / 100];
}

// ---- the runtime: dispatch_and_wait to an echo Neuron -------------------------------------

// NOLINTNEXTLINE(cppcoreguidelines-avoid-reference-coroutine-parameters): a Neuron
asio::awaitable<json::value> echo(const json::object& in, const rt::context&) {
  co_return json::value(in);
}

rt::dendrite_options options(std::string id, rt::role r) {
  rt::dendrite_options o;
  o.ns = "bench";
  o.dendrite_id = std::move(id);
  o.role = r;
  o.heartbeat = 0ms;
  return o;
}

rt::dispatch_args echo_args() {
  rt::dispatch_args a;
  a.neuron = "echo";
  a.input["q"] = 1;
  return a;
}

asio::awaitable<bool> try_round_trip(rt::dendrite* orch_p, std::chrono::milliseconds timeout) {
  auto& orch = *orch_p;
  rt::dispatch_args a = echo_args();
  auto r = co_await orch.async_dispatch_and_wait(std::move(a), timeout);
  co_return r.has_value();
}

asio::awaitable<void> round_trip(rt::dendrite* orch_p) {
  auto& orch = *orch_p;
  bool ok = co_await try_round_trip(&orch, 5s);
  if (!ok) throw std::runtime_error("dispatch: no reply in 5 s");
}

/// `sub` has no ack on cosmo://: retry until the worker's subscriptions reached the broker.
asio::awaitable<void> until_served(rt::dendrite* orch_p) {
  auto& orch = *orch_p;
  for (int i = 0; i < 50; ++i) {
    bool ok = co_await try_round_trip(&orch, 100ms);
    if (ok) co_return;
  }
  throw std::runtime_error("dispatch: the worker never answered");
}

/// Counts finished round trips; the last one wakes the waiting benchmark loop (no polling:
/// a 0 ms poll timer re-armed the reactor's timerfd on every turn and billed it to the
/// runtime).
struct batch {
  int done = 0;
  int target = 0;
  asio::steady_timer* wake = nullptr;
  void finished() {
    if (++done == target && wake) wake->cancel();
  }
};

/// Completion of one dispatch_and_wait spawned straight onto the executor: the batch costs
/// the runtime's own coroutine and no wrapper of the benchmark's.
struct batch_done {
  std::shared_ptr<batch> b;
  void operator()(std::exception_ptr e, const rt::result<proto::signal>& r) const {
    if (e) std::rethrow_exception(e);
    if (!r) throw std::runtime_error("dispatch: " + r.error().message());
    b->finished();
  }
};

asio::awaitable<void> wait_for_batch(std::shared_ptr<batch> b) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  b->wake = &t;
  while (b->done < b->target) {
    t.expires_after(10s);
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && b->done < b->target) throw std::runtime_error("dispatch: batch timed out");
  }
  b->wake = nullptr;
}

asio::awaitable<void> runtime_body(benchmark::State* state_p, transport t, int in_flight) {
  auto& state = *state_p;
  auto ex = co_await asio::this_coro::executor;
  auto wbus = co_await connect(t);
  auto obus = co_await connect(t);
  rt::dendrite worker(ex, *wbus, nullptr, options("w", rt::role::worker));
  rt::dendrite orch(ex, *obus, nullptr, options("o", rt::role::orchestrator));
  worker.attach(rt::axon({.neuron_id = "echo", .neuron = echo}));
  co_await worker.async_start();
  co_await orch.async_start();
  co_await until_served(&orch);
  for (int i = 0; i < 50; ++i) co_await round_trip(&orch);  // warm up
  std::vector<double> lat;
  for (auto _ : state) {
    if (in_flight == 1) {
      auto t0 = clock_type::now();
      co_await round_trip(&orch);
      lat.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
      continue;
    }
    auto b = std::make_shared<batch>();
    b->target = in_flight;
    for (int i = 0; i < in_flight; ++i)
      asio::co_spawn(ex, orch.async_dispatch_and_wait(echo_args(), 5s), batch_done{b});
    co_await wait_for_batch(b);
  }
  report(state, lat, in_flight);
  co_await orch.async_stop();
  co_await worker.async_stop();
  co_await obus->async_close();
  co_await wbus->async_close();
}

// ---- the raw transport: publish a Signal, a subscriber publishes it back ------------------

asio::awaitable<void> publish_back(syn::synapse* bus, proto::signal s) {
  auto ec = co_await bus->async_publish("cosmonapse.bench.REPLY", std::move(s));
  if (ec) throw std::runtime_error("raw: publish back failed");
}

struct responder {
  asio::any_io_executor ex;
  syn::synapse* bus;
  void operator()(const proto::signal& s) const {
    asio::co_spawn(ex, publish_back(bus, s), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
  }
};

struct replies {
  int received = 0;
  asio::steady_timer* wake = nullptr;
  void on_reply() {
    ++received;
    if (wake) wake->cancel();
  }
};

proto::signal request() {
  proto::signal s;
  s.directed = proto::directed{};
  s.directed->id = "echo";
  json::object p{{"input", json::object{{"q", 1}}}};
  s.payload = proto::raw_object(p);
  return s;
}

asio::awaitable<void> await_replies(replies* rp, int target) {
  auto& r = *rp;
  asio::steady_timer t(co_await asio::this_coro::executor);
  r.wake = &t;
  while (r.received < target) {
    t.expires_after(5s);
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && r.received < target) throw std::runtime_error("raw: reply timed out");
  }
  r.wake = nullptr;
}

asio::awaitable<void> raw_round(syn::synapse* req_p, replies* rp, int n) {
  auto& req = *req_p;
  auto& r = *rp;
  int target = r.received + n;
  for (int i = 0; i < n; ++i) {
    auto ec = co_await req.async_publish("cosmonapse.bench.REQ", request());
    if (ec) throw std::runtime_error("raw: publish failed");
  }
  co_await await_replies(&r, target);
}

asio::awaitable<void> raw_body(benchmark::State* state_p, transport t, int in_flight) {
  auto& state = *state_p;
  auto req = co_await connect(t);
  auto rsp = co_await connect(t);
  auto r = std::make_shared<replies>();
  // Handlers and subjects built first: GCC 12 mishandles temporaries in co_await operands.
  auto ex = co_await asio::this_coro::executor;
  syn::handler echo_back = responder{ex, rsp.get()};
  syn::handler on_reply = [r](const proto::signal&) { r->on_reply(); };
  std::string req_subject = "cosmonapse.bench.REQ", reply_subject = "cosmonapse.bench.REPLY";
  std::optional<std::string> no_group;
  auto s1 = co_await rsp->async_subscribe(req_subject, echo_back, no_group);
  auto s2 = co_await req->async_subscribe(reply_subject, on_reply, no_group);
  if (!s1 || !s2) throw std::runtime_error("raw: subscribe failed");
  // `sub` has no ack on cosmo://: the first request waits until both subscriptions are live.
  for (int i = 0; r->received == 0; ++i) {
    if (i == 50) throw std::runtime_error("raw: the responder never answered");
    auto pec = co_await req->async_publish("cosmonapse.bench.REQ", request());
    if (pec) throw std::runtime_error("raw: publish failed");
    asio::steady_timer t(ex, 100ms);
    r->wake = &t;
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    r->wake = nullptr;
  }
  for (int i = 0; i < 50; ++i) co_await raw_round(req.get(), r.get(), 1);  // warm up
  std::vector<double> lat;
  for (auto _ : state) {
    auto t0 = clock_type::now();
    co_await raw_round(req.get(), r.get(), in_flight);
    if (in_flight == 1)
      lat.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
  }
  report(state, lat, in_flight);
  co_await req->async_close();
  co_await rsp->async_close();
}

using body_fn = asio::awaitable<void> (*)(benchmark::State*, transport, int);

/// One benchmark on a fresh io_context: the cosmo:// broker is started for it, nats-server is
/// the one NEUROMESH_BENCH_NATS_URL names.
void run(benchmark::State& state, body_fn body, const std::string& nats_url, int in_flight) {
  pin_to(1);
  std::unique_ptr<broker_thread> broker;
  transport t{.nats_url = nats_url};
  if (nats_url.empty()) {
    broker = std::make_unique<broker_thread>();
    t.cosmo_port = broker->server.port();
  }
  asio::io_context io(1);
  asio::co_spawn(io, body(&state, t, in_flight), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  syn::run_busy_polling(io, busy_poll());
}

void register_all(const std::string& name, const std::string& nats_url) {
  struct kind {
    const char* name;
    body_fn body;
    int in_flight;
  };
  for (auto k : {kind{"runtime", runtime_body, 1}, kind{"runtime", runtime_body, 200},
                 kind{"raw", raw_body, 1}, kind{"raw", raw_body, 200}}) {
    std::string bm = "BM_" + std::string(k.name) + "_" + name +
                     (k.in_flight == 1 ? "_round_trip" : "_200_in_flight");
    benchmark::RegisterBenchmark(bm.c_str(), [k, nats_url](benchmark::State& st) {
      run(st, k.body, nats_url, k.in_flight);
    })->UseRealTime();
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all("cosmo", "");
  if (const char* nats = std::getenv("NEUROMESH_BENCH_NATS_URL"); nats && *nats)
    register_all("nats", nats);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
