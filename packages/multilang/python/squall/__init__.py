"""Squall's Python multi-lang library: streamparse/pystorm-compatible spouts and bolts.

    from squall import Spout, Bolt

Run a component with ``python3 -m squall.run [-s json|msgpack] module.Class``.
"""

import logging

from .bolt import BatchingBolt, Bolt
from .component import Component, StormHandler, StormWentAwayError, Tuple
from .spout import ReliableSpout, Spout
from .stream import Stream

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "BatchingBolt",
    "Bolt",
    "Component",
    "ReliableSpout",
    "Spout",
    "StormHandler",
    "StormWentAwayError",
    "Stream",
    "Tuple",
    "__version__",
]
