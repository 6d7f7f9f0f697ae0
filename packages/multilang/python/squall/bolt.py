"""Bolts (pystorm/streamparse compatible)."""

import re
from collections import defaultdict, namedtuple

from .component import Component, Tuple

__all__ = ["Bolt", "BatchingBolt"]

_IDENTIFIER_RE = re.compile(r"\W|^(?=\d)")
_tuple_new = tuple.__new__


class Bolt(Component):
    """Base class for bolts. Override ``process(tup)`` (and optionally ``process_tick``,
    ``initialize``).

    - ``auto_ack`` (True): ack each input after ``process``/``process_tick`` returns.
    - ``auto_anchor`` (True): emits without ``anchors`` are anchored to the current input.
    - ``auto_fail`` (True): when ``process`` raises, fail the current input before exiting.
    """

    auto_anchor = True
    auto_ack = True
    auto_fail = True

    _current_tups = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._source_tuple_types = {}

    def _setup_component(self, storm_conf, context):
        super()._setup_component(storm_conf, context)
        types = {}
        for source, stream_fields in (context.get("source->stream->fields") or {}).items():
            for stream, fields in (stream_fields or {}).items():
                if not fields:
                    continue
                type_name = _IDENTIFIER_RE.sub("_", str(source).title()) + _IDENTIFIER_RE.sub(
                    "_", str(stream).title()
                ) + "Tuple"
                try:
                    types[(source, stream)] = namedtuple(type_name, fields, rename=True)
                except (TypeError, ValueError):
                    pass
        self._source_tuple_types = types

    @staticmethod
    def is_tick(tup):
        return tup.component == "__system" and tup.stream == "__tick"

    def read_tuple(self):
        cmd = self.read_command()
        source = cmd.get("comp")
        stream = cmd.get("stream")
        values = cmd.get("tuple") or ()
        val_type = self._source_tuple_types.get((source, stream))
        if val_type is not None and len(values) == len(val_type._fields):
            values = _tuple_new(val_type, values)
        else:
            values = tuple(values)
        return _tuple_new(Tuple, (cmd.get("id"), source, stream, cmd.get("task"), values))

    def process(self, tup):
        raise NotImplementedError()

    def process_tick(self, tup):
        """Called for tick tuples (``topology.tick.tuple.freq.secs``). Default: nothing."""

    def emit(self, tup, stream=None, anchors=None, direct_task=None, need_task_ids=False):
        """Emit ``tup``. ``anchors``: Tuples or ids; default (``auto_anchor``) is the
        current input. Returns task ids when ``need_task_ids`` is true."""
        if anchors is None:
            anchors = self._current_tups if self.auto_anchor else []
        anchors = [a.id if isinstance(a, Tuple) else a for a in anchors]
        if not need_task_ids:
            self.serializer.send_emit(tup, stream, anchors, direct_task, None, False)
            return None
        return Component.emit(
            self, tup, stream=stream, anchors=anchors, direct_task=direct_task, need_task_ids=need_task_ids
        )

    def ack(self, tup):
        """Ack an input (a Tuple or its id)."""
        self.serializer.send_settle("ack", tup.id if isinstance(tup, Tuple) else tup)

    def fail(self, tup):
        """Fail an input (a Tuple or its id)."""
        self.serializer.send_settle("fail", tup.id if isinstance(tup, Tuple) else tup)

    def _run(self):
        tup = self.read_tuple()
        self._current_tups = [tup]
        if tup.task == -1 and tup.stream == "__heartbeat":
            self.serializer.send_sync()
        elif tup.component == "__system" and tup.stream == "__tick":
            self.process_tick(tup)
            if self.auto_ack:
                self.ack(tup)
        else:
            self.process(tup)
            if self.auto_ack:
                self.ack(tup)
        # not in a `finally`: on an exception the current tuple must still be known
        self._current_tups = []

    def _handle_run_exception(self, exc):
        if len(self._current_tups) == 1:
            tup = self._current_tups[0]
            self.raise_exception(exc, tup)
            if self.auto_fail and not self.is_heartbeat(tup):
                self.fail(tup)
        else:
            self.raise_exception(exc)
        self._current_tups = []


class BatchingBolt(Bolt):
    """Groups inputs between tick tuples and hands them to ``process_batch(key, tups)``
    (pystorm's tick-based BatchingBolt; needs ``topology.tick.tuple.freq.secs``).

    ``group_key(tup)`` (default None: one batch) splits batches; batches are processed
    after more than ``ticks_between_batches`` ticks; inputs are acked after their batch
    when ``auto_ack``; emits are anchored to the whole batch when ``auto_anchor``.
    """

    ticks_between_batches = 1

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._batches = defaultdict(list)
        self._tick_counter = 0

    def group_key(self, tup):
        return None

    def process_batch(self, key, tups):
        raise NotImplementedError()

    def emit(self, tup, **kwargs):
        kwargs["need_task_ids"] = False
        return super().emit(tup, **kwargs)

    def process_tick(self, tick_tup):
        self._tick_counter += 1
        self.ack(tick_tup)
        if self._tick_counter > self.ticks_between_batches and self._batches:
            self.process_batches()
            self._tick_counter = 0

    def process_batches(self):
        for key, batch in list(self._batches.items()):
            self._current_tups = batch
            self.process_batch(key, batch)
            if self.auto_ack:
                for tup in batch:
                    self.ack(tup)
            del self._batches[key]
        self._batches = defaultdict(list)

    def process(self, tup):
        self._batches[self.group_key(tup)].append(tup)

    def _run(self):
        tup = self.read_tuple()
        self._current_tups = [tup]
        if tup.task == -1 and tup.stream == "__heartbeat":
            self.serializer.send_sync()
        elif tup.component == "__system" and tup.stream == "__tick":
            self.process_tick(tup)
        else:
            self.process(tup)
        self._current_tups = []

    def _handle_run_exception(self, exc):
        self.raise_exception(exc, self._current_tups)
        if self.auto_fail:
            failed = set()
            for batch in self._batches.values():
                for tup in batch:
                    if tup.id not in failed:
                        self.fail(tup)
                        failed.add(tup.id)
            for tup in self._current_tups:
                if tup.id not in failed and not self.is_heartbeat(tup):
                    self.fail(tup)
                    failed.add(tup.id)
        self._batches = defaultdict(list)
        self._current_tups = []
