"""The runner's command-line forms, and the word-count example."""

import json
import subprocess
import sys
import unittest

from host import EXAMPLE_DIR, TESTS_DIR, Child, child_env, tuple_msg

WORDS = ["dog", "cat", "zebra", "elephant"]


class RunnerTests(unittest.TestCase):
    def test_class_path_and_flags_as_one_argv_element(self):
        for argv in (["-s json fixture_components.ManualBolt"], ["fixture_components.ManualBolt"]):
            with self.subTest(argv=argv):
                child = Child(self, argv)
                self.assertEqual(child.handshake(), {"pid": child.proc.pid})
                child.send(tuple_msg("a", ["ok"]))
                self.assertEqual(child.recv()["command"], "emit")

    def test_msgpack_as_one_argv_element(self):
        child = Child(self, ["-s msgpack fixture_components.ManualBolt"], serializer="msgpack")
        self.assertEqual(child.handshake(), {"pid": child.proc.pid})

    def test_unloadable_class_reports_error_to_host(self):
        child = Child(self, ["fixture_components.NoSuchBolt"])
        self.assertEqual(child.handshake(), {"pid": child.proc.pid})
        log = child.recv()
        self.assertEqual(log["level"], 4)
        self.assertIn("NoSuchBolt", log["msg"])
        self.assertEqual(child.recv()["command"], "error")
        self.assertEqual(child.recv(), {"command": "sync"})
        self.assertEqual(child.wait(), 1)

    def test_describe(self):
        out = subprocess.run(
            [sys.executable, "-m", "squall.run", "--describe", "fixture_components.CommandBolt"],
            cwd=TESTS_DIR, env=child_env(), stdout=subprocess.PIPE, timeout=10, check=True,
        ).stdout
        self.assertEqual(
            json.loads(out),
            {
                "kind": "bolt",
                "outputs": {
                    "default": {"fields": ["a", "b"], "direct": False},
                    "direct": {"fields": ["a", "b"], "direct": True},
                },
            },
        )


class WordCountTests(unittest.TestCase):
    def test_word_spout(self):
        child = Child(self, ["spouts.words.WordSpout"], cwd=EXAMPLE_DIR)
        self.assertEqual(child.handshake(component="word-spout"), {"pid": child.proc.pid})
        child.send({"command": "activate", "id": ""})
        self.assertEqual(child.recv(), {"command": "sync"})
        for i in range(6):
            child.send({"command": "next", "id": ""})
            self.assertEqual(
                child.recv_n(2),
                [{"command": "emit", "tuple": [WORDS[i % 4]], "need_task_ids": False}, {"command": "sync"}],
            )

    def check_count_bolt(self, serializer):
        child = Child(self, ["-s", serializer, "bolts.wordcount.WordCountBolt"], cwd=EXAMPLE_DIR, serializer=serializer)
        ctx = {"source->stream->fields": {"word-spout": {"default": ["word"]}}}
        self.assertEqual(child.handshake(component="count-bolt", extra_context=ctx), {"pid": child.proc.pid})
        pid = child.proc.pid
        n = 1000
        child.send_raw(
            b"".join(
                child.encode(tuple_msg("i%d" % i, [WORDS[i % 4]], comp="word-spout")) for i in range(n)
            )
        )
        counts, total, expected = {}, 0, []
        for i in range(n):
            word = WORDS[i % 4]
            counts[word] = counts.get(word, 0) + (10 if word == "dog" else 1)
            total += 10 if word == "dog" else 1
            if total % 1000 == 0:
                expected.append(
                    {"command": "log", "msg": "counted [{:,}] words [pid={}]".format(total, pid), "level": 2}
                )
            expected.append(
                {"command": "emit", "tuple": [word, counts[word]], "anchors": ["i%d" % i], "need_task_ids": False}
            )
            expected.append({"command": "ack", "id": "i%d" % i})
        got = child.recv_n(len(expected))
        self.assertEqual(got, expected)
        logs = [m["msg"] for m in got if m["command"] == "log"]
        self.assertEqual(
            logs,
            ["counted [{}] words [pid={}]".format(t, pid) for t in ("1,000", "2,000", "3,000")],
        )
        child.close_stdin()
        self.assertEqual(child.wait(), 2)

    def test_count_bolt_json(self):
        self.check_count_bolt("json")

    def test_count_bolt_msgpack(self):
        self.check_count_bolt("msgpack")


if __name__ == "__main__":
    unittest.main()
