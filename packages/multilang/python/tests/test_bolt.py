"""Bolts driven as child processes over pipes, the test acting as the host."""

import os
import unittest

from host import Child, heartbeat, tick, tuple_msg

FIELDS_CTX = {"source->stream->fields": {"src": {"default": ["cmd", "arg"]}}}


class BoltCase(unittest.TestCase):
    serializer = "json"

    def start(self, cls="fixture_components.CommandBolt", **handshake):
        child = Child(self, ["-s", self.serializer, cls], serializer=self.serializer)
        reply = child.handshake(**handshake)
        self.assertEqual(reply, {"pid": child.proc.pid})
        return child

    def start_command_bolt(self):
        child = self.start(extra_context=FIELDS_CTX)
        # logs sent from initialize() arrive before any command
        self.assertEqual(child.recv(), {"command": "log", "msg": "logger before first command", "level": 2})
        self.assertEqual(child.recv(), {"command": "log", "msg": "log before first command", "level": 3})
        return child


class BoltTests(BoltCase):
    def test_handshake_pid_file(self):
        child = self.start()
        pid_file = os.path.join(child.pid_dir, str(child.proc.pid))
        self.assertTrue(os.path.isfile(pid_file))
        self.assertEqual(os.path.getsize(pid_file), 0)

    def test_tuple_emit_anchor_ack(self):
        child = self.start_command_bolt()
        child.send(tuple_msg("t1", ["emit", "hello"]))
        self.assertEqual(
            child.recv(),
            {"command": "emit", "tuple": ["hello", "x"], "anchors": ["t1"], "need_task_ids": False},
        )
        self.assertEqual(child.recv(), {"command": "ack", "id": "t1"})

    def test_heartbeat_answered_with_sync(self):
        child = self.start_command_bolt()
        child.send(heartbeat("hb-9"))
        self.assertEqual(child.recv(), {"command": "sync"})
        child.expect_nothing(0.2)  # no ack for a heartbeat

    def test_tick_goes_to_process_tick_and_is_acked(self):
        child = self.start_command_bolt()
        child.send(tick("tk", 5))
        self.assertEqual(child.recv(), {"command": "log", "msg": "tick [5]", "level": 2})
        self.assertEqual(child.recv(), {"command": "ack", "id": "tk"})

    def test_need_task_ids_true_waits_for_task_list(self):
        child = self.start_command_bolt()
        child.send(tuple_msg("t1", ["need_ids", 0]))
        emit = child.recv()
        self.assertEqual(emit, {"command": "emit", "tuple": ["n", 1], "anchors": ["t1"]})  # no flag: host default true
        child.expect_nothing(0.3)  # blocked until the list arrives
        # another input arriving before the task ids is queued, not mistaken for them
        child.send(tuple_msg("t2", ["emit", "later"]))
        child.expect_nothing(0.2)
        child.send([3, 4])
        self.assertEqual(child.recv(), {"command": "log", "msg": "task ids [3, 4]", "level": 2})
        self.assertEqual(child.recv(), {"command": "ack", "id": "t1"})
        self.assertEqual(child.recv()["tuple"], ["later", "x"])
        self.assertEqual(child.recv(), {"command": "ack", "id": "t2"})

    def test_direct_emit_needs_no_reply(self):
        child = self.start_command_bolt()
        child.send(tuple_msg("t1", ["direct", 0]))
        self.assertEqual(
            child.recv(),
            {"command": "emit", "tuple": ["d", 1], "anchors": ["t1"], "stream": "direct", "task": 7},
        )
        self.assertEqual(child.recv(), {"command": "log", "msg": "direct ids [7]", "level": 2})
        self.assertEqual(child.recv(), {"command": "ack", "id": "t1"})

    def test_explicit_and_empty_anchors(self):
        child = self.start_command_bolt()
        child.send(tuple_msg("t1", ["anchor", 0]))
        self.assertEqual(child.recv()["anchors"], ["t1", "other-id"])
        self.assertEqual(child.recv(), {"command": "ack", "id": "t1"})
        child.send(tuple_msg("t2", ["noanchor", 0]))
        self.assertEqual(child.recv()["anchors"], [])
        self.assertEqual(child.recv(), {"command": "ack", "id": "t2"})

    def test_manual_ack_fail_without_auto_anchor(self):
        child = self.start("fixture_components.ManualBolt")
        child.send(tuple_msg("a", ["ok"]))
        child.send(tuple_msg("b", ["fail"]))
        self.assertEqual(child.recv(), {"command": "emit", "tuple": ["m"], "anchors": [], "need_task_ids": False})
        self.assertEqual(child.recv(), {"command": "ack", "id": "a"})
        self.assertEqual(child.recv()["command"], "emit")
        self.assertEqual(child.recv(), {"command": "fail", "id": "b"})

    def test_values_namedtuple_from_context(self):
        child = self.start_command_bolt()
        child.send(tuple_msg("t1", ["fields", 0]))
        self.assertEqual(child.recv()["msg"], "fields SrcDefaultTuple ('cmd', 'arg')")
        child.recv()  # ack
        child.send(tuple_msg("t2", ["fields"], stream="other"))  # unknown stream: plain tuple
        self.assertEqual(child.recv()["msg"], "fields tuple None")

    def test_metrics_error_levels(self):
        child = self.start_command_bolt()
        child.send(tuple_msg("t1", ["metric", 0]))
        self.assertEqual(child.recv(), {"command": "metrics", "name": "my-metric", "params": 3})
        child.recv()
        child.send(tuple_msg("t2", ["error", 0]))
        self.assertEqual(child.recv(), {"command": "error", "msg": "soft error"})
        child.recv()
        child.send(tuple_msg("t3", ["levels", 0]))
        self.assertEqual([m["level"] for m in child.recv_n(4)], [0, 1, 3, 4])
        self.assertEqual(child.recv(), {"command": "ack", "id": "t3"})
        self.assertIsNone(child.proc.poll())

    def test_stray_output_does_not_corrupt_protocol(self):
        child = self.start_command_bolt()
        child.send(tuple_msg("t1", ["print", 0]))
        self.assertEqual(child.recv()["tuple"], ["p", 1])
        self.assertEqual(child.recv(), {"command": "ack", "id": "t1"})
        child.close_stdin()
        self.assertEqual(child.wait(), 2)
        child.expect_eof()
        err = child.stderr_after_exit()
        self.assertIn("stray print in initialize", err)
        self.assertIn("stray print", err)
        self.assertIn("raw fd1 write", err)
        self.assertNotIn(b"stray", bytes(child.raw))
        self.assertNotIn(b"\r", bytes(child.raw))

    def test_exception_log_error_sync_fail_exit_1(self):
        child = self.start_command_bolt()
        child.send(tuple_msg("t1", ["emit", "ok"]))
        child.recv_n(2)
        child.send(tuple_msg("t2", ["raise", "now"]))
        log = child.recv()
        self.assertEqual(log["command"], "log")
        self.assertEqual(log["level"], 4)
        self.assertIn("Exception in CommandBolt.run()", log["msg"])
        self.assertIn("ValueError: boom now", log["msg"])
        err = child.recv()
        self.assertEqual(err["command"], "error")
        self.assertTrue(err["msg"].startswith("Python ValueError raised while processing Tuple Tuple(id='t2'"))
        self.assertIn("ValueError: boom now", err["msg"])
        self.assertEqual(child.recv(), {"command": "sync"})
        self.assertEqual(child.recv(), {"command": "fail", "id": "t2"})
        self.assertEqual(child.wait(), 1)
        child.expect_eof()

    def test_nan_value_is_an_exception_not_bad_json(self):
        child = self.start_command_bolt()
        child.send(tuple_msg("t1", ["nan", 0]))
        self.assertEqual(child.recv()["level"], 4)
        self.assertIn("Out of range float values are not JSON compliant", child.recv()["msg"])
        self.assertEqual(child.recv(), {"command": "sync"})
        self.assertEqual(child.recv(), {"command": "fail", "id": "t1"})
        self.assertEqual(child.wait(), 1)

    def test_exception_in_initialize(self):
        child = self.start("fixture_components.InitFailBolt")
        log = child.recv()
        self.assertEqual((log["command"], log["level"]), ("log", 4))
        self.assertIn("RuntimeError: cannot connect", log["msg"])
        err = child.recv()
        self.assertEqual(err["command"], "error")
        self.assertIn("RuntimeError: cannot connect", err["msg"])
        self.assertEqual(child.recv(), {"command": "sync"})
        self.assertEqual(child.wait(), 1)

    def test_stdin_eof_exits_2(self):
        child = self.start_command_bolt()
        child.close_stdin()
        self.assertEqual(child.wait(), 2)

    def test_eof_while_waiting_for_task_ids_exits_2(self):
        child = self.start_command_bolt()
        child.send(tuple_msg("t1", ["need_ids", 0]))
        child.recv()
        child.close_stdin()
        self.assertEqual(child.wait(), 2)

    def test_batching_bolt(self):
        child = self.start("fixture_components.Batcher")
        child.send(tuple_msg("a1", ["a"]))
        child.send(tuple_msg("b1", ["b"]))
        child.send(tuple_msg("a2", ["a"]))
        child.expect_nothing(0.2)
        child.send(tick("tk"))
        self.assertEqual(child.recv(), {"command": "ack", "id": "tk"})
        got = child.recv_n(5)
        self.assertEqual(got[0], {"command": "emit", "tuple": ["a", 2], "anchors": ["a1", "a2"], "need_task_ids": False})
        self.assertEqual(got[1:3], [{"command": "ack", "id": "a1"}, {"command": "ack", "id": "a2"}])
        self.assertEqual(got[3]["tuple"], ["b", 1])
        self.assertEqual(got[4], {"command": "ack", "id": "b1"})

    def test_output_not_held_back_by_a_slow_next_input(self):
        import time

        child = self.start("fixture_components.SlowBolt")
        t0 = time.monotonic()
        child.send_raw(child.encode(tuple_msg("q", ["quick"])) + child.encode(tuple_msg("s", ["slow"])))
        self.assertEqual(child.recv()["tuple"], ["quick", 0])
        self.assertEqual(child.recv(), {"command": "ack", "id": "q"})
        # flushed by the slow input's second emit (~0.15 s), not at its end (~0.75 s)
        self.assertLess(time.monotonic() - t0, 0.6)
        msgs = child.recv_n(6)
        self.assertEqual(msgs[-1], {"command": "ack", "id": "s"})

    def test_pipelined_burst(self):
        child = self.start_command_bolt()
        n = 300
        child.send_raw(b"".join(child.encode(tuple_msg("t%d" % i, ["emit", i])) for i in range(n)))
        msgs = child.recv_n(2 * n)
        self.assertEqual([m["id"] for m in msgs if m["command"] == "ack"], ["t%d" % i for i in range(n)])
        self.assertEqual([m["tuple"][0] for m in msgs if m["command"] == "emit"], list(range(n)))


