"""``from pystorm.spout import Spout`` (Squall's stand-in)."""

from squall import ReliableSpout, Spout  # noqa: F401
