"""Multi-lang framing: JSON (``<json>\\nend\\n``) and msgpack (objects back to back).

Both serializers read from a raw file descriptor into their own buffer and
buffer their output. Output is written out:

- before the reader would block waiting for input (so a sync, an emit that
  waits for task ids, or the last ack of a burst is never held back),
- when more than ``MAX_BUFFER`` bytes are pending,
- at once when the message comes from a thread other than the main loop's
  (e.g. logging from a user thread),
- on any write once the oldest unflushed byte is older than ``MAX_DELAY`` (20 ms),
- after each input handled by the component loop (:meth:`Serializer.flush_if_idle`),
  unless another complete input is already buffered, the handling took less than
  ``MAX_DELAY``, the pending output is younger than ``MAX_DELAY`` and fewer than
  ``flush_every`` inputs were handled since the last write.

So output is held only while the host has pipelined more input and the component keeps
up; the worst case is an ack held back for the duration of the next input's
processing when a quick input is followed by a slow one.

``flush_every`` is half of ``topology.shellbolt.max.pending`` (set by the component after
the handshake): the host may have at most that many inputs written and not acked, so
answering after half of them lets it write the next half while this process works on the
rest, instead of both sides taking turns (the host idle while the child works, then the
child idle while the host reads its answers and refills the window).

Nothing is ever written with ``\\r``.
"""

import io
import json
import os
import threading
import time

from . import msgpack as _msgpack

__all__ = ["StormWentAwayError", "Serializer", "JSONSerializer", "MsgpackSerializer", "SERIALIZERS"]


class StormWentAwayError(Exception):
    """The host closed the pipe (EOF on stdin, or a broken stdout)."""

    def __init__(self, message="the host process went away (EOF on stdin or broken pipe)"):
        super().__init__(message)


_NOTHING = object()
_CHUNK = 1 << 16


class Serializer(object):
    MAX_BUFFER = 1 << 16
    MAX_DELAY = 0.02

    def __init__(self, input_stream, output_stream, reader_lock=None, writer_lock=None):
        self._reader_lock = reader_lock if reader_lock is not None else threading.RLock()
        self._writer_lock = writer_lock if writer_lock is not None else threading.RLock()
        self.input_stream = input_stream
        self.output_stream = output_stream
        self._in_fd = _fileno(input_stream)
        self._out_fd = _fileno(output_stream)
        if self._out_fd is None:
            self._out_file = getattr(output_stream, "buffer", output_stream)
        self._rbuf = bytearray()
        self._rpos = 0
        self._wbuf = bytearray()
        self._wtime = 0.0
        self._handled = 0  # inputs handled since the last write
        self.flush_every = 0  # 0: no input-count limit
        self.main_thread_ident = threading.get_ident()

    # ---- reading -------------------------------------------------------------------------------
    def _fill(self):
        """Read more bytes into the buffer; raise StormWentAwayError on EOF."""
        if self._rpos:
            del self._rbuf[: self._rpos]
            self._shift(self._rpos)
            self._rpos = 0
        try:
            if self._in_fd is not None:
                data = os.read(self._in_fd, _CHUNK)
            else:
                stream = getattr(self.input_stream, "buffer", self.input_stream)
                reader = getattr(stream, "read1", None) or stream.read
                data = reader(_CHUNK)
                if isinstance(data, str):
                    data = data.encode("utf-8")
        except (OSError, ValueError):
            raise StormWentAwayError()
        if not data:
            raise StormWentAwayError()
        self._rbuf += data

    def _shift(self, n):
        """Hook: the buffer start moved forward by n bytes."""

    def _try_parse(self):
        """Return the next complete message from the buffer, or _NOTHING."""
        raise NotImplementedError

    def read_message(self):
        """Return the next message (dict or list). Raises StormWentAwayError on EOF."""
        with self._reader_lock:
            while True:
                msg = self._try_parse()
                if msg is not _NOTHING:
                    return msg
                self.flush()
                self._fill()

    def has_buffered_message(self):
        """True when a complete message is already buffered (reading it will not block)."""
        raise NotImplementedError

    # ---- writing -------------------------------------------------------------------------------
    def serialize_dict(self, msg):
        raise NotImplementedError

    def send_message(self, msg):
        data = self.serialize_dict(msg)  # serialization errors propagate to the caller
        self.send_raw(data)

    # Hot-path helpers (subclasses build these messages without a generic encode).
    def send_sync(self):
        self.send_message({"command": "sync"})

    def send_settle(self, command, tup_id):
        """``{"command": "ack"|"fail", "id": tup_id}``"""
        self.send_message({"command": command, "id": tup_id})

    def send_emit(self, tup, stream=None, anchors=None, task=None, tup_id=None, need_task_ids=False):
        self.send_message(_emit_dict(tup, stream, anchors, task, tup_id, need_task_ids))

    def send_raw(self, data):
        with self._writer_lock:
            wbuf = self._wbuf
            if not wbuf:
                self._wtime = time.monotonic()
                wbuf += data
            else:
                wbuf += data
                if time.monotonic() - self._wtime >= self.MAX_DELAY:
                    self.flush()
                    return
            if len(wbuf) >= self.MAX_BUFFER or threading.get_ident() != self.main_thread_ident:
                self.flush()

    def flush(self):
        with self._writer_lock:
            if not self._wbuf:
                return
            data = bytes(self._wbuf)
            self._wbuf.clear()
            self._handled = 0
            try:
                if self._out_fd is not None:
                    view = memoryview(data)
                    while view:
                        n = os.write(self._out_fd, view)
                        view = view[n:]
                else:
                    self._out_file.write(data)
                    self._out_file.flush()
            except (OSError, ValueError):
                raise StormWentAwayError()

    def flush_if_idle(self, started):
        """Called by the run loop after each input (``started``: time.monotonic() when its
        handling began): flush unless more input is already waiting and both the handling
        and the pending output are recent."""
        if self._wbuf:
            self._handled += 1
            now = time.monotonic()
            if not (
                now - started < self.MAX_DELAY
                and now - self._wtime < self.MAX_DELAY
                and (self.flush_every <= 0 or self._handled < self.flush_every)
                and self.has_buffered_message()
            ):
                self.flush()


