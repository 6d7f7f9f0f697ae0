import math
import types
import unittest

import host  # noqa: F401  (puts the library on sys.path)
from squall import msgpack as squall_msgpack

# The pure-Python functions, tested whichever implementation the library picked.
PURE = types.SimpleNamespace(
    packb=squall_msgpack.py_packb,
    unpackb=squall_msgpack.py_unpackb,
    unpack_from=squall_msgpack.py_unpack_from,
    Incomplete=squall_msgpack.Incomplete,
    UnpackError=squall_msgpack.UnpackError,
    PackError=squall_msgpack.PackError,
)
msgpack = PURE


class KnownVectors(unittest.TestCase):
    """Run against the pure-Python code; CExtensionVectors runs the same against the
    ``msgpack`` package's C extension when it is installed (the library then uses it)."""

    def setUp(self):
        global msgpack
        msgpack = PURE

    # (object, encoding) pairs from the msgpack spec
    VECTORS = [
        (None, b"\xc0"),
        (False, b"\xc2"),
        (True, b"\xc3"),
        (0, b"\x00"),
        (127, b"\x7f"),
        (128, b"\xcc\x80"),
        (255, b"\xcc\xff"),
        (256, b"\xcd\x01\x00"),
        (65535, b"\xcd\xff\xff"),
        (65536, b"\xce\x00\x01\x00\x00"),
        (2 ** 32 - 1, b"\xce\xff\xff\xff\xff"),
        (2 ** 32, b"\xcf\x00\x00\x00\x01\x00\x00\x00\x00"),
        (2 ** 53 + 1, b"\xcf\x00\x20\x00\x00\x00\x00\x00\x01"),
        (2 ** 64 - 1, b"\xcf" + b"\xff" * 8),
        (-1, b"\xff"),
        (-32, b"\xe0"),
        (-33, b"\xd0\xdf"),
        (-128, b"\xd0\x80"),
        (-129, b"\xd1\xff\x7f"),
        (-32768, b"\xd1\x80\x00"),
        (-32769, b"\xd2\xff\xff\x7f\xff"),
        (-(2 ** 31), b"\xd2\x80\x00\x00\x00"),
        (-(2 ** 31) - 1, b"\xd3\xff\xff\xff\xff\x7f\xff\xff\xff"),
        (-(2 ** 63), b"\xd3\x80" + b"\x00" * 7),
        (1.5, b"\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00"),
        (-0.0, b"\xcb\x80" + b"\x00" * 7),
        ("", b"\xa0"),
        ("a", b"\xa1a"),
        ("é", b"\xa2\xc3\xa9"),
        ("x" * 31, b"\xbf" + b"x" * 31),
        ("x" * 32, b"\xd9\x20" + b"x" * 32),
        ("x" * 256, b"\xda\x01\x00" + b"x" * 256),
        ("x" * 65536, b"\xdb\x00\x01\x00\x00" + b"x" * 65536),
        (b"", b"\xc4\x00"),
        (b"\x00\xff", b"\xc4\x02\x00\xff"),
        (b"y" * 256, b"\xc5\x01\x00" + b"y" * 256),
        (b"y" * 65536, b"\xc6\x00\x01\x00\x00" + b"y" * 65536),
        ([], b"\x90"),
        ([1, "a", None], b"\x93\x01\xa1a\xc0"),
        (list(range(16)), b"\xdc\x00\x10" + bytes(range(16))),
        ({}, b"\x80"),
        ({"a": 1}, b"\x81\xa1a\x01"),
        ({"command": "sync"}, b"\x81\xa7command\xa4sync"),
    ]

    def test_encode(self):
        for obj, enc in self.VECTORS:
            with self.subTest(obj=obj if not isinstance(obj, (str, bytes)) or len(obj) < 40 else len(obj)):
                self.assertEqual(msgpack.packb(obj), enc)

    def test_decode(self):
        for obj, enc in self.VECTORS:
            with self.subTest(enc=enc[:8]):
                got = msgpack.unpackb(enc)
                self.assertEqual(got, obj)
                self.assertEqual(type(got), type(obj))
        self.assertTrue(math.copysign(1, msgpack.unpackb(b"\xcb\x80" + b"\x00" * 7)) < 0)

    def test_decode_only_forms(self):
        self.assertEqual(msgpack.unpackb(b"\xca\x3f\xc0\x00\x00"), 1.5)  # float32
        self.assertEqual(msgpack.unpackb(b"\xd9\x01z"), "z")  # str8 for a short string
        self.assertEqual(msgpack.unpackb(b"\xdd\x00\x00\x00\x01\x05"), [5])  # array32
        self.assertEqual(msgpack.unpackb(b"\xde\x00\x01\xa1k\xc3"), {"k": True})  # map16
        self.assertEqual(msgpack.unpackb(b"\xdf\x00\x00\x00\x01\xa1k\xc2"), {"k": False})  # map32
        self.assertEqual(msgpack.unpackb(b"\xcc\x05"), 5)  # non-minimal uint8
        self.assertEqual(msgpack.unpackb(b"\xd3" + b"\xff" * 8), -1)

    def test_big_map_and_array_headers(self):
        big = {str(i): i for i in range(20)}
        enc = msgpack.packb(big)
        self.assertEqual(enc[:3], b"\xde\x00\x14")
        self.assertEqual(msgpack.unpackb(enc), big)
        arr = list(range(70000))
        enc = msgpack.packb(arr)
        self.assertEqual(enc[:5], b"\xdd\x00\x01\x11\x70")
        self.assertEqual(msgpack.unpackb(enc), arr)

    def test_roundtrip_nested(self):
        obj = {
            "command": "emit",
            "tuple": ["word", 12, -3.25, None, True, [1, [2, {"x": b"\x01"}]]],
            "anchors": ["1", "2"],
            "id": 2 ** 63 + 7,
            "need_task_ids": False,
        }
        self.assertEqual(msgpack.unpackb(msgpack.packb(obj)), obj)

    def test_subclasses(self):
        import collections
        import enum

        P = collections.namedtuple("P", "a b")

        class E(enum.IntEnum):
            X = 3

        self.assertEqual(msgpack.packb(P(1, 2)), b"\x92\x01\x02")
        self.assertEqual(msgpack.packb(E.X), b"\x03")
        self.assertEqual(msgpack.packb(collections.OrderedDict(a=1)), b"\x81\xa1a\x01")
        self.assertEqual(msgpack.packb((1,)), b"\x91\x01")

    def test_incomplete_and_errors(self):
        enc = msgpack.packb({"command": "next", "id": "abc", "n": [1, 2, 2 ** 40]})
        for cut in range(len(enc)):
            with self.assertRaises(msgpack.Incomplete):
                msgpack.unpack_from(enc[:cut], 0)
        obj, pos = msgpack.unpack_from(enc + b"\xc0", 0)
        self.assertEqual(pos, len(enc))
        self.assertEqual(msgpack.unpack_from(enc + b"\xc0", pos), (None, len(enc) + 1))
        with self.assertRaises(msgpack.UnpackError):
            msgpack.unpackb(b"\xc1")  # never used
        with self.assertRaises(msgpack.UnpackError):
            msgpack.unpackb(b"\xd4\x01\x00")  # ext types unsupported
        with self.assertRaises(msgpack.UnpackError):
            msgpack.unpackb(b"\x01\x02")  # trailing data
        with self.assertRaises(msgpack.PackError):
            msgpack.packb(2 ** 64)
        with self.assertRaises(msgpack.PackError):
            msgpack.packb(-(2 ** 63) - 1)
        with self.assertRaises(msgpack.PackError):
            msgpack.packb(object())


