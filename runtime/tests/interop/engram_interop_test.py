"""Engram and Effector interop between the neuromesh binary and an independent Python peer
over one cosmo:// broker started by the test (reference sections 2.2, 6.2, 6.3).

  1. A Python caller (the SDK's wire shapes, built by hand) against `neuromesh engram serve`
     and `neuromesh effector serve calculator`: REGISTER role engram / effector, IMPRINTED,
     RECALLED and TOOL_RESULT decoded strictly, payload keys in the reference's order,
     parented to the request on its trace; merge semantics; malformed requests answered
     with `error`.
  2. `neuromesh engram recall|imprint` and `neuromesh tool call` against a Python Engram and
     a Python Effector: the RECALL / IMPRINT / TOOL_CALL frames neuromesh sends decode
     strictly with the reference's payload order, and the CLI prints the Python replies.

Usage: engram_interop_test.py <path to neuromesh>. Exit 0 when every case passed.
"""
import json
import os
import re
import sys
import threading
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cosmo_peer import (Client, Failure, Observer, expect, expect_eq, make_signal,  # noqa: E402
                        strict_decode, subject)
from interop_test import read_line, run, run_cases, spawn  # noqa: E402


def keys(frame, *path):
    """The key order of the object at path inside a frame (as sent)."""
    v = json.loads(frame, object_pairs_hook=lambda p: p)
    for step in path:
        v = dict(v)[step] if isinstance(step, str) else v[step]
    return [k for k, _ in v]


class Frames(Observer):
    """An Observer that also returns the raw frame of what it waited for."""

    def frame_of(self, pred, what, timeout=10.0):
        self.wait_for(lambda s: pred(s), timeout, what)
        with self.cond:
            for _, f in self.frames:
                if pred(json.loads(f)):
                    return f, strict_decode(f)
        raise Failure(what)


def wait_live(c):
    """A cosmo:// sub has no ack: a probe published after the subs, on the same connection,
    coming back shows the broker has taken every sub before it."""
    came = threading.Event()
    probe = make_signal("HEARTBEAT", {"status": "ok"}, {"id": "probe-" + uuid.uuid4().hex})
    c.sub(subject("dev", "HEARTBEAT"),
          lambda _s, f: came.set() if json.loads(f)["directed"]["id"] == probe["directed"]["id"]
          else None)
    c.pub(subject("dev", "HEARTBEAT"), probe)
    expect(came.wait(10), "probe", "back within 10 s", "nothing")


def reply_to(obs, request, type_):
    return obs.frame_of(lambda s: s["type"] == type_ and s["parent_id"] == request["id"],
                        f"{type_} to {request['type']} {request['id']}")


