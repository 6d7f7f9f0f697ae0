"""Evaluate a streamparse topology module and print it as JSON, for ``squall local`` and ``squall submit``.

    python3 -m squall.describe_topology --src <project>/src [--serializer json] [--shown-root <project>] <topologies/x.py>

The module is imported the way ``sparse`` imports it (``src/`` and the module's own directory on
``sys.path``), with streamparse's DSL: the installed streamparse when there is one, else Squall's
(``squall.dsl``, answering to ``streamparse``). Its ``Topology`` subclass is read through the
attributes both libraries give their specs, and printed shaped like a Squall YAML topology
(``config``, ``spouts``, ``bolts``, ``streams``), each component and stream with ``where``
(``file:line`` of its spec in the module). Anything wrong is printed as
``{"problems": ["file:line: message", ...]}`` and the exit code is 1. Output goes to the real stdout;
whatever the module prints goes to stderr.
"""

import argparse
import ast
import importlib
import json
import os
import re
import sys
import traceback

#: streamparse's launcher; the serializer flag goes in front of its argument, as ``sparse submit`` does.
_RUNNERS = ("streamparse_run",)


def _shown(path, root):
    rel = os.path.relpath(path, root)
    return path if rel.startswith("..") else rel


class _Locations(object):
    """Lines of the specs in the topology module, found by reading its source."""

    def __init__(self, file, shown):
        self.file = file
        self.shown = shown
        self.classes = {}  # class name -> line
        self.attrs = {}  # (class name, component name) -> line
        self.strings = {}  # line of a class-body statement -> string constants in it
        try:
            with open(file, "rb") as f:
                tree = ast.parse(f.read(), file)
        except (SyntaxError, ValueError):
            return
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            self.classes[node.name] = node.lineno
            for stmt in node.body:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
                for t in targets:
                    if isinstance(t, ast.Name):
                        self.attrs[(node.name, t.id)] = stmt.lineno
                self.strings[stmt.lineno] = {
                    n.value for n in ast.walk(stmt) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                }
                call = getattr(stmt, "value", None)
                if isinstance(call, ast.Call):
                    for kw in call.keywords:
                        if kw.arg == "name" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                            self.attrs[(node.name, kw.value.value)] = stmt.lineno

    def refine(self, where, message):
        """An error the DSL raised while building a class points at the class line: point at the one statement of
        its body holding a string the message quotes (the bad field, stream or name), when there is exactly one."""
        if where not in ["{}:{}".format(self.shown, line) for line in self.classes.values()]:
            return where
        for token in re.findall(r"'([^']+)'", message):
            lines = [line for line, strings in self.strings.items() if token in strings]
            if len(lines) == 1:
                return "{}:{}".format(self.shown, lines[0])
        return where

    def of_class(self, cls):
        return "{}:{}".format(self.shown, self.classes.get(cls.__name__, 1))

    def of_spec(self, cls, attr, name):
        line = self.attrs.get((cls.__name__, name)) or self.attrs.get((cls.__name__, attr)) or self.classes.get(cls.__name__, 1)
        return "{}:{}".format(self.shown, line)


def _error_location(exc, project, root, fallback):
    """file:line of the innermost frame of the user's project in the traceback (not the DSL's)."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return "{}:{}".format(_shown(os.path.abspath(exc.filename), root), exc.lineno or 1)
    where = None
    for frame, line in traceback.walk_tb(exc.__traceback__):
        f = os.path.abspath(frame.f_code.co_filename)
        if f.startswith(project + os.sep):
            where = "{}:{}".format(_shown(f, root), line)
    return where or fallback


def _topology_classes(module):
    found = []
    for value in vars(module).values():
        if not isinstance(value, type) or value.__module__ != module.__name__:
            continue
        if isinstance(getattr(value, "specs", None), list) and isinstance(getattr(value, "thrift_spouts", None), dict):
            found.append(value)
    return found


def _grouping(g):
    """(type, fields) of a streamparse grouping: the one attribute that is set."""
    fields = getattr(g, "fields", None)
    if fields is not None:
        return ("FIELDS", list(fields)) if len(fields) > 0 else ("GLOBAL", None)
    partial = getattr(g, "partial_key", None)
    if partial is not None:
        return "PARTIAL_KEY", list(partial)
    for attr, kind in (("shuffle", "SHUFFLE"), ("all", "ALL"), ("none", "NONE"), ("direct", "DIRECT"), ("local_or_shuffle", "LOCAL_OR_SHUFFLE")):
        if getattr(g, attr, None) is not None:
            return kind, None
    if getattr(g, "custom_object", None) is not None or getattr(g, "custom_serialized", None) is not None:
        return "CUSTOM", None
    return None, None


def _command(shell, serializer):
    """argv of a shell spec: ``[command, script]`` as Storm's ShellBolt builds it (script as one argument)."""
    command = shell.execution_command
    script = shell.script or ""
    runner = os.path.basename(command) in _RUNNERS
    if runner and serializer and not script.lstrip().startswith("-s "):
        script = "-s {} {}".format(serializer, script)
    argv = [command] + ([script] if script else [])
    return argv, ((serializer or "json") if runner else "json")


