// CortEX / NetDb beside Net's figures (reference/net-mesh.md §3.2, M1 Max): tasks.create
// 120 ns (no barrier), memories.store 309 ns, fold round trip create + wait_for_seq 5.69 µs
// (target ≤ 6 µs), find_unique 9.1 ns, find_many on 1 K / 10 K tasks 19.2 / 226 µs,
// count_where on 10 K 28.3 µs, snapshot encode 10 K tasks / memories 315 / 687 µs.
// Writes here fold inline, so create already includes write → visible.
#include "neuromesh/cortex/netdb.h"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

namespace {

using namespace neuromesh::cortex;

void fill_tasks(netdb& db, int n) {
  for (int i = 0; i < n; ++i) {
    (void)db.tasks().create(static_cast<task_id>(i), fmt::format("task number {}", i));
    if (i % 2) (void)db.tasks().complete(static_cast<task_id>(i));
  }
}

void BM_tasks_create(benchmark::State& state) {
  redex logs;
  auto db = netdb::builder(logs).with_tasks().build();
  task_id id = 0;
  for (auto _ : state) benchmark::DoNotOptimize(db.tasks().create(id++ % 4096, "a task title"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_tasks_create);

void BM_memories_store(benchmark::State& state) {
  redex logs;
  auto db = netdb::builder(logs).with_memories().build();
  std::vector<std::string> tags{"build", "ci"};
  memory_id id = 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(
        db.memories().store(id++ % 4096, "the build uses ccache", tags, "agent-1"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_memories_store);

void BM_fold_round_trip(benchmark::State& state) {
  redex logs;
  auto db = netdb::builder(logs).with_tasks().build();
  task_id id = 0;
  for (auto _ : state) {
    auto seq = db.tasks().create(id++ % 4096, "round trip");
    benchmark::DoNotOptimize(db.tasks().wait_for_seq(*seq));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_fold_round_trip);

void BM_find_unique(benchmark::State& state) {
  redex logs;
  auto db = netdb::builder(logs).with_tasks().build();
  fill_tasks(db, 10000);
  task_id id = 0;
  for (auto _ : state) benchmark::DoNotOptimize(db.tasks().find_unique(id++ % 10000));
}
BENCHMARK(BM_find_unique);

void BM_find_many_pending(benchmark::State& state) {
  redex logs;
  auto db = netdb::builder(logs).with_tasks().build();
  auto n = static_cast<int>(state.range(0));
  fill_tasks(db, n);
  task_filter pending;
  pending.status = task_status::pending;
  for (auto _ : state) benchmark::DoNotOptimize(db.tasks().find_many(pending));
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_find_many_pending)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

void BM_count_where(benchmark::State& state) {
  redex logs;
  auto db = netdb::builder(logs).with_tasks().build();
  fill_tasks(db, 10000);
  task_filter completed;
  completed.status = task_status::completed;
  for (auto _ : state) benchmark::DoNotOptimize(db.tasks().count_where(completed));
  state.SetItemsProcessed(state.iterations() * 10000);
}
BENCHMARK(BM_count_where)->Unit(benchmark::kMicrosecond);

void BM_snapshot_encode_tasks(benchmark::State& state) {
  redex logs;
  auto db = netdb::builder(logs).with_tasks().build();
  fill_tasks(db, 10000);
  for (auto _ : state) benchmark::DoNotOptimize(db.snapshot());
}
BENCHMARK(BM_snapshot_encode_tasks)->Unit(benchmark::kMicrosecond);

void BM_snapshot_encode_memories(benchmark::State& state) {
  redex logs;
  auto db = netdb::builder(logs).with_memories().build();
  std::vector<std::string> tags{"build", "ci"};
  for (int i = 0; i < 10000; ++i)
    (void)db.memories().store(static_cast<memory_id>(i), fmt::format("memory content {}", i), tags,
                              "agent");
  for (auto _ : state) benchmark::DoNotOptimize(db.snapshot());
}
BENCHMARK(BM_snapshot_encode_memories)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
