// catalog_service::handle without sockets, on the issue's data set: 1,000 instances x 5
// tools (50 distinct names). Shows what the HTTP layer adds on top (bench/catalog_wrk.sh).
#include "neuromesh/catalog/service.h"

#include <benchmark/benchmark.h>
#include <boost/json/serialize.hpp>

#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>

namespace {

using namespace neuromesh::catalog;

request make(http_method m, std::string target, std::optional<std::string> body = {}) {
  request r;
  r.method = m;
  r.target = std::move(target);
  r.body = std::move(body);
  r.client = "127.0.0.1";
  return r;
}

std::string tools_body(int i) {
  boost::json::array tools;
  for (int k = 0; k < 5; ++k) {
    int t = (i * 5 + k) % 50;
    auto name = "tool_" + std::to_string(t);
    tools.push_back(boost::json::object{
        {"name", name},
        {"description", "Runs maintenance task " + std::to_string(t) + " on the host."},
        {"inputSchema", boost::json::object{{"type", "object"}}},
        {"x-autonomy", "confirm"},
        {"x-command", "/opt/runspec/bin/" + name},
        {"x-run-as", "svc-ops"},
        {"x-become-method", "sudo"}});
  }
  return boost::json::serialize(boost::json::object{{"tools", tools}});
}

std::string sqlite_path() {
  return (std::filesystem::temp_directory_path() /
          ("catalog-bench-" + std::to_string(::getpid()) + ".db"))
      .string();
}

std::unique_ptr<catalog_service> seeded(bool sqlite) {
  service_options o;
  o.limits.enabled = false;
  std::unique_ptr<instance_store> store;
  if (sqlite) {
    std::filesystem::remove(sqlite_path());
    store = open_instance_store({store_url::kind::sqlite, sqlite_path()}).value();
  } else {
    store = make_memory_store();
  }
  auto s = std::make_unique<catalog_service>(std::move(store), o);
  for (int i = 0; i < 1000; ++i) {
    auto id = "inst-" + std::to_string(i);
    s->handle(make(http_method::post, "/instances",
                   R"({"instance_id":")" + id + R"(","name":"agent","version":"1","host":"host-)" +
                       std::to_string(i) + R"(","heartbeat_interval":3600})"));
    s->handle(make(http_method::post, "/instances/" + id + "/tools", tools_body(i)));
  }
  return s;
}

void BM_health(benchmark::State& state) {
  auto s = seeded(false);
  auto req = make(http_method::get, "/health");
  for (auto _ : state) benchmark::DoNotOptimize(s->handle(req));
}
BENCHMARK(BM_health)->MinTime(0.2);

void BM_tools_cached(benchmark::State& state) {
  auto s = seeded(false);
  auto req = make(http_method::get, "/tools");
  std::size_t bytes = 0;
  for (auto _ : state) bytes = s->handle(req).text().size();
  state.counters["body_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_tools_cached)->MinTime(0.2);

// A tools update before every read: the grouped view is rebuilt each time (the
// reference's cost on every GET /tools).
void BM_tools_rebuild(benchmark::State& state) {
  auto s = seeded(false);
  auto read = make(http_method::get, "/tools");
  auto write = make(http_method::post, "/instances/inst-7/tools", tools_body(7));
  for (auto _ : state) {
    s->handle(write);
    benchmark::DoNotOptimize(s->handle(read));
  }
}
BENCHMARK(BM_tools_rebuild)->MinTime(0.2)->Unit(benchmark::kMillisecond);

void BM_tool_by_name(benchmark::State& state) {
  auto s = seeded(false);
  auto req = make(http_method::get, "/tools/tool_17");
  for (auto _ : state) benchmark::DoNotOptimize(s->handle(req));
}
BENCHMARK(BM_tool_by_name)->MinTime(0.2);

void BM_instances_cached(benchmark::State& state) {
  auto s = seeded(false);
  auto req = make(http_method::get, "/instances");
  for (auto _ : state) benchmark::DoNotOptimize(s->handle(req));
}
BENCHMARK(BM_instances_cached)->MinTime(0.2);

// Heartbeat, memory store vs SQLite (arg 1). With SQLite the ack is pending until the
// group commit; the loop waits for each one, so this is the unbatched (worst) case.
void BM_heartbeat(benchmark::State& state) {
  bool sqlite = state.range(0) == 1;
  auto s = seeded(sqlite);
  int i = 0;
  std::vector<request> reqs;
  for (int k = 0; k < 1000; ++k) {
    reqs.push_back(make(http_method::post, "/instances/inst-" + std::to_string(k) + "/heartbeat"));
  }
  for (auto _ : state) {
    auto r = s->handle(reqs[i++ % 1000]);
    if (r.pending) {
      std::mutex mu;
      std::condition_variable cv;
      bool done = false;
      r.pending->on_done([&](bool) {
        std::lock_guard lock(mu);
        done = true;
        cv.notify_one();
      });
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return done; });
    }
  }
  state.SetLabel(sqlite ? "sqlite (durable, unbatched)" : "memory");
  if (sqlite) std::filesystem::remove(sqlite_path());
}
BENCHMARK(BM_heartbeat)->Arg(0)->Arg(1)->MinTime(0.2);

void BM_register_validation_error(benchmark::State& state) {
  auto s = seeded(false);
  auto req = make(http_method::post, "/instances", R"({"instance_id":"x","name":3})");
  for (auto _ : state) benchmark::DoNotOptimize(s->handle(req));
}
BENCHMARK(BM_register_validation_error)->MinTime(0.2);

}  // namespace

BENCHMARK_MAIN();
