// `neuromesh bench bus [--quick] [--json]`: the event bus's core benchmark set, run in-process
// with plain timing loops, printed beside the figures the reference (Net) published for the
// same benchmarks (reference/net-mesh.md §3.1: Apple M1 Max and Intel i9-14900K).
//
// Each figure is measured on the public API of a running bus (its shard workers drain into
// the adapter while we time), so it includes what a user pays. ns/event is wall-clock; the
// producer thread's CPU time is shown beside it because on a shared machine wall time also
// counts other processes. The Google Benchmarks in bench/bus_*_bench.cc measure the shard
// internals without workers, which is what Net's own figures measure. The two emit_path rows
// put the public path beside the shard ingest under it: the same call with the worker parked
// (ingest + routing + API) and with it draining (what a user pays). The machine's load
// average is printed with the figures.
#include "command.h"
#include "neuromesh/bus/memory_adapter.h"
#include "neuromesh/bus/net.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace bus = neuromesh::bus;
using steady = std::chrono::steady_clock;

struct reference {
  double m1_ns;
  double i9_ns;
};

struct figure {
  std::string name;
  double wall_ns = 0;
  double cpu_ns = 0;
  double events_per_s = 0;
  std::optional<reference> ref;
};

double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// Times n calls of step on this thread.
template <class F>
figure time_loop(std::string name, std::size_t n, F&& step, std::optional<reference> ref) {
  for (std::size_t i = 0; i < n / 10; ++i) step(i);  // warm-up
  auto c0 = thread_cpu_ns();
  auto t0 = steady::now();
  for (std::size_t i = 0; i < n; ++i) step(i);
  auto wall = std::chrono::duration<double, std::nano>(steady::now() - t0).count();
  auto cpu = thread_cpu_ns() - c0;
  figure f{std::move(name), wall / n, cpu / n, 1e9 * n / wall, ref};
  return f;
}

bus::net make_node(std::uint16_t shards, std::size_t capacity) {
  return bus::net::builder()
      .shards(shards)
      .ring_capacity(capacity)
      .retention(bus::retention_config{.max_events = 1 << 16, .max_bytes = 64 << 20})
      .memory()
      .build();
}

std::string payload_of(std::size_t bytes) {
  std::string s = R"({"data":")";
  while (s.size() + 2 < bytes) s += 'x';
  return s + "\"}";
}

figure ingest_raw(std::string name, std::uint16_t shards, std::size_t capacity, std::size_t n,
                  const std::string& payload, std::optional<reference> ref) {
  auto node = make_node(shards, capacity);
  std::vector<bus::raw_event> evs;
  for (int i = 0; i < 256; ++i) {
    evs.push_back(bus::raw_event::copy_of(
        payload.empty() ? R"({"token":"t)" + std::to_string(i) + R"(","index":0})" : payload));
  }
  auto f = time_loop(
      std::move(name), n, [&](std::size_t i) { (void)node.emit_raw(evs[i & 255]); }, ref);
  (void)node.shutdown();
  return f;
}

figure ingest_json(std::string name, std::size_t n, const boost::json::value& v,
                   std::optional<reference> ref) {
  auto node = make_node(4, 1 << 20);
  auto f = time_loop(
      std::move(name), n, [&](std::size_t) { (void)node.emit(v); }, ref);
  (void)node.shutdown();
  return f;
}

figure concurrent(int producers, std::size_t per_thread, std::optional<reference> ref) {
  auto node = make_node(16, 1 << 16);
  std::vector<bus::raw_event> evs;
  for (int i = 0; i < 256; ++i) {
    evs.push_back(bus::raw_event::copy_of(R"({"token":"t)" + std::to_string(i) + R"("})"));
  }
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  std::vector<double> cpu(static_cast<std::size_t>(producers), 0.0);
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      auto c0 = thread_cpu_ns();
      std::size_t k = static_cast<std::size_t>(p) * 97;
      for (std::size_t i = 0; i < per_thread; ++i) (void)node.emit_raw(evs[k++ & 255]);
      cpu[static_cast<std::size_t>(p)] = thread_cpu_ns() - c0;
    });
  }
  while (ready.load() < producers) std::this_thread::yield();
  auto t0 = steady::now();
  go.store(true);
  for (auto& t : threads) t.join();
  auto wall = std::chrono::duration<double, std::nano>(steady::now() - t0).count();
  (void)node.shutdown();
  double total = static_cast<double>(per_thread) * producers;
  double cpu_sum = 0;
  for (double c : cpu) cpu_sum += c;
  return {fmt::format("event_bus_ingest_raw_concurrent/{}", producers), wall / total,
          cpu_sum / total, 1e9 * total / wall, ref};
}

