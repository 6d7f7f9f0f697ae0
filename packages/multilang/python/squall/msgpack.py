"""msgpack for the multi-lang protocol: the ``msgpack`` package's C extension when it is
importable, else a minimal pure-Python encoder/decoder (standard library only).

Set ``SQUALL_MSGPACK=python`` in the environment to use the pure-Python code even when
the package is installed. :data:`IMPLEMENTATION` says which one is in use ("c" or
"python"); both behave alike for what the protocol carries (the pure-Python functions
stay available as ``py_packb``, ``py_pack_into``, ``py_unpack_from``, ``py_unpackb``).

Covers what the multi-lang protocol needs: nil, bool, int (up to uint64 and
int64), float (float32 decoded, float64 both ways), str, bin, array, map.
Extension types are rejected.

- ``packb(obj) -> bytes``
- ``unpackb(data) -> obj`` (the whole buffer must be exactly one object)
- ``unpack_from(buf, pos) -> (obj, new_pos)``; raises :class:`Incomplete`
  when ``buf`` ends before the object does (feed more bytes and retry).
"""

import os
import struct

__all__ = ["packb", "unpackb", "unpack_from", "Incomplete", "PackError", "UnpackError", "IMPLEMENTATION", "StreamUnpacker"]


class PackError(TypeError):
    """An object that cannot be encoded."""


class UnpackError(ValueError):
    """Malformed (or unsupported) msgpack data."""


class Incomplete(Exception):
    """The buffer ends in the middle of an object."""


_s_B = struct.Struct(">B").pack
_s_BB = struct.Struct(">BB").pack
_s_Bb = struct.Struct(">Bb").pack
_s_BH = struct.Struct(">BH").pack
_s_Bh = struct.Struct(">Bh").pack
_s_BI = struct.Struct(">BI").pack
_s_Bi = struct.Struct(">Bi").pack
_s_BQ = struct.Struct(">BQ").pack
_s_Bq = struct.Struct(">Bq").pack
_s_Bd = struct.Struct(">Bd").pack

_FIXSTR = [bytes((0xA0 | n,)) for n in range(32)]
_FIXINT = [bytes((n,)) for n in range(128)]


def _pack_int(v, out):
    if v >= 0:
        if v < 128:
            out += _FIXINT[v]
        elif v < 0x100:
            out += _s_BB(0xCC, v)
        elif v < 0x10000:
            out += _s_BH(0xCD, v)
        elif v < 0x100000000:
            out += _s_BI(0xCE, v)
        elif v < 0x10000000000000000:
            out += _s_BQ(0xCF, v)
        else:
            raise PackError("integer too large for msgpack: %r" % (v,))
    else:
        if v >= -32:
            out.append(v & 0xFF)
        elif v >= -0x80:
            out += _s_Bb(0xD0, v)
        elif v >= -0x8000:
            out += _s_Bh(0xD1, v)
        elif v >= -0x80000000:
            out += _s_Bi(0xD2, v)
        elif v >= -0x8000000000000000:
            out += _s_Bq(0xD3, v)
        else:
            raise PackError("integer too small for msgpack: %r" % (v,))


def _pack_str(s, out):
    b = s.encode("utf-8")
    n = len(b)
    if n < 32:
        out += _FIXSTR[n]
    elif n < 0x100:
        out += _s_BB(0xD9, n)
    elif n < 0x10000:
        out += _s_BH(0xDA, n)
    else:
        out += _s_BI(0xDB, n)
    out += b


def _pack_bin(b, out):
    n = len(b)
    if n < 0x100:
        out += _s_BB(0xC4, n)
    elif n < 0x10000:
        out += _s_BH(0xC5, n)
    else:
        out += _s_BI(0xC6, n)
    out += b


def _pack_array_header(n, out):
    if n < 16:
        out.append(0x90 | n)
    elif n < 0x10000:
        out += _s_BH(0xDC, n)
    else:
        out += _s_BI(0xDD, n)


def _pack_map_header(n, out):
    if n < 16:
        out.append(0x80 | n)
    elif n < 0x10000:
        out += _s_BH(0xDE, n)
    else:
        out += _s_BI(0xDF, n)


