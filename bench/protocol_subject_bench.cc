// Subject matching (the reference's token walk) and subject construction.
#include "neuromesh/protocol/subject.h"

#include <benchmark/benchmark.h>

namespace {

using namespace neuromesh::protocol;

void match_bench(benchmark::State& state, std::string pattern, std::string subject) {
  for (auto _ : state) {
    bool m = subject_matches(pattern, subject);
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK_CAPTURE(match_bench, exact, std::string("cosmonapse.prod.AGENT_OUTPUT"),
                  std::string("cosmonapse.prod.AGENT_OUTPUT"))
    ->MinTime(0.2);
BENCHMARK_CAPTURE(match_bench, namespace_wildcard, std::string("cosmonapse.prod.>"),
                  std::string("cosmonapse.prod.TASK.routed"))
    ->MinTime(0.2);
BENCHMARK_CAPTURE(match_bench, star_miss, std::string("cosmonapse.*.TASK"),
                  std::string("cosmonapse.prod.AGENT_OUTPUT"))
    ->MinTime(0.2);

void subject_for_bench(benchmark::State& state) {
  signal s;
  s.type = signal_type::task;
  s.payload = raw_object::parse(R"({"input":{"q":"hi"},"capabilities":["english"]})").value();
  for (auto _ : state) {
    auto subj = subject_for("prod", s);
    benchmark::DoNotOptimize(subj.data());
  }
}
BENCHMARK(subject_for_bench)->MinTime(0.2);

}  // namespace

BENCHMARK_MAIN();
