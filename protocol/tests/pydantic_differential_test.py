#!/usr/bin/env python3
"""Differential test: neuromesh's Signal codec against the real serializer.

A test-side pydantic model shaped exactly like the Python SDK's Signal (same field order,
types, defaults and validators; reference/cosmonapse.md §1.1-§1.6) decodes and re-encodes
thousands of random envelopes -- random unicode (escaped and raw, astral planes), nesting,
key orders, duplicate keys, whitespace, numbers of every magnitude (ints beyond 64 bits,
floats at the 1e-5 / 1e16 switch points, -0.0, NaN/Infinity literals, overflow), lenient
timestamps and envelope fields. `neuromesh signal normalize` must write the same bytes for
every line pydantic accepts and reject every line pydantic rejects.

usage: pydantic_differential_test.py NEUROMESH [--count N] [--seed S]
"""
import argparse
import random
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

TYPES = ["TASK", "AGENT_OUTPUT", "FINAL", "ERROR", "TASK_OFFER", "BID", "TASK_AWARDED",
         "TASK_DECLINED", "THOUGHT_DELTA", "AUDIT", "PLAN", "TOOL_CALL", "TOOL_RESULT",
         "MEMORY_APPEND", "ESCALATION", "RECALL", "RECALLED", "IMPRINT", "IMPRINTED",
         "CONSENSUS", "CONTEXT_SYNC", "CRITIQUE", "CLARIFICATION", "PERMISSION",
         "PERMISSION_DECISION", "CLARIFICATION_ANSWER", "REGISTER", "DEREGISTER", "HEARTBEAT",
         "DISCOVER", "STOP", "STOPPED"]
SignalType = Enum("SignalType", {t: t for t in TYPES}, type=str)


class Directed(BaseModel):
    id: Optional[str] = None
    type: Optional[str] = None
    capabilities: list[str] = Field(default_factory=list)


