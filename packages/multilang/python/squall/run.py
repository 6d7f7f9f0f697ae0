"""Start a spout or bolt class: ``python3 -m squall.run [-s json|msgpack] module.Class``.

Like ``streamparse_run``: the class path and flags may also arrive as ONE argv element
(``"-s json bolts.wordcount.WordCountBolt"``); the working directory (or its
``resources/`` subdirectory when the module lives there) is added to ``sys.path``.

``--describe`` prints the class's kind and output streams as JSON and exits (for
tooling that validates a topology at submit time); it speaks no protocol.
"""

import argparse
import importlib
import json
import os
import sys
import traceback

RESOURCES_PATH = "resources"


def _parse_args(argv):
    if len(argv) == 1:
        argv = argv[0].split()
    parser = argparse.ArgumentParser(
        prog="python3 -m squall.run",
        description="Run a Squall (streamparse-compatible) spout or bolt class over the multi-lang protocol.",
    )
    parser.add_argument("target_class", help="module.Class of the spout or bolt to run")
    parser.add_argument(
        "-s", "--serializer", choices=["json", "msgpack"], default="json", help="wire format (default json)"
    )
    parser.add_argument("--describe", action="store_true", help="print kind and outputs as JSON, then exit")
    return parser.parse_args(argv)


def _add_import_path(mod_name):
    import_path = os.getcwd()
    resources = os.path.join(import_path, RESOURCES_PATH)
    if os.path.isfile(os.path.join(resources, mod_name.replace(".", os.path.sep) + ".py")):
        import_path = resources
    if import_path not in sys.path:
        sys.path.insert(0, import_path)


def _load(target):
    if "." not in target:
        raise ValueError("target must be module.Class, got {!r}".format(target))
    mod_name, cls_name = target.rsplit(".", 1)
    _add_import_path(mod_name)
    mod = importlib.import_module(mod_name)
    return getattr(mod, cls_name)


def describe(cls):
    from .bolt import Bolt
    from .spout import Spout

    kind = "spout" if issubclass(cls, Spout) else "bolt" if issubclass(cls, Bolt) else "component"
    streams = cls.output_streams()
    return {"kind": kind, "outputs": {name: s.to_dict() for name, s in streams.items()}}


def _fail_startup(serializer, text):
    """The class could not be loaded: still do the handshake so that the host gets
    the reason as a log (level 4) and an error, then exit 1."""
    from .serializers import SERIALIZERS
    from . import _stdio

    sys.stderr.write(text)
    try:
        in_fd, out_fd = _stdio.claim()
        ser = SERIALIZERS[serializer](in_fd, out_fd)
        msg = ser.read_message()
        pid = os.getpid()
        try:
            open(os.path.join(msg["pidDir"], str(pid)), "w").close()
        except Exception:
            pass
        ser.send_message({"pid": pid})
        ser.send_message({"command": "log", "msg": text, "level": 4})
        ser.send_message({"command": "error", "msg": text})
        ser.send_message({"command": "sync"})
        ser.flush()
    except Exception:
        pass
    sys.exit(1)


def main(argv=None):
    args = _parse_args(sys.argv[1:] if argv is None else list(argv))
    if args.describe:
        cls = _load(args.target_class)
        sys.stdout.write(json.dumps(describe(cls)) + "\n")
        return 0
    # Protect the protocol pipe before any user code (module import) runs.
    from . import _stdio

    _stdio.claim()
    try:
        cls = _load(args.target_class)
        component = cls(serializer=args.serializer)
    except Exception:
        _fail_startup(
            args.serializer,
            "squall.run: cannot start {}:\n{}".format(args.target_class, traceback.format_exc()),
        )
    component.run()


if __name__ == "__main__":
    main()
