#!/usr/bin/env bash
# Round-trip latency through the broker, cosmo:// beside nats-server, in one invocation:
#  * starts `neuromesh synapse start memory --port 0` and a nats-server on free loopback
#    ports (plus, with --base DIR, a second broker from another build, e.g. main, so a
#    change is measured before/after in the same minute);
#  * bench/synapse_raw_pingpong (no neuromesh client code): cosmo:// NDJSON, the NATS text
#    protocol over the same raw sockets (natsraw), and nats.c; 300 B and 4 KiB; each row
#    alternates the servers --reps times and keeps each one's best-of p50 and its p99;
#  * then (unless --raw-only) Signal round trips through our clients
#    (bench/synapse_round_trip_bench: cosmo_synapse against the started broker, the NATS
#    synapse against the nats-server).
# Prints p50/p99 in microseconds, the cosmo/natsraw and cosmo/nats.c ratios of p50, and
# the machine's load before and after.
#   bench/synapse_latency_compare.sh [--raw-only] [--reps N] [--rounds N] [--base DIR] [build dir]
set -euo pipefail
cd "$(dirname "$0")/.."
raw_only=0 reps=3 rounds=3000 base=""
while [[ ${1:-} == --* ]]; do
  case $1 in
    --raw-only) raw_only=1; shift ;;
    --reps) reps=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    *) echo "compare: unknown option $1" >&2; exit 2 ;;
  esac
done
build=${1:-build/release}
pingpong=$build/bench/synapse_raw_pingpong
neuromesh=$build/apps/neuromesh/neuromesh
for b in "$pingpong" "$neuromesh"; do
  [[ -x $b ]] || { echo "compare: $b not built" >&2; exit 2; }
done
command -v nats-server >/dev/null || { echo "compare: nats-server not installed" >&2; exit 2; }

# shellcheck source=bench/compare_servers.sh
source bench/compare_servers.sh
start_nats "$tmp/nats.log" nport
start_broker "$neuromesh" "$tmp/broker.log" latbench cport
urls=("cosmo://127.0.0.1:$cport")
names=(cosmo)
if [[ -n $base ]]; then
  start_broker "$base/apps/neuromesh/neuromesh" "$tmp/base.log" latbench bport
  urls+=("cosmo://127.0.0.1:$bport")
  names+=(cosmo-base)
fi
urls+=("natsraw://127.0.0.1:$nport" "nats://127.0.0.1:$nport")
names+=(natsraw nats.c)

echo "== $(uname -n), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
  "nats-server $(nats-server --version | awk '{print $NF}'), $(date -u +%FT%TZ)"
echo "== raw round trips (client -> broker -> client -> broker -> client), $rounds rounds x $reps reps, µs"
for size in 300 4096; do
  out=$tmp/rows.$size
  : >"$out"
  for _ in $(seq 1 "$reps"); do
    for i in "${!urls[@]}"; do
      echo "${names[$i]} $("$pingpong" --url "${urls[$i]}" --rounds "$rounds" --size "$size")" >>"$out"
    done
  done
  python3 - "$out" "$size" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    name, js = line.split(" ", 1)
    rows.setdefault(name, []).append(json.loads(js))
best = {n: min(r, key=lambda x: x["p50_us"]) for n, r in rows.items()}
p50s = {n: sorted(x["p50_us"] for x in r) for n, r in rows.items()}
for n, b in best.items():
    extra = ""
    if n.startswith("cosmo"):
        extra = "  ratio p50 vs natsraw {:.2f}, vs nats.c {:.2f}".format(
            b["p50_us"] / best["natsraw"]["p50_us"], b["p50_us"] / best["nats.c"]["p50_us"])
    print(f"{n + '/' + sys.argv[2] + 'B':<18} p50 {b['p50_us']:>8.1f}  p99 {b['p99_us']:>8.1f}"
          f"  (p50 of each rep: {', '.join(f'{v:.0f}' for v in p50s[n])}){extra}")
PY
done
echo "== load average after raw rows: $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ $raw_only == 0 ]]; then
  bench=$build/bench/synapse_round_trip_bench
  if [[ -x $bench ]]; then
    echo
    echo "== Signal round trips through our clients (encode + decode each hop; p50_us / p99_us)"
    NEUROMESH_BENCH_COSMO_URL=cosmo://127.0.0.1:$cport NEUROMESH_BENCH_NATS_URL=nats://127.0.0.1:$nport \
      "$bench" --benchmark_min_time=0.5 2>&1 | grep -E '^round_trip/' || true
    echo "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  fi
fi
