"""Writes Scripts/symbol-order.txt (see Scripts/symbol-order).

A read fault on the binary maps the 64 KiB or more around the page touched, so a server whose
start-up runs a few thousand functions spread over 36 MB of code keeps most of that code
resident. Laying those functions out side by side (lld's --symbol-ordering-file over
-function-sections objects) keeps only what runs. Each round records, on the binary linked with
the current order, every page fault on its code (the first function run in each window not yet
mapped) and cpu-clock samples (functions that run long enough to be seen), appends the functions
not yet listed, in the order they first ran, and relinks: what still faults outside the ordered
region shows up in the next round."""
import argparse
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

from scriptlib import free_port, wait_until_serving
import requests

ROOT = Path(__file__).resolve().parents[1]
ORDER = ROOT / "Scripts/symbol-order.txt"
BINARY = ROOT / ".build-release/release/sso"
SAMPLE = re.compile(r"^\s*([0-9a-f]+) (.*?) \((.*?)\)\s+([0-9a-f]+) (.*?) \((.*?)\)\s*$")


def build():
    """Relinks with the current order file (SwiftPM does not see the file change: the binary is removed)."""
    BINARY.unlink(missing_ok=True)
    subprocess.run([str(ROOT / "Scripts/build-release")], check=True, stdout=subprocess.DEVNULL)


def workload(events, output):
    """The release server under `perf record`: start-up, the requests every deployment sees, 2 s idle."""
    with tempfile.TemporaryDirectory() as data:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(Path(data) / "server.log", "w")
        perf = subprocess.Popen(["perf", "record", "-q", *events, "-d", "-o", str(output), "--", str(BINARY), "serve",
                                 "--port", str(port), "--data", data, "--log-format", "text"],
                                stdout=log, stderr=log, cwd=ROOT)
        wait_until_serving(base + "/.well-known/openid-configuration", perf,
                           lambda: (Path(data) / "server.log").read_text(), interval=0.01)
        for path in ["/.well-known/openid-configuration", "/jwks", "/healthz", "/readyz", "/metrics",
                     "/authorize?client_id=x", "/login", "/openapi.json"]:
            requests.get(base + path, timeout=10)
        requests.post(base + "/token", data={"grant_type": "refresh_token", "refresh_token": "x"}, auth=("a", "b"),
                      timeout=10)
        requests.get(base + "/userinfo", headers={"Authorization": "Bearer x"}, timeout=10)
        time.sleep(2)
        perf.send_signal(2)
        perf.wait(timeout=30)


def script(data):
    return subprocess.run(["perf", "script", "-i", str(data), "--no-demangle", "-F", "ip,sym,addr,dso"],
                          capture_output=True, text=True).stdout.splitlines()


def round_symbols(work):
    """Functions seen in this round, in the order first seen: code faults, then clock samples."""
    name = BINARY.name
    faults, seen = 0, []
    workload(["-e", "page-faults", "-c", "1"], work / "faults.data")
    for line in script(work / "faults.data"):
        m = SAMPLE.match(line)
        if m and m.group(3).endswith("/" + name) and m.group(1) == m.group(4):
            faults += 1
            seen.append(m.group(5).split("+")[0])
    for run in range(2):
        workload(["-e", "cpu-clock", "-c", "2000"], work / f"clock{run}.data")
        for line in script(work / f"clock{run}.data"):
            m = SAMPLE.match(line)
            if m and m.group(6).endswith("/" + name):
                seen.append(m.group(5).split("+")[0])
    return faults, [s for s in seen if s and s != "[unknown]"]


def defined():
    out = subprocess.run(["nm", "--defined-only", str(BINARY)], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if len(line.split()) == 3}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--fresh", action="store_true", help="start from an empty order")
    args = parser.parse_args()
    order = [] if args.fresh or not ORDER.exists() else [l for l in ORDER.read_text().splitlines() if l]
    ORDER.write_text("\n".join(order) + "\n")
    build()
    names = defined()
    order = [s for s in order if s in names]
    with tempfile.TemporaryDirectory() as work:
        for number in range(1, args.rounds + 1):
            ORDER.write_text("\n".join(order) + "\n")
            build()
            faults, seen = round_symbols(Path(work))
            known, added = set(order), 0
            for symbol in seen:
                if symbol not in known:
                    known.add(symbol)
                    order.append(symbol)
                    added += 1
            print(f"round {number}: {faults} code page faults, {added} functions added, {len(order)} in all", flush=True)
    ORDER.write_text("\n".join(order) + "\n")
    build()
    print(f"wrote {ORDER.relative_to(ROOT)} ({len(order)} functions); the release binary is relinked with it")


if __name__ == "__main__":
    main()
