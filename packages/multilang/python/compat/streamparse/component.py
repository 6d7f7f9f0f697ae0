"""``from streamparse.component import Component`` (Squall's stand-in)."""

from .storm import Component, StormHandler  # noqa: F401
