// What one Signal on the namespace costs the node before the store: encode it, count and
// pair it (signal_stats), append it to the ring and queue it to every open page
// (signal_feed). Swept over the number of open pages.
#include "neuromesh/node/signal_feed.h"
#include "neuromesh/node/signal_stats.h"
#include "neuromesh/protocol/builders.h"
#include "neuromesh/protocol/codec.h"

#include <benchmark/benchmark.h>

#include <vector>

namespace {

using namespace neuromesh;

void node_signal_path(benchmark::State& state) {
  node::signal_stats stats;
  node::signal_feed feed(10'000, std::size_t{1} << 30);
  std::vector<std::shared_ptr<catalog::event_stream>> pages;
  for (int i = 0; i < state.range(0); ++i) pages.push_back(feed.subscribe("{}", 0));
  auto task = protocol::task_signal(
      {.input = protocol::raw_object::parse(R"({"text":"summarise this paragraph"})").value()},
      {.directed = protocol::directed{.id = "echo-1"}});
  auto out = protocol::reply(task, protocol::signal_type::agent_output,
                             protocol::raw_object::parse(R"({"output":{"ok":true}})").value());
  std::string drained;
  std::size_t n = 0;
  for (auto _ : state) {
    const auto& s = (n++ & 1) ? out : task;
    auto text = protocol::encode(s);
    stats.observe_in(s, text.size(), node::signal_stats::clock::now());
    feed.publish(text);
    if ((n & 1023) == 0) {
      // The pages' sessions drain their queues as they write.
      for (auto& p : pages) {
        drained.clear();
        p->poll(drained, nullptr);
      }
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["pages"] = static_cast<double>(state.range(0));
}
BENCHMARK(node_signal_path)->Arg(0)->Arg(1)->Arg(4);

}  // namespace

BENCHMARK_MAIN();
