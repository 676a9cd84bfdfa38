// event_bus_ingest_raw_concurrent: one full bus (16 shards, 64 K rings, DropOldest, workers
// draining into the memory adapter), 256 distinct small templates, 1 and 2 producer threads.
// The aggregate must not fall when a producer is added (Net's M1 figure does).
#include "neuromesh/bus/net.h"

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using namespace neuromesh::bus;

std::unique_ptr<net> node;
std::vector<raw_event> templates;

void setup(const benchmark::State&) {
  node = std::make_unique<net>(net::builder()
                                   .shards(16)
                                   .ring_capacity(1 << 16)
                                   .retention({.max_events = 1 << 14, .max_bytes = 16 << 20})
                                   .memory()
                                   .build());
  templates.clear();
  for (int i = 0; i < 256; ++i) {
    templates.push_back(raw_event::copy_of(R"({"token":"t)" + std::to_string(i) + R"("})"));
  }
}

void teardown(const benchmark::State&) {
  (void)node->shutdown();
  node.reset();
}

void event_bus_ingest_raw_concurrent(benchmark::State& state) {
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 97;
  for (auto _ : state) {
    // 8,192 events per iteration, as the reference.
    for (int k = 0; k < 8192; ++k) benchmark::DoNotOptimize(node->emit_raw(templates[i++ & 255]));
  }
  state.SetItemsProcessed(state.iterations() * 8192);
}
BENCHMARK(event_bus_ingest_raw_concurrent)
    ->Setup(setup)
    ->Teardown(teardown)
    ->Threads(1)
    ->Threads(2)
    ->MinTime(0.3)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