def _pack(obj, out):
    t = type(obj)
    if t is str:
        _pack_str(obj, out)
    elif t is int:
        _pack_int(obj, out)
    elif t is dict:
        _pack_map_header(len(obj), out)
        for k, v in obj.items():
            _pack(k, out)
            _pack(v, out)
    elif t is list or t is tuple:
        _pack_array_header(len(obj), out)
        for v in obj:
            _pack(v, out)
    elif obj is None:
        out.append(0xC0)
    elif obj is True:
        out.append(0xC3)
    elif obj is False:
        out.append(0xC2)
    elif t is float:
        out += _s_Bd(0xCB, obj)
    elif t is bytes or t is bytearray or t is memoryview:
        _pack_bin(bytes(obj), out)
    # subclasses (namedtuple, IntEnum, str subclasses, OrderedDict, ...)
    elif isinstance(obj, bool):
        out.append(0xC3 if obj else 0xC2)
    elif isinstance(obj, int):
        _pack_int(int(obj), out)
    elif isinstance(obj, float):
        out += _s_Bd(0xCB, float(obj))
    elif isinstance(obj, str):
        _pack_str(str(obj), out)
    elif isinstance(obj, (bytes, bytearray)):
        _pack_bin(bytes(obj), out)
    elif isinstance(obj, (list, tuple)):
        _pack_array_header(len(obj), out)
        for v in obj:
            _pack(v, out)
    elif isinstance(obj, dict):
        _pack_map_header(len(obj), out)
        for k, v in obj.items():
            _pack(k, out)
            _pack(v, out)
    else:
        raise PackError("cannot msgpack-encode object of type %s: %r" % (t.__name__, obj))


def packb(obj):
    """Encode ``obj`` to msgpack bytes."""
    out = bytearray()
    _pack(obj, out)
    return bytes(out)


def pack_into(obj, out):
    """Append the encoding of ``obj`` to the bytearray ``out``."""
    _pack(obj, out)


_u_H = struct.Struct(">H").unpack_from
_u_h = struct.Struct(">h").unpack_from
_u_I = struct.Struct(">I").unpack_from
_u_i = struct.Struct(">i").unpack_from
_u_Q = struct.Struct(">Q").unpack_from
_u_q = struct.Struct(">q").unpack_from
_u_f = struct.Struct(">f").unpack_from
_u_d = struct.Struct(">d").unpack_from
_u_b = struct.Struct(">b").unpack_from


def _unpack(buf, pos, blen):
    """Decode one object at ``buf[pos]`` (``blen == len(buf)``); return (obj, new pos)."""
    if pos >= blen:
        raise Incomplete()
    b = buf[pos]
    pos += 1
    if b <= 0x7F:
        return b, pos
    if b >= 0xE0:
        return b - 0x100, pos
    if b >= 0xA0 and b <= 0xBF:
        end = pos + (b & 0x1F)
        if end > blen:
            raise Incomplete()
        return buf[pos:end].decode("utf-8"), end
    if b >= 0x80 and b <= 0x9F:
        n = b & 0x0F
        if b >= 0x90:
            return _unpack_array(buf, pos, n, blen)
        return _unpack_map(buf, pos, n, blen)
    if b == 0xC0:
        return None, pos
    if b == 0xC2:
        return False, pos
    if b == 0xC3:
        return True, pos
    size = _FIXED.get(b)
    if size is not None:
        if pos + size > blen:
            raise Incomplete()
        return _FIXED_UNPACK[b](buf, pos)[0], pos + size
    if b in _VAR:
        width, is_str, kind = _VAR[b]
        if pos + width > blen:
            raise Incomplete()
        n = _LEN_UNPACK[width](buf, pos)[0]
        pos += width
        if kind == 0:  # str / bin
            end = pos + n
            if end > blen:
                raise Incomplete()
            if is_str:
                return buf[pos:end].decode("utf-8"), end
            return bytes(buf[pos:end]), end
        if kind == 1:
            return _unpack_array(buf, pos, n, blen)
        return _unpack_map(buf, pos, n, blen)
    raise UnpackError("unsupported msgpack type byte 0x%02x" % b)


_FIXED = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8, 0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8, 0xCA: 4, 0xCB: 8}
_FIXED_UNPACK = {
    0xCC: struct.Struct(">B").unpack_from,
    0xCD: _u_H,
    0xCE: _u_I,
    0xCF: _u_Q,
    0xD0: _u_b,
    0xD1: _u_h,
    0xD2: _u_i,
    0xD3: _u_q,
    0xCA: _u_f,
    0xCB: _u_d,
}
# type byte -> (length width, is str, kind: 0 str/bin, 1 array, 2 map)
_VAR = {
    0xD9: (1, True, 0), 0xDA: (2, True, 0), 0xDB: (4, True, 0),
    0xC4: (1, False, 0), 0xC5: (2, False, 0), 0xC6: (4, False, 0),
    0xDC: (2, False, 1), 0xDD: (4, False, 1),
    0xDE: (2, False, 2), 0xDF: (4, False, 2),
}
_LEN_UNPACK = {1: struct.Struct(">B").unpack_from, 2: _u_H, 4: _u_I}


def _unpack_array(buf, pos, n, blen):
    out = []
    append = out.append
    for _ in range(n):
        if pos < blen:
            b = buf[pos]
            if 0xA0 <= b <= 0xBF:  # fixstr, inline
                end = pos + 1 + (b & 0x1F)
                if end > blen:
                    raise Incomplete()
                append(buf[pos + 1:end].decode("utf-8"))
                pos = end
                continue
            if b <= 0x7F:
                append(b)
                pos += 1
                continue
        v, pos = _unpack(buf, pos, blen)
        append(v)
    return out, pos


