"""Keep the protocol pipes away from user code.

``claim()`` moves the protocol's stdin/stdout to private file descriptors, then points
fd 0 at /dev/null and fd 1 at stderr (and ``sys.stdin``/``sys.stdout`` too). After it, a
stray ``print()``, a C extension writing to fd 1, a child process inheriting fd 1, or a
library calling ``input()`` cannot corrupt or steal protocol messages.
"""

import os
import sys

_claimed = None


def claim():
    """Return ``(in_fd, out_fd)`` for the protocol; idempotent."""
    global _claimed
    if _claimed is not None:
        return _claimed
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except Exception:
        pass
    in_fd = os.dup(0)
    out_fd = os.dup(1)
    try:
        os.set_inheritable(in_fd, False)
        os.set_inheritable(out_fd, False)
    except (AttributeError, OSError):
        pass
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    # Python-level streams: print() goes to stderr (unbuffered enough for the host's drain).
    sys.stdout = sys.stderr
    try:
        sys.stdin = open(os.devnull, "r")
    except OSError:
        pass
    _claimed = (in_fd, out_fd)
    return _claimed