def python_caller_cases(url, port):
    c = Client(port)
    obs = Frames(c)
    wait_live(c)
    serve = spawn(["engram", "serve", "--url", url, "--id", "mem", "--store", "memory:"])
    read_line(serve.stdout, r"^READY mem$")
    fx = spawn(["effector", "serve", "calculator", "--url", url])
    read_line(fx.stdout, r"^READY calculator$")
    n = 0

    f, reg = obs.frame_of(lambda s: s["type"] == "REGISTER" and s["directed"]["id"] == "mem",
                          "REGISTER of the Engram")
    expect_eq(keys(f, "payload")[0], "role", "REGISTER payload: role written first")
    expect_eq(reg["payload"]["role"], "engram", "Engram REGISTER role")
    expect_eq(reg["payload"]["engram"], True, "Engram REGISTER legacy alias engram: true")
    expect_eq(reg["directed"]["type"], "context", "Engram REGISTER directed.type = kind")
    f, reg = obs.frame_of(lambda s: s["type"] == "REGISTER" and
                          s["directed"]["id"] == "calculator", "REGISTER of the Effector")
    expect_eq(reg["payload"]["role"], "effector", "Effector REGISTER role")
    expect_eq(sorted(reg["payload"]["capabilities"]), ["add", "div", "mul", "sub"], "tools")
    n += 2

    to_mem = {"id": "mem", "type": None}
    put = make_signal("IMPRINT", {"op": "upsert", "entry": {"content": {"a": {"x": 1}, "l": [1]},
                                                           "tags": ["t1"]}, "merge_key": "k"},
                      to_mem)
    c.pub(subject("dev", "IMPRINT"), put)
    f, got = reply_to(obs, put, "IMPRINTED")
    expect_eq(keys(f, "payload"), ["engram_id", "op", "id", "version", "took_ms"],
              "IMPRINTED payload order")
    expect_eq(got["trace_id"], put["trace_id"], "IMPRINTED trace")
    expect_eq(got["directed"], {"id": "mem", "type": "context", "capabilities": []},
              "IMPRINTED directed")
    expect(got["payload"]["id"].startswith("eng_"), "entry id", "eng_...", got["payload"]["id"])
    expect_eq(got["payload"]["version"], 1, "upsert version")
    merge = make_signal("IMPRINT", {"op": "merge",
                                    "entry": {"content": {"a": {"y": 2}, "l": [1, 2]},
                                              "tags": ["t2"]},
                                    "merge_key": "k"},
                        to_mem, trace=put["trace_id"], parent=put["id"])
    c.pub(subject("dev", "IMPRINT"), merge)
    f, got = reply_to(obs, merge, "IMPRINTED")
    expect_eq(got["payload"]["version"], 2, "merge version")
    n += 2

    get = make_signal("RECALL", {"query": {"merge_key": "k"}, "recall_mode": "first"},
                      {"id": None, "type": "context"})
    c.pub(subject("dev", "RECALL"), get)
    f, got = reply_to(obs, get, "RECALLED")
    expect_eq(keys(f, "payload"), ["engram_id", "hits", "truncated", "took_ms"],
              "RECALLED payload order")
    expect_eq(keys(f, "payload", "hits", 0), ["id", "entry", "score"], "hit order")
    expect_eq(keys(f, "payload", "hits", 0, "entry"),
              ["id", "content", "tags", "version", "created_at", "updated_at", "merge_key"],
              "entry order")
    entry = got["payload"]["hits"][0]["entry"]
    expect_eq(entry["content"], {"a": {"x": 1, "y": 2}, "l": [1, 2]}, "deep-merged content")
    expect_eq(entry["tags"], ["t1", "t2"], "tag union")
    expect(entry["created_at"].endswith("+00:00"), "created_at", "ISO-8601 +00:00",
           entry["created_at"])
    expect_eq(got["payload"]["hits"][0]["score"], 1.0, "score without text")
    n += 1

    bad = make_signal("RECALL", {"query": [1], "recall_mode": "first"}, to_mem)
    c.pub(subject("dev", "RECALL"), bad)
    f, got = reply_to(obs, bad, "RECALLED")
    expect(got["payload"].get("error", "").startswith("query"), "malformed RECALL error",
           "an error naming query", got["payload"])
    expect_eq(got["payload"]["hits"], [], "malformed RECALL hits")
    n += 1

    for args, want in [({"a": 6, "b": 7}, ("result", 42)), ({"a": 1, "b": 0}, ("error", None))]:
        call = make_signal("TOOL_CALL", {"tool": "mul" if "b" in args and args["b"] else "div",
                                         "args": args, "call_id": "c-%d" % n},
                           {"id": "calculator", "type": None})
        c.pub(subject("dev", "TOOL_CALL"), call)
        f, got = reply_to(obs, call, "TOOL_RESULT")
        p = got["payload"]
        expect_eq(keys(f, "payload"), ["tool", want[0], "call_id"], "TOOL_RESULT payload order")
        if want[0] == "result":
            expect_eq(p["result"], 42, "mul result")
        else:
            expect_eq(p["error"], "div: division by zero", "div error")
        n += 1
    c.close()
    return n


