"""Throughput of the example WordCountBolt driven over pipes by a host emulator.

    cd packages/multilang/python
    python3 tests/throughput.py                 # both serializers, 200k tuples, max pending 100, median of 3
    python3 tests/throughput.py -n 500000 -s msgpack --max-pending 1000

The host side behaves like Storm's ShellBolt: at most --max-pending input tuples
written and not yet acked. Inputs are pre-encoded and acks are counted by scanning the
raw output for the ack command (cheap, so the Python host is not the bottleneck);
--verify decodes every message instead and checks emits and acks.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from host import EXAMPLE_DIR, child_env  # noqa: E402
from squall import msgpack  # noqa: E402

WORDS = ["dog", "cat", "zebra", "elephant"]


def encode(serializer, obj):
    if serializer == "json":
        return (json.dumps(obj, separators=(",", ":")) + "\nend\n").encode()
    return msgpack.packb(obj)


def run(serializer, n, max_pending, verify):
    proc = subprocess.Popen(
        [sys.executable, "-m", "squall.run", "-s", serializer, "bolts.wordcount.WordCountBolt"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        cwd=EXAMPLE_DIR, env=child_env(), bufsize=0,
    )
    try:
        pid_dir = tempfile.mkdtemp(prefix="squall-bench-")
        ctx = {"taskid": 1, "componentid": "count-bolt", "source->stream->fields": {"words": {"default": ["word"]}}}
        conf = {"topology.shellbolt.max.pending": max_pending}  # as the host sends it: the child paces its writes by it
        proc.stdin.write(encode(serializer, {"conf": conf, "pidDir": pid_dir, "context": ctx}))
        out_fd = proc.stdout.fileno()
        # handshake reply
        buf = bytearray()
        while True:
            buf += os.read(out_fd, 65536)
            if serializer == "json" and b"\nend\n" in buf:
                del buf[: buf.index(b"\nend\n") + 5]
                break
            if serializer == "msgpack":
                try:
                    _, pos = msgpack.unpack_from(buf, 0)
                    del buf[:pos]
                    break
                except msgpack.Incomplete:
                    pass
        # pre-encode inputs (ids are unique per tuple, like the host's)
        inputs = [
            encode(serializer, {"id": str(i), "comp": "words", "stream": "default", "task": 2, "tuple": [WORDS[i % 4]]})
            for i in range(n)
        ]
        ack_marker = b'"command":"ack"' if serializer == "json" else b"\xa7command\xa3ack"
        state = {"acked": 0, "emits": 0, "last_count": {}}
        cond = threading.Condition()

        def reader():
            tail = bytearray(buf)
            while True:
                chunk = os.read(out_fd, 1 << 20)
                if not chunk:
                    break
                if verify:
                    tail += chunk
                    acks = parse_all(serializer, tail, state)
                else:  # a marker split across chunks is found thanks to the kept tail
                    tail += chunk
                    acks = tail.count(ack_marker)
                    del tail[: max(0, len(tail) - (len(ack_marker) - 1))]
                with cond:
                    state["acked"] += acks
                    cond.notify()
                if state["acked"] >= n:
                    break

        t = threading.Thread(target=reader, daemon=True)
        start = time.perf_counter()
        t.start()
        written = 0
        stdin = proc.stdin
        while written < n:
            with cond:
                while written - state["acked"] >= max_pending:
                    cond.wait()
                room = max_pending - (written - state["acked"])
            batch = inputs[written: written + room]
            stdin.write(b"".join(batch))
            written += len(batch)
        t.join(120)
        elapsed = time.perf_counter() - start
        if state["acked"] != n:
            raise RuntimeError("only {} of {} acked".format(state["acked"], n))
        if verify:
            expected = {}
            for i in range(n):
                w = WORDS[i % 4]
                expected[w] = expected.get(w, 0) + (10 if w == "dog" else 1)
            assert state["emits"] == n and state["last_count"] == expected, state
        result = [n / elapsed, elapsed, None]
        return result
    finally:
        proc.kill()
        try:  # child CPU time (user+sys, includes ~50 ms of interpreter start-up)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            if "result" in locals():
                result[2] = (usage.ru_utime + usage.ru_stime) / n * 1e6
        except ChildProcessError:
            proc.wait()


def parse_all(serializer, buf, state):
    acks = 0
    while True:
        if serializer == "json":
            idx = buf.find(b"\nend\n")
            if idx < 0:
                return acks
            msg = json.loads(bytes(buf[:idx]))
            del buf[: idx + 5]
        else:
            try:
                msg, pos = msgpack.unpack_from(buf, 0)
            except msgpack.Incomplete:
                return acks
            del buf[:pos]
        cmd = msg.get("command")
        if cmd == "ack":
            acks += 1
        elif cmd == "emit":
            state["emits"] += 1
            state["last_count"][msg["tuple"][0]] = msg["tuple"][1]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-n", type=int, default=200000, help="tuples per run (default 200000)")
    p.add_argument("-s", "--serializer", choices=["json", "msgpack", "both"], default="both")
    p.add_argument("--max-pending", type=int, default=100, help="topology.shellbolt.max.pending (default 100)")
    p.add_argument("--verify", action="store_true", help="decode and check every message (slower host)")
    p.add_argument("--repeat", type=int, default=3, help="runs per serializer; the median is reported (default 3)")
    args = p.parse_args()
    sers = ["json", "msgpack"] if args.serializer == "both" else [args.serializer]
    print("python {} | n={} max_pending={} verify={} repeat={}".format(
        sys.version.split()[0], args.n, args.max_pending, args.verify, args.repeat))
    for s in sers:
        runs = [run(s, args.n, args.max_pending, args.verify) for _ in range(args.repeat)]
        rates = sorted(r[0] for r in runs)
        cpus = sorted(r[2] for r in runs if r[2] is not None)
        print("{:8s} median {:>8,.0f} tuples/s   (runs: {})   child CPU {} us/tuple".format(
            s, rates[len(rates) // 2], ", ".join("{:,.0f}".format(r) for r in rates),
            "{:.1f}".format(cpus[len(cpus) // 2]) if cpus else "?"))


if __name__ == "__main__":
    main()