// An adapter that counts and discards, holding its first batch until opened, so the ring can
// be filled before the drain is timed.
class held_counter final : public bus::adapter {
 public:
  boost::system::result<void> init(std::uint16_t) override { return {}; }
  boost::system::result<void> on_batch(const bus::batch& b,
                                       std::chrono::steady_clock::time_point) override {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return open_; });
    count_ += b.events.size();
    return {};
  }
  boost::system::result<bus::shard_page> poll_shard(std::uint16_t, std::string_view,
                                                    std::size_t) override {
    return bus::shard_page{};
  }
  boost::system::result<std::string> last_id(std::uint16_t) override { return std::string(); }
  std::string_view name() const noexcept override { return "held-counter"; }
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
  std::size_t count_ = 0;
};

// The public emit path beside the shard ingest under it (issue 17), the same 7-byte event on
// one shard: with the worker parked in a held adapter (only ingest, routing and the API are
// timed) and with the worker draining into the memory adapter (what a user pays).
figure emit_path(bool parked, std::size_t n, std::optional<reference> ref) {
  held_counter* held = nullptr;
  auto b = bus::net::builder().shards(1).retention(
      bus::retention_config{.max_events = 1 << 16, .max_bytes = 64 << 20});
  if (parked) {
    b.custom([&](const bus::bus_config&) {
      auto a = std::make_unique<held_counter>();
      held = a.get();
      return a;
    });
  } else {
    b.memory();
  }
  auto node = b.build();
  auto ev = bus::raw_event::copy_of(R"({"i":0})");
  auto f = time_loop(
      parked ? "emit_path/net_emit_raw, worker parked" : "emit_path/net_emit_raw, worker draining",
      n, [&](std::size_t) { (void)node.emit_raw(ev); }, ref);
  if (held) held->open();
  (void)node.shutdown();
  return f;
}

// Fills one shard's ring while the adapter is held, then times the worker draining it.
figure batch_drain(std::size_t n, std::optional<reference> ref) {
  held_counter* held = nullptr;
  auto node = bus::net::builder()
                  .shards(1)
                  .ring_capacity(std::bit_ceil(n) * 2)
                  .batching(bus::batch_config{.min_size = 10'000, .max_size = 10'000})
                  .custom([&](const bus::bus_config&) {
                    auto a = std::make_unique<held_counter>();
                    held = a.get();
                    return a;
                  })
                  .build();
  auto ev = bus::raw_event::copy_of(R"({"i":0})");
  for (std::size_t i = 0; i < n; ++i) (void)node.emit_raw(ev);
  auto t0 = steady::now();
  held->open();
  (void)node.flush(std::chrono::seconds(60));
  auto wall = std::chrono::duration<double, std::nano>(steady::now() - t0).count();
  (void)node.shutdown();
  return {"batch/pop_batch_steady_state", wall / n, 0, 1e9 * n / wall, ref};
}

// /proc/loadavg's first three fields: the machine may be shared, so figures carry it.
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

long rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * 4096;
}

// Retains n 34-byte events in the memory adapter and reports the resident-memory growth per
// event (payload allocation, log slot, and the ring slot the event passed through) and the
// adapter's own accounting (payload + header + log slot).
boost::json::object retained_memory(std::size_t n) {
  auto before = rss_bytes();
  auto node =
      bus::net::builder()
          .shards(1)
          .ring_capacity(1 << 20)
          .retention(bus::retention_config{.max_events = n, .max_bytes = std::size_t{1} << 34})
          .memory()
          .build();
  std::size_t payload = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto text = fmt::format(R"({{"token":"hello","index":{:08}}})", i);
    payload = text.size();
    (void)node.emit_str(text);
  }
  (void)node.flush();
  auto after = rss_bytes();
  auto st = node.stats();
  boost::json::object o;
  o["events"] = st.retained_events;
  o["payload_bytes"] = payload;
  o["ring_slot_bytes"] = sizeof(bus::internal_event);
  o["accounted_bytes_per_event"] =
      st.retained_events ? static_cast<double>(st.retained_bytes) / st.retained_events : 0.0;
  o["rss_bytes_per_event"] = static_cast<double>(after - before) / static_cast<double>(n);
  (void)node.shutdown();
  return o;
}

