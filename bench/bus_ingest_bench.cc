// Ingest through the shard map into 1/4/8/16 shards (Net's shard_manager/ingest_raw/N, no
// workers), raw payload sizes 50 B / 200 B / 1 KB (event_size/*_raw), JSON ingest of a
// ~35-byte object (shard_manager/ingest_json and event_size/*_json), and the full bus
// (workers + memory adapter) for comparison.
#include "neuromesh/bus/net.h"
#include "shard.h"
#include "shard_map.h"

#include <benchmark/benchmark.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <memory>
#include <string>
#include <vector>

namespace {

using namespace neuromesh::bus;

// A ShardManager-equivalent: the routing and per-shard rings the bus uses, without workers.
struct shard_set {
  std::vector<std::unique_ptr<detail::shard>> shards;
  detail::shard_map map;
  explicit shard_set(std::uint16_t n) : map(n) {
    for (std::uint16_t i = 0; i < n; ++i) {
      shards.push_back(std::make_unique<detail::shard>(i, 1 << 20, backpressure::drop_oldest));
    }
  }
  auto push(const raw_event& ev) { return shards[map.for_hash(ev.hash())]->push(ev); }
};

std::string payload_of(std::size_t bytes) {
  std::string s = R"({"data":")";
  while (s.size() + 2 < bytes) s += 'x';
  return s + "\"}";
}

void shard_manager_ingest_raw(benchmark::State& state) {
  shard_set set(static_cast<std::uint16_t>(state.range(0)));
  std::vector<raw_event> evs;
  for (int i = 0; i < 256; ++i) {
    evs.push_back(raw_event::copy_of(R"({"token":"t)" + std::to_string(i) + R"(","index":0})"));
  }
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(set.push(evs[i++ & 255]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(shard_manager_ingest_raw)->Arg(1)->Arg(4)->Arg(8)->Arg(16)->MinTime(0.2);

void event_size_raw(benchmark::State& state) {
  shard_set set(4);
  auto ev = raw_event::copy_of(payload_of(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) benchmark::DoNotOptimize(set.push(ev));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(event_size_raw)->Arg(50)->Arg(200)->Arg(1024)->MinTime(0.2);

// Serialise a JSON value into a payload, hash it, push it (Net's ingest_json).
void shard_manager_ingest_json(benchmark::State& state) {
  shard_set set(4);
  auto v = boost::json::parse(R"({"token":"hello","index":12345})");  // 31 B
  for (auto _ : state) {
    auto ev = raw_event::copy_of(boost::json::serialize(v));
    benchmark::DoNotOptimize(set.push(ev));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(shard_manager_ingest_json)->MinTime(0.2);

void event_size_json(benchmark::State& state) {
  shard_set set(4);
  auto v = boost::json::parse(payload_of(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) {
    auto ev = raw_event::copy_of(boost::json::serialize(v));
    benchmark::DoNotOptimize(set.push(ev));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(event_size_json)->Arg(50)->Arg(200)->Arg(1024)->MinTime(0.2);

// The public path: net::emit_raw / net::emit on a running bus (workers draining into the
// memory adapter's retained log).
void net_emit_raw(benchmark::State& state) {
  auto node = net::builder()
                  .shards(static_cast<std::uint16_t>(state.range(0)))
                  .retention({.max_events = 1 << 16, .max_bytes = 64 << 20})
                  .memory()
                  .build();
  auto ev = raw_event::copy_of(R"({"i":0})");
  for (auto _ : state) benchmark::DoNotOptimize(node.emit_raw(ev));
  state.SetItemsProcessed(state.iterations());
  (void)node.shutdown();
}
BENCHMARK(net_emit_raw)->Arg(1)->Arg(4)->MinTime(0.2)->UseRealTime();

void net_emit_json(benchmark::State& state) {
  auto node = net::builder()
                  .shards(4)
                  .retention({.max_events = 1 << 16, .max_bytes = 64 << 20})
                  .memory()
                  .build();
  auto v = boost::json::parse(R"({"token":"hello","index":12345})");
  for (auto _ : state) benchmark::DoNotOptimize(node.emit(v));
  state.SetItemsProcessed(state.iterations());
  (void)node.shutdown();
}
BENCHMARK(net_emit_json)->MinTime(0.2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