class JSONSerializer(Serializer):
    """``<json>\\nend\\n`` framing, UTF-8, compact separators, never ``\\r`` (ASCII-only output:
    non-ASCII and control characters are escaped). NaN/Infinity are refused (ValueError)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._scan = 0  # where to resume searching for the terminator
        self._found = -1  # cached terminator index of the message at _rpos

    def _shift(self, n):
        self._scan = max(0, self._scan - n)
        if self._found >= 0:
            self._found -= n

    def _find(self):
        """Index of the '\\nend\\n' ending the message at _rpos, or -1.
        Blank lines and empty messages (a lone 'end' line) are skipped."""
        if self._found >= 0:
            return self._found
        buf = self._rbuf
        while True:
            pos = self._rpos
            if buf.startswith(b"\n", pos):
                self._rpos = pos + 1
                continue
            if buf.startswith(b"end\n", pos):
                self._rpos = pos + 4
                continue
            idx = buf.find(b"\nend\n", max(pos, self._scan))
            if idx < 0:
                self._scan = max(pos, len(buf) - 4)
            self._found = idx
            return idx

    def has_buffered_message(self):
        return self._find() >= 0

    def _try_parse(self):
        idx = self._find()
        if idx < 0:
            return _NOTHING
        text = self._rbuf[self._rpos: idx].decode("utf-8")
        self._rpos = self._scan = idx + 5
        self._found = -1
        try:
            obj, end = _scan_once(text, 0)
        except StopIteration:  # leading whitespace, or invalid: let json.loads decide
            return json.loads(text)
        if end != len(text) and text[end:].strip():
            json.loads(text)  # raises the proper "Extra data" error
        return obj

    def serialize_dict(self, msg):
        return (_dumps(msg) + "\nend\n").encode()

    _SYNC = b'{"command":"sync"}\nend\n'

    def send_sync(self):
        self.send_raw(self._SYNC)

    def send_settle(self, command, tup_id):
        self.send_raw(('{"command":"%s","id":%s}\nend\n' % (command, _dumps(tup_id))).encode())

    def send_emit(self, tup, stream=None, anchors=None, task=None, tup_id=None, need_task_ids=False):
        if not isinstance(tup, (list, tuple)):
            raise TypeError("All Tuples must be either lists or tuples, received {!r} instead.".format(type(tup)))
        s = '{"command":"emit","tuple":' + _dumps(tup)
        if anchors is not None:
            s += ',"anchors":' + _dumps(anchors)
        if tup_id is not None:
            s += ',"id":' + _dumps(tup_id)
        if stream is not None:
            s += ',"stream":' + _dumps(stream)
        if task is not None:
            s += ',"task":' + _dumps(task)
        s += '}\nend\n' if need_task_ids else ',"need_task_ids":false}\nend\n'
        self.send_raw(s.encode())


class MsgpackSerializer(Serializer):
    """msgpack objects back to back, no 'end' lines (pystorm's ``-s msgpack``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._next = _NOTHING
        self._next_end = 0
        # With the C extension, read bytes go to its streaming unpacker (decoding each message
        # from the shared buffer would copy the rest of the buffer every time).
        self._stream = _msgpack.StreamUnpacker() if _msgpack.IMPLEMENTATION == "c" else None

    def _peek(self):
        if self._next is _NOTHING:
            if self._stream is not None:
                if self._rpos < len(self._rbuf):
                    self._stream.feed(bytes(self._rbuf[self._rpos:]))
                    self._rpos = len(self._rbuf)
                try:
                    self._next = self._stream.next()
                except _msgpack.Incomplete:
                    return False
                self._next_end = self._rpos
                return True
            try:
                self._next, self._next_end = _msgpack.unpack_from(self._rbuf, self._rpos)
            except _msgpack.Incomplete:
                return False
        return True

    def _shift(self, n):
        if self._next is not _NOTHING:
            self._next_end -= n

    def has_buffered_message(self):
        return self._peek()

    def _try_parse(self):
        if not self._peek():
            return _NOTHING
        msg = self._next
        self._rpos = self._next_end
        self._next = _NOTHING
        return msg

    def serialize_dict(self, msg):
        out = bytearray()
        _msgpack.pack_into(msg, out)
        return out

    _SYNC = _msgpack.packb({"command": "sync"})

    def send_sync(self):
        self.send_raw(self._SYNC)

    def send_settle(self, command, tup_id):
        prefix = _SETTLE_PREFIX.get(command)
        if prefix is None:
            return Serializer.send_settle(self, command, tup_id)
        out = bytearray(prefix)
        _msgpack.pack_into(tup_id, out)
        self.send_raw(out)

    def send_emit(self, tup, stream=None, anchors=None, task=None, tup_id=None, need_task_ids=False):
        if not isinstance(tup, (list, tuple)):
            raise TypeError("All Tuples must be either lists or tuples, received {!r} instead.".format(type(tup)))
        n = 2
        out = bytearray(_EMIT_HEAD)
        _msgpack.pack_into(tup, out)
        if anchors is not None:
            n += 1
            out += b"\xa7anchors"
            _msgpack.pack_into(anchors, out)
        if tup_id is not None:
            n += 1
            out += b"\xa2id"
            _msgpack.pack_into(tup_id, out)
        if stream is not None:
            n += 1
            out += b"\xa6stream"
            _msgpack.pack_into(stream, out)
        if task is not None:
            n += 1
            out += b"\xa4task"
            _msgpack.pack_into(task, out)
        if not need_task_ids:
            n += 1
            out += b"\xadneed_task_ids\xc2"
        out[0] = 0x80 | n
        self.send_raw(out)


# {"command": "emit", "tuple": ...} with the map header patched once the size is known
_EMIT_HEAD = b"\x80\xa7command\xa4emit\xa5tuple"
_SETTLE_PREFIX = {
    "ack": b"\x82\xa7command\xa3ack\xa2id",
    "fail": b"\x82\xa7command\xa4fail\xa2id",
}


SERIALIZERS = {"json": JSONSerializer, "msgpack": MsgpackSerializer}


def _emit_dict(tup, stream, anchors, task, tup_id, need_task_ids):
    if not isinstance(tup, (list, tuple)):
        raise TypeError("All Tuples must be either lists or tuples, received {!r} instead.".format(type(tup)))
    msg = {"command": "emit", "tuple": tup}
    if anchors is not None:
        msg["anchors"] = anchors
    if tup_id is not None:
        msg["id"] = tup_id
    if stream is not None:
        msg["stream"] = stream
    if task is not None:
        msg["task"] = task
    if not need_task_ids:
        msg["need_task_ids"] = False
    return msg


def _json_default(o):
    raise TypeError("Object of type {} is not JSON serializable".format(o.__class__.__name__))


_public_encode = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode
_esc = json.encoder.encode_basestring_ascii


def _make_dumps():
    """Compact, ASCII-only, NaN-refusing json.dumps. Reuses one C encoder instance when
    the interpreter has one (json.JSONEncoder.encode builds a new one per call, which
    costs more than the encoding itself); otherwise the public encoder."""
    c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if c_make_encoder is None:
        return _public_encode
    try:
        cenc = c_make_encoder(None, _json_default, _esc, None, ":", ",", False, False, False)

        def dumps(o, _cenc=cenc, _esc=_esc, _str=str, _join="".join):
            if type(o) is _str:
                return _esc(o)
            return _join(_cenc(o, 0))

        sample = {"a": [1, -2.5, "é\r\n", None, True, False, {"b": 2 ** 64}], "c": (1,)}
        if dumps(sample) != _public_encode(sample):
            return _public_encode
        try:
            dumps([float("nan")])
        except ValueError:
            return dumps
        return _public_encode
    except Exception:
        return _public_encode


_dumps = _make_dumps()
_scan_once = json.JSONDecoder().scan_once


def _fileno(stream):
    if isinstance(stream, int):
        return stream
    try:
        return stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation, ValueError):
        return None
