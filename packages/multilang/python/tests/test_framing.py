"""In-process tests of the serializers' framing (no child process)."""

import io
import unittest

import host  # noqa: F401
from squall import msgpack
from squall.serializers import JSONSerializer, MsgpackSerializer, StormWentAwayError


class Trickle(io.RawIOBase):
    """Input stream that returns at most n bytes per read."""

    def __init__(self, data, n=1):
        self.data = data
        self.pos = 0
        self.n = n

    def readable(self):
        return True

    def read1(self, size=-1):
        chunk = self.data[self.pos: self.pos + self.n]
        self.pos += len(chunk)
        return chunk

    read = read1

    def fileno(self):
        raise io.UnsupportedOperation()


class JSONFraming(unittest.TestCase):
    def test_messages_split_across_reads_and_multiline(self):
        data = (
            b'{"a":\n1}\nend\n'  # JSON spanning two lines
            b"\n\n"  # stray blank lines are skipped
            b"end\n"  # an empty message is skipped
            b'[1,2]\nend\n'
            b'{"s":"end"}\nend\n'  # 'end' inside a string is data
            b'{"big":9007199254740993,"u":"\xc3\xa9"}\nend\n'
        )
        for n in (1, 3, 7, 1000):
            with self.subTest(chunk=n):
                out = io.BytesIO()
                s = JSONSerializer(Trickle(data, n), out)
                self.assertEqual(s.read_message(), {"a": 1})
                self.assertEqual(s.read_message(), [1, 2])
                self.assertEqual(s.read_message(), {"s": "end"})
                self.assertEqual(s.read_message(), {"big": 9007199254740993, "u": "é"})
                with self.assertRaises(StormWentAwayError):
                    s.read_message()

    def test_output_format_and_buffering(self):
        out = io.BytesIO()
        s = JSONSerializer(Trickle(b'{"x":1}\nend\n{"x":2}\nend\n', 1000), out)
        self.assertEqual(s.read_message(), {"x": 1})  # one read fetched both messages
        s.send_message({"command": "log", "msg": "a\r\nb\u2028", "level": 2})
        self.assertEqual(out.getvalue(), b"")  # buffered ...
        self.assertEqual(s.read_message(), {"x": 2})  # ... input was already there: no flush
        self.assertEqual(out.getvalue(), b"")
        with self.assertRaises(StormWentAwayError):
            s.read_message()  # would block -> flush first
        raw = out.getvalue()
        self.assertTrue(raw.endswith(b"\nend\n"))
        self.assertNotIn(b"\r", raw)
        self.assertEqual(raw.count(b"\n"), 2)
        self.assertEqual(raw, b'{"command":"log","msg":"a\\r\\nb\\u2028","level":2}\nend\n')

    def test_nan_is_refused(self):
        s = JSONSerializer(Trickle(b""), io.BytesIO())
        with self.assertRaises(ValueError):
            s.send_message({"command": "emit", "tuple": [float("nan")]})


class MsgpackFraming(unittest.TestCase):
    def test_back_to_back_messages(self):
        msgs = [{"command": "next"}, [3, 4], {"id": 2 ** 64 - 1, "tuple": ["é" * 40, b"\x00"]}]
        data = b"".join(msgpack.packb(m) for m in msgs)
        for n in (1, 5, 4096):
            with self.subTest(chunk=n):
                s = MsgpackSerializer(Trickle(data, n), io.BytesIO())
                self.assertEqual([s.read_message() for _ in msgs], msgs)
                with self.assertRaises(StormWentAwayError):
                    s.read_message()

    def test_output(self):
        out = io.BytesIO()
        s = MsgpackSerializer(Trickle(b""), out)
        s.send_message({"command": "sync"})
        s.flush()
        self.assertEqual(out.getvalue(), b"\x81\xa7command\xa4sync")


if __name__ == "__main__":
    unittest.main()
