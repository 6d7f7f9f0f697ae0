"""Components used by the tests (run as child processes through squall.run)."""

import os

from squall import BatchingBolt, Bolt, Spout, Stream

BIG = 2 ** 53 + 1


class IdSpout(Spout):
    outputs = [Stream(fields=["n"]), Stream(fields=["n"], name="odd")]
    ids = [1, BIG, "str-id", 2 ** 64 - 1, -5, 1.5]

    def initialize(self, conf, ctx):
        self.i = 0
        self.log("spout initialized task={} component={}".format(self.task_id, self.component_name))

    def next_tuple(self):
        if self.i < len(self.ids):
            tup_id = self.ids[self.i]
            self.i += 1
            self.emit([self.i], tup_id=tup_id, stream="odd" if self.i % 2 else None)

    def ack(self, tup_id):
        self.log("ack {!r} {}".format(tup_id, type(tup_id).__name__))

    def fail(self, tup_id):
        self.log("fail {!r} {}".format(tup_id, type(tup_id).__name__))

    def activate(self):
        self.log("activate")

    def deactivate(self):
        self.log("deactivate")


class TaskIdsSpout(Spout):
    outputs = ["n"]

    def next_tuple(self):
        ids = self.emit([1], tup_id="x", need_task_ids=True)
        self.log("spout task ids {!r}".format(ids))


class CommandBolt(Bolt):
    outputs = [Stream(fields=["a", "b"]), Stream(fields=["a", "b"], name="direct", direct=True)]

    def initialize(self, conf, ctx):
        self.logger.info("logger before first command")
        self.log("log before first command", level="warn")
        print("stray print in initialize")

    def process(self, tup):
        cmd = tup.values[0]
        if cmd == "emit":
            self.emit([tup.values[1], "x"])
        elif cmd == "need_ids":
            ids = self.emit(["n", 1], need_task_ids=True)
            self.log("task ids {!r}".format(ids))
        elif cmd == "direct":
            ids = self.emit(["d", 1], stream="direct", direct_task=7, need_task_ids=True)
            self.log("direct ids {!r}".format(ids))
        elif cmd == "anchor":
            self.emit(["a", 1], anchors=[tup, "other-id"])
        elif cmd == "noanchor":
            self.emit(["a", 2], anchors=[])
        elif cmd == "raise":
            raise ValueError("boom {}".format(tup.values[1]))
        elif cmd == "print":
            print("stray print")
            os.write(1, b"raw fd1 write\n")
            self.emit(["p", 1])
        elif cmd == "fields":
            self.log("fields {} {}".format(type(tup.values).__name__, getattr(tup.values, "_fields", None)))
        elif cmd == "metric":
            self.report_metric("my-metric", 3)
        elif cmd == "error":
            self.report_error("soft error")
        elif cmd == "levels":
            self.logger.debug("not sent at info level")
            self.log("t", "trace")
            self.log("d", "debug")
            self.log("w", "warning")
            self.log("e", "error")
        elif cmd == "nan":
            self.emit([float("nan"), 1])

    def process_tick(self, tup):
        self.log("tick {!r}".format(list(tup.values)))


class ManualBolt(Bolt):
    auto_ack = False
    auto_anchor = False
    outputs = ["m"]

    def process(self, tup):
        self.emit(["m"])
        if tup.values[0] == "fail":
            self.fail(tup)
        else:
            self.ack(tup)


class InitFailBolt(Bolt):
    def initialize(self, conf, ctx):
        raise RuntimeError("cannot connect")

    def process(self, tup):
        pass


class RaisingSpout(Spout):
    def next_tuple(self):
        raise KeyError("nothing")


class Batcher(BatchingBolt):
    outputs = ["key", "n"]
    ticks_between_batches = 0

    def group_key(self, tup):
        return tup.values[0]

    def process_batch(self, key, tups):
        self.emit([key, len(tups)])


class SlowBolt(Bolt):
    """'slow' inputs emit 5 times, 0.15 s apart; anything else is quick."""

    def process(self, tup):
        import time

        if tup.values[0] == "slow":
            for i in range(5):
                self.emit(["slow", i])
                time.sleep(0.15)
        else:
            self.emit(["quick", 0])
