"""Lets ``import streamparse`` / ``import pystorm`` work in Squall's Python children without them installed.

Squall appends this directory to every shell component's PYTHONPATH, so Python runs this file at
start-up, after site-packages are on ``sys.path``. It appends ``compat/`` (Squall's stand-ins named
``streamparse`` and ``pystorm``) to the END of ``sys.path``: a real streamparse or pystorm installed
in site-packages (a virtualenv's, the user's, the system's) is found first and wins; the stand-ins
answer only when nothing else does. Then it runs the ``sitecustomize`` this file shadows, if any
(Debian ships one), so that start-up is otherwise unchanged.
"""

import os
import sys


def _install():
    here = os.path.dirname(os.path.abspath(__file__))
    compat = os.path.join(here, "compat")
    if compat not in sys.path:
        sys.path.append(compat)
    import importlib.machinery
    import importlib.util

    rest = [p for p in sys.path if p and os.path.abspath(p) not in (here, compat)]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None or os.path.abspath(spec.origin or "") == os.path.abspath(__file__):
        return
    try:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    except Exception as err:  # what site.py does with a failing sitecustomize
        sys.stderr.write("Error in sitecustomize ({}); set PYTHONVERBOSE for traceback:\n{}: {}\n".format(spec.origin, type(err).__name__, err))


_install()
del _install
