// The routing table shared by the cosmo:// broker and memory_synapse (synapse/src/
// subject_index.h) with 10,000 subscriptions: a cached match (the publish hot path: one hash
// lookup, no allocation), a match that misses the cache (trie walk), and the linear scan
// over every subscription that routing did before (protocol::subject_matches per sub).
#include "neuromesh/protocol/subject.h"
#include "subject_index.h"

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

using neuromesh::synapse::detail::subject_index;

// 10,000 patterns shaped like a mesh's: per-agent inboxes, per-namespace type subscriptions,
// a few wildcard taps and queue groups.
std::vector<std::string> patterns() {
  std::vector<std::string> out;
  for (int i = 0; i < 9000; ++i) out.push_back("_INBOX.agent" + std::to_string(i) + ".*");
  for (int ns = 0; ns < 100; ++ns)
    for (const char* t :
         {"TASK", "RESULT", "STOP", "HEARTBEAT", "ERROR", "FINAL", "LOG", "DISCOVER", "REGISTER"})
      out.push_back("cosmonapse.ns" + std::to_string(ns) + "." + t);
  for (int i = 0; i < 100; ++i) out.push_back("cosmonapse.ns" + std::to_string(i) + ".>");
  return out;  // 9000 + 900 + 100
}

void fill(subject_index& idx, const std::vector<std::string>& ps) {
  std::uint64_t key = 1;
  for (const auto& p : ps) {
    std::uint32_t group = key % 7 == 0 ? 1u : 0u;  // some queue-group members
    idx.insert(p, {key++, group, nullptr});
  }
}

void BM_match_cached(benchmark::State& state) {
  subject_index idx;
  fill(idx, patterns());
  const std::string subject = "cosmonapse.ns42.TASK";
  idx.match(subject);
  for (auto _ : state) benchmark::DoNotOptimize(idx.match(subject).solo.size());
  state.SetItemsProcessed(state.iterations());
  state.counters["subs"] = static_cast<double>(idx.size());
}
BENCHMARK(BM_match_cached);

void BM_match_uncached(benchmark::State& state) {
  subject_index idx;
  fill(idx, patterns());
  std::vector<std::string> subjects;
  for (int i = 0; i < 5000; ++i) subjects.push_back("_INBOX.agent" + std::to_string(i) + ".r1");
  std::size_t i = 0;
  for (auto _ : state) {
    // Alternating over more subjects than the cache holds: every match walks the trie.
    benchmark::DoNotOptimize(idx.match(subjects[i]).solo.size());
    i = (i + 4099) % subjects.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_match_uncached);

void BM_linear_scan(benchmark::State& state) {
  auto ps = patterns();
  const std::string subject = "cosmonapse.ns42.TASK";
  for (auto _ : state) {
    std::size_t n = 0;
    for (const auto& p : ps) n += neuromesh::protocol::subject_matches(p, subject);
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_linear_scan);

void BM_subscribe_unsubscribe(benchmark::State& state) {
  subject_index idx;
  fill(idx, patterns());
  for (int i = 0; i < 100; ++i) idx.match("cosmonapse.ns" + std::to_string(i) + ".TASK");
  std::uint64_t key = 1'000'000;
  for (auto _ : state) {
    // An inbox per request, as request/reply does.
    idx.insert("_INBOX.req.*", {key, 0, nullptr});
    idx.erase("_INBOX.req.*", key++);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_subscribe_unsubscribe);

}  // namespace

BENCHMARK_MAIN();