class PythonEngram:
    """A Python Engram and Effector as the SDK hosts them: answers RECALL with one hit,
    IMPRINT with a receipt, TOOL_CALL echo with its args (tool boom with an error), addressed
    to pyfx or open (no directed.id)."""

    def __init__(self, port):
        self.c = Client(port)
        self.frames = []
        me = {"id": "pymem", "type": "context"}
        for t in ("RECALL", "IMPRINT", "TOOL_CALL"):
            self.c.sub(subject("dev", t), self.on)
        self.me = me
        wait_live(self.c)

    def reply(self, req, type_, payload, directed):
        self.c.pub(subject("dev", type_), make_signal(type_, payload, directed,
                                                      trace=req["trace_id"], parent=req["id"]))

    def on(self, subj, frame):
        self.frames.append(frame)
        s = json.loads(frame)
        d = s["directed"] or {}
        if s["type"] == "RECALL" and d.get("id") == "pymem":
            hit = {"id": "eng_PY", "entry": {"id": "eng_PY", "content": {"from": "python"},
                                             "tags": [], "version": 3,
                                             "created_at": "2026-01-01T00:00:00+00:00",
                                             "updated_at": "2026-01-01T00:00:00+00:00"},
                   "score": 0.25}
            self.reply(s, "RECALLED", {"engram_id": "pymem", "hits": [hit], "truncated": False,
                                       "took_ms": 1}, self.me)
        elif s["type"] == "IMPRINT" and d.get("id") == "pymem":
            self.reply(s, "IMPRINTED", {"engram_id": "pymem", "op": s["payload"]["op"],
                                        "id": "eng_PY2", "version": 1, "took_ms": 0}, self.me)
        elif s["type"] == "TOOL_CALL" and d.get("id") in ("pyfx", None):  # by id, or open
            p = s["payload"]
            out = {"tool": p["tool"]}
            if p["tool"] == "boom":
                out["error"] = "boom: it broke"
            else:
                out["result"] = p["args"]
            if p.get("call_id") is not None:
                out["call_id"] = p["call_id"]
            self.reply(s, "TOOL_RESULT", out, {"id": "pyfx", "type": "effector"})

    def frame(self, type_):
        for f in self.frames:
            if json.loads(f)["type"] == type_:
                return f
        raise Failure(f"a {type_} frame from neuromesh: came none")


def neuromesh_caller_cases(url, port):
    py = PythonEngram(port)
    u = ["--url", url]
    rc, out, err = run(["engram", "recall", "--id", "pymem", "--query", '{"text":"py","top_k":5}',
                        "--filters", '{"tags":["a"]}'] + u)
    expect_eq(rc, 0, f"engram recall exit code (stderr {err!r})")
    got = json.loads(out)
    expect_eq(got["engram_ids"], ["pymem"], "recall engram_ids")
    expect_eq(got["hits"][0]["entry"]["content"], {"from": "python"}, "hit from python")
    expect_eq(got["hits"][0]["entry"]["version"], 3, "hit version")
    f = py.frame("RECALL")
    strict_decode(f)
    expect_eq(keys(f, "payload"), ["query", "recall_mode", "filters", "deadline_ms"],
              "RECALL payload order")

    rc, out, err = run(["engram", "imprint", "--id", "pymem", "--op", "merge", "--merge-key",
                        "k", "--entry", '{"content":{"a":1}}'] + u)
    expect_eq(rc, 0, f"engram imprint exit code (stderr {err!r})")
    expect_eq(json.loads(out)["id"], "eng_PY2", "receipt from python")
    f = py.frame("IMPRINT")
    strict_decode(f)
    expect_eq(keys(f, "payload"), ["op", "entry", "merge_key"], "IMPRINT payload order")

    rc, out, err = run(["tool", "call", "--tool", "echo", "--args", '{"q":[1,2]}'] + u)
    expect_eq(rc, 0, f"tool call exit code (stderr {err!r})")
    expect_eq(json.loads(out), {"q": [1, 2]}, "tool result from python")
    f = py.frame("TOOL_CALL")
    strict_decode(f)
    expect_eq(keys(f, "payload")[:2], ["tool", "args"], "TOOL_CALL payload order")
    rc, out, err = run(["tool", "call", "--id", "pyfx", "--tool", "boom", "--args", "{}"] + u)
    expect_eq(rc, 1, "tool call exit code on a python error")
    expect(re.search(r"boom: it broke", err), "tool call stderr", "the python error", err)
    py.c.close()
    return 3


def main():
    return run_cases([("python caller against neuromesh engram / effector serve",
                       python_caller_cases),
                      ("neuromesh engram / tool CLI against a python engram and effector",
                       neuromesh_caller_cases)],
                     "exchanges")


if __name__ == "__main__":
    sys.exit(main())