def describe(topology_cls, locations, serializer):
    problems = []
    where_cls = locations.of_class(topology_cls)
    attr_of = {}
    for attr, value in vars(topology_cls).items():
        if value in topology_cls.specs:
            attr_of[id(value)] = attr
    out = {"topologyClass": topology_cls.__name__, "where": where_cls, "spouts": [], "bolts": [], "streams": []}
    config = getattr(topology_cls, "config", None) or {}
    out["config"] = config if isinstance(config, dict) else {}
    bolts = getattr(topology_cls, "thrift_bolts", {})
    for spec in topology_cls.specs:
        where = locations.of_spec(topology_cls, attr_of.get(id(spec)), spec.name)
        is_bolt = spec.name in bolts
        obj = spec.component_object
        shell = getattr(obj, "shell", None)
        if shell is None:
            java = getattr(obj, "java_object", None)
            what = "Java class {}".format(java.full_class_name) if java is not None else "serialized Java object"
            problems.append(
                "{}: component '{}' is a Java{} ({}): Java components cannot run on Squall (no JVM); "
                "write it in Python or another language".format(where, spec.name, "Bolt" if is_bolt else "Spout", what)
            )
            continue
        argv, ser = _command(shell, serializer)
        conf = spec.config
        if isinstance(conf, str):
            conf = json.loads(conf or "{}")
        entry = {
            "id": spec.name,
            "command": argv,
            "outputs": [
                {"stream": name, "fields": list(info.output_fields), "direct": bool(info.direct)}
                for name, info in spec.outputs.items()
            ],
            "parallelism": spec.par if isinstance(spec.par, int) else 1,
            "config": conf or {},
            "serializer": ser,
            # src/ (the working directory: src/ locally, the package's resources/ on a worker) is importable from
            # any Python child, not only from streamparse_run, which adds its working directory itself.
            "env": {"PYTHONPATH": "."},
            "where": where,
        }
        if isinstance(spec.par, dict):
            problems.append("{}: component '{}': par as a dict of environments is not supported; give an integer".format(where, spec.name))
        (out["bolts"] if is_bolt else out["spouts"]).append(entry)
        for stream_id, grouping in spec.inputs.items():
            kind, fields = _grouping(grouping)
            if kind is None or kind == "CUSTOM":
                problems.append("{}: component '{}': {} grouping on '{}' is not supported".format(
                    where, spec.name, "custom" if kind else "an unknown", stream_id.componentId))
                continue
            g = {"type": kind, "streamId": stream_id.streamId}
            if fields is not None:
                g["args"] = fields
            out["streams"].append({"from": stream_id.componentId, "to": spec.name, "grouping": g, "where": where})
    return out, problems


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m squall.describe_topology")
    parser.add_argument("topology_file")
    parser.add_argument("--src", required=True, help="the project's src/ directory")
    parser.add_argument("--serializer", default=None, help="config.json's serializer (json or msgpack)")
    parser.add_argument("--shown-root", default=None, help="file names in messages are relative to this")
    parser.add_argument("--project", default=None, help="the project's directory (its frames locate errors)")
    args = parser.parse_args(argv)
    out_fd = os.dup(1)
    os.dup2(2, 1)  # the module's prints must not mix with the JSON
    sys.stdout = sys.stderr

    def reply(doc, code):
        os.write(out_fd, (json.dumps(doc) + "\n").encode("utf-8"))
        return code

    topology_file = os.path.abspath(args.topology_file)
    root = os.path.abspath(args.shown_root or os.path.dirname(os.path.dirname(topology_file)))
    shown = _shown(topology_file, root)
    project = os.path.abspath(args.project or os.path.dirname(os.path.dirname(topology_file)))
    src = os.path.abspath(args.src)
    topo_dir, mod_file = os.path.split(topology_file)
    mod_name = mod_file[:-3] if mod_file.endswith(".py") else mod_file
    sys.path.append(src)
    sys.path.append(topo_dir)
    try:
        import streamparse

        library = "streamparse {}".format(getattr(streamparse, "__version__", "?")) if not getattr(streamparse, "SQUALL_COMPAT", False) else "squall"
    except Exception as err:
        return reply({"problems": ["{}: cannot import streamparse: {}: {}".format(shown, type(err).__name__, err)]}, 1)
    try:
        module = importlib.import_module(mod_name)
    except BaseException as err:  # SyntaxError, ImportError, the DSL's ValueError/TypeError, SystemExit...
        where = _error_location(err, project, root, "{}:1".format(shown))
        msg = err.msg if isinstance(err, SyntaxError) else str(err)
        where = _Locations(topology_file, shown).refine(where, msg)
        return reply({"problems": ["{}: {}: {}".format(where, type(err).__name__, msg)], "library": library}, 1)
    classes = _topology_classes(module)
    if not classes:
        return reply({"problems": ["{}:1: defines no Topology subclass (class MyTopology(Topology): ...)".format(shown)], "library": library}, 1)
    locations = _Locations(topology_file, shown)
    doc, problems = describe(classes[0], locations, args.serializer)
    doc["library"] = library
    if len(classes) > 1:
        doc["note"] = "{} defines {} Topology subclasses; using the first, {}".format(shown, len(classes), classes[0].__name__)
    if problems:
        return reply({"problems": problems, "library": library}, 1)
    return reply(doc, 0)


if __name__ == "__main__":
    sys.exit(main())
