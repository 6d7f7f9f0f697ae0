"""Spouts (pystorm/streamparse compatible)."""

from collections import Counter

from .component import Component

__all__ = ["Spout", "ReliableSpout"]


class Spout(Component):
    """Base class for spouts. Override ``next_tuple`` (and optionally ``ack``, ``fail``,
    ``activate``, ``deactivate``, ``initialize``).

    Each command from the host (activate, deactivate, next, ack, fail) is answered by
    any number of emits/logs and then one ``sync``.
    """

    def next_tuple(self):
        """Emit zero or more tuples. Must not block for long."""
        raise NotImplementedError()

    def ack(self, tup_id):
        """The tuple tree of the tuple emitted with ``tup_id`` completed."""

    def fail(self, tup_id):
        """The tuple emitted with ``tup_id`` failed or timed out."""

    def activate(self):
        """The topology was activated (sent before the first ``next``)."""

    def deactivate(self):
        """The topology was deactivated."""

    def emit(self, tup, tup_id=None, stream=None, direct_task=None, need_task_ids=False):
        """Emit a tuple; give ``tup_id`` (any JSON/msgpack scalar, echoed unchanged in
        ``ack``/``fail``) to make it tracked."""
        return Component.emit(
            self, tup, tup_id=tup_id, stream=stream, direct_task=direct_task, need_task_ids=need_task_ids
        )

    def _run(self):
        cmd = self.read_command()
        name = cmd.get("command") if isinstance(cmd, dict) else None
        if name == "next":
            self.next_tuple()
        elif name == "ack":
            self.ack(cmd.get("id"))
        elif name == "fail":
            self.fail(cmd.get("id"))
        elif name == "activate":
            self.activate()
        elif name == "deactivate":
            self.deactivate()
        else:
            self.logger.error("Received invalid command from Storm: %r", cmd)
        self.serializer.send_sync()


class ReliableSpout(Spout):
    """Spout that replays failed tuples up to ``max_fails`` times (pystorm's ReliableSpout).
    Every emit must carry a ``tup_id``."""

    max_fails = 3

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.failed_tuples = Counter()
        self.unacked_tuples = {}

    def ack(self, tup_id):
        self.failed_tuples.pop(tup_id, None)
        if self.unacked_tuples.pop(tup_id, None) is None:
            self.logger.error("Received ack for unknown tuple ID: %r", tup_id)

    def fail(self, tup_id):
        saved = self.unacked_tuples.get(tup_id)
        if saved is None:
            self.logger.error("Received fail for unknown tuple ID: %r", tup_id)
            return
        tup, stream, direct_task, need_task_ids = saved
        if self.failed_tuples[tup_id] < self.max_fails:
            self.emit(tup, tup_id=tup_id, stream=stream, direct_task=direct_task, need_task_ids=need_task_ids)
            self.failed_tuples[tup_id] += 1
        else:
            self.logger.info("Acking tuple ID %r after it exceeded retry limit (%r)", tup_id, self.max_fails)
            self.ack(tup_id)

    def emit(self, tup, tup_id=None, stream=None, direct_task=None, need_task_ids=False):
        if tup_id is None:
            raise ValueError(
                "You must provide a tuple ID when emitting with a ReliableSpout in order for the tuple to be tracked."
            )
        self.unacked_tuples[tup_id] = (tup, stream, direct_task, need_task_ids)
        return Spout.emit(
            self, tup, tup_id=tup_id, stream=stream, direct_task=direct_task, need_task_ids=need_task_ids
        )
