#!/usr/bin/env bash
# Runs the same broker load through the cosmo:// broker (in-process) and through a
# nats-server started here on a free loopback port (libnats clients), and prints the
# msgs/s ratio per load. Target: cosmo >= 0.5x nats-server at equal message size.
#   bench/synapse_broker_compare.sh [build dir, default build/release]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
bench=$build/bench/synapse_broker_bench
[[ -x $bench ]] || { echo "compare: $bench not built (scripts/build release)" >&2; exit 2; }
command -v nats-server >/dev/null || { echo "compare: nats-server not installed" >&2; exit 2; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
nats-server -a 127.0.0.1 -p "$port" >/tmp/synapse-compare-nats.$$.log 2>&1 &
nats_pid=$!
trap 'kill $nats_pid 2>/dev/null || true; rm -f /tmp/synapse-compare-nats.$$.log "$json"' EXIT
for _ in $(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
  sleep 0.05
done
json=$(mktemp)
echo "== $(uname -n), $(nproc) cores, $(c++ --version | head -1), nats-server $(nats-server --version | awk '{print $NF}'), $(date -u +%FT%TZ)"
NEUROMESH_BENCH_NATS_URL=nats://127.0.0.1:$port "$bench" --benchmark_format=console \
  --benchmark_out="$json" --benchmark_out_format=json
python3 - "$json" <<'PY'
import json, sys
runs = {b["name"].replace("/iterations:1/real_time", ""): b for b in json.load(open(sys.argv[1]))["benchmarks"]}
print()
print(f"{'load':<34} {'cosmo msg/s':>12} {'nats msg/s':>12} {'ratio':>6}  {'cosmo p50/p99 us':>18}  {'nats p50/p99 us':>18}")
for name, b in runs.items():
    if not name.startswith("broker/cosmo/"):
        continue
    key = name[len("broker/cosmo/"):]
    n = runs.get("broker/nats/" + key)
    if n is None:
        continue
    c_rate, n_rate = b["items_per_second"], n["items_per_second"]
    lat = lambda r: f"{r['p50_us']:.0f}/{r['p99_us']:.0f}"
    print(f"{key:<34} {c_rate:>12,.0f} {n_rate:>12,.0f} {c_rate / n_rate:>6.2f}  {lat(b):>18}  {lat(n):>18}")
PY
