"""A Cosmonapse worker in plain Python: hosts one echo neuron on the cosmo:// broker.

REGISTERs, answers addressed TASKs and capability-routed TASK.routed (queue group
caps:<sorted caps>), promotes to FINAL when the TASK asks, BIDs for TASK_OFFERs and serves
the TASK_AWARDED, acks STOP with STOPPED, and asks a CLARIFICATION once when the input
says {"ask": true}. Input {"slow_ms": N} holds the task N ms (STOP cancels it).
"""
import json
import threading

from cosmo_peer import make_signal, subject, strict_decode


class Worker:
    def __init__(self, client, neuron_id, caps, ns="dev"):
        self.c, self.neuron, self.caps, self.ns = client, neuron_id, sorted(set(caps)), ns
        self.running = {}  # trace -> [threading.Event]
        self.asked = {}  # CLARIFICATION id -> (question, finalize)
        self.received = []  # every frame from the other side, for the strict check
        self.failures = []
        self.lock = threading.Lock()

    def start(self):
        c = self.c
        c.sub(subject(self.ns, "TASK"), self._on)
        c.sub(subject(self.ns, "TASK.routed"), self._on, group="caps:" + ",".join(self.caps))
        for t in ("TASK_OFFER", "TASK_AWARDED", "STOP", "CLARIFICATION_ANSWER"):
            c.sub(subject(self.ns, t), self._on)
        self.emit(make_signal("REGISTER", {"role": "neuron", "capabilities": self.caps},
                              directed={"id": self.neuron, "capabilities": self.caps}))

    def emit(self, sig):
        self.c.pub(subject(self.ns, sig["type"]), sig)

    def reply(self, src, type_, payload):
        return make_signal(type_, payload, directed={"id": self.neuron},
                           trace=src["trace_id"], parent=src["id"])

    def _on(self, subj, frame):
        sig = json.loads(frame)
        with self.lock:
            self.received.append(frame)
        try:
            strict_decode(frame)
        except Exception as e:  # reported by the driver; the worker keeps serving
            self.failures.append(f"{e} in {frame}")
        t = sig["type"]
        d = sig["directed"] or {}
        p = sig["payload"]
        if t == "TASK":
            if d.get("id"):
                if d["id"] != self.neuron:
                    return
            elif p.get("capabilities"):
                if not set(p["capabilities"]) <= set(self.caps):
                    return
            else:
                return  # not a catch-all
            self._run(sig, p.get("input", {}), bool(p.get("finalize")))
        elif t == "TASK_OFFER":
            if set(p.get("capabilities", [])) <= set(self.caps):
                self.emit(make_signal("BID", {"cost": 0.5, "confidence": 0.9},
                                      directed={"id": self.neuron}, trace=sig["trace_id"],
                                      parent=sig["id"]))
        elif t == "TASK_AWARDED" and d.get("id") == self.neuron:
            self._run(sig, p.get("input", {}), bool(p.get("finalize")))
        elif t == "STOP":
            with self.lock:
                evs = self.running.pop(sig["trace_id"], [])
            for e in evs:
                e.set()
            if evs:
                self.emit(make_signal("STOPPED", {"rolled_back": bool(p.get("rollback")),
                                                  "cancelled": len(evs), "compensated": 0,
                                                  "node": self.ns},
                                      directed={"id": self.neuron}, trace=sig["trace_id"],
                                      parent=sig["id"]))
        elif t == "CLARIFICATION_ANSWER":
            q = self.asked.pop(sig["parent_id"], None)
            if q is not None:
                inp = {"clarification": {"question": q[0], "answer": p.get("answer")}}
                self._run(sig, inp, q[1])

    def _run(self, task, inp, finalize):
        stop = threading.Event()
        with self.lock:
            self.running.setdefault(task["trace_id"], []).append(stop)
        threading.Thread(target=self._task, args=(task, inp, finalize, stop), daemon=True).start()

    def _task(self, task, inp, finalize, stop):
        if inp.get("slow_ms") and stop.wait(inp["slow_ms"] / 1000.0):
            return  # STOPped: no reply
        with self.lock:
            evs = self.running.get(task["trace_id"], [])
            if stop in evs:
                evs.remove(stop)
        if inp.get("ask") and "clarification" not in inp:
            q = self.reply(task, "CLARIFICATION", {"question": "What should I echo?"})
            self.asked[q["id"]] = ("What should I echo?", finalize)
            self.emit(q)
            return
        out = self.reply(task, "AGENT_OUTPUT", {"output": inp})
        self.emit(out)
        if finalize:
            self.emit(self.reply(out, "FINAL", {"result": inp}))
