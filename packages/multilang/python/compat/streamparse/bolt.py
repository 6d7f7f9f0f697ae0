"""``from streamparse.bolt import Bolt`` (Squall's stand-in)."""

from .storm import BatchingBolt, Bolt, JavaBolt, ShellBolt, TicklessBatchingBolt  # noqa: F401
