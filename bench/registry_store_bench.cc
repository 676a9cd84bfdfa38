// RegistryStore hot paths on 10,000 records, for memory, SQLite (a file, commit per call)
// and PostgreSQL (NEUROMESH_PG_DSN; its benchmarks are left out with a message if unset).
// touch_heartbeat_16_callers: 16 threads at once (group commit on PostgreSQL).
// Targets (issue 5): SQLite touch_heartbeat >= 5,000/s with a commit per call; list with a
// capability filter over 10,000 records <= 5 ms on SQLite and PostgreSQL, <= 1 ms in memory.
//
//   build/release/bench/registry_store_bench
#include "neuromesh/registry/memory_store.h"
#include "neuromesh/registry/postgres_store.h"
#include "neuromesh/registry/sqlite_store.h"

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <pqxx/pqxx>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

namespace {

namespace reg = neuromesh::registry;

constexpr int records = 10'000;
constexpr int capability_kinds = 20;  // each record holds 3 of them: a filter matches ~15 %

std::string id_of(int i) { return fmt::format("neuron-{:05}", i); }

reg::neuron_record make_record(int i) {
  reg::neuron_record r;
  r.neuron_id = id_of(i);
  r.capabilities = {fmt::format("cap{}", i % capability_kinds),
                    fmt::format("cap{}", (i * 7 + 3) % capability_kinds),
                    fmt::format("cap{}", (i * 13 + 5) % capability_kinds)};
  r.version = "1.0";
  r.last_heartbeat = reg::now_utc();
  return r;
}

// One store per backend, filled with `records` records on first use.
struct backend_state {
  std::unique_ptr<reg::registry_store> store;
  bool filled = false;
};

std::map<std::string, backend_state>& backends() {
  static std::map<std::string, backend_state> all;
  return all;
}

const std::string sqlite_dir =
    (std::filesystem::temp_directory_path() / fmt::format("nm_registry_bench_{}", ::getpid()))
        .string();
const std::string pg_schema = fmt::format("nm_registry_bench_{}", ::getpid());

reg::registry_store& store_for(const std::string& name) {
  static std::mutex mu;  // the concurrent benchmarks' threads all ask at once
  std::lock_guard lock(mu);
  auto& b = backends()[name];
  if (!b.store) {
    if (name == "memory") {
      b.store = std::make_unique<reg::memory_store>();
    } else if (name == "sqlite") {
      std::filesystem::create_directories(sqlite_dir);
      b.store = std::make_unique<reg::sqlite_store>(sqlite_dir + "/registry.db");
    } else {
      reg::postgres_options o;
      o.dsn = std::getenv("NEUROMESH_PG_DSN");
      o.schema = pg_schema;
      b.store = std::make_unique<reg::postgres_store>(std::move(o));
    }
    if (auto c = b.store->connect(); !c) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(), c.error().message.c_str());
      std::exit(1);
    }
  }
  if (!b.filled) {
    for (int i = 0; i < records; ++i) (void)b.store->upsert(make_record(i));
    b.filled = true;
  }
  return *b.store;
}

void check(benchmark::State& state, bool ok) {
  if (!ok) state.SkipWithError("store call failed");
}

void bm_upsert(benchmark::State& state, std::string backend) {
  auto& store = store_for(backend);
  int i = 0;
  for (auto _ : state) check(state, bool(store.upsert(make_record(i++ % records))));
  state.SetItemsProcessed(state.iterations());
}

void bm_touch_heartbeat(benchmark::State& state, std::string backend) {
  auto& store = store_for(backend);
  std::vector<std::string> ids;
  for (int i = 0; i < records; ++i) ids.push_back(id_of(i));
  int i = 0;
  for (auto _ : state)
    check(state, bool(store.touch_heartbeat(ids[i++ % records], reg::now_utc())));
  state.SetItemsProcessed(state.iterations());
}

// 16 callers at once, as a node's threads would be: PostgreSQL shares their commits (the
// storage core's group writer; a batch's heartbeats are one statement); the registry's
// SQLite store commits per call under its one connection's mutex.
void bm_touch_heartbeat_concurrent(benchmark::State& state, std::string backend) {
  auto& store = store_for(backend);
  const auto threads = static_cast<std::size_t>(state.threads());
  const auto me = static_cast<std::size_t>(state.thread_index());
  std::size_t i = 0;
  for (auto _ : state) {
    const auto n = (i++ * threads + me) % records;
    check(state, bool(store.touch_heartbeat(id_of(static_cast<int>(n)), reg::now_utc())));
  }
  state.SetItemsProcessed(state.iterations());
}

void bm_get(benchmark::State& state, std::string backend) {
  auto& store = store_for(backend);
  std::vector<std::string> ids;
  for (int i = 0; i < records; ++i) ids.push_back(id_of((i * 7919) % records));
  int i = 0;
  for (auto _ : state) {
    auto r = store.get(ids[i++ % records]);
    check(state, r && *r);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void bm_list_capability(benchmark::State& state, std::string backend) {
  auto& store = store_for(backend);
  reg::list_options filter;
  filter.capability = "cap7";
  std::size_t matched = 0;
  for (auto _ : state) {
    auto r = store.list(filter);
    check(state, bool(r));
    matched = r ? r->size() : 0;
    benchmark::DoNotOptimize(r);
  }
  state.counters["matched"] = static_cast<double>(matched);
}

void bm_list_all(benchmark::State& state, std::string backend) {
  auto& store = store_for(backend);
  for (auto _ : state) {
    auto r = store.list();
    check(state, r && r->size() == records);
    benchmark::DoNotOptimize(r);
  }
}

void register_backend(const std::string& name) {
  const auto add = [&](const char* what, void (*fn)(benchmark::State&, std::string)) {
    benchmark::RegisterBenchmark(fmt::format("{}/{}", what, name).c_str(), fn, name)
        ->MinTime(0.2)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  };
  add("upsert", bm_upsert);
  add("touch_heartbeat", bm_touch_heartbeat);
  benchmark::RegisterBenchmark(fmt::format("touch_heartbeat_16_callers/{}", name).c_str(),
                               bm_touch_heartbeat_concurrent, name)
      ->MinTime(0.2)
      ->Threads(16)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
  add("get", bm_get);
  add("list_capability", bm_list_capability);
  add("list_all", bm_list_all);
}

}  // namespace

int main(int argc, char** argv) {
  register_backend("memory");
  register_backend("sqlite");
  const char* dsn = std::getenv("NEUROMESH_PG_DSN");
  if (dsn != nullptr && *dsn != '\0') {
    register_backend("postgres");
  } else {
    std::fprintf(stderr,
                 "registry_store_bench: NEUROMESH_PG_DSN is not set; PostgreSQL benchmarks "
                 "left out (scripts/services start DIR; source DIR/env)\n");
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  for (auto& [name, b] : backends())
    if (b.store) b.store->close();
  std::filesystem::remove_all(sqlite_dir);
  if (dsn != nullptr && *dsn != '\0') {
    try {
      pqxx::connection c(dsn);
      pqxx::nontransaction tx(c);
      tx.exec("DROP SCHEMA IF EXISTS " + tx.quote_name(pg_schema) + " CASCADE");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "registry_store_bench: dropping %s: %s\n", pg_schema.c_str(), e.what());
    }
  }
  return 0;
}
