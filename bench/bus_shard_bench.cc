// One shard, no worker: ring push (DropOldest once full), push+pop, batch pop, the clock.
// Mirrors Net's shard/ingest_raw, shard/ingest_raw_pop, batch/pop_batch_steady_state and
// timestamp/next (reference/net-mesh.md §3.1).
#include "shard.h"
#include "timestamp.h"

#include <benchmark/benchmark.h>

#include <vector>

namespace {

using neuromesh::bus::backpressure;
using neuromesh::bus::internal_event;
using neuromesh::bus::raw_event;
using neuromesh::bus::detail::shard;

// shard/ingest_raw: pre-hashed 7-byte JSON, capacities 1K / 64K / 1M.
void shard_ingest_raw(benchmark::State& state) {
  shard s(0, static_cast<std::size_t>(state.range(0)), backpressure::drop_oldest);
  auto ev = raw_event::copy_of(R"({"i":0})");
  for (auto _ : state) benchmark::DoNotOptimize(s.push(ev));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(shard_ingest_raw)->Arg(1 << 10)->Arg(1 << 16)->Arg(1 << 20)->MinTime(0.2);

// shard/ingest_raw_pop: push one, pop one.
void shard_ingest_raw_pop(benchmark::State& state) {
  shard s(0, 1 << 20, backpressure::drop_oldest);
  auto ev = raw_event::copy_of(R"({"i":0})");
  std::vector<internal_event> out;
  out.reserve(1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(s.push(ev));
    s.pop(out, 1);
    out.clear();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(shard_ingest_raw_pop)->MinTime(0.2);

// batch/pop_batch_steady_state: drain batches of 100 / 1K / 10K from a full ring.
void batch_pop_steady_state(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  shard s(0, 1 << 16, backpressure::drop_oldest);
  auto ev = raw_event::copy_of(R"({"i":0})");
  std::vector<internal_event> out;
  out.reserve(n);
  for (auto _ : state) {
    state.PauseTiming();
    out.clear();
    for (std::size_t i = 0; i < n; ++i) (void)s.push(ev);
    state.ResumeTiming();
    benchmark::DoNotOptimize(s.pop(out, n));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(batch_pop_steady_state)->Arg(100)->Arg(1000)->Arg(10000)->MinTime(0.2);

void timestamp_next(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(neuromesh::bus::detail::now_ns());
}
BENCHMARK(timestamp_next)->MinTime(0.2);

}  // namespace

BENCHMARK_MAIN();
