"""``from streamparse.spout import Spout`` (Squall's stand-in)."""

from .storm import JavaSpout, ReliableSpout, ShellSpout, Spout  # noqa: F401
