"""Squall's stand-in for streamparse: answers ``import streamparse`` when streamparse is not installed.

It sits on ``sys.path`` AFTER site-packages (see Squall's ``sitecustomize``), so an installed
streamparse always wins. Components (``Spout``, ``Bolt``, ...) are Squall's streamparse-compatible
classes; the topology DSL (``Topology``, ``Grouping``, ``Stream``) is ``squall.dsl``.
"""

import logging

from squall.dsl import Grouping, Stream, Topology

from . import bolt, spout
from .storm import (
    BatchingBolt,
    Bolt,
    JavaBolt,
    JavaSpout,
    ReliableSpout,
    ShellBolt,
    ShellSpout,
    Spout,
    StormHandler,
    TicklessBatchingBolt,
    Tuple,
)

__version__ = "5.0.1+squall"
VERSION = (5, 0, 1)
SQUALL_COMPAT = True

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "BatchingBolt",
    "Bolt",
    "bolt",
    "Grouping",
    "JavaBolt",
    "JavaSpout",
    "ReliableSpout",
    "ShellBolt",
    "ShellSpout",
    "Spout",
    "spout",
    "StormHandler",
    "Stream",
    "TicklessBatchingBolt",
    "Topology",
    "Tuple",
]
