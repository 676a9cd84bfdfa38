// MemorySynapse: publish -> handler on one executor (the handler runs inside publish), and
// throughput with 1 and 4 subscribers. Target: median publish->handler <= 1 us.
#include "neuromesh/synapse/memory_synapse.h"

#include <benchmark/benchmark.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <chrono>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace syn = neuromesh::synapse;
namespace proto = neuromesh::protocol;
using clock_type = std::chrono::steady_clock;

proto::signal sample_signal() {
  proto::signal s;
  boost::json::object payload;
  payload["input"] = boost::json::object{{"q", "what is the weather in Paris?"}};
  s.payload = proto::raw_object(payload);
  return s;
}

asio::awaitable<void> async_subscribe_n(std::shared_ptr<syn::memory_synapse> m, int n,
                                        syn::handler h) {
  co_await m->async_connect();
  for (int i = 0; i < n; ++i) (void)co_await m->async_subscribe("cosmonapse.dev.TASK", h, {});
}

// Latency of one publish until its handler has run, on the publisher's executor.
void BM_memory_publish_to_handler(benchmark::State& state) {
  asio::io_context ctx(1);
  auto m = std::make_shared<syn::memory_synapse>();
  clock_type::time_point handled;
  asio::co_spawn(
      ctx, async_subscribe_n(m, 1, [&](const proto::signal&) { handled = clock_type::now(); }),
      asio::use_future);
  ctx.run();
  ctx.restart();
  const auto sig = sample_signal();
  const std::string subject = "cosmonapse.dev.TASK";
  std::vector<double> ns;
  ns.reserve(1 << 20);
  asio::post(ctx, [&] {
    for (auto _ : state) {
      auto t0 = clock_type::now();
      m->publish(subject, sig);  // copies the Signal, as a caller building one would
      ns.push_back(std::chrono::duration<double, std::nano>(handled - t0).count());
    }
  });
  ctx.run();
  std::sort(ns.begin(), ns.end());
  if (!ns.empty()) {
    state.counters["p50_ns"] = ns[ns.size() / 2];
    state.counters["p99_ns"] = ns[ns.size() * 99 / 100];
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_memory_publish_to_handler)->MinTime(0.3);

// Throughput: publishes per second with N Doppler subscribers.
void BM_memory_throughput(benchmark::State& state) {
  asio::io_context ctx(1);
  auto m = std::make_shared<syn::memory_synapse>();
  std::uint64_t deliveries = 0;
  asio::co_spawn(ctx,
                 async_subscribe_n(m, static_cast<int>(state.range(0)),
                                   [&](const proto::signal&) { ++deliveries; }),
                 asio::use_future);
  ctx.run();
  ctx.restart();
  const auto sig = sample_signal();
  const std::string subject = "cosmonapse.dev.TASK";
  asio::post(ctx, [&] {
    for (auto _ : state) m->publish(subject, sig);
  });
  ctx.run();
  state.SetItemsProcessed(state.iterations());
  state.counters["deliveries/s"] =
      benchmark::Counter(static_cast<double>(deliveries), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_memory_throughput)->Arg(1)->Arg(4)->MinTime(0.3);

}  // namespace

BENCHMARK_MAIN();
