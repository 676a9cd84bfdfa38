"""Interop between the neuromesh binary and an independent Python peer over one cosmo://
broker started by the test (`neuromesh synapse start memory --port 0 --quiet`).

Usage: interop_test.py <path to neuromesh>. Exit 0 when every case passed; each failure
prints what was expected and what came.
"""
import json
import os
import re
import select
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cosmo_peer import Client, Failure, expect, expect_eq, make_signal  # noqa: E402
from python_dispatcher import Dispatcher  # noqa: E402
from python_worker import Worker  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else "neuromesh"
procs = []


def spawn(args):
    p = subprocess.Popen([BIN] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    procs.append(p)
    return p


def read_line(stream, pattern, timeout=10.0):
    """The first line of stream matching pattern (a regex), polled with a deadline."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        r, _, _ = select.select([stream], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            break
        line = stream.readline().decode()
        if not line:
            break
        seen.append(line.rstrip())
        if re.search(pattern, line):
            return line.rstrip()
    raise Failure(f"a line matching {pattern!r}: expected within {timeout} s, came {seen!r}")


def run(args, timeout=30):
    p = subprocess.run([BIN] + args, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def json_lines(out):
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def find(sigs, type_, what):
    for s in sigs:
        if s["type"] == type_:
            return s
    raise Failure(f"{what}: expected a {type_} line, came {[s['type'] for s in sigs]}")


# --- direction 1: neuromesh dispatch / stop / answer against a Python worker --------------

def worker_cases(url, port):
    c = Client(port)
    w = Worker(c, "py", ["echo", "upper"])
    w.start()
    obs = Dispatcher(Client(port))
    u = ["--url", url]

    # Addressed (default scope terminal => finalize): FINAL from the Python worker.
    rc, out, err = run(["dispatch", "--neuron", "py", "--input", '{"a":1}', "--json"] + u)
    expect_eq(rc, 0, f"dispatch --neuron py exit code (stderr {err!r})")
    f = find(json_lines(out), "FINAL", "dispatch --neuron py")
    expect_eq(f["payload"], {"result": {"a": 1}}, "addressed FINAL payload")
    expect_eq(f["directed"]["id"], "py", "addressed FINAL directed.id")

    # Capability-routed (TASK.routed, queue group caps:echo,upper) with --finalize.
    rc, out, err = run(["dispatch", "--capabilities", "echo", "--finalize", "--input",
                        '{"r":"x"}', "--json"] + u)
    expect_eq(rc, 0, f"dispatch --capabilities echo --finalize exit code (stderr {err!r})")
    f = find(json_lines(out), "FINAL", "routed dispatch")
    expect_eq(f["payload"], {"result": {"r": "x"}}, "routed FINAL payload")

    # Offer: the Python worker BIDs, is awarded, serves the award.
    rc, out, err = run(["dispatch", "--offer", "--capabilities", "upper", "--deadline-ms", "300",
                        "--input", '{"o":2}', "--json"] + u)
    expect_eq(rc, 0, f"dispatch --offer exit code (stderr {err!r})")
    f = find(json_lines(out), "FINAL", "offer dispatch")
    expect_eq(f["payload"], {"result": {"o": 2}}, "offer FINAL payload")
    expect_eq(f["directed"]["id"], "py", "offer FINAL directed.id")
    award = obs.obs.wait_for(lambda s: s["type"] == "TASK_AWARDED" and
                             s["trace_id"] == f["trace_id"], 5, "TASK_AWARDED")
    expect_eq(award["directed"]["id"], "py", "TASK_AWARDED directed.id")

    # STOP against a slow task: the Python worker acks STOPPED, dispatch exits 2.
    d = spawn(["dispatch", "--neuron", "py", "--input", '{"slow_ms":30000}', "--timeout",
               "20"] + u)
    line = read_line(d.stderr, r"trace=trc_")
    trace = re.search(r"trc_[0-9A-Z]+", line).group(0)
    obs.obs.wait_for(lambda s: s["type"] == "TASK" and s["trace_id"] == trace, 5, "slow TASK")
    rc, out, err = run(["stop", "--trace", trace, "--reason", "interop", "--collect-ms", "1000",
                        "--json"] + u)
    expect_eq(rc, 0, f"stop exit code (stderr {err!r})")
    acks = [s for s in json_lines(out) if s["directed"] and s["directed"]["id"] == "py"]
    expect(acks, "STOPPED from py", "one ack", out)
    expect_eq(acks[0]["type"], "STOPPED", "ack type")
    expect_eq(acks[0]["payload"]["cancelled"], 1, "ack cancelled")
    expect_eq(d.wait(30), 2, "dispatch exit code after STOP")

    # Clarification: asked once by Python, answered with `neuromesh answer`.
    a = spawn(["answer", "--answer", "blue", "--timeout", "20", "--json"] + u)
    read_line(a.stderr, "LISTENING")
    rc, out, err = run(["dispatch", "--neuron", "py", "--input", '{"ask":true}', "--json"] + u)
    expect_eq(rc, 3, f"dispatch exit code on a CLARIFICATION (stderr {err!r})")
    q = find(json_lines(out), "CLARIFICATION", "clarification dispatch")
    expect_eq(q["payload"]["question"], "What should I echo?", "CLARIFICATION question")
    expect_eq(a.wait(30), 0, "answer exit code")
    ans = find(json_lines(a.stdout.read().decode()), "CLARIFICATION_ANSWER", "answer")
    expect_eq(ans["parent_id"], q["id"], "CLARIFICATION_ANSWER parent_id")
    expect_eq(ans["payload"], {"answer": "blue"}, "CLARIFICATION_ANSWER payload")
    resumed = obs.reply_to(ans, "AGENT_OUTPUT")
    expect_eq(resumed["payload"]["output"]["clarification"]["answer"], "blue",
              "resumed AGENT_OUTPUT answer")

    expect_eq(w.failures, [], "strict decode failures of frames neuromesh sent to the worker")
    expect(len(w.received) >= 6, "frames the worker received", ">= 6", len(w.received))
    c.close()
    return len(w.received)


# --- direction 2: neuromesh agent echo driven by a Python dispatcher ----------------------

def agent(url, *extra):
    neuron = extra[extra.index("--neuron-id") + 1]
    p = spawn(["agent", "echo", "--url", url] + list(extra))
    expect_eq(read_line(p.stdout, r"READY|.", 10), "READY " + neuron, "agent banner")
    return p


def check_reply(r, src, type_, neuron):
    expect_eq(r["type"], type_, "reply type")
    expect_eq(r["parent_id"], src["id"], f"{type_} parent_id")
    expect_eq(r["trace_id"], src["trace_id"], f"{type_} trace_id")
    expect_eq(r["directed"]["id"], neuron, f"{type_} directed.id")


def agent_cases(url, port):
    agent(url, "--neuron-id", "ne", "--capabilities", "echo,x")
    agent(url, "--neuron-id", "slow", "--slow-ms", "30000")
    agent(url, "--neuron-id", "asker", "--ask-clarification")
    d = Dispatcher(Client(port))

    # Addressed with finalize: AGENT_OUTPUT (parent = TASK) then FINAL (parent = output).
    t = d.task({"q": "hi", "n": 1.5, "u": "\u00e9"}, neuron="ne", finalize=True)
    out = d.reply_to(t, "AGENT_OUTPUT")
    check_reply(out, t, "AGENT_OUTPUT", "ne")
    expect_eq(out["payload"], {"output": {"q": "hi", "n": 1.5, "u": "\u00e9"}}, "echo output")
    fin = d.reply_to(out, "FINAL")
    check_reply(fin, out, "FINAL", "ne")
    expect_eq(fin["payload"], {"result": {"q": "hi", "n": 1.5, "u": "\u00e9"}}, "FINAL result")

    # Capability-routed + finalize.
    t = d.task({"r": 1}, caps=["echo"], finalize=True)
    out = d.reply_to(t, "AGENT_OUTPUT")
    check_reply(out, t, "AGENT_OUTPUT", "ne")
    check_reply(d.reply_to(out, "FINAL"), out, "FINAL", "ne")

    # Offer: BID (parent = offer), award it, AGENT_OUTPUT (parent = award) + FINAL.
    offer = d.publish(make_signal("TASK_OFFER", {"input": {"o": 1}, "capabilities": ["x"],
                                                 "deadline_ms": 300}))
    bid = d.reply_to(offer, "BID")
    check_reply(bid, offer, "BID", "ne")
    expect(isinstance(bid["payload"].get("cost"), (int, float)), "BID cost", "a number",
           bid["payload"])
    award = d.publish(make_signal("TASK_AWARDED", {"input": {"o": 1}, "finalize": True},
                                  directed={"id": "ne"}, trace=offer["trace_id"],
                                  parent=bid["id"]))
    out = d.reply_to(award, "AGENT_OUTPUT")
    check_reply(out, award, "AGENT_OUTPUT", "ne")
    check_reply(d.reply_to(out, "FINAL"), out, "FINAL", "ne")

    # STOP a slow task: STOPPED (parent = STOP) with cancelled 1, and no AGENT_OUTPUT.
    t = d.task({"s": 1}, neuron="slow")
    stop = d.publish(make_signal("STOP", {"rollback": False, "reason": "interop"},
                                 trace=t["trace_id"]))
    ack = d.reply_to(stop, "STOPPED")
    expect_eq(ack["type"], "STOPPED", "reply type")
    expect_eq(ack["parent_id"], stop["id"], "STOPPED parent_id")
    expect_eq(ack["trace_id"], stop["trace_id"], "STOPPED trace_id")
    expect_eq(ack["payload"]["cancelled"], 1, "STOPPED cancelled")
    expect_eq(ack["payload"]["rolled_back"], False, "STOPPED rolled_back")

    # Clarification: CLARIFICATION (parent = TASK), answered; the answer resumes the task.
    t = d.task({"q": "?"}, neuron="asker")
    q = d.reply_to(t, "CLARIFICATION")
    check_reply(q, t, "CLARIFICATION", "asker")
    expect_eq(q["payload"]["question"], "What should I echo?", "CLARIFICATION question")
    ans = d.publish(make_signal("CLARIFICATION_ANSWER", {"answer": "blue"},
                                directed={"id": "py-dispatcher"}, trace=t["trace_id"],
                                parent=q["id"]))
    out = d.reply_to(ans, "AGENT_OUTPUT")
    check_reply(out, ans, "AGENT_OUTPUT", "asker")
    expect_eq(out["payload"], {"output": {"answer": "blue"}}, "resumed output")

    expect_eq(d.c.errors, [], "broker err replies")
    slow_out = [f for _, f in d.obs.frames
                if '"AGENT_OUTPUT"' in f and json.loads(f)["trace_id"] == stop["trace_id"]]
    expect_eq(slow_out, [], "AGENT_OUTPUT on the STOPped trace")
    return d.strict_check_all()


def run_cases(cases, unit):
    """Starts the broker, runs each (name, case(url, port) -> count) and prints PASS / FAIL;
    ends every process spawned. 0 when every case passed."""
    broker = spawn(["synapse", "start", "memory", "--port", "0", "-n", "dev", "--quiet"])
    url = re.search(r"cosmo://127\.0\.0\.1:\d+", read_line(broker.stdout, r"cosmo://")).group(0)
    port = int(url.rsplit(":", 1)[1])
    failed = 0
    for name, case in cases:
        try:
            n = case(url, port)
            print(f"PASS {name} ({n} {unit})", flush=True)
        except Exception:
            failed += 1
            print(f"FAIL {name}", flush=True)
            traceback.print_exc()
    for p in reversed(procs):
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
    return 1 if failed else 0


def main():
    return run_cases([("python worker served by neuromesh dispatch/stop/answer", worker_cases),
                      ("neuromesh agent echo driven by a python dispatcher", agent_cases)],
                     "neuromesh frames decoded strictly")


if __name__ == "__main__":
    sys.exit(main())
