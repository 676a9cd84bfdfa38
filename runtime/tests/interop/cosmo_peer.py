"""An independent Cosmonapse peer in plain Python 3 (standard library only).

Speaks the cosmo:// NDJSON broker protocol (reference/cosmonapse.md section 3.4) directly
and builds Signals exactly as section 1.5 encodes them. Used by the interop tests to drive
and to serve the neuromesh binary; it shares no code with neuromesh.
"""
import datetime
import json
import os
import queue
import socket
import threading
import time
import uuid

KEY_ORDER = ["v", "id", "trace_id", "parent_id", "type", "directed", "ts", "payload", "meta"]
DIRECTED_ORDER = ["id", "type", "capabilities"]
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class Failure(AssertionError):
    pass


def expect(cond, what, expected, came):
    """Fails with what was expected and what came."""
    if not cond:
        raise Failure(f"{what}: expected {expected!r}, came {came!r}")


def expect_eq(came, expected, what):
    expect(came == expected, what, expected, came)


def ulid():
    ms = int(time.time() * 1000)
    n = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(CROCKFORD[(n >> (5 * i)) & 31] for i in reversed(range(26)))


def now_ts():
    t = datetime.datetime.now(datetime.timezone.utc)
    base = t.strftime("%Y-%m-%dT%H:%M:%S")
    return base + ("Z" if t.microsecond == 0 else ".%06dZ" % t.microsecond)


def make_signal(type_, payload=None, directed=None, trace=None, parent=None, meta=None):
    """A Signal as an ordered dict (section 1.1 field order)."""
    d = None
    if directed is not None:
        d = {"id": directed.get("id"), "type": directed.get("type"),
             "capabilities": list(directed.get("capabilities", []))}
    return {"v": "1", "id": "evt_" + ulid(), "trace_id": trace or "trc_" + ulid(),
            "parent_id": parent, "type": type_, "directed": d, "ts": now_ts(),
            "payload": payload if payload is not None else {}, "meta": meta or {}}


def encode(sig):
    """Section 1.5: compact, fixed key order, raw UTF-8."""
    return json.dumps(sig, separators=(",", ":"), ensure_ascii=False)


def strict_decode(frame):
    """Decodes a frame under the strict section 1 rules; raises Failure naming the rule."""
    pairs = json.loads(frame, object_pairs_hook=lambda p: p)
    keys = [k for k, _ in pairs]
    expect_eq(keys, KEY_ORDER, "envelope key order of " + frame)
    sig = json.loads(frame)
    expect_eq(sig["v"], "1", "v")
    expect(sig["id"].startswith("evt_") and len(sig["id"]) == 30, "id", "evt_<ULID>", sig["id"])
    expect(sig["trace_id"].startswith("trc_"), "trace_id", "trc_...", sig["trace_id"])
    expect(sig["parent_id"] is None or sig["parent_id"].startswith("evt_"), "parent_id",
           "null or evt_...", sig["parent_id"])
    d = dict(pairs)["directed"]
    if d is not None:
        expect_eq([k for k, _ in d], DIRECTED_ORDER, "directed key order of " + frame)
    ts = sig["ts"]
    expect(ts.endswith("Z") and len(ts) in (20, 27), "ts", "YYYY-MM-DDTHH:MM:SS[.ffffff]Z", ts)
    datetime.datetime.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S")
    expect(isinstance(sig["payload"], dict), "payload", "an object", sig["payload"])
    expect(isinstance(sig["meta"], dict), "meta", "an object", sig["meta"])
    expect_eq(json.dumps(sig, separators=(",", ":"), ensure_ascii=False), frame,
              "compact re-encoding")
    return sig


class Client:
    """A cosmo:// client: one TCP connection, NDJSON lines, a reader thread."""

    def __init__(self, port, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.settimeout(None)
        self.file = self.sock.makefile("rb")
        welcome = json.loads(self.file.readline())
        expect_eq(welcome, {"op": "welcome"}, "broker welcome")
        self.handlers = {}
        self.lock = threading.Lock()
        self.errors = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _send(self, obj):
        line = json.dumps(obj, separators=(",", ":")) + "\n"
        with self.lock:
            self.sock.sendall(line.encode())

    def _read(self):
        for line in self.file:
            msg = json.loads(line)
            if msg.get("op") == "msg":
                h = self.handlers.get(msg["sub_id"])
                if h:
                    h(msg["subject"], msg["frame"])
            elif msg.get("op") == "err":
                self.errors.append(msg)

    def sub(self, subject, handler, group=None):
        sid = uuid.uuid4().hex
        self.handlers[sid] = handler
        self._send({"op": "sub", "sub_id": sid, "subject": subject, "queue_group": group})
        return sid

    def pub(self, subject, sig):
        self._send({"op": "pub", "subject": subject, "frame": encode(sig)})

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def subject(ns, type_):
    return f"cosmonapse.{ns}.{type_}"


class Observer:
    """Records every frame on cosmonapse.<ns>.> and lets a test wait for one."""

    def __init__(self, client, ns="dev"):
        self.frames = []
        self.cond = threading.Condition()
        client.sub(f"cosmonapse.{ns}.>", self._on)

    def _on(self, subj, frame):
        with self.cond:
            self.frames.append((subj, frame))
            self.cond.notify_all()

    def wait_for(self, pred, timeout=10.0, what="a signal"):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for _, f in self.frames:
                    s = json.loads(f)
                    if pred(s):
                        return s
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [json.loads(f)["type"] for _, f in self.frames[-20:]]
                    raise Failure(f"{what}: expected within {timeout} s, came none "
                                  f"(last types seen: {seen})")
                self.cond.wait(left)
