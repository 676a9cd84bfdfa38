// Engram hot paths, called directly on each backend (memory, SQLite file, PostgreSQL via
// NEUROMESH_PG_DSN; its benchmarks are left out with a message if unset).
//   imprint/<backend>            one append (a transaction per imprint on the SQL backends)
//   recall_merge_key/<backend>   recall by merge_key among 10,000 entries
//   text_recall_100k/<backend>   text recall of a needle matching 1 of 100,000 entries
//                                (SQLite: FTS5 trigram index; PostgreSQL: pg_trgm GIN index;
//                                memory: a scan). Target <= 5 ms on SQLite.
//   imprint_durable/sqlite_{normal,full}/<journalled>  imprint with the saga journal on a
//                                WAL file, synchronous=NORMAL (crash-safe, the default) or FULL
//                                (power-loss safe: one fsync per imprint).
//
//   build/release/bench/runtime_engram_bench --benchmark_min_time=0.1
#include "neuromesh/runtime/engram_memory.h"
#include "neuromesh/runtime/engram_postgres.h"
#include "neuromesh/runtime/engram_sqlite.h"

#include <benchmark/benchmark.h>
#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <sqlite3.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>

namespace {

namespace rt = neuromesh::runtime;
namespace json = boost::json;

constexpr int small_set = 10'000;
constexpr int large_set = 100'000;

const std::filesystem::path bench_dir =
    std::filesystem::temp_directory_path() / fmt::format("nm_engram_bench_{}", ::getpid());
const std::string pg_schema = fmt::format("nm_engram_bench_{}", ::getpid());

std::string pg_dsn() {
  const char* dsn = std::getenv("NEUROMESH_PG_DSN");
  return dsn == nullptr ? "" : dsn;
}

json::value content_of(int i) {
  return json::object{{"text", fmt::format("note {} about topic tok{}x and more words", i, i)},
                      {"n", i}};
}

std::unique_ptr<rt::engram> make(const std::string& backend, const std::string& name,
                                 bool fsync = false) {
  rt::engram_identity id{"bench", "context", {}, std::nullopt};
  std::unique_ptr<rt::engram> e;
  if (backend == "memory") {
    e = std::make_unique<rt::memory_engram>(id);
  } else if (backend == "sqlite") {
    std::filesystem::create_directories(bench_dir);
    rt::sqlite_engram_options o;
    o.path = (bench_dir / (name + ".db")).string();
    o.identity = id;
    o.fsync_every_commit = fsync;
    e = std::make_unique<rt::sqlite_engram>(std::move(o));
  } else {
    rt::postgres_engram_options o;
    o.dsn = pg_dsn();
    o.schema = pg_schema + "_" + name;
    o.identity = id;
    e = std::make_unique<rt::postgres_engram>(std::move(o));
  }
  if (auto c = e->connect(); !c) {
    std::fprintf(stderr, "%s\n", c.error().message.c_str());
    std::exit(1);
  }
  return e;
}

// Fills an engram through its own imprint path (memory, PostgreSQL).
void fill(rt::engram& e, int n) {
  for (int i = 0; i < n; ++i) {
    rt::imprint_request r;
    r.op = rt::imprint_op::append;
    r.content = content_of(i);
    r.merge_key = fmt::format("k{}", i);
    r.tags = {fmt::format("t{}", i % 10)};
    if (!e.imprint(r)) std::exit(1);
  }
}

// Fills a SQLite engram file in one transaction, as a Python writer would (the triggers
// index every row): 100,000 single-transaction imprints would only time the fsync policy.
void fill_sqlite_file(const std::string& path, int n) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO engram_entries (id, engram_kind, merge_key, content, tags, meta, "
                     "version, created_at, updated_at) VALUES (?1, 'context', ?2, ?3, ?4, '{}', "
                     "1, '2026-01-01T00:00:00+00:00', ?5)",
                     -1, &st, nullptr);
  for (int i = 0; i < n; ++i) {
    const auto id = fmt::format("eng_{:026}", i);
    const auto key = fmt::format("k{}", i);
    const auto content =
        fmt::format(R"({{"text": "note {} about topic tok{}x and more words", "n": {}}})", i, i, i);
    const auto tags = fmt::format(R"(["t{}"])", i % 10);
    const auto when = fmt::format("2026-01-01T00:00:00.{:06}+00:00", i % 1'000'000);
    sqlite3_bind_text(st, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, key.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, content.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, tags.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, when.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(st);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(db);
}

// Fills a PostgreSQL engram with one INSERT ... SELECT (the trigram index follows).
void fill_postgres(const std::string& schema, int n) {
  pqxx::connection c(pg_dsn());
  pqxx::nontransaction tx(c);
  tx.exec("SET search_path TO " + tx.quote_name(schema));
  tx.exec(fmt::format(
      "INSERT INTO cosmonapse_engram_entries (id, engram_kind, merge_key, content, tags, meta) "
      "SELECT 'eng_' || lpad(i::text, 26, '0'), 'context', 'k' || i, jsonb_build_object("
      "'text', 'note ' || i || ' about topic tok' || i || 'x and more words', 'n', i), "
      "ARRAY['t' || (i % 10)], '{{}}' FROM generate_series(0, {}) AS i",
      n - 1));
  tx.exec("ANALYZE cosmonapse_engram_entries");
}

rt::engram& filled(const std::string& backend, int n) {
  static std::map<std::string, std::unique_ptr<rt::engram>> all;
  const auto key = fmt::format("{}_{}", backend, n);
  auto& slot = all[key];
  if (!slot) {
    slot = make(backend, key);
    if (backend == "sqlite")
      fill_sqlite_file((bench_dir / (key + ".db")).string(), n);
    else if (backend == "postgres")
      fill_postgres(pg_schema + "_" + key, n);
    else
      fill(*slot, n);
  }
  return *slot;
}

bool skip_without_pg(benchmark::State& state, const std::string& backend) {
  if (backend == "postgres" && pg_dsn().empty()) {
    state.SkipWithError("NEUROMESH_PG_DSN is not set");
    return true;
  }
  return false;
}

void imprint(benchmark::State& state, const std::string& backend) {
  if (skip_without_pg(state, backend)) return;
  auto e = make(backend, "imprint");
  rt::imprint_request r;
  r.op = rt::imprint_op::append;
  r.content = content_of(1);
  r.tags = {"t"};
  for (auto _ : state) {
    auto out = e->imprint(r);
    if (!out || !out->ok()) state.SkipWithError("imprint failed");
  }
  state.SetItemsProcessed(state.iterations());
}

void recall_merge_key(benchmark::State& state, const std::string& backend) {
  if (skip_without_pg(state, backend)) return;
  auto& e = filled(backend, small_set);
  rt::recall_query q;
  int i = 0;
  for (auto _ : state) {
    q.merge_key = fmt::format("k{}", (i++ * 7919) % small_set);
    auto out = e.recall(q);
    if (!out || out->hits.size() != 1) state.SkipWithError("recall missed");
  }
  state.SetItemsProcessed(state.iterations());
}

void text_recall_100k(benchmark::State& state, const std::string& backend) {
  if (skip_without_pg(state, backend)) return;
  auto& e = filled(backend, large_set);
  rt::recall_query q;
  int i = 0;
  for (auto _ : state) {
    q.text = fmt::format("TOK{}X", (i++ * 7919) % large_set);
    auto out = e.recall(q);
    if (!out || out->hits.size() != 1) state.SkipWithError("text recall missed");
  }
  state.SetItemsProcessed(state.iterations());
}

// A journalled imprint on a WAL file; range(0): 1 = synchronous=FULL, 0 = NORMAL.
void imprint_durable(benchmark::State& state) {
  const bool fsync = state.range(0) == 1;
  auto e = make("sqlite", fsync ? "durable_full" : "durable_normal", fsync);
  rt::imprint_request r;
  r.op = rt::imprint_op::upsert;
  r.content = content_of(1);
  r.trace_id = "trc_BENCH";
  int i = 0;
  for (auto _ : state) {
    r.merge_key = fmt::format("k{}", i++ % 1000);
    auto out = e->imprint(r);
    if (!out || !out->ok()) state.SkipWithError("imprint failed");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(fsync ? "synchronous=FULL" : "synchronous=NORMAL");
}

}  // namespace

// Rates over wall-clock time: these calls wait on I/O (commits, server round trips).
BENCHMARK_CAPTURE(imprint, memory, std::string("memory"))->UseRealTime();
BENCHMARK_CAPTURE(imprint, sqlite, std::string("sqlite"))->UseRealTime();
BENCHMARK_CAPTURE(imprint, postgres, std::string("postgres"))->UseRealTime();
BENCHMARK_CAPTURE(recall_merge_key, memory, std::string("memory"))->UseRealTime();
BENCHMARK_CAPTURE(recall_merge_key, sqlite, std::string("sqlite"))->UseRealTime();
BENCHMARK_CAPTURE(recall_merge_key, postgres, std::string("postgres"))->UseRealTime();
BENCHMARK_CAPTURE(text_recall_100k, memory, std::string("memory"))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(text_recall_100k, sqlite, std::string("sqlite"))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(text_recall_100k, postgres, std::string("postgres"))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(imprint_durable)->Arg(0)->Arg(1)->UseRealTime();

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ec;
  std::filesystem::remove_all(bench_dir, ec);
  if (!pg_dsn().empty()) {
    try {
      pqxx::connection c(pg_dsn());
      pqxx::nontransaction tx(c);
      for (const char* name : {"imprint", "postgres_10000", "postgres_100000"})
        tx.exec("DROP SCHEMA IF EXISTS " + tx.quote_name(pg_schema + "_" + name) + " CASCADE");
    } catch (const std::exception&) {
    }
  }
  return 0;
}
