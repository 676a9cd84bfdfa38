#!/usr/bin/env bash
# Runs bench/runtime_broker_bench (the runtime and the raw transport through the cosmo://
# broker on loopback) and prints tasks/s, sequential p50/p99 and the runtime's overhead over
# the raw transport as a ratio, beside the Python SDK anchor and the targets.
#   bench/runtime_compare.sh [build dir, default build/release] [min time, default 0.2]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
min_time=${2:-0.2}
bench=$build/bench/runtime_broker_bench
[[ -x $bench ]] || { echo "compare: $bench not built (ninja -C $build runtime_broker_bench)" >&2; exit 2; }
json=$(mktemp)
trap 'rm -f "$json"' EXIT
echo "== $(uname -n), $(nproc) cores, $(c++ --version | head -1), $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$bench" --benchmark_min_time="$min_time" --benchmark_format=console \
  --benchmark_out="$json" --benchmark_out_format=json
python3 - "$json" <<'PY'
import json, sys
runs = {b["name"].replace("/real_time", ""): b for b in json.load(open(sys.argv[1]))["benchmarks"]}
rt_seq, raw_seq = runs["BM_runtime_cosmo_round_trip"], runs["BM_raw_cosmo_round_trip"]
rt_200, raw_200 = runs["BM_runtime_cosmo_200_in_flight"], runs["BM_raw_cosmo_200_in_flight"]
def row(name, rt, raw, python, target):
    print(f"{name:<28} {rt:>16} {raw:>16} {python:>18} {target:>14}")
print()
row("cosmo:// loopback", "runtime", "raw transport", "Python SDK anchor", "target")
row("sequential tasks/s", f"{rt_seq['items_per_second']:,.0f}", f"{raw_seq['items_per_second']:,.0f}", "600-1,130", "")
row("sequential p50 us", f"{rt_seq['p50_us']:.0f}", f"{raw_seq['p50_us']:.0f}", "850-1,200", "<= 100")
row("sequential p99 us", f"{rt_seq['p99_us']:.0f}", f"{raw_seq['p99_us']:.0f}", "", "")
row("200 in flight tasks/s", f"{rt_200['items_per_second']:,.0f}", f"{raw_200['items_per_second']:,.0f}", "1,070-1,980", ">= 20,000")
print()
print(f"runtime overhead over the raw transport: sequential p50 x{rt_seq['p50_us'] / raw_seq['p50_us']:.2f}, "
      f"200 in flight x{raw_200['items_per_second'] / rt_200['items_per_second']:.2f} (time per task)")
print(f"runtime vs Python SDK (anchor midpoints): sequential x{rt_seq['items_per_second'] / 865:.1f}, "
      f"200 in flight x{rt_200['items_per_second'] / 1525:.1f}")
PY
