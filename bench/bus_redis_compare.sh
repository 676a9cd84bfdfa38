#!/usr/bin/env bash
# Redis Streams adapter end-to-end vs redis-benchmark XADD, on one redis-server started here
# on a free loopback port. Prints both figures and their ratio.
#   bench/bus_redis_compare.sh [events] [shards]     (needs scripts/build release first)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-200000}
shards=${2:-1}
bin=build/release/bench/bus_redis_bench
[[ -x $bin ]] || { echo "bus_redis_compare: build first (scripts/build release)" >&2; exit 2; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "redis: $(redis-server --version | cut -d' ' -f3)  date: $(date -u +%FT%TZ)"

ours=$("$bin" "redis://127.0.0.1:$port" "$events" "$shards" 35)
echo "neuromesh redis adapter: $ours"
ours_eps=$(sed -E 's/.*events_per_s=([0-9.]+).*/\1/' <<<"$ours")

# redis-benchmark: the same XADD shape (field d, a ~35 B value), pipelined 1000 deep like our
# batches, one connection per shard.
payload='{"d":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}'
redis-cli -p "$port" del rb:stream >/dev/null
rb=$(redis-benchmark -p "$port" -c "$shards" -n "$events" -P 1000 -q \
  XADD rb:stream '*' d "$payload" dedup_id 0123456789abcdef:0:0:0 2>/dev/null | tr '\r' '\n' | grep -E 'requests per second' | tail -1)
echo "redis-benchmark XADD:    $rb"
rb_eps=$(grep -oE '[0-9.]+ requests per second' <<<"$rb" | cut -d' ' -f1)
python3 -c "print(f'ratio (neuromesh / redis-benchmark): {float($ours_eps)/float($rb_eps):.2f}')"
