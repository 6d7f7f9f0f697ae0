"""``from pystorm.component import Component`` (Squall's stand-in)."""

from squall import Component, StormHandler, Tuple  # noqa: F401
from squall.serializers import SERIALIZERS as _SERIALIZERS  # noqa: F401
