// Engram round trips through MemorySynapse, per backend: an engram_client sends IMPRINT (with
// await_ack) or RECALL, an engram_host serves it on its thread pool, the reply comes back by
// parent_id. What a Neuron's binding call costs end to end in one process, beside the direct
// backend calls of runtime_engram_bench.
//   imprint_round_trip/<backend>   IMPRINT append -> IMPRINTED
//   recall_round_trip/<backend>    RECALL by merge_key among 1,000 entries -> RECALLED
// Backends: memory, sqlite (a WAL file in /tmp), postgres (NEUROMESH_PG_DSN; left out with a
// message when unset).
//   build/release/bench/runtime_engram_round_trip_bench --benchmark_min_time=0.1
#include "neuromesh/runtime/engram_client.h"
#include "neuromesh/runtime/engram_host.h"
#include "neuromesh/runtime/engram_memory.h"
#include "neuromesh/runtime/engram_postgres.h"
#include "neuromesh/runtime/engram_sqlite.h"
#include "neuromesh/synapse/memory_synapse.h"

#include <benchmark/benchmark.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
namespace rt = neuromesh::runtime;
using namespace std::chrono_literals;

const std::filesystem::path bench_dir =
    std::filesystem::temp_directory_path() / fmt::format("nm_engram_rt_bench_{}", ::getpid());

std::string pg_dsn() {
  const char* dsn = std::getenv("NEUROMESH_PG_DSN");
  return dsn == nullptr ? "" : dsn;
}

std::shared_ptr<rt::engram> make(const std::string& backend, const std::string& name) {
  rt::engram_identity id{"bench", "context", {}, std::nullopt};
  std::shared_ptr<rt::engram> e;
  if (backend == "memory") {
    e = std::make_shared<rt::memory_engram>(id);
  } else if (backend == "sqlite") {
    std::filesystem::create_directories(bench_dir);
    rt::sqlite_engram_options o;
    o.path = (bench_dir / (name + ".db")).string();
    o.identity = id;
    e = std::make_shared<rt::sqlite_engram>(std::move(o));
  } else {
    rt::postgres_engram_options o;
    o.dsn = pg_dsn();
    o.schema = fmt::format("nm_engram_rt_bench_{}_{}", ::getpid(), name);
    o.identity = id;
    e = std::make_shared<rt::postgres_engram>(std::move(o));
  }
  if (auto c = e->connect(); !c) {
    std::fprintf(stderr, "%s\n", c.error().message.c_str());
    std::exit(1);
  }
  return e;
}

// One host and one client on a MemorySynapse, driven from the benchmark thread.
class rig {
 public:
  explicit rig(std::shared_ptr<rt::engram> e)
      : host_(io_.get_executor(), bus_, {.ns = "bench", .threads = 1}),
        client_(io_.get_executor(), bus_, "bench") {
    host_.attach(std::move(e));
    run(bus_.async_connect());
    run(host_.async_start());
    run(client_.async_start());
  }
  ~rig() {
    run(client_.async_stop());
    run(host_.async_stop());
  }
  template <class T>
  T run(asio::awaitable<T> a) {
    auto f = asio::co_spawn(io_, std::move(a), asio::use_future);
    while (f.wait_for(0s) != std::future_status::ready) io_.run_one_for(100ms);
    return f.get();
  }
  rt::engram_client& client() { return client_; }

 private:
  asio::io_context io_;
  // Keeps io_ from stopping while a reply is on the pool.
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  neuromesh::synapse::memory_synapse bus_;
  rt::engram_host host_;
  rt::engram_client client_;
};

bool skip_without_pg(benchmark::State& state, const std::string& backend) {
  if (backend == "postgres" && pg_dsn().empty()) {
    state.SkipWithError("NEUROMESH_PG_DSN is not set");
    return true;
  }
  return false;
}

void imprint_round_trip(benchmark::State& state, const std::string& backend) {
  if (skip_without_pg(state, backend)) return;
  rig r(make(backend, "imprint"));
  int i = 0;
  for (auto _ : state) {
    rt::imprint_call c;
    c.target = {.id = "bench", .deadline = 5000ms};
    c.entry = {{"content", json::object{{"n", ++i}, {"text", "a note to keep"}}}};
    c.await_ack = true;
    auto out = r.run(r.client().async_imprint(std::move(c)));
    if (!out || !*out || !(*out)->ok()) state.SkipWithError("imprint failed");
  }
  state.SetItemsProcessed(state.iterations());
}

void recall_round_trip(benchmark::State& state, const std::string& backend) {
  if (skip_without_pg(state, backend)) return;
  auto e = make(backend, "recall");
  if (e->recall({})->hits.empty()) {
    for (int i = 0; i < 1000; ++i) {
      rt::imprint_request w;
      w.op = rt::imprint_op::append;
      w.content = json::object{{"n", i}};
      w.merge_key = fmt::format("k{}", i);
      (void)e->imprint(w);
    }
  }
  rig r(e);
  int i = 0;
  for (auto _ : state) {
    rt::recall_call c;
    c.target = {.id = "bench", .deadline = 5000ms};
    c.query = {{"merge_key", fmt::format("k{}", ++i % 1000)}};
    auto out = r.run(r.client().async_recall(std::move(c)));
    if (!out || out->hits.size() != 1) state.SkipWithError("recall failed");
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK_CAPTURE(imprint_round_trip, memory, std::string("memory"))->UseRealTime();
BENCHMARK_CAPTURE(imprint_round_trip, sqlite, std::string("sqlite"))->UseRealTime();
BENCHMARK_CAPTURE(imprint_round_trip, postgres, std::string("postgres"))->UseRealTime();
BENCHMARK_CAPTURE(recall_round_trip, memory, std::string("memory"))->UseRealTime();
BENCHMARK_CAPTURE(recall_round_trip, sqlite, std::string("sqlite"))->UseRealTime();
BENCHMARK_CAPTURE(recall_round_trip, postgres, std::string("postgres"))->UseRealTime();

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ec;
  std::filesystem::remove_all(bench_dir, ec);
  if (!pg_dsn().empty()) {
    try {  // the schemas made here: dropped so repeated runs leave nothing behind
      pqxx::connection c(pg_dsn());
      pqxx::nontransaction tx(c);
      for (const char* name : {"imprint", "recall"})
        tx.exec("DROP SCHEMA IF EXISTS " +
                tx.quote_name(fmt::format("nm_engram_rt_bench_{}_{}", ::getpid(), name)) +
                " CASCADE");
    } catch (const std::exception&) {
    }
  }
  return 0;
}
