#!/usr/bin/env bash
# Every speed target of the runtime in one run: bench/runtime_dispatch_bench (in process,
# MemorySynapse) and bench/runtime_broker_bench (the runtime and the raw transport through the
# cosmo:// broker and through nats-server, both on loopback), several times each; prints the
# in-process round trip, then tasks/s, sequential p50/p99 and the runtime's overhead over the
# raw transport of each transport, beside the Python SDK anchor and the targets.
#   bench/runtime_compare.sh [build dir, default build/release] [min time, default 0.3] [runs, default 5]
# On a VM the wall figures of one run swing by x1.5 (the raw transport's 200-in-flight rate
# moved from 55k to 101k tasks/s between two runs of one binary), so each run measures the
# runtime and then the raw transport in the same process, the ratio is taken inside each run,
# and the medians over the runs are printed with their range. NEUROMESH_BENCH_PIN=1 puts the
# broker on CPU 0 and the clients on CPU 1; NEUROMESH_BENCH_BUSY_POLL_US=50 busy-polls their
# threads for 50 µs after each burst of work (synapse/busy_poll.h, `up --busy-poll-us`).
# Without nats-server on PATH only cosmo:// runs.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
min_time=${2:-0.3}
runs=${3:-5}
bench=$build/bench/runtime_broker_bench
inproc=$build/bench/runtime_dispatch_bench
for b in "$bench" "$inproc"; do
  [[ -x $b ]] || { echo "compare: $b not built (ninja -C $build $(basename "$b"))" >&2; exit 2; }
done
# shellcheck source=bench/compare_servers.sh
source bench/compare_servers.sh
nats_port=""
if command -v nats-server >/dev/null; then
  start_nats "$tmp/nats.log" nats_port
  export NEUROMESH_BENCH_NATS_URL=nats://127.0.0.1:$nats_port
fi
echo "== $(uname -n), $(nproc) cores, $(c++ --version | head -1), $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg), busy poll ${NEUROMESH_BENCH_BUSY_POLL_US:-0} us"
for ((i = 1; i <= runs; ++i)); do
  echo "run $i/$runs" >&2
  "$inproc" --benchmark_min_time="$min_time" --benchmark_format=json >"$tmp/inproc$i.json" 2>/dev/null
  "$bench" --benchmark_min_time="$min_time" --benchmark_format=json >"$tmp/$i.json" 2>/dev/null
done
python3 - "$tmp" "$runs" <<'PY'
import json, statistics, sys
d, runs = sys.argv[1], int(sys.argv[2])
runs_json = [{x["name"].replace("/real_time", ""): x for x in json.load(open(f"{d}/{i}.json"))["benchmarks"]}
             for i in range(1, runs + 1)]
def rows_of(t):
    rows = []
    for b in runs_json:
        if f"BM_runtime_{t}_round_trip" not in b: return []
        rt_seq, raw_seq = b[f"BM_runtime_{t}_round_trip"], b[f"BM_raw_{t}_round_trip"]
        rt_200, raw_200 = b[f"BM_runtime_{t}_200_in_flight"], b[f"BM_raw_{t}_200_in_flight"]
        rows.append({
            "rt_seq_tps": rt_seq["items_per_second"], "raw_seq_tps": raw_seq["items_per_second"],
            "rt_p50": rt_seq["p50_us"], "raw_p50": raw_seq["p50_us"],
            "rt_p99": rt_seq["p99_us"], "raw_p99": raw_seq["p99_us"],
            "rt_200": rt_200["items_per_second"], "raw_200": raw_200["items_per_second"],
            "seq_ratio": rt_seq["p50_us"] / raw_seq["p50_us"],
            "ratio_200": raw_200["items_per_second"] / rt_200["items_per_second"],
        })
    return rows
def row(name, rt, raw, python, target):
    print(f"{name:<24} {rt:>26} {raw:>26} {python:>18} {target:>10}")
# In process (MemorySynapse, runtime_dispatch_bench): one process per run, since the figure
# depends on the process's memory layout more than on the run.
inproc = [{x["name"].replace("/real_time", ""): x for x in json.load(open(f"{d}/inproc{i}.json"))["benchmarks"]}
          for i in range(1, runs + 1)]
seq = sorted(b["BM_runtime_dispatch_round_trip_memory"]["real_time"] / 1000 for b in inproc)
par = sorted(b["BM_runtime_dispatch_and_wait_200_in_flight_memory"]["real_time"] / 200 / 1000 for b in inproc)
print(f"\nin process (MemorySynapse), median of {runs} processes (range)")
print(f"round trip {statistics.median(seq):.2f} us ({seq[0]:.2f}-{seq[-1]:.2f}), target <= 5 us; "
      f"200 in flight {statistics.median(par):.2f} us per task ({par[0]:.2f}-{par[-1]:.2f})")
for t, url in (("cosmo", "cosmo:// loopback"), ("nats", "nats-server loopback")):
    rows = rows_of(t)
    if not rows: continue
    def med(k, fmt="{:,.0f}"):
        v = sorted(r[k] for r in rows)
        return f"{fmt.format(statistics.median(v))} ({fmt.format(v[0])}-{fmt.format(v[-1])})"
    cosmo = t == "cosmo"
    print(f"\nmedians of {runs} runs (range)")
    row(url, "runtime", "raw transport", "Python SDK anchor" if cosmo else "", "target")
    row("sequential tasks/s", med("rt_seq_tps"), med("raw_seq_tps"), "600-1,130" if cosmo else "", "")
    row("sequential p50 us", med("rt_p50"), med("raw_p50"), "850-1,200" if cosmo else "", "<= 100" if cosmo else "")
    row("sequential p99 us", med("rt_p99"), med("raw_p99"), "", "")
    row("200 in flight tasks/s", med("rt_200"), med("raw_200"), "1,070-1,980" if cosmo else "", ">= 20,000" if cosmo else "")
    print(f"runtime overhead over the raw transport, per run: sequential p50 x{med('seq_ratio', '{:.2f}')}, "
          f"200 in flight x{med('ratio_200', '{:.2f}')} (time per task; target < x1.20)")
    if cosmo:
        rt_seq = statistics.median(r["rt_seq_tps"] for r in rows)
        rt_200 = statistics.median(r["rt_200"] for r in rows)
        print(f"runtime vs Python SDK (anchor midpoints): sequential x{rt_seq / 865:.1f}, 200 in flight x{rt_200 / 1525:.1f}")
PY
