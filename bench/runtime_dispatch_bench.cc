// Runtime hot path through MemorySynapse: dispatch -> echo Neuron -> AGENT_OUTPUT -> Pathway,
// sequential (latency per round trip) and with 200 dispatch_and_wait in flight (throughput).
#include "neuromesh/runtime/dendrite.h"
#include "neuromesh/synapse/memory_synapse.h"

#include <benchmark/benchmark.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace rt = neuromesh::runtime;
using namespace std::chrono_literals;

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

asio::awaitable<void> one(rt::dendrite* orch_p, int* left) {
  auto& orch = *orch_p;
  while (*left > 0) {
    --*left;
    rt::dispatch_args a;
    a.neuron = "echo";
    a.input["q"] = 1;
    auto r = co_await orch.async_dispatch_and_wait(std::move(a), 5s);
    if (!r) throw std::runtime_error("dispatch failed: " + r.error().message());
  }
}

asio::awaitable<void> single(rt::dendrite* orch_p) {
  auto& orch = *orch_p;
  int left = 1;
  co_await one(&orch, &left);
}

/// Counts finished round trips; the last one wakes the benchmark loop.
struct batch {
  int done = 0;
  int target = 0;
  asio::steady_timer* wake = nullptr;
};

struct batch_done {
  std::shared_ptr<batch> b;
  void operator()(std::exception_ptr) const {
    if (++b->done == b->target && b->wake) b->wake->cancel();
  }
};

asio::awaitable<void> bench_body(benchmark::State* state_p, int in_flight) {
  auto& state = *state_p;
  auto ex = co_await asio::this_coro::executor;
  neuromesh::synapse::memory_synapse bus;
  rt::dendrite worker(ex, bus, nullptr, options("w", rt::role::worker));
  rt::dendrite orch(ex, bus, nullptr, options("o", rt::role::orchestrator));
  worker.attach(rt::axon({.neuron_id = "echo", .neuron = echo}));
  co_await worker.async_start();
  co_await orch.async_start();
  int warm = 100;
  co_await one(&orch, &warm);
  for (auto _ : state) {
    int left = in_flight;
    if (in_flight == 1) {
      co_await one(&orch, &left);
      continue;
    }
    // in_flight concurrent callers; the last to finish wakes this loop (no polling).
    auto b = std::make_shared<batch>();
    b->target = in_flight;
    asio::steady_timer t(ex);
    b->wake = &t;
    for (int i = 0; i < in_flight; ++i) asio::co_spawn(ex, single(&orch), batch_done{b});
    while (b->done < in_flight) {
      t.expires_after(10s);
      boost::system::error_code ec;
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (!ec && b->done < in_flight) throw std::runtime_error("dispatch: batch timed out");
    }
  }
  state.SetItemsProcessed(state.iterations() * in_flight);
  co_await orch.async_stop();
  co_await worker.async_stop();
}

void BM_runtime_dispatch_round_trip_memory(benchmark::State& state) {
  asio::io_context io(1);
  asio::co_spawn(io, bench_body(&state, 1), asio::detached);
  io.run();
}
BENCHMARK(BM_runtime_dispatch_round_trip_memory)->UseRealTime();

void BM_runtime_dispatch_and_wait_200_in_flight_memory(benchmark::State& state) {
  asio::io_context io(1);
  asio::co_spawn(io, bench_body(&state, 200), asio::detached);
  io.run();
}
BENCHMARK(BM_runtime_dispatch_and_wait_200_in_flight_memory)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
