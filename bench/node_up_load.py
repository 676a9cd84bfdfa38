#!/usr/bin/env python3
"""Load figures of `neuromesh up` (stdlib only; ~15 s):

  * idle CPU and RSS of the node (nothing connected, 5 s);
  * the Signals/s it sustains with web view pages open: publishers flood the broker for a
    few seconds while N readers follow /events exactly as the page does; reported are the
    Signals the node saw (its /metrics) and the Signals every page received, per second;
  * with --demo-rounds N, then `neuromesh demo --interval-ms 0 --count N` (the demo driven
    as hard as it goes, one round trip at a time) with the pages still open: round trips/s,
    the Signals/s the node saw and each page received, the demo's exit code.

  bench/node_up_load.py build/release/apps/neuromesh/neuromesh [--pages 1] [--seconds 5]
                        [--demo-rounds 2000]
"""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "node", "tests"))
from echo_agent import make_signal  # noqa: E402


def proc_cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


def metric(http_url, name):
    text = urllib.request.urlopen(http_url + "/metrics", timeout=5).read().decode()
    return sum(int(v) for v in re.findall(r'^' + name + r'(?:\{[^}]*\})? (\d+)$', text, re.M))


def signals_in(http_url):
    return metric(http_url, "neuromesh_node_signals_in_total")


class Page(threading.Thread):
    """Follows /events like the web view: counts the Signals it receives."""

    def __init__(self, http_url):
        super().__init__(daemon=True)
        host, port = http_url[len("http://"):].rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)))
        self.sock.sendall(b"GET /events?backlog=0 HTTP/1.1\r\nHost: x\r\n\r\n")
        self.count = 0

    def run(self):
        tail = b""
        while True:
            data = self.sock.recv(1 << 16)
            if not data:
                return
            data = tail + data
            self.count += data.count(b"\ndata: {") + (1 if data.startswith(b"data: {") else 0)
            tail = data[-8:]


def publisher(broker_url, ns, stop_at, sent):
    host, port = broker_url[len("cosmo://"):].rsplit(":", 1)
    s = socket.create_connection((host, int(port)))
    s.recv(100)
    frame_task = make_signal("TASK", {"input": {"text": "x" * 64}}, {"id": "bench", "type": None, "capabilities": []})
    line = (json.dumps({"op": "pub", "subject": "cosmonapse.%s.TASK" % ns,
                        "frame": json.dumps(frame_task, separators=(",", ":"))}, separators=(",", ":")) + "\n").encode()
    batch = line * 100
    n = 0
    while time.time() < stop_at:
        s.sendall(batch)
        n += 100
    sent.append(n)
    s.close()


def demo(binary, info, pages, rounds, work):
    """The demo's agents and dispatcher as fast as one round trip at a time goes."""
    counts = [p.count for p in pages]
    before = signals_in(info["http_url"])
    start = time.time()
    r = subprocess.run([binary, "demo", "--url", info["broker_url"], "--interval-ms", "0",
                        "--count", str(rounds)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       cwd=work)
    took = time.time() - start
    time.sleep(1.0)  # let the pages drain
    seen = signals_in(info["http_url"]) - before
    answered = sum(1 for l in r.stdout.decode().splitlines()
                   if l.startswith("demo #") and "-> AGENT_OUTPUT" in l)
    print("demo: %d round trips in %.2f s (%.0f/s), %d answered, exit %d" %
          (rounds, took, rounds / took, answered, r.returncode))
    print("node: saw %d Signals during the demo (%.0f/s)" % (seen, seen / took))
    for i, p in enumerate(pages):
        print("page %d: received %d (%.0f/s)" % (i, p.count - counts[i], (p.count - counts[i]) / took))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--pages", type=int, default=1)
    ap.add_argument("--publishers", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--demo-rounds", type=int, default=0)
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)  # the node runs in its own temp folder
    work = tempfile.mkdtemp(prefix="neuromesh-bench-")
    up = subprocess.Popen([binary, "up", "--json", "--broker-listen", "127.0.0.1:0",
                           "--http-listen", "127.0.0.1:0", "--data-dir", os.path.join(work, "data")],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=work)
    info = json.loads(up.stdout.readline())
    try:
        time.sleep(1)
        c0, t0 = proc_cpu_seconds(up.pid), time.time()
        time.sleep(5)
        idle_cpu = (proc_cpu_seconds(up.pid) - c0) / (time.time() - t0) * 100
        print("idle: CPU %.2f%% of one core, RSS %.1f MB" % (idle_cpu, proc_rss_mb(up.pid)))

        pages = [Page(info["http_url"]) for _ in range(a.pages)]
        for p in pages:
            p.start()
        time.sleep(0.3)
        before = signals_in(info["http_url"])
        sent = []
        start = time.time()
        stop_at = start + a.seconds
        c0 = proc_cpu_seconds(up.pid)
        pubs = [threading.Thread(target=publisher, args=(info["broker_url"], "dev", stop_at, sent))
                for _ in range(a.publishers)]
        for t in pubs:
            t.start()
        for t in pubs:
            t.join()
        took = time.time() - start
        time.sleep(1.0)  # let the node and the pages drain
        seen = signals_in(info["http_url"]) - before
        cpu = (proc_cpu_seconds(up.pid) - c0) / (time.time() - start) * 100
        print("load: %d publisher(s) sent %d Signals in %.1f s (%.0f/s)" % (a.publishers, sum(sent), took, sum(sent) / took))
        print("node: saw %d (%.0f/s), CPU %.0f%% of one core, RSS %.1f MB" %
              (seen, seen / took, cpu, proc_rss_mb(up.pid)))
        print("broker: %d slow-consumer cut-offs, page streams cut off: %d" %
              (metric(info["http_url"], "neuromesh_broker_slow_consumers_total"),
               metric(info["http_url"], "neuromesh_web_slow_consumers_total")))
        for i, p in enumerate(pages):
            print("page %d: received %d (%.0f/s)" % (i, p.count, p.count / took))
        if a.demo_rounds > 0:
            demo(binary, info, pages, a.demo_rounds, work)
    finally:
        up.terminate()
        up.wait(timeout=15)


if __name__ == "__main__":
    main()
