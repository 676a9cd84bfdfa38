# shellcheck shell=bash
# Sourced by the compare scripts: a scratch folder and the servers they start, every one
# ended on exit. The start functions set a variable (named by their last argument) instead
# of printing: a function run in $(...) is a subshell, and a server it started would be
# missing from pids and outlive the script.

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_broker BINARY LOG NAMESPACE VAR: `BINARY synapse start memory` on a free port; VAR = its port.
start_broker() {
  local bin=$1 log=$2 ns=$3 port=""
  "$bin" synapse start memory --port 0 -n "$ns" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 200); do
    port=$(sed -n 's/.*port \([0-9]*\)).*/\1/p' "$log" | head -1)
    [[ -n $port ]] && break
    sleep 0.05
  done
  [[ -n $port ]] || { echo "compare: broker did not start: $(cat "$log")" >&2; exit 1; }
  printf -v "$4" '%s' "$port"
}

# start_nats LOG VAR: a nats-server on a free loopback port; VAR = its port once it accepts.
start_nats() {
  local log=$1 port
  port=$(free_port)
  nats-server -a 127.0.0.1 -p "$port" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 200); do
    (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
    sleep 0.05
  done
  (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null ||
    { echo "compare: nats-server did not start: $(cat "$log")" >&2; exit 1; }
  printf -v "$2" '%s' "$port"
}
