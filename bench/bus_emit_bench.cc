// The public emit path beside the shard ingest it is built on (issue 17): the same pre-hashed
// 7-byte event pushed
//   shard_push          — into one detail::shard, no worker (Net's shard/ingest_raw);
//   net_emit_raw_parked — through net::emit_raw on a running bus whose worker is parked in a
//                         held adapter, so only the API and routing are added;
//   net_emit_raw        — through net::emit_raw while the worker drains into the memory
//                         adapter's retained log (what a user pays; Net's 46 ns M1 figure).
// Times are the producer thread's CPU time (the machine is shared); real time is beside it.
#include "neuromesh/bus/net.h"
#include "shard.h"

#include <benchmark/benchmark.h>

#include <condition_variable>
#include <memory>
#include <mutex>

namespace {

using namespace neuromesh::bus;

void shard_push(benchmark::State& state) {
  detail::shard s(0, 1 << 20, backpressure::drop_oldest);
  auto ev = raw_event::copy_of(R"({"i":0})");
  for (auto _ : state) benchmark::DoNotOptimize(s.push(ev));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(shard_push)->MinTime(0.2);

// Holds every on_batch until opened.
class parked_adapter final : public adapter {
 public:
  boost::system::result<void> init(std::uint16_t) override { return {}; }
  boost::system::result<void> on_batch(const batch&,
                                       std::chrono::steady_clock::time_point) override {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return open_; });
    return {};
  }
  boost::system::result<shard_page> poll_shard(std::uint16_t, std::string_view,
                                               std::size_t) override {
    return shard_page{};
  }
  boost::system::result<std::string> last_id(std::uint16_t) override { return std::string(); }
  std::string_view name() const noexcept override { return "parked"; }
  bool is_healthy() const noexcept override { return true; }
  void open() {
    {
      std::lock_guard lk(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

void net_emit_raw_parked(benchmark::State& state) {
  parked_adapter* parked = nullptr;
  auto node = net::builder()
                  .shards(1)
                  .custom([&](const bus_config&) {
                    auto a = std::make_unique<parked_adapter>();
                    parked = a.get();
                    return a;
                  })
                  .build();
  auto ev = raw_event::copy_of(R"({"i":0})");
  for (auto _ : state) benchmark::DoNotOptimize(node.emit_raw(ev));
  state.SetItemsProcessed(state.iterations());
  parked->open();
  (void)node.shutdown();
}
BENCHMARK(net_emit_raw_parked)->MinTime(0.2);

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
BENCHMARK(net_emit_raw)->Arg(1)->Arg(4)->MinTime(0.2);

}  // namespace

BENCHMARK_MAIN();
