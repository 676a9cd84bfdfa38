#!/usr/bin/env python3
"""A small stand-in agent for the node's tests and benchmarks (Python stdlib only).

It speaks the cosmo:// broker protocol (NDJSON over TCP, reference/cosmonapse.md §3.4):
publishes REGISTER, then HEARTBEAT every --heartbeat seconds, answers every TASK addressed
to it (or capability-routed to its capabilities) with an AGENT_OUTPUT that echoes the input
(or, with --ask, first with a CLARIFICATION), and publishes DEREGISTER on SIGTERM/SIGINT.

  echo_agent.py --url cosmo://127.0.0.1:7070 --id echo-1 --caps echo
  echo_agent.py --url cosmo://127.0.0.1:7070 --flood 10000 --rate 0   # bench: N signals

Prints "ready" once registered and subscribed, "task <trace_id>" per answered TASK.
"""
import argparse
import json
import os
import random
import signal
import socket
import sys
import threading
import time

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid():
    t = int(time.time() * 1000)
    head = "".join(ALPHABET[(t >> (5 * i)) & 31] for i in range(9, -1, -1))
    return head + "".join(random.choice(ALPHABET) for _ in range(16))


def now():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06dZ" % int((t % 1) * 1e6)


def make_signal(type_, payload, directed=None, trace=None, parent=None):
    return {"v": "1", "id": "evt_" + ulid(), "trace_id": trace or "trc_" + ulid(),
            "parent_id": parent, "type": type_, "directed": directed, "ts": now(),
            "payload": payload, "meta": {}}


class Agent:
    def __init__(self, args):
        self.args = args
        host, port = args.url[len("cosmo://"):].rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.sock.settimeout(None)
        self.file = self.sock.makefile("rb")
        self.lock = threading.Lock()
        self.caps = sorted(set(c for c in args.caps.split(",") if c))
        self.file.readline()  # {"op":"welcome"}
        self.stopping = False

    def send(self, obj):
        line = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
        with self.lock:
            self.sock.sendall(line)

    def publish(self, sig):
        subject = "cosmonapse.%s.%s" % (self.args.ns, sig["type"])
        self.send({"op": "pub", "subject": subject, "frame": json.dumps(sig, separators=(",", ":"))})

    def me(self):
        return {"id": self.args.id, "type": self.args.kind, "capabilities": []}

    def register(self):
        payload = {"role": "neuron", "capabilities": self.caps}
        if self.args.version:
            payload["version"] = self.args.version
        directed = {"id": self.args.id, "type": self.args.kind, "capabilities": self.caps}
        self.publish(make_signal("REGISTER", payload, directed))

    def heartbeat_loop(self):
        while not self.stopping:
            time.sleep(self.args.heartbeat)
            if self.stopping:
                break
            self.publish(make_signal("HEARTBEAT", {"status": "ok"}, {"id": self.args.id, "type": None, "capabilities": []}))

    def deregister(self):
        self.stopping = True
        self.publish(make_signal("DEREGISTER", {}, {"id": self.args.id, "type": None, "capabilities": []}))

    def on_task(self, task):
        d = task.get("directed") or {}
        if d.get("id") and d.get("id") != self.args.id:
            return
        wanted = (task.get("payload") or {}).get("capabilities") or []
        if not d.get("id") and not set(wanted) <= set(self.caps):
            return
        inp = task["payload"].get("input", {})
        if self.args.ask and "clarification" not in inp:
            out = make_signal("CLARIFICATION", {"question": "Which language?"}, self.me(),
                              task["trace_id"], task["id"])
        elif self.args.permission and "permission" not in inp:
            out = make_signal("PERMISSION", {"action": "delete files"}, self.me(),
                              task["trace_id"], task["id"])
        else:
            out = make_signal("AGENT_OUTPUT", {"output": {"echo": inp}}, self.me(),
                              task["trace_id"], task["id"])
        self.publish(out)
        print("task", task["trace_id"], flush=True)

    def run(self):
        ns = self.args.ns
        self.send({"op": "sub", "sub_id": "t1", "subject": "cosmonapse.%s.TASK" % ns, "queue_group": None})
        self.send({"op": "sub", "sub_id": "t2", "subject": "cosmonapse.%s.TASK.routed" % ns,
                   "queue_group": "caps:" + ",".join(self.caps)})
        self.register()
        print("ready", flush=True)
        threading.Thread(target=self.heartbeat_loop, daemon=True).start()
        for line in self.file:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if msg.get("op") != "msg":
                continue
            sig = json.loads(msg["frame"])
            if sig.get("type") == "TASK":
                self.on_task(sig)

    def flood(self):
        """Publishes --flood signals (a TASK and its AGENT_OUTPUT per pair) as fast as the
        socket takes them, or at --rate per second; prints the rate achieved."""
        start = time.time()
        n = self.args.flood
        sent = 0
        batch = []
        while sent < n:
            task = make_signal("TASK", {"input": {"i": sent}}, {"id": self.args.id, "type": None, "capabilities": []})
            out = make_signal("AGENT_OUTPUT", {"output": {"i": sent}}, self.me(), task["trace_id"], task["id"])
            for sig in (task, out):
                subject = "cosmonapse.%s.%s" % (self.args.ns, sig["type"])
                batch.append(json.dumps({"op": "pub", "subject": subject,
                                         "frame": json.dumps(sig, separators=(",", ":"))},
                                        separators=(",", ":")) + "\n")
            sent += 2
            if len(batch) >= 200 or sent >= n:
                self.sock.sendall("".join(batch).encode())
                batch = []
                if self.args.rate > 0:
                    ahead = sent / self.args.rate - (time.time() - start)
                    if ahead > 0:
                        time.sleep(ahead)
        took = time.time() - start
        print("flooded %d signals in %.3f s (%.0f/s)" % (sent, took, sent / took), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="cosmo://127.0.0.1:7070")
    p.add_argument("--ns", default="dev")
    p.add_argument("--id", default="echo-%d" % os.getpid())
    p.add_argument("--kind", default="echo")
    p.add_argument("--caps", default="echo")
    p.add_argument("--version", default="1.0.0")
    p.add_argument("--heartbeat", type=float, default=1.0)
    p.add_argument("--ask", action="store_true", help="answer a first TASK with a CLARIFICATION")
    p.add_argument("--permission", action="store_true", help="answer a first TASK with a PERMISSION")
    p.add_argument("--flood", type=int, default=0)
    p.add_argument("--rate", type=float, default=0, help="signals/s for --flood (0: as fast as possible)")
    args = p.parse_args()
    agent = Agent(args)
    if args.flood:
        agent.flood()
        return

    def stop(*_):
        agent.deregister()
        time.sleep(0.1)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    agent.run()


if __name__ == "__main__":
    main()
