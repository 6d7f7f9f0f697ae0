"""Spouts driven as child processes over pipes, the test acting as the host."""

import os
import unittest

from fixture_components import BIG
from host import Child

SYNC = {"command": "sync"}


class SpoutCase(unittest.TestCase):
    serializer = "json"

    def start(self, cls="fixture_components.IdSpout"):
        child = Child(self, ["--serializer", self.serializer, cls], serializer=self.serializer)
        self.assertEqual(child.handshake(component="numbers", task=5), {"pid": child.proc.pid})
        self.assertTrue(os.path.isfile(os.path.join(child.pid_dir, str(child.proc.pid))))
        return child

    def log(self, msg):
        return {"command": "log", "msg": msg, "level": 2}

    def run_protocol(self):
        child = self.start()
        self.assertEqual(child.recv(), self.log("spout initialized task=5 component=numbers"))
        child.send({"command": "activate", "id": ""})
        self.assertEqual(child.recv_n(2), [self.log("activate"), SYNC])
        emits = []
        for i, tup_id in enumerate(child_ids(), 1):
            child.send({"command": "next", "id": ""})
            emit, sync = child.recv_n(2)
            self.assertEqual(sync, SYNC)
            expected = {"command": "emit", "tuple": [i], "id": tup_id, "need_task_ids": False}
            if i % 2:
                expected["stream"] = "odd"
            self.assertEqual(emit, expected)
            self.assertIs(type(emit["id"]), type(tup_id))
            emits.append(emit)
        child.send({"command": "next", "id": ""})  # nothing left: just a sync
        self.assertEqual(child.recv(), SYNC)
        for tup_id in child_ids():
            child.send({"command": "ack", "id": tup_id})
            self.assertEqual(child.recv_n(2), [self.log("ack {!r} {}".format(tup_id, type(tup_id).__name__)), SYNC])
        child.send({"command": "fail", "id": BIG})
        self.assertEqual(child.recv_n(2), [self.log("fail {!r} int".format(BIG)), SYNC])
        child.send({"command": "deactivate", "id": ""})
        self.assertEqual(child.recv_n(2), [self.log("deactivate"), SYNC])
        child.close_stdin()
        self.assertEqual(child.wait(), 2)
        return child


def child_ids():
    return [1, BIG, "str-id", 2 ** 64 - 1, -5, 1.5]


class SpoutTests(SpoutCase):
    def test_commands_and_big_ids(self):
        child = self.run_protocol()
        raw = bytes(child.raw)
        self.assertIn(b'"id":9007199254740993', raw)  # > 2**53, written exactly
        self.assertIn(b'"id":18446744073709551615', raw)
        self.assertNotIn(b"\r", raw)

    def test_ack_of_raw_big_id_keeps_exact_value(self):
        child = self.start()
        child.recv()
        child.send_raw(b'{"command":"ack","id":9007199254740993}\nend\n')
        self.assertEqual(child.recv()["msg"], "ack 9007199254740993 int")
        self.assertEqual(child.recv(), SYNC)

    def test_emit_with_need_task_ids(self):
        child = self.start("fixture_components.TaskIdsSpout")
        child.send({"command": "next", "id": ""})
        self.assertEqual(child.recv(), {"command": "emit", "tuple": [1], "id": "x"})
        child.expect_nothing(0.2)
        child.send([4, 6])
        self.assertEqual(child.recv_n(2), [self.log("spout task ids [4, 6]"), SYNC])

    def test_exception_in_next_tuple(self):
        child = self.start("fixture_components.RaisingSpout")
        child.send({"command": "next", "id": ""})
        log = child.recv()
        self.assertEqual((log["command"], log["level"]), ("log", 4))
        self.assertIn("KeyError: 'nothing'", log["msg"])
        err = child.recv()
        self.assertEqual(err["command"], "error")
        self.assertTrue(err["msg"].startswith("Python KeyError raised\n"))
        self.assertEqual(child.recv(), SYNC)
        self.assertEqual(child.wait(), 1)


class MsgpackSpoutTests(SpoutCase):
    serializer = "msgpack"

    def test_commands_and_big_ids(self):
        child = self.run_protocol()
        self.assertIn(b"\xa2id\xcf" + b"\xff" * 8, bytes(child.raw))  # uint64 on the wire


if __name__ == "__main__":
    unittest.main()
