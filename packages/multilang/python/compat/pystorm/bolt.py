"""``from pystorm.bolt import Bolt`` (Squall's stand-in)."""

from squall import BatchingBolt, Bolt  # noqa: F401

TicklessBatchingBolt = BatchingBolt
