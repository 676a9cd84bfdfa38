#!/usr/bin/env bash
# HTTP catalog under wrk, beside the reference's figures measured on this machine
# (issue 7: runspec-registry 0.1.1, same data, same command).
#
#   bench/catalog_wrk.sh [DURATION]        default 5s (the issue's runs used 10s)
#   env: NEUROMESH_BIN (default build/release/apps/neuromesh/neuromesh)
#        WRK_THREADS=2 WRK_CONNS=32 STORE=sqlite (sqlite|memory|postgres) SERVER_THREADS=0
#        (postgres: the catalog_instances table of NEUROMESH_PG_DSN, e.g. from scripts/services)
#
# Seeds 1,000 instances x 5 tools (50 distinct names, so GET /tools groups 100 hosts per
# tool), then runs wrk --latency on GET /tools, GET /instances, GET /health and heartbeat
# POSTs spread over the 1,000 ids. Rate limits are switched off for the run
# (--rate-limit-scale 0). Heartbeats are durable: each one is written to the SQLite store
# (WAL) before it is acknowledged.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-5s}
bin=${NEUROMESH_BIN:-build/release/apps/neuromesh/neuromesh}
threads=${WRK_THREADS:-2}
conns=${WRK_CONNS:-32}
store_kind=${STORE:-sqlite}
[[ -x $bin ]] || { echo "catalog_wrk: build first (scripts/build release): $bin" >&2; exit 2; }
command -v wrk >/dev/null || { echo "catalog_wrk: wrk is not installed" >&2; exit 2; }

work=$(mktemp -d /tmp/catalog-wrk.XXXXXX)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

case $store_kind in
  sqlite) store="sqlite:$work/catalog.db" ;;
  memory) store="memory:" ;;
  postgres)
    [[ -n ${NEUROMESH_PG_DSN:-} ]] || { echo "catalog_wrk: STORE=postgres needs NEUROMESH_PG_DSN" >&2; exit 2; }
    store=$NEUROMESH_PG_DSN ;;
  *) echo "catalog_wrk: STORE must be sqlite, memory or postgres" >&2; exit 2 ;;
esac

"$bin" registry serve --port 0 --store "$store" --rate-limit-scale 0 --purge-interval 3600 \
  --threads "${SERVER_THREADS:-0}" >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
for _ in $(seq 1 200); do
  grep -q '^listening ' "$work/serve.out" 2>/dev/null && break
  sleep 0.05
done
url=$(sed -n 's/^listening //p' "$work/serve.out" | head -1)
[[ -n $url ]] || { echo "catalog_wrk: server did not start" >&2; cat "$work/serve.err" >&2; exit 1; }

# Seed over one keep-alive connection.
python3 - "$url" <<'PY'
import http.client, json, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port)
def post(path, body):
    c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    r = c.getresponse(); r.read()
    assert r.status in (200, 201), (path, r.status)
for i in range(1000):
    iid = f"inst-{i:04d}"
    post("/instances", {"instance_id": iid, "name": f"agent-{i % 10}", "version": "1",
                        "host": f"host-{i:04d}.example.net", "heartbeat_interval": 3600})
    tools = []
    for k in range(5):
        t = (i * 5 + k) % 50
        tools.append({
            "name": f"tool_{t:02d}",
            "description": f"Runs maintenance task {t} on the host and reports the result.",
            "inputSchema": {"type": "object", "properties": {"target": {"type": "string"},
                            "dry_run": {"type": "boolean"}}, "required": ["target"]},
            "x-autonomy": "confirm", "x-output": "text",
            "x-command": f"/opt/runspec/bin/tool_{t:02d}",
            "x-run-as": "svc-ops", "x-become-method": "sudo"})
    post(f"/instances/{iid}/tools", {"tools": tools})
PY

cat >"$work/heartbeat.lua" <<'LUA'
-- POST /instances/inst-NNNN/heartbeat with no body, cycling over the 1,000 ids.
local counter = 0
local thread_offset = 0
function setup(thread)
  thread:set("thread_offset", counter * 500)
  counter = counter + 1
end
local i = 0
request = function()
  i = i + 1
  local id = string.format("inst-%04d", (thread_offset + i) % 1000)
  return wrk.format("POST", "/instances/" .. id .. "/heartbeat", {["Content-Length"] = "0"}, nil)
end
LUA

tools_bytes=$(curl -s "$url/tools" | wc -c)
echo "catalog_wrk: $(uname -m), $(nproc) cores, $(g++ --version | head -1), $(date -u +%F)"
echo "catalog_wrk: store=$store_kind, GET /tools body ${tools_bytes} bytes, wrk -t$threads -c$conns -d$duration --latency"

run() {  # run NAME ARGS... -> "req/s p50 p99 bytes/s"
  local name=$1; shift
  local out; out=$(wrk -t"$threads" -c"$conns" -d"$duration" --latency "$@")
  echo "$out" >"$work/$name.txt"
  local rps p50 p99 tps
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  tps=$(awk '/^Transfer\/sec:/ {print $2}' <<<"$out")
  local errors; errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
  printf '%s %s %s %s %s\n' "$rps" "$p50" "$p99" "$tps" "${errors:-}"
}

printf '\n%-22s %12s %10s %10s %12s   %-28s %8s\n' "endpoint" "req/s" "p50" "p99" "bytes/s" \
  "reference (req/s, p99)" "ratio"
line() {  # line LABEL REF_RPS REF_TEXT RESULT...
  local label=$1 ref=$2 reftext=$3 rps=$4 p50=$5 p99=$6 tps=$7; shift 7
  local ratio; ratio=$(awk -v a="$rps" -v b="$ref" 'BEGIN { printf "%.1fx", a / b }')
  printf '%-22s %12s %10s %10s %12s   %-28s %8s %s\n' "$label" "$rps" "$p50" "$p99" "$tps/s" \
    "$reftext" "$ratio" "$*"
}
# shellcheck disable=SC2046
line "GET /tools" 99 "99 (p99 507 ms)" $(run tools "$url/tools")
# shellcheck disable=SC2046
line "GET /instances" 67 "67" $(run instances "$url/instances")
# shellcheck disable=SC2046
line "GET /health" 8860 "8,860" $(run health "$url/health")
# shellcheck disable=SC2046
line "POST heartbeat" 3870 "3,870" $(run heartbeat -s "$work/heartbeat.lua" "$url")
# GET /tools while a heartbeat storm runs on other connections (reads must keep >= 90% of
# their solo rate: the HTTP threads never wait on the store).
wrk -t1 -c"$conns" -d"$duration" -s "$work/heartbeat.lua" "$url" >"$work/storm.txt" &
storm=$!
# shellcheck disable=SC2046
line "GET /tools (storm)" 99 "99 (p99 507 ms)" $(run tools_storm -t1 "$url/tools")
wait "$storm"
printf '%-22s %12s   (heartbeats/s beside it)\n' "  heartbeat storm" \
  "$(awk '/^Requests\/sec:/ {print $2}' "$work/storm.txt")"
echo
echo "targets: GET /tools >= 2,000 req/s, GET /health >= 50,000 req/s, heartbeats >= 25,000/s (durable)"
echo "server: $(grep -c . "$work/serve.err") log lines; store $(curl -s "$url/metrics" | awk '/^neuromesh_catalog_instances_stored/ {print $2}') instances"
