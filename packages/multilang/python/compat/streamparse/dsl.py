"""``from streamparse.dsl import Topology, Grouping, Stream`` (Squall's stand-in)."""

from squall.dsl import *  # noqa: F401,F403
from squall.dsl import Grouping, Stream, Topology  # noqa: F401
