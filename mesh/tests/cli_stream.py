#!/usr/bin/env python3
"""`neuromesh mesh keygen / recv / send` as a script uses them, on loopback.

Two identities, one PSK; recv waits for 20,000 events on a reliable stream and must print
`received 20000 in order`; send must report nothing in flight. Then a sender with the wrong
PSK must fail with a handshake error, and a world-readable seed must be refused.
Usage: cli_stream.py NEUROMESH
"""
import os
import re
import socket
import subprocess
import sys
import tempfile

cli = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="mesh_cli_")
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def keygen(name):
    path = os.path.join(tmp, name)
    p = subprocess.run([cli, "mesh", "keygen", "--out", path], capture_output=True, text=True)
    check(p.returncode == 0, f"keygen: {p.stderr}")
    key = re.search(r"public_key ([0-9a-f]{64})", p.stdout)
    check(key and re.search(r"node_id 0x[0-9a-f]{16}", p.stdout), f"keygen output: {p.stdout!r}")
    check(oct(os.stat(path).st_mode & 0o777) == "0o600", "seed file mode")
    return path, key.group(1)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


a_seed, _ = keygen("a.seed")
b_seed, b_key = keygen("b.seed")
psk = os.path.join(tmp, "psk")
with open(psk, "w") as f:
    f.write("11" * 32 + "\n")
bad_psk = os.path.join(tmp, "bad_psk")
with open(bad_psk, "wb") as f:
    f.write(b"\x22" * 32)

port = free_port()
recv = subprocess.Popen([cli, "mesh", "recv", "--listen", f"127.0.0.1:{port}", "--identity", b_seed,
                         "--psk-file", psk, "--stream", "7", "--expect", "20000", "--timeout", "60"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
# recv prints its listening line on stderr once bound.
line = recv.stderr.readline()
check("listening on port" in line, f"recv start: {line!r}")
send = subprocess.run([cli, "mesh", "send", "--identity", a_seed, "--psk-file", psk, "--peer",
                       f"127.0.0.1:{port}={b_key}", "--stream", "7", "--reliable", "--count",
                       "20000", "--size", "64"], capture_output=True, text=True, timeout=90)
check(send.returncode == 0, f"send: {send.returncode} {send.stderr}")
check("in_flight 0" in send.stdout and "tx_seq" in send.stdout, f"send stats: {send.stdout!r}")
out, err = recv.communicate(timeout=90)
check(recv.returncode == 0 and out.strip() == "received 20000 in order",
      f"recv: {recv.returncode} {out!r} {err!r}")
print("ok stream")

port = free_port()
recv = subprocess.Popen([cli, "mesh", "recv", "--listen", f"127.0.0.1:{port}", "--identity", b_seed,
                         "--psk-file", psk, "--stream", "7", "--expect", "1", "--timeout", "3"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
recv.stderr.readline()
send = subprocess.run([cli, "mesh", "send", "--identity", a_seed, "--psk-file", bad_psk, "--peer",
                       f"127.0.0.1:{port}={b_key}", "--stream", "7", "--count", "1", "--size", "8"],
                      capture_output=True, text=True, timeout=30)
check(send.returncode != 0 and "handshake" in send.stderr and "wrong PSK" in send.stderr,
      f"wrong psk: {send.returncode} {send.stderr!r}")
recv.communicate(timeout=30)
check(recv.returncode != 0, "recv with nothing received must fail")
print("ok wrong psk")

os.chmod(a_seed, 0o644)
send = subprocess.run([cli, "mesh", "send", "--identity", a_seed, "--psk-file", psk, "--peer",
                       f"127.0.0.1:{port}={b_key}", "--stream", "7", "--count", "1", "--size", "8"],
                      capture_output=True, text=True, timeout=30)
check(send.returncode == 2 and "chmod 600" in send.stderr, f"readable seed: {send.stderr!r}")
print("ok seed mode")
sys.exit(1 if failures else 0)