void run_bus_bench(bool quick, bool json) {
  const std::size_t n = quick ? 300'000 : 3'000'000;
  // First, while the heap is fresh, so the resident-memory growth is the retained log's.
  auto mem = retained_memory(quick ? 100'000 : 1'000'000);
  const std::string p35 = R"({"token":"hello","index":12345678})";
  std::vector<figure> figs;
  auto add = [&](figure f) {
    if (!json) {
      std::string ref = f.ref ? fmt::format("{:>8.1f} {:>8.1f}", f.ref->m1_ns, f.ref->i9_ns)
                              : fmt::format("{:>8} {:>8}", "-", "-");
      std::fprintf(stdout, "%-42s %9.1f %9.1f %12.2f   %s\n", f.name.c_str(), f.wall_ns, f.cpu_ns,
                   f.events_per_s / 1e6, ref.c_str());
      std::fflush(stdout);
    }
    figs.push_back(std::move(f));
  };
  if (!json) {
    std::printf("%-42s %9s %9s %12s   %8s %8s\n", "benchmark", "ns/ev", "cpu ns", "M ev/s",
                "Net M1", "Net i9");
  }
  add(emit_path(true, n, std::nullopt));
  add(emit_path(false, n, reference{46.4, 102}));
  add(ingest_raw("shard/ingest_raw/1024", 1, 1 << 10, n, "", reference{46.4, 102}));
  add(ingest_raw("shard/ingest_raw/65536", 1, 1 << 16, n, "", reference{46.4, 102}));
  add(ingest_raw("shard/ingest_raw/1048576", 1, 1 << 20, n, "", reference{39.2, 73}));
  for (std::uint16_t s : {1, 4, 8, 16}) {
    add(ingest_raw(fmt::format("shard_manager/ingest_raw/{}", s), s, 1 << 20, n, p35,
                   reference{46.4, 165}));
  }
  for (std::size_t size : {50, 200, 1024}) {
    add(ingest_raw(fmt::format("event_size/{}_raw", size), 4, 1 << 20, n, payload_of(size),
                   reference{46, 165}));
  }
  add(ingest_json("shard_manager/ingest_json", n / 4,
                  boost::json::parse(R"({"token":"hello","index":12345})"), reference{364, 550}));
  const reference json_refs[] = {{289, 509}, {810, 1150}, {2660, 4530}};
  int k = 0;
  for (std::size_t size : {50, 200, 1024}) {
    add(ingest_json(fmt::format("event_size/{}_json", size), n / 8,
                    boost::json::parse(payload_of(size)), json_refs[k++]));
  }
  // Net's figures for these are events/s; shown as ns/event here (1e3 / M ev/s).
  add(concurrent(1, n, reference{1e3 / 15.6, 1e3 / 8.3}));
  add(concurrent(2, n / 2, reference{1e3 / 9.8, 1e3 / 9.9}));
  add(batch_drain(quick ? 200'000 : 1'000'000, reference{1e3 / 26.2, 1e3 / 13.85}));

  if (json) {
    boost::json::object out, benches;
    for (const auto& f : figs) {
      boost::json::object o;
      o["ns_per_event"] = f.wall_ns;
      if (f.cpu_ns > 0) o["cpu_ns_per_event"] = f.cpu_ns;
      o["events_per_s"] = f.events_per_s;
      if (f.ref) {
        o["reference_m1_max_ns_per_event"] = f.ref->m1_ns;
        o["reference_i9_14900k_ns_per_event"] = f.ref->i9_ns;
      }
      benches[f.name] = std::move(o);
    }
    out["benchmarks"] = std::move(benches);
    out["retained_memory"] = std::move(mem);
    out["quick"] = quick;
    out["hardware_threads"] = std::thread::hardware_concurrency();
    out["load_average"] = load_average();
    std::printf("%s\n", boost::json::serialize(out).c_str());
  } else {
    std::printf("\nretained events: %s\n", boost::json::serialize(mem).c_str());
    std::printf("load average (1/5/15 min) while measuring: %s on %u hardware threads\n",
                load_average().c_str(), std::thread::hardware_concurrency());
    std::printf("(reference: Net, criterion, M1 Max / i9-14900K, 2026-06-12)\n");
  }
}

void add_bench(CLI::App& root) {
  auto* cmd = root.add_subcommand("bench", "Run built-in benchmarks of a layer");
  cmd->require_subcommand(1);
  auto* b = cmd->add_subcommand("bus", "Event-bus core benchmarks beside Net's published figures");
  static bool quick = false;
  static bool json = false;
  b->add_flag("--quick", quick, "Fewer iterations (a few seconds)");
  b->add_flag("--json", json, "Print one JSON object");
  b->callback([] { run_bus_bench(quick, json); });
}

const neuromesh::cli::registrar reg{"bench", 90, add_bench};

}  // namespace