class MsgpackBoltTests(BoltCase):
    serializer = "msgpack"

    def test_end_to_end(self):
        child = self.start_command_bolt()
        self.assertTrue(os.path.isfile(os.path.join(child.pid_dir, str(child.proc.pid))))
        child.send(tuple_msg("t1", ["emit", "hé"]))
        self.assertEqual(
            child.recv(), {"command": "emit", "tuple": ["hé", "x"], "anchors": ["t1"], "need_task_ids": False}
        )
        self.assertEqual(child.recv(), {"command": "ack", "id": "t1"})
        child.send(heartbeat())
        self.assertEqual(child.recv(), {"command": "sync"})
        child.send(tick("tk", 2))
        self.assertEqual(child.recv()["msg"], "tick [2]")
        self.assertEqual(child.recv(), {"command": "ack", "id": "tk"})
        child.send(tuple_msg("t2", ["need_ids", 0]))
        self.assertNotIn("need_task_ids", child.recv())
        child.expect_nothing(0.2)
        child.send([5])
        self.assertEqual(child.recv()["msg"], "task ids [5]")
        self.assertEqual(child.recv(), {"command": "ack", "id": "t2"})
        child.send(tuple_msg("t3", ["raise", 1]))
        self.assertEqual(child.recv()["level"], 4)
        self.assertEqual(child.recv()["command"], "error")
        self.assertEqual(child.recv(), {"command": "sync"})
        self.assertEqual(child.recv(), {"command": "fail", "id": "t3"})
        self.assertEqual(child.wait(), 1)

    def test_eof_exits_2(self):
        child = self.start_command_bolt()
        child.close_stdin()
        self.assertEqual(child.wait(), 2)


if __name__ == "__main__":
    unittest.main()