@unittest.skipUnless(squall_msgpack.IMPLEMENTATION == "c", "the msgpack package (C extension) is not installed")
class CExtensionVectors(KnownVectors):
    def setUp(self):
        global msgpack
        msgpack = squall_msgpack

    def tearDown(self):
        global msgpack
        msgpack = PURE

    def test_it_is_the_c_extension(self):
        import msgpack as pypi

        self.assertIn("_cmsgpack", type(pypi.Packer()).__module__)


class StreamUnpacking(unittest.TestCase):
    def test_objects_fed_byte_by_byte_and_in_one_chunk(self):
        objs = [{"command": "next", "id": ""}, {"command": "ack", "id": 2 ** 64 - 1}, [1, 2, 3], "x" * 300]
        data = b"".join(squall_msgpack.packb(o) for o in objs)
        for chunk in (1, 7, len(data)):
            u = squall_msgpack.StreamUnpacker()
            got = []
            for i in range(0, len(data), chunk):
                u.feed(data[i: i + chunk])
                while True:
                    try:
                        got.append(u.next())
                    except squall_msgpack.Incomplete:
                        break
            self.assertEqual(got, objs)

    def test_malformed_stream(self):
        u = squall_msgpack.StreamUnpacker()
        u.feed(b"\xc1")
        with self.assertRaises(squall_msgpack.UnpackError):
            u.next()


if __name__ == "__main__":
    unittest.main()
