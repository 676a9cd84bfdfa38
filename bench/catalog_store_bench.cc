// The catalog's instance stores without HTTP: durable heartbeats per second through
// instance_store::submit with 1 or 256 in flight (the group writer shares commits between
// the writes queued together), on SQLite and PostgreSQL (NEUROMESH_PG_DSN; left out with a
// message when unset). The ceiling the store puts under bench/catalog_wrk.sh's heartbeats.
//
//   build/release/bench/catalog_store_bench --benchmark_min_time=0.1
#include "neuromesh/catalog/instance_store.h"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

namespace {

using namespace neuromesh::catalog;

constexpr int instances = 1000;

std::string sqlite_path() {
  return (std::filesystem::temp_directory_path() /
          fmt::format("catalog-store-bench-{}.db", ::getpid()))
      .string();
}

std::string id_of(int i) { return fmt::format("bench-inst-{}", i); }

std::unique_ptr<instance_store> open_seeded(const std::string& backend) {
  std::unique_ptr<instance_store> store;
  if (backend == "sqlite") {
    std::filesystem::remove(sqlite_path());
    store = open_instance_store({store_url::kind::sqlite, sqlite_path()}).value();
  } else {
    store =
        open_instance_store({store_url::kind::postgres, std::getenv("NEUROMESH_PG_DSN")}).value();
  }
  std::vector<instance_write> seed;
  for (int i = 0; i < instances; ++i) {
    instance_record r;
    r.instance_id = id_of(i);
    r.name = std::string("agent");
    r.version = std::string("1");
    r.host = fmt::format("host-{}", i);
    r.last_seen = wall_clock::now();
    r.seq = i;
    seed.push_back(instance_write::upsert(std::move(r)));
  }
  if (!store->write(std::move(seed))) std::fprintf(stderr, "%s: seeding failed\n", backend.c_str());
  return store;
}

void cleanup(instance_store& store, const std::string& backend) {
  std::vector<std::string> ids;
  for (int i = 0; i < instances; ++i) ids.push_back(id_of(i));
  (void)store.erase(ids);
  if (backend == "sqlite") {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(sqlite_path() + suffix);
  }
}

void bm_heartbeats(benchmark::State& state, std::string backend) {
  const auto in_flight = static_cast<int>(state.range(0));
  auto store = open_seeded(backend);
  int n = 0;
  bool ok = true;
  for (auto _ : state) {
    std::promise<void> last;
    auto done = last.get_future();
    for (int k = 0; k < in_flight; ++k) {
      const bool is_last = k + 1 == in_flight;
      store->submit(instance_write::heartbeat(id_of(n++ % instances), wall_clock::now()),
                    [&ok, &last, is_last](bool committed) {
                      if (!committed) ok = false;  // writer thread; read after the wait
                      if (is_last) last.set_value();
                    });
    }
    done.wait();
  }
  if (!ok) state.SkipWithError("a heartbeat did not commit");
  state.SetItemsProcessed(n);
  cleanup(*store, backend);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> backends{"sqlite"};
  const char* dsn = std::getenv("NEUROMESH_PG_DSN");
  if (dsn != nullptr && *dsn != '\0') {
    backends.push_back("postgres");
  } else {
    std::fprintf(stderr, "catalog_store_bench: NEUROMESH_PG_DSN is not set; PostgreSQL left out\n");
  }
  for (const auto& b : backends) {
    benchmark::RegisterBenchmark(fmt::format("heartbeats/{}", b).c_str(), bm_heartbeats, b)
        ->Arg(1)
        ->Arg(256)
        ->UseRealTime();
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