def _unpack_map(buf, pos, n, blen):
    out = {}
    for _ in range(n):
        if pos < blen and 0xA0 <= buf[pos] <= 0xBF:  # fixstr key, inline
            end = pos + 1 + (buf[pos] & 0x1F)
            if end > blen:
                raise Incomplete()
            k = buf[pos + 1:end].decode("utf-8")
            pos = end
        else:
            k, pos = _unpack(buf, pos, blen)
            if isinstance(k, list):
                k = tuple(k)
        v, pos = _unpack(buf, pos, blen)
        try:
            out[k] = v
        except TypeError:
            raise UnpackError("unhashable msgpack map key: %r" % (k,))
    return out, pos


def unpack_from(buf, pos=0):
    """Decode one object starting at ``buf[pos]``.

    Returns ``(obj, new_pos)``. Raises :class:`Incomplete` if more bytes are
    needed, :class:`UnpackError` on malformed data.
    """
    try:
        return _unpack(buf, pos, len(buf))
    except struct.error:
        raise Incomplete()


def unpackb(data):
    """Decode exactly one msgpack object from ``data``."""
    try:
        obj, pos = _unpack(data, 0, len(data))
    except Incomplete:
        raise UnpackError("truncated msgpack data")
    if pos != len(data):
        raise UnpackError("extra data after msgpack object (%d bytes)" % (len(data) - pos))
    return obj


py_packb = packb
py_pack_into = pack_into
py_unpack_from = unpack_from
py_unpackb = unpackb


def _load_c():
    if os.environ.get("SQUALL_MSGPACK", "").lower() == "python":
        return None
    try:
        import msgpack as c  # the PyPI package (its C extension when built for this Python)
    except ImportError:
        return None
    if not hasattr(c, "Unpacker") or not hasattr(c, "packb"):
        return None
    return c


_c = _load_c()
IMPLEMENTATION = "c" if _c is not None else "python"


if _c is not None:
    _c_packer = _c.Packer(use_bin_type=True, autoreset=True)
    _c_pack = _c_packer.pack

    def _ext_refused(code, data):
        raise UnpackError("msgpack extension types are not supported (type %d)" % (code,))

    def _c_unpacker():
        return _c.Unpacker(raw=False, strict_map_key=False, ext_hook=_ext_refused, max_buffer_size=0)

    def _c_error(e):
        return UnpackError("malformed msgpack data: %s" % (e,))

    def packb(obj):  # noqa: F811
        """Encode ``obj`` to msgpack bytes."""
        try:
            return _c_pack(obj)
        except (TypeError, ValueError, OverflowError) as e:
            raise PackError("cannot msgpack-encode %r: %s" % (obj, e))

    def pack_into(obj, out):  # noqa: F811
        """Append the encoding of ``obj`` to the bytearray ``out``."""
        out += packb(obj)

    def unpack_from(buf, pos=0):  # noqa: F811
        """Decode one object starting at ``buf[pos]``; see the pure-Python version. Copies the
        rest of ``buf``: streams should use :class:`StreamUnpacker`."""
        u = _c_unpacker()
        u.feed(memoryview(buf)[pos:])
        try:
            obj = u.unpack()
        except _c.OutOfData:
            raise Incomplete()
        except UnpackError:
            raise
        except Exception as e:
            raise _c_error(e)
        return obj, pos + u.tell()

    def unpackb(data):  # noqa: F811
        """Decode exactly one msgpack object from ``data``."""
        obj, pos = unpack_from(data, 0) if len(data) else (None, -1)
        if pos < 0:
            raise UnpackError("truncated msgpack data")
        if pos != len(data):
            raise UnpackError("extra data after msgpack object (%d bytes)" % (len(data) - pos))
        return obj


class StreamUnpacker(object):
    """Decodes objects from bytes fed in chunks: ``feed(data)``, then ``next()`` returns the
    next complete object or raises :class:`Incomplete`. With the C extension the bytes are
    kept by its Unpacker (no re-scan, no copy per object)."""

    def __init__(self):
        if _c is not None:
            self._u = _c_unpacker()
        else:
            self._u = None
            self._buf = bytearray()
            self._pos = 0

    def feed(self, data):
        if self._u is not None:
            self._u.feed(data)
            return
        if self._pos:
            del self._buf[: self._pos]
            self._pos = 0
        self._buf += data

    def next(self):
        if self._u is not None:
            try:
                return self._u.unpack()
            except _c.OutOfData:
                raise Incomplete()
            except UnpackError:
                raise
            except Exception as e:
                raise _c_error(e)
        obj, self._pos = py_unpack_from(self._buf, self._pos)
        return obj
