// Signal encode/decode: a typical addressed TASK (~300 B) and an AGENT_OUTPUT with a 4 KiB
// payload. Targets: encode <= 300 ns and decode <= 600 ns for the TASK, decode >= 1 GB/s for
// the 4 KiB one.
#include "neuromesh/protocol/codec.h"

#include <benchmark/benchmark.h>

#include <string>

namespace {

using namespace neuromesh::protocol;

const std::string typical_task =
    R"({"v":"1","id":"evt_01JV8Y3Q6W5T2K9M4N7P0R1S2T","trace_id":"trc_01JV8Y3Q6W5T2K9M4N7P0R1S2V",)"
    R"("parent_id":null,"type":"TASK","directed":{"id":"answerer","type":null,"capabilities":[]},)"
    R"("ts":"2026-05-16T14:22:01.391234Z","payload":{"input":{"q":"What is the capital of France?",)"
    R"("lang":"en","max_tokens":256},"context_ref":"ctx_main"},"meta":{"seq":3}})";

std::string agent_output_4k() {
  std::string text;
  const std::string sentence =
      "The quick brown fox jumps over the lazy dog; Zürich reports 24 °C and light wind. ";
  while (text.size() < 3900) text += sentence;
  return R"({"v":"1","id":"evt_01JV8Y3Q7M9N8P7Q6R5S4T3V2W","trace_id":"trc_01JV8Y3Q7A1B2C3D4E5F6G7H8K",)"
         R"("parent_id":"evt_01JV8Y3Q7A1B2C3D4E5F6G7H8J","type":"AGENT_OUTPUT",)"
         R"("directed":{"id":"answerer","type":null,"capabilities":[]},"ts":"2026-05-16T14:22:02.817003Z",)"
         R"("payload":{"output":{"text":")" +
         text +
         R"(","confidence":0.92,"sources":[1,2,3]}},"meta":{"model":"m","tokens":{"in":412,"out":917}}})";
}

void decode_bench(benchmark::State& state, const std::string& wire) {
  for (auto _ : state) {
    auto s = decode(wire);
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
  state.counters["bytes"] = static_cast<double>(wire.size());
}

void encode_bench(benchmark::State& state, const std::string& wire) {
  signal s = decode(wire).value();
  std::string out;
  for (auto _ : state) {
    out.clear();
    encode_to(s, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}

void encode_new_string_bench(benchmark::State& state, const std::string& wire) {
  signal s = decode(wire).value();
  for (auto _ : state) {
    auto out = encode(s);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}

const std::string big = agent_output_4k();

BENCHMARK_CAPTURE(decode_bench, task_300B, typical_task)->MinTime(0.3);
BENCHMARK_CAPTURE(encode_bench, task_300B, typical_task)->MinTime(0.3);
BENCHMARK_CAPTURE(encode_new_string_bench, task_300B, typical_task)->MinTime(0.3);
BENCHMARK_CAPTURE(decode_bench, agent_output_4KiB, big)->MinTime(0.3);
BENCHMARK_CAPTURE(encode_bench, agent_output_4KiB, big)->MinTime(0.3);

}  // namespace

BENCHMARK_MAIN();
