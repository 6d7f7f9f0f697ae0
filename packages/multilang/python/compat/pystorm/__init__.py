"""Squall's stand-in for pystorm: answers ``import pystorm`` when pystorm is not installed.

It sits on ``sys.path`` AFTER site-packages, so an installed pystorm always wins.
"""

from squall import BatchingBolt, Bolt, Component, ReliableSpout, Spout, Tuple

from . import bolt, component, spout  # noqa: F401

TicklessBatchingBolt = BatchingBolt
__version__ = "3.1.4+squall"
VERSION = (3, 1, 4)
SQUALL_COMPAT = True

__all__ = ["BatchingBolt", "Bolt", "Component", "ReliableSpout", "Spout", "TicklessBatchingBolt", "Tuple"]
