// ULID / event id generation (one process-wide monotonic generator behind a mutex), single
// thread and contended.
#include "neuromesh/protocol/ids.h"

#include <benchmark/benchmark.h>

namespace {

void new_ulid_bench(benchmark::State& state) {
  for (auto _ : state) {
    auto u = neuromesh::protocol::new_ulid();
    benchmark::DoNotOptimize(u.data());
  }
}
BENCHMARK(new_ulid_bench)->MinTime(0.2)->Threads(1)->Threads(2)->Threads(4);

void event_id_bench(benchmark::State& state) {
  for (auto _ : state) {
    auto id = neuromesh::protocol::event_id::generate();
    benchmark::DoNotOptimize(id.value.data());
  }
}
BENCHMARK(event_id_bench)->MinTime(0.2);

}  // namespace

BENCHMARK_MAIN();
