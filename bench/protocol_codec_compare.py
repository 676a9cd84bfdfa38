#!/usr/bin/env python3
"""Runs the Signal codec benchmark and its peer, the Python SDK's serializer, on the same
envelopes in one invocation and prints the ratios.

The peer is pydantic 2.13 / pydantic-core 2.46 with a model shaped exactly like the SDK's
Signal (decode = model_validate_json, encode = model_dump_json), as in
protocol/tests/pydantic_differential_test.py.

usage: bench/protocol_codec_compare.py [BUILD_DIR]   (default build/release)
"""
import importlib.util
import json
import os
import platform
import subprocess
import sys
import timeit
from datetime import date

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build", "release")

spec = importlib.util.spec_from_file_location(
    "model", os.path.join(root, "protocol", "tests", "pydantic_differential_test.py"))
model = importlib.util.module_from_spec(spec)
spec.loader.exec_module(model)
Signal = model.Signal

TASK = ('{"v":"1","id":"evt_01JV8Y3Q6W5T2K9M4N7P0R1S2T","trace_id":"trc_01JV8Y3Q6W5T2K9M4N7P0R1S2V",'
        '"parent_id":null,"type":"TASK","directed":{"id":"answerer","type":null,"capabilities":[]},'
        '"ts":"2026-05-16T14:22:01.391234Z","payload":{"input":{"q":"What is the capital of France?",'
        '"lang":"en","max_tokens":256},"context_ref":"ctx_main"},"meta":{"seq":3}}')
sentence = "The quick brown fox jumps over the lazy dog; Zürich reports 24 °C and light wind. "
text = ""
while len(text.encode()) < 3900:
    text += sentence
OUTPUT = ('{"v":"1","id":"evt_01JV8Y3Q7M9N8P7Q6R5S4T3V2W","trace_id":"trc_01JV8Y3Q7A1B2C3D4E5F6G7H8K",'
          '"parent_id":"evt_01JV8Y3Q7A1B2C3D4E5F6G7H8J","type":"AGENT_OUTPUT",'
          '"directed":{"id":"answerer","type":null,"capabilities":[]},"ts":"2026-05-16T14:22:02.817003Z",'
          '"payload":{"output":{"text":"' + text + '","confidence":0.92,"sources":[1,2,3]}},'
          '"meta":{"model":"m","tokens":{"in":412,"out":917}}}')


def per_call_ns(fn):
    n, t = 0, 0.0
    number = 1000
    while t < 0.5:
        t += timeit.timeit(fn, number=number)
        n += number
    return t / n * 1e9


peer = {}
for name, wire in (("task_300B", TASK), ("agent_output_4KiB", OUTPUT)):
    data = wire.encode()
    sig = Signal.model_validate_json(data)
    assert sig.model_dump_json() == wire, "the benchmark input must be canonical"
    peer["decode_bench/" + name] = per_call_ns(lambda: Signal.model_validate_json(data))
    peer["encode_bench/" + name] = per_call_ns(lambda: sig.model_dump_json())

out = subprocess.run([os.path.join(build, "bench", "protocol_codec_bench"), "--benchmark_format=json",
                      "--benchmark_filter=^(de|en)code_bench/"], capture_output=True, check=True, text=True)
ours = {b["name"].split("/min_time")[0]: b["cpu_time"] for b in json.loads(out.stdout)["benchmarks"]}

print("Signal codec: neuromesh vs pydantic %s (Python %s)" % (__import__("pydantic").VERSION, platform.python_version()))
print("machine: %s, %d cpus, load %.1f; %s" % (platform.processor() or platform.machine(), os.cpu_count(),
                                               os.getloadavg()[0], date.today()))
print("%-28s %12s %12s %8s" % ("case", "neuromesh ns", "pydantic ns", "ratio"))
for key in sorted(peer):
    if key in ours:
        print("%-28s %12.0f %12.0f %7.1fx" % (key, ours[key], peer[key], peer[key] / ours[key]))
