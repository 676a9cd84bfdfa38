// The storage core's group writer on a SQLite file (WAL, synchronous=NORMAL): durable
// one-row writes per second when callers submit one at a time (each waits for its commit)
// versus a batch of 256 in flight (they share transactions).
#include "neuromesh/registry/storage/group_writer.h"
#include "neuromesh/registry/storage/sqlite.h"

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <filesystem>
#include <future>
#include <string>

namespace {

namespace storage = neuromesh::registry::storage;

struct sqlite_fixture {
  std::string path;
  storage::sqlite_connection db;
  storage::sqlite_statement write;
  sqlite_fixture() {
    path = (std::filesystem::temp_directory_path() /
            ("group-writer-bench-" + std::to_string(::getpid()) + ".db"))
               .string();
    storage::sqlite_open_options o;
    o.path = path;
    db.open(o);
    db.exec("CREATE TABLE IF NOT EXISTS beats(id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
    db.prepare(write,
               "INSERT INTO beats(id, n) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET n = ?2");
  }
  ~sqlite_fixture() {
    write.finalize();
    db.close();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  bool apply(std::int64_t i) {
    storage::sqlite_reset_guard g(write);
    write.bind_int64(1, i % 1000);
    write.bind_int64(2, i);
    return db.step(write) == SQLITE_DONE;
  }
};

void BM_group_writer_sqlite(benchmark::State& state) {
  const auto in_flight = static_cast<int>(state.range(0));
  sqlite_fixture f;
  storage::group_writer writer(f.db, "bench");
  std::int64_t n = 0;
  for (auto _ : state) {
    std::promise<void> last;
    auto done = last.get_future();
    for (int k = 0; k < in_flight; ++k) {
      auto i = n++;
      writer.submit([&f, i] { return f.apply(i); },
                    k + 1 == in_flight
                        ? std::function<void(bool)>([&last](bool) { last.set_value(); })
                        : nullptr);
    }
    done.wait();
  }
  state.SetItemsProcessed(n);
  auto s = writer.stats();
  state.counters["writes_per_commit"] =
      s.transactions ? static_cast<double>(s.writes) / static_cast<double>(s.transactions) : 0;
}
BENCHMARK(BM_group_writer_sqlite)->Arg(1)->Arg(256)->UseRealTime();

}  // namespace
BENCHMARK_MAIN();
