#!/usr/bin/env bash
# Raw broker throughput, cosmo:// beside nats-server, in one invocation (issue 11):
#  * starts `neuromesh synapse start memory --port 0` and a nats-server on free loopback
#    ports;
#  * runs bench/synapse_raw_load (NDJSON directly / raw nats.c, no Signal codec) for 1->1,
#    1->4 and a 2-member queue group at 300 B and 4 KiB against each, alternating the two
#    servers per row so both see the same machine load;
#  * prints msgs/s, MB/s and the cosmo/nats ratio per row, with the machine's load;
#  * then (unless --raw-only) the end-to-end Signal figures through cosmo_synapse and the
#    NATS synapse (bench/synapse_broker_bench, window 512) beside them.
#   bench/synapse_raw_compare.sh [--raw-only] [build dir, default build/release]
set -euo pipefail
cd "$(dirname "$0")/.."
raw_only=0
if [[ ${1:-} == --raw-only ]]; then raw_only=1; shift; fi
build=${1:-build/release}
load=$build/bench/synapse_raw_load
neuromesh=$build/apps/neuromesh/neuromesh
for b in "$load" "$neuromesh"; do
  [[ -x $b ]] || { echo "compare: $b not built" >&2; exit 2; }
done
command -v nats-server >/dev/null || { echo "compare: nats-server not installed" >&2; exit 2; }

# shellcheck source=bench/compare_servers.sh
source bench/compare_servers.sh
start_nats "$tmp/nats.log" nport
start_broker "$neuromesh" "$tmp/broker.log" rawbench cport

echo "== $(uname -n), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
  "nats-server $(nats-server --version | awk '{print $NF}'), $(date -u +%FT%TZ)"
printf '%-14s %12s %9s %12s %9s %6s\n' "load" "cosmo msg/s" "MB/s" "nats msg/s" "MB/s" "ratio"
for size in 300 4096; do
  msgs=$((size > 1000 ? 50000 : 200000))
  for shape in "1 " "4 " "2 --group"; do
    set -- $shape
    c=$("$load" --url "cosmo://127.0.0.1:$cport" --msgs "$msgs" --size "$size" --subs "$@")
    n=$("$load" --url "nats://127.0.0.1:$nport" --msgs "$msgs" --size "$size" --subs "$@")
    python3 - "$c" "$n" <<'PY'
import json, sys
c, n = json.loads(sys.argv[1]), json.loads(sys.argv[2])
name = f"{c['shape']}/{c['size']}B"
print(f"{name:<14} {c['msgs_per_s']:>12,.0f} {c['mb_per_s']:>9.1f} {n['msgs_per_s']:>12,.0f}"
      f" {n['mb_per_s']:>9.1f} {c['msgs_per_s'] / n['msgs_per_s']:>6.2f}")
PY
  done
done
echo "== load average after raw rows: $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ $raw_only == 0 ]]; then
  bench=$build/bench/synapse_broker_bench
  if [[ -x $bench ]]; then
    echo
    echo "== end-to-end Signals (encode + decode, window 512) through cosmo_synapse and the NATS synapse"
    NEUROMESH_BENCH_NATS_URL=nats://127.0.0.1:$nport "$bench" --benchmark_filter=window512 \
      --benchmark_format=console 2>&1 | grep -E '^broker/' || true
  fi
fi
