"""A minimal multi-lang *host* for tests: spawns a component with pipes and speaks the
protocol to it (JSON framing implemented here independently of the library; msgpack
via squall.msgpack, which has its own known-vector tests)."""

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
LIB_DIR = os.path.dirname(TESTS_DIR)  # packages/multilang/python
EXAMPLE_DIR = os.path.normpath(os.path.join(LIB_DIR, "..", "..", "..", "examples", "wordcount-python"))

if LIB_DIR not in sys.path:
    sys.path.insert(0, LIB_DIR)

from squall import msgpack  # noqa: E402

EOF = object()


def child_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = LIB_DIR + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONSTARTUP", None)
    return env


class Child(object):
    def __init__(self, test, args, cwd=TESTS_DIR, serializer="json"):
        self.serializer = serializer
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "squall.run"] + list(args),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=child_env(),
        )
        self.pid_dir = tempfile.mkdtemp(prefix="squall-test-pids-")
        self.msgs = queue.Queue()
        self.raw = bytearray()
        self.stderr = bytearray()
        self._out_thread = threading.Thread(target=self._read_stdout, daemon=True)
        self._err_thread = threading.Thread(target=self._read_stderr, daemon=True)
        self._out_thread.start()
        self._err_thread.start()
        test.addCleanup(self.close)

    # ---- background readers ---------------------------------------------------------------
    def _read_stdout(self):
        fd = self.proc.stdout.fileno()
        buf = bytearray()
        try:
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                self.raw += chunk
                buf += chunk
                if self.serializer == "json":
                    while True:
                        idx = buf.find(b"\nend\n")
                        if idx < 0:
                            break
                        text = bytes(buf[:idx]).decode("utf-8")
                        del buf[: idx + 5]
                        self.msgs.put(json.loads(text))
                else:
                    pos = 0
                    while True:
                        try:
                            obj, pos2 = msgpack.unpack_from(buf, pos)
                        except msgpack.Incomplete:
                            break
                        self.msgs.put(obj)
                        pos = pos2
                    del buf[:pos]
        except Exception as e:  # surface parse errors to the test
            self.msgs.put(("PARSE-ERROR", repr(e), bytes(buf[:200])))
        self.msgs.put(EOF)

    def _read_stderr(self):
        fd = self.proc.stderr.fileno()
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            self.stderr += chunk

    # ---- host side API --------------------------------------------------------------------
    def encode(self, obj):
        if self.serializer == "json":
            return (json.dumps(obj) + "\nend\n").encode("utf-8")
        return msgpack.packb(obj)

    def send(self, obj):
        self.send_raw(self.encode(obj))

    def send_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def recv(self, timeout=5.0):
        try:
            msg = self.msgs.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no message from child within {}s; stderr:\n{}".format(timeout, self.stderr_text()))
        if msg is EOF:
            self.msgs.put(EOF)
            raise AssertionError("child closed stdout; rc={} stderr:\n{}".format(self.proc.poll(), self.stderr_text()))
        if isinstance(msg, tuple) and msg and msg[0] == "PARSE-ERROR":
            raise AssertionError("unparseable output from child: {!r}".format(msg))
        return msg

    def recv_n(self, n, timeout=5.0):
        return [self.recv(timeout) for _ in range(n)]

    def expect_nothing(self, wait=0.3):
        try:
            msg = self.msgs.get(timeout=wait)
        except queue.Empty:
            return
        raise AssertionError("unexpected message from child: {!r}".format(msg))

    def expect_eof(self, timeout=5.0):
        msg = self.msgs.get(timeout=timeout)
        if msg is not EOF:
            raise AssertionError("expected EOF, got {!r}".format(msg))
        self.msgs.put(EOF)

    def handshake(self, component="comp", task=1, conf=None, extra_context=None):
        context = {
            "taskid": task,
            "componentid": component,
            "task->component": {str(task): component, "9": "__acker"},
            "streams": ["default"],
            "stream->outputfields": {},
            "stream->target->grouping": {},
            "source->stream->grouping": {},
            "source->stream->fields": {},
        }
        context.update(extra_context or {})
        self.send({"conf": conf or {"topology.name": "test-topo"}, "pidDir": self.pid_dir, "context": context})
        reply = self.recv()
        return reply

    def close_stdin(self):
        try:
            self.proc.stdin.close()
        except (OSError, ValueError):
            pass

    def wait(self, timeout=5.0):
        return self.proc.wait(timeout=timeout)

    def stderr_text(self):
        return bytes(self.stderr).decode("utf-8", "replace")

    def stderr_after_exit(self, timeout=5.0):
        """All of stderr, once the child has exited and the pipe is drained."""
        self.proc.wait(timeout=timeout)
        self._err_thread.join(timeout)
        return self.stderr_text()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except (OSError, ValueError):
                pass
        self._out_thread.join(2)
        self._err_thread.join(2)
        shutil.rmtree(self.pid_dir, ignore_errors=True)


def tuple_msg(id_, values, comp="src", stream="default", task=2):
    return {"id": id_, "comp": comp, "stream": stream, "task": task, "tuple": values}


def heartbeat(id_="hb-1"):
    return {"id": id_, "comp": None, "stream": "__heartbeat", "task": -1, "tuple": []}


def tick(id_="tick-1", secs=5):
    return {"id": id_, "comp": "__system", "stream": "__tick", "task": -1, "tuple": [secs]}


def wait_until(pred, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return pred()
