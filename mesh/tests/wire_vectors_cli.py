#!/usr/bin/env python3
"""Feeds every wire vector in mesh/tests/vectors/ through `neuromesh mesh wire`.

For each vector: encode(fields) must print the vector's hex; decode(hex) must print the same
fields (ids compared as integers); encode(decode(hex)) must print the hex again. Then a few bad
inputs must fail with a message naming the field. Usage: wire_vectors_cli.py NEUROMESH VECTORDIR
"""
import json
import pathlib
import subprocess
import sys

cli, vector_dir = sys.argv[1], pathlib.Path(sys.argv[2])
failures = 0


def run(*args):
    p = subprocess.run([cli, "mesh", "wire", *args], capture_output=True, text=True)
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def norm(v):
    if isinstance(v, str) and v.lower().startswith("0x"):
        return int(v, 16)
    return v


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


kinds = ["net_header", "routing_header", "event_frame", "stream_window", "token"]
for kind in kinds:
    path = vector_dir / f"{kind}.json"
    vec = json.loads(path.read_text())
    fields = {"events_utf8": vec["events_utf8"]} if kind == "event_frame" else vec["fields"]
    code, out, err = run("encode", kind, json.dumps(fields))
    check(code == 0 and out == vec["hex"], f"{kind}: encode gave {code} {out!r} {err}")
    code, out, err = run("decode", kind, vec["hex"])
    check(code == 0, f"{kind}: decode failed: {err}")
    if code == 0:
        got = json.loads(out)
        check({k: norm(v) for k, v in got.items()} == {k: norm(v) for k, v in fields.items()},
              f"{kind}: decode gave {out}")
        code, again, err = run("encode", kind, out)
        check(again == vec["hex"], f"{kind}: decode->encode gave {again!r} {err}")
    print(f"ok {kind}")

bad = [
    (("decode", "net_header", "454e"), "truncated"),
    (("decode", "net_header", "00" * 68), "magic"),
    (("decode", "routing_header", "zz"), "HEX"),
    (("encode", "stream_window", '{"stream_id":1}'), "total_consumed"),
    (("encode", "bogus", "{}"), "unknown kind"),
]
for args, needle in bad:
    code, out, err = run(*args)
    check(code != 0 and needle in err, f"{args}: expected an error naming {needle!r}, got {code} {err!r}")
print("ok bad inputs")
sys.exit(1 if failures else 0)
