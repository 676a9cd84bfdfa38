// Request/reply round trips of Signals through our clients (encode + decode on every hop):
// a requester publishes on cosmonapse.bench.REQ, a responder's handler publishes the Signal
// back on cosmonapse.bench.REPLY, and the requester's coroutine wakes on the reply before
// it sends the next one: the shape of the runtime's sequential dispatch, without the
// runtime. Both clients share one io_context thread, as in bench/runtime_broker_bench.cc;
// p50/p99 counters in microseconds.
//   cosmo: through NEUROMESH_BENCH_COSMO_URL (bench/synapse_latency_compare.sh points it at
//          `neuromesh synapse start`), else an in-process broker on its own thread.
//   nats:  through NEUROMESH_BENCH_NATS_URL, when set (the NATS synapse on libnats).
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
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace syn = neuromesh::synapse;
namespace proto = neuromesh::protocol;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

struct broker_thread {
  asio::io_context ctx{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ctx.get_executor()};
  std::unique_ptr<syn::broker_server> server;
  std::thread t;
  broker_thread() {
    syn::broker_options o;
    o.port = 0;
    server = std::make_unique<syn::broker_server>(ctx.get_executor(), o);
    if (server->listen()) throw std::runtime_error("broker: listen failed");
    server->start();
    t = std::thread([this] { ctx.run(); });
  }
  ~broker_thread() {
    asio::co_spawn(ctx, server->async_stop(), asio::use_future).get();
    work.reset();
    ctx.stop();
    t.join();
  }
};

proto::signal envelope(std::size_t bytes) {
  proto::signal s;
  s.directed = proto::directed{};
  s.directed->id = "echo";
  boost::json::object payload;
  payload["input"] = boost::json::object{{"text", ""}};
  s.payload = proto::raw_object(payload);
  auto base = proto::encode(s).size();
  payload["input"] =
      boost::json::object{{"text", std::string(bytes > base ? bytes - base : 0, 'x')}};
  s.payload = proto::raw_object(payload);
  return s;
}

asio::awaitable<void> async_publish_back(std::shared_ptr<syn::synapse> bus, proto::signal s) {
  // Named operands: GCC 12 destroys a converted temporary inside a co_await operand twice.
  std::string subject = "cosmonapse.bench.REPLY";
  auto ec = co_await bus->async_publish(std::move(subject), std::move(s));
  if (ec) throw std::runtime_error("responder: publish failed");
}

struct log_error {
  void operator()(std::exception_ptr e) const {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::fprintf(stderr, "round_trip: %s\n", x.what());
    }
  }
};

struct responder {
  asio::any_io_executor ex;
  std::shared_ptr<syn::synapse> bus;
  void operator()(const proto::signal& s) const {
    asio::co_spawn(ex, async_publish_back(bus, s), log_error{});
  }
};

struct replies {
  std::uint64_t received = 0;
  asio::steady_timer* wake = nullptr;
};

struct reply_counter {
  std::shared_ptr<replies> r;
  void operator()(const proto::signal&) const {
    ++r->received;
    if (r->wake) r->wake->cancel();
  }
};

// One round: publish, then wait (no polling) for the reply count to move.
asio::awaitable<bool> async_round(std::shared_ptr<syn::synapse> req, std::shared_ptr<replies> r,
                                  proto::signal s, std::chrono::milliseconds timeout) {
  auto target = r->received + 1;
  asio::steady_timer t(co_await asio::this_coro::executor);
  r->wake = &t;
  std::string subject = "cosmonapse.bench.REQ";
  auto ec = co_await req->async_publish(std::move(subject), std::move(s));
  if (ec) throw std::runtime_error("requester: publish failed");
  auto deadline = clock_type::now() + timeout;
  while (r->received < target && clock_type::now() < deadline) {
    t.expires_at(deadline);
    boost::system::error_code wait_ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, wait_ec));
  }
  r->wake = nullptr;
  co_return r->received >= target;
}

asio::awaitable<void> async_body(benchmark::State* state, std::shared_ptr<syn::synapse> req,
                                 std::shared_ptr<syn::synapse> rsp, std::size_t bytes) {
  auto ex = co_await asio::this_coro::executor;
  auto ec1 = co_await req->async_connect();
  auto ec2 = co_await rsp->async_connect();
  if (ec1 || ec2) throw std::runtime_error("connect failed");
  auto r = std::make_shared<replies>();
  syn::handler echo = responder{ex, rsp}, count = reply_counter{r};
  std::string req_subject = "cosmonapse.bench.REQ", rep_subject = "cosmonapse.bench.REPLY";
  std::optional<std::string> no_group;
  auto s1 = co_await rsp->async_subscribe(req_subject, echo, no_group);
  auto s2 = co_await req->async_subscribe(rep_subject, count, no_group);
  if (!s1 || !s2) throw std::runtime_error("subscribe failed");
  auto sig = envelope(bytes);
  // Subscriptions have no ack on cosmo://: retry until the first reply comes back.
  bool live = false;
  for (int i = 0; i < 50 && !live; ++i) live = co_await async_round(req, r, sig, 100ms);
  if (!live) throw std::runtime_error("the responder never answered");
  for (int i = 0; i < 200; ++i) co_await async_round(req, r, sig, 5s);  // warm up
  std::vector<double> us;
  for (auto _ : *state) {
    auto t0 = clock_type::now();
    bool ok = co_await async_round(req, r, sig, 5s);
    if (!ok) throw std::runtime_error("reply timed out");
    us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  state->counters["p50_us"] = us[us.size() / 2];
  state->counters["p99_us"] = us[us.size() * 99 / 100];
  state->counters["envelope_B"] = static_cast<double>(proto::encode(sig).size());
  co_await req->async_close();
  co_await rsp->async_close();
}

void run(benchmark::State& state, const std::string& transport, std::size_t bytes) {
  asio::io_context io(1);
  std::unique_ptr<broker_thread> broker;
  auto make = [&]() -> std::shared_ptr<syn::synapse> {
    if (transport == "nats") {
      syn::nats_options o;
      o.url = std::getenv("NEUROMESH_BENCH_NATS_URL");
      return std::make_shared<syn::nats_synapse>(o);
    }
    syn::cosmo_options o;
    if (const char* url = std::getenv("NEUROMESH_BENCH_COSMO_URL"); url && *url) {
      auto parsed = syn::cosmo_synapse::parse_url(url);
      if (!parsed) throw std::runtime_error("bad NEUROMESH_BENCH_COSMO_URL");
      o = *parsed;
    } else {
      if (!broker) broker = std::make_unique<broker_thread>();
      o.port = broker->server->port();
    }
    return std::make_shared<syn::cosmo_synapse>(io.get_executor(), o);
  };
  auto req = make(), rsp = make();
  auto done = asio::co_spawn(io, async_body(&state, req, rsp, bytes), asio::use_future);
  io.run();
  try {
    done.get();
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

void register_all() {
  std::vector<std::string> transports{"cosmo"};
  if (const char* url = std::getenv("NEUROMESH_BENCH_NATS_URL"); url && *url)
    transports.emplace_back("nats");
  for (const auto& t : transports)
    for (std::size_t bytes : {std::size_t{300}, std::size_t{4096}}) {
      std::string name = "round_trip/" + t + "/" + std::to_string(bytes) + "B";
      benchmark::RegisterBenchmark(name.c_str(),
                                   [t, bytes](benchmark::State& st) { run(st, t, bytes); })
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
