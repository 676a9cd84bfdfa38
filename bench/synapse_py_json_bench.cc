// The cosmo:// wire's Python-JSON string codec (synapse/src/py_json.cc): every Signal a
// client publishes is escaped into a {"op":"pub",...,"frame":"<Signal JSON>"} line, and the
// broker and every receiving client measure (py_canonical_string_size) and unescape
// (append_py_unescaped) that frame string. Inputs: a realistic 266-byte TASK Signal (arg
// 300), a 4 KiB one, and a 28-byte subject (the short strings append_py_value escapes);
// bytes/s are of the unescaped text. Each function runs twice: as the library calls it
// (SSE2 on x86-64) and through the portable scalar path it falls back to elsewhere.
#include "neuromesh/synapse/py_json.h"
#include "py_json_internal.h"

#include <benchmark/benchmark.h>

#include <string>

namespace {

namespace d = neuromesh::synapse::detail;

const std::string& signal_json(std::size_t size) {
  static const std::string small =
      R"({"v":"1","id":"evt_01M8Q9235VFHMRB41H3GZ4NVNB","trace_id":"trc_01M8Q9235VFHMRB41H3GZ4NVNC",)"
      R"("parent_id":null,"type":"TASK","directed":{"id":"echo","type":null,"capabilities":[]},)"
      R"("ts":"2026-11-30T22:26:27.643482Z","payload":{"input":{"q":1},"finalize":true},"meta":{}})";
  static const std::string large = [] {
    // The same envelope with a payload of records, as a tool call's input would carry.
    std::string items;
    for (int i = 0; items.size() < 3900; ++i) {
      if (!items.empty()) items += ',';
      items += R"({"id":"item_)" + std::to_string(i) + R"(","title":"Quarterly report, section )" +
               std::to_string(i) + R"(","tags":["draft","finance"],"score":0.)" +
               std::to_string(100 + i) + "}";
    }
    return R"({"v":"1","id":"evt_01M8Q9235VFHMRB41H3GZ4NVNB","trace_id":"trc_01M8Q9235VFHMRB41H3GZ4NVNC",)"
           R"("parent_id":null,"type":"TASK","directed":{"id":"echo","type":null,"capabilities":[]},)"
           R"("ts":"2026-11-30T22:26:27.643482Z","payload":{"input":{"items":[)" +
           items + R"(]},"finalize":true},"meta":{}})";
  }();
  static const std::string subject = "cosmonapse.default.echo.TASK";
  if (size < 64) return subject;
  return size < 1024 ? small : large;
}

using escape_fn = void (*)(std::string&, std::string_view);
using size_fn = std::size_t (*)(std::string_view, bool&) noexcept;

void run_escape(benchmark::State& state, escape_fn fn) {
  const std::string& in = signal_json(static_cast<std::size_t>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    out.clear();
    fn(out, in);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
  state.counters["input_bytes"] = static_cast<double>(in.size());
}

void run_canonical_size(benchmark::State& state, size_fn fn) {
  const std::string& in = signal_json(static_cast<std::size_t>(state.range(0)));
  const std::string quoted = d::py_string(in);
  for (auto _ : state) {
    bool escapes = false;
    auto n = fn(quoted, escapes);
    benchmark::DoNotOptimize(n);
    if (n != quoted.size()) state.SkipWithError("not canonical");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}

void run_unescape(benchmark::State& state, escape_fn fn) {
  const std::string& in = signal_json(static_cast<std::size_t>(state.range(0)));
  const std::string quoted = d::py_string(in);
  std::string out;
  for (auto _ : state) {
    out.clear();
    fn(out, quoted);
    benchmark::DoNotOptimize(out.data());
  }
  if (out != in) state.SkipWithError("round trip differs");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}

void BM_py_escape(benchmark::State& s) { run_escape(s, d::append_py_string); }
void BM_py_canonical_size(benchmark::State& s) {
  run_canonical_size(s, d::py_canonical_string_size);
}
void BM_py_unescape(benchmark::State& s) { run_unescape(s, d::append_py_unescaped); }
BENCHMARK(BM_py_escape)->Arg(28)->Arg(300)->Arg(4096);
BENCHMARK(BM_py_canonical_size)->Arg(28)->Arg(300)->Arg(4096);
BENCHMARK(BM_py_unescape)->Arg(28)->Arg(300)->Arg(4096);

void BM_py_escape_scalar(benchmark::State& s) {
  run_escape(s, d::py_json_scalar::append_py_string);
}
void BM_py_canonical_size_scalar(benchmark::State& s) {
  run_canonical_size(s, d::py_json_scalar::py_canonical_string_size);
}
void BM_py_unescape_scalar(benchmark::State& s) {
  run_unescape(s, d::py_json_scalar::append_py_unescaped);
}
BENCHMARK(BM_py_escape_scalar)->Arg(28)->Arg(300)->Arg(4096);
BENCHMARK(BM_py_canonical_size_scalar)->Arg(28)->Arg(300)->Arg(4096);
BENCHMARK(BM_py_unescape_scalar)->Arg(28)->Arg(300)->Arg(4096);

}  // namespace

BENCHMARK_MAIN();