class Signal(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    v: str = "1"
    id: str = Field(default_factory=lambda: "evt_" + "0" * 26)
    trace_id: str = Field(default_factory=lambda: "trc_" + "0" * 26)
    parent_id: Optional[str] = None
    type: SignalType
    directed: Optional[Directed] = None
    ts: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    payload: dict[str, Any] = Field(default_factory=dict)
    meta: dict[str, Any] = Field(default_factory=dict)

    @field_validator("v")
    @classmethod
    def _major(cls, v):
        if v.split(".")[0] != "1":
            raise ValueError("unsupported major version")
        return v

    @field_validator("id")
    @classmethod
    def _id(cls, v):
        if not v.startswith("evt_"):
            raise ValueError("id must start with evt_")
        return v

    @field_validator("trace_id")
    @classmethod
    def _trace(cls, v):
        if not v.startswith("trc_"):
            raise ValueError("trace_id must start with trc_")
        return v

    @field_validator("parent_id")
    @classmethod
    def _parent(cls, v):
        if v is not None and not v.startswith("evt_"):
            raise ValueError("parent_id must start with evt_")
        return v


def reference(line: str) -> Optional[str]:
    try:
        return Signal.model_validate_json(line.encode("utf-8", "surrogatepass")).model_dump_json()
    except Exception:
        return None


class Gen:
    def __init__(self, rng: random.Random):
        self.r = rng

    def ws(self):
        # JSONL: no raw line breaks between tokens.
        return self.r.choice(["", "", "", "", " ", "\t ", "  "])

    def char(self):
        r = self.r.random()
        if r < 0.55:
            return chr(self.r.randint(0x20, 0x7E))
        if r < 0.62:
            return self.r.choice(['"', "\\", "/", "\b", "\f", "\n", "\r", "\t", "\x00", "\x1f", "\x7f"])
        if r < 0.80:
            return chr(self.r.choice([self.r.randint(0xA0, 0x7FF), self.r.randint(0x800, 0xD7FF),
                                      self.r.randint(0xE000, 0xFFFD), 0x2028, 0xFEFF]))
        return chr(self.r.randint(0x10000, 0x10FFFF))

    def string(self, text=None):
        if text is None:
            text = "".join(self.char() for _ in range(self.r.randint(0, 12)))
        out = ['"']
        for ch in text:
            cp = ord(ch)
            esc = self.r.random() < 0.3
            if ch == '"' or ch == "\\":
                out.append("\\" + ch if not esc else "\\u%04x" % cp)
            elif cp < 0x20:
                short = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch)
                out.append(short if short and not esc else self.r.choice(["\\u%04x", "\\u%04X"]) % cp)
            elif ch == "/" and esc:
                out.append("\\/")
            elif esc and cp >= 0x10000:
                v = cp - 0x10000
                out.append("\\u%04x\\u%04X" % (0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF)))
            elif esc:
                out.append("\\u%04x" % cp)
            else:
                out.append(ch)
        out.append('"')
        return "".join(out)

    def number(self):
        r = self.r
        k = r.randint(0, 13)
        if k == 0:
            return str(r.randint(-1000, 1000))
        if k == 1:
            return str(r.randint(-10 ** r.randint(1, 60), 10 ** r.randint(1, 60)))
        if k == 2:
            return r.choice(["-0", "0", "9223372036854775807", "9223372036854775808",
                             "-9223372036854775809", "18446744073709551616"])
        if k == 3:
            return repr(r.uniform(-1e6, 1e6))
        if k == 4:  # near the repr switch points
            base = r.choice([1e-5, 1e16, 1e-4, 1e15])
            x = base * r.choice([1, 1 + 2 ** -52, 1 - 2 ** -53, 0.999999, 1.000001, 10, 0.1])
            return repr(x * r.choice([1, -1]))
        if k == 5:
            mant = str(r.randint(0, 10 ** r.randint(1, 20)))
            return mant + r.choice(["e", "E"]) + r.choice(["", "+", "-"]) + str(r.randint(0, 330))
        if k == 6:
            return r.choice(["-0.0", "0.0", "-0e0", "1e400", "-1e400", "1e-400", "5e-324",
                             "2.2250738585072014e-308", "1.7976931348623157e308", "NaN",
                             "Infinity", "-Infinity", "0.50", "1E5", "100.000", "0.1e1"])
        if k == 7:
            return "%d.%0*d" % (r.randint(0, 10 ** 6), r.randint(1, 25), r.randint(0, 10 ** 6))
        if k == 8:
            return repr(r.choice([r.random() * 10 ** r.randint(-30, 30), float(r.randint(0, 2 ** 60))]))
        if k == 9:
            return repr(float(r.randint(1, 10 ** 17)))
        if k == 10:
            return "%de%d" % (r.randint(1, 99), r.randint(-8, 20))
        if k == 11:
            return repr(r.uniform(0, 1) * 10 ** -r.randint(4, 7))
        if k == 12:
            return str(r.randint(-10 ** 300, 10 ** 300))
        return repr(r.uniform(-1, 1) * 2.0 ** r.randint(-1074, 1023))

    def value(self, depth):
        k = self.r.randint(0, 9 if depth < 5 else 5)
        if k <= 1:
            return self.string()
        if k <= 3:
            return self.number()
        if k == 4:
            return self.r.choice(["true", "false", "null"])
        if k == 5:
            return self.string("")
        if k <= 7:
            return self.obj(depth + 1)
        n = self.r.randint(0, 4)
        return "[" + self.ws() + ("," + self.ws()).join(self.value(depth + 1) for _ in range(n)) + self.ws() + "]"

    def obj(self, depth=0):
        n = self.r.randint(0, 6)
        keys = []
        for _ in range(n):
            if keys and self.r.random() < 0.15:
                keys.append(self.r.choice(keys))  # duplicate key
            else:
                keys.append("".join(self.char() for _ in range(self.r.randint(0, 6))))
        parts = [self.ws() + self.string(k) + self.ws() + ":" + self.ws() + self.value(depth) + self.ws()
                 for k in keys]
        return "{" + ",".join(parts) + "}" if parts else "{" + self.ws() + "}"

    def ts(self):
        r = self.r
        k = r.randint(0, 9)
        base = "%04d-%02d-%02d" % (r.randint(1, 9999), r.randint(1, 12), r.randint(1, 28))
        hms = "%02d:%02d" % (r.randint(0, 23), r.randint(0, 59))
        if k <= 4:
            s = base + r.choice("TTTt _") + hms
            if r.random() < 0.8:
                s += ":%02d" % r.randint(0, 59)
                if r.random() < 0.7:
                    s += r.choice("..,") + str(r.randint(0, 10 ** 9)).zfill(r.randint(1, 10))[: r.randint(1, 10)]
            s += r.choice(["Z", "Z", "z", "+00:00", "-00:00", "+0000", "", "+02:30", "-05:00", "+2359",
                           "+24:00", "+01", "-23:59", " Z"])
            return self.string(s)
        if k == 5:
            return self.string(base)
        if k == 6:
            return r.choice([str(r.randint(-10 ** 11, 10 ** 11)), repr(r.uniform(-3e10, 3e10)),
                             repr(r.uniform(0, 2e9)), str(r.randint(0, 2 * 10 ** 10))])
        if k == 7:
            return self.string(r.choice([str(r.randint(0, 2 * 10 ** 9)), "%d.%d" % (r.randint(0, 10 ** 9), r.randint(0, 999)),
                                         "+%d" % r.randint(0, 10 ** 9), "-%d.5" % r.randint(0, 10 ** 4)]))
        if k == 8:
            return self.string(r.choice(["2026-02-29T00:00:00Z", "2024-02-29T12:00:00Z", "2026-05-16T24:00:00Z",
                                         "2026-05-16T14:22:60Z", "2026-05-16T14", "", "garbage"]))
        return self.string("2026-05-16T14:22:01.%06dZ" % r.randint(0, 999999))

    def envelope(self):
        r = self.r
        fields = [("v", self.string(r.choice(["1"] * 12 + ["1.3", "2", "1x", ""]))),
                  ("id", self.string(r.choice(["evt_01JV8Y3Q6W5T2K9M4N7P0R1S2T"] * 8 + ["evt_x", "evt_", "evx_1"]))),
                  ("trace_id", self.string(r.choice(["trc_01JV8Y3Q6W5T2K9M4N7P0R1S2T"] * 8 + ["trc_a", "evt_a"]))),
                  ("type", self.string(r.choice(TYPES) if r.random() < 0.97 else r.choice(["task", "NOPE"]))),
                  ("ts", self.ts())]
        if r.random() < 0.7:
            fields.append(("parent_id", r.choice(["null", self.string("evt_p"), self.string("evt_p"), self.string("x")])))
        if r.random() < 0.7:
            d = []
            if r.random() < 0.7:
                d.append('"id":' + r.choice(["null", self.string()]))
            if r.random() < 0.5:
                d.append('"type":' + r.choice(["null", self.string()]))
            if r.random() < 0.6:
                d.append('"capabilities":[' + ",".join(self.string() for _ in range(r.randint(0, 3))) + "]")
            if r.random() < 0.1:
                d.append('"extra":' + self.value(3))
            r.shuffle(d)
            fields.append(("directed", r.choice(["null", "{" + ",".join(d) + "}"]) if r.random() < 0.9 else "{" + ",".join(d) + "}"))
        if r.random() < 0.9:
            fields.append(("payload", self.obj(1)))
        if r.random() < 0.7:
            fields.append(("meta", self.obj(1)))
        if r.random() < 0.1:
            fields.append(("neuron", self.value(2)))
        if r.random() < 0.05:
            fields.append(("payload", r.choice(["null", "[]", self.obj(1)])))
        r.shuffle(fields)
        return "{" + ",".join(self.ws() + self.string(k) + self.ws() + ":" + self.ws() + v + self.ws()
                              for k, v in fields) + "}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("neuromesh")
    ap.add_argument("--count", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(2 ** 32)
    g = Gen(random.Random(seed))
    lines = [g.envelope() for _ in range(a.count)]
    expected = [reference(l) for l in lines]
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as f:
        for l in lines:
            f.write(l.encode("utf-8") + b"\n")
        path = f.name
    p = subprocess.run([a.neuromesh, "signal", "normalize", path], capture_output=True)
    out = p.stdout.decode("utf-8").split("\n")[:-1]
    rejected = {int(l.split(":")[0].split()[1]) for l in p.stderr.decode("utf-8", "replace").splitlines()
                if l.startswith("line ")}
    failures = 0
    oi = 0
    for i, (line, exp) in enumerate(zip(lines, expected), start=1):
        if exp is None:
            if i not in rejected:
                failures += 1
                print("pydantic rejects, neuromesh accepts:\n  in : %s\n  out: %s" % (line, out[oi] if oi < len(out) else "?"))
                oi += 1
            continue
        if i in rejected:
            failures += 1
            err = [l for l in p.stderr.decode().splitlines() if l.startswith("line %d:" % i)]
            print("pydantic accepts, neuromesh rejects:\n  in : %s\n  err: %s\n  exp: %s" % (line, err, exp))
            continue
        got = out[oi]
        oi += 1
        if "ts" not in line and got != exp:
            continue
        if got != exp:
            failures += 1
            print("mismatch:\n  in : %s\n  exp: %s\n  got: %s" % (line, exp, got))
        if failures > 20:
            break
    accepted = sum(e is not None for e in expected)
    print("seed %d: %d envelopes, %d accepted by pydantic, %d failures" % (seed, len(lines), accepted, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
