"""Base class shared by spouts and bolts (pystorm/streamparse compatible)."""

import logging
import os
import sys
import threading
import time
import traceback
from collections import deque, namedtuple
from logging.handlers import RotatingFileHandler

from . import _stdio
from .serializers import SERIALIZERS, StormWentAwayError
from .stream import Stream, normalize_outputs

__all__ = ["Component", "Tuple", "StormHandler", "StormWentAwayError", "LOG_LEVELS"]

# Storm log levels (STORM-414)
LOG_TRACE, LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR = 0, 1, 2, 3, 4
LOG_LEVELS = {
    "trace": LOG_TRACE,
    "debug": LOG_DEBUG,
    "info": LOG_INFO,
    "warn": LOG_WARN,
    "warning": LOG_WARN,
    "error": LOG_ERROR,
    "critical": LOG_ERROR,
}
_PYTHON_LOG_LEVELS = {
    "critical": logging.CRITICAL,
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": logging.DEBUG,
}

log = logging.getLogger(__name__)

Tuple = namedtuple("Tuple", "id component stream task values")
Tuple.__doc__ = """A tuple received by a bolt (same shape as pystorm's Tuple).

id: the host's id for this input (a string); component: source component;
stream: source stream; task: source task; values: the values (a tuple, or a
namedtuple of the source stream's declared fields)."""


def _storm_level(level):
    if isinstance(level, int) and not isinstance(level, bool):
        return level if 0 <= level <= 4 else LOG_INFO
    if level is None:
        return LOG_INFO
    return LOG_LEVELS.get(str(level).lower(), LOG_INFO)


class StormHandler(logging.Handler):
    """logging.Handler that sends each record to the host as a ``log`` command."""

    def __init__(self, serializer):
        super().__init__()
        self.serializer = serializer

    def emit(self, record):
        try:
            msg = self.format(record)
            level = LOG_LEVELS.get(record.levelname.lower(), LOG_INFO)
            self.serializer.send_message({"command": "log", "msg": str(msg), "level": level})
        except StormWentAwayError:
            pass
        except Exception:
            self.handleError(record)


class Component(object):
    """Base class for :class:`squall.Spout` and :class:`squall.Bolt`.

    Class attributes (streamparse): ``outputs`` (list of field names for the default
    stream, or list of :class:`squall.Stream`), ``par``, ``config``, and
    ``exit_on_exception`` (pystorm, default True).

    Instance attributes set after the handshake: ``storm_conf``, ``context``,
    ``topology_name``, ``task_id``, ``component_name``, ``debug``, ``pid``, ``logger``,
    ``serializer``.
    """

    outputs = None
    par = 1
    config = None
    exit_on_exception = True

    def __init__(self, input_stream=None, output_stream=None, rdb_signal=None, serializer="json"):
        if serializer not in SERIALIZERS:
            raise ValueError("Unknown serializer: {!r} (use one of {})".format(serializer, sorted(SERIALIZERS)))
        if input_stream is None or output_stream is None:
            in_fd, out_fd = _stdio.claim()
            if input_stream is None:
                input_stream = in_fd
            if output_stream is None:
                output_stream = out_fd
        self._reader_lock = threading.RLock()
        self._writer_lock = threading.RLock()
        self.serializer = SERIALIZERS[serializer](
            input_stream, output_stream, self._reader_lock, self._writer_lock
        )
        self.serializer_name = serializer
        self.topology_name = None
        self.task_id = None
        self.component_name = None
        self.debug = None
        self.storm_conf = None
        self.context = None
        self.pid = os.getpid()
        self.logger = logging.getLogger("squall.component")
        self._pending_commands = deque()  # commands read while waiting for task ids
        self._pending_task_ids = deque()  # task ids read while waiting for commands
        self._handlers = []

    # ---- streamparse helpers ---------------------------------------------------------------
    @classmethod
    def output_streams(cls):
        """``{stream_name: Stream}`` declared by ``outputs``."""
        return normalize_outputs(cls.outputs)

    @staticmethod
    def is_heartbeat(tup):
        return tup.task == -1 and tup.stream == "__heartbeat"

    # ---- protocol I/O ----------------------------------------------------------------------
    def read_message(self):
        return self.serializer.read_message()

    def send_message(self, message):
        """Send a dict to the host. Raises TypeError for non-dicts and for values the
        serializer cannot encode (pystorm logs and drops them instead)."""
        if not isinstance(message, dict):
            raise TypeError("multi-lang messages must be dicts, got {!r}".format(message))
        self.serializer.send_message(message)

    def read_task_ids(self):
        if self._pending_task_ids:
            return self._pending_task_ids.popleft()
        msg = self.read_message()
        while not isinstance(msg, list):
            self._pending_commands.append(msg)
            msg = self.read_message()
        return msg

    def read_command(self):
        if self._pending_commands:
            return self._pending_commands.popleft()
        msg = self.read_message()
        while isinstance(msg, list):
            self._pending_task_ids.append(msg)
            msg = self.read_message()
        return msg

    def read_handshake(self):
        """Read ``{conf, pidDir, context}``, create ``pidDir/<pid>`` and answer ``{"pid": pid}``."""
        msg = self.read_message()
        if not isinstance(msg, dict) or "pidDir" not in msg:
            raise ValueError("bad handshake from host: {!r}".format(msg))
        conf = msg.get("conf") or {}
        context = msg.get("context") or {}
        pid_dir = msg["pidDir"]
        open(os.path.join(pid_dir, str(self.pid)), "w").close()
        self.send_message({"pid": self.pid})
        self.serializer.flush()
        return conf, context

    def _setup_component(self, storm_conf, context):
        self.storm_conf = storm_conf
        self.context = context
        self.topology_name = storm_conf.get("topology.name", "")
        self.task_id = context.get("taskid", "")
        name = context.get("componentid")
        if name is None:
            name = context.get("task->component", {}).get(str(self.task_id), "")
        self.component_name = name
        self.debug = bool(storm_conf.get("topology.debug", False))
        max_pending = storm_conf.get("topology.shellbolt.max.pending")
        if isinstance(max_pending, int) and not isinstance(max_pending, bool) and max_pending >= 2:
            self.serializer.flush_every = max_pending // 2

        self.logger = logging.getLogger("squall.component.{}".format(self.component_name))
        level_name = storm_conf.get("pystorm.log.level", storm_conf.get("squall.log.level", "info"))
        level = _PYTHON_LOG_LEVELS.get(str(level_name).lower(), logging.INFO)
        if self.debug:
            level = logging.DEBUG
        log_path = storm_conf.get("pystorm.log.path")
        if log_path:
            file_name = storm_conf.get(
                "pystorm.log.file", "pystorm_{topology_name}_{component_name}_{task_id}_{pid}.log"
            ).format(
                topology_name=self.topology_name,
                component_name=self.component_name,
                task_id=self.task_id,
                pid=self.pid,
            )
            handler = RotatingFileHandler(
                os.path.join(log_path, file_name),
                maxBytes=storm_conf.get("pystorm.log.max_bytes", 1000000),
                backupCount=storm_conf.get("pystorm.log.backup_count", 10),
            )
            fmt = storm_conf.get("pystorm.log.format", "%(asctime)s - %(name)s - %(levelname)s - %(message)s")
        else:
            handler = StormHandler(self.serializer)
            # The host adds time, component and task: send just the message by default.
            fmt = storm_conf.get("pystorm.log.format", "%(message)s")
        handler.setLevel(level)
        handler.setFormatter(logging.Formatter(fmt))
        root = logging.getLogger()
        for old in self._handlers:
            root.removeHandler(old)
        root.addHandler(handler)
        self._handlers = [handler]
        self.logger.setLevel(level)
        logging.getLogger("squall").setLevel(level)

    # ---- API used by components -----------------------------------------------------------
    def initialize(self, storm_conf, context):
        """Called once after the handshake, before the first command."""

    def log(self, message, level=None):
        """Send a log message to the host (level: trace|debug|info|warn|error, default info)."""
        self.send_message({"command": "log", "msg": str(message), "level": _storm_level(level)})

    def report_metric(self, name, value):
        """Update a metric registered on the host side."""
        self.send_message({"command": "metrics", "name": name, "params": value})

    def report_error(self, message):
        """Report an error to the host (shown in the UI); the component keeps running."""
        self.send_message({"command": "error", "msg": str(message)})

    def raise_exception(self, exception, tup=None):
        """pystorm's error report: an ``error`` command with the traceback, then ``sync``."""
        if tup:
            message = "Python {} raised while processing Tuple {!r}\n{}"
            message = message.format(exception.__class__.__name__, tup, _format_exc(exception))
        else:
            message = "Python {} raised\n{}".format(exception.__class__.__name__, _format_exc(exception))
        self.send_message({"command": "error", "msg": message})
        self.serializer.send_sync()

    def emit(self, tup, tup_id=None, stream=None, anchors=None, direct_task=None, need_task_ids=False):
        """Emit ``tup`` (a list or tuple). Returns the target task ids when
        ``need_task_ids`` is true (``[direct_task]`` for a direct emit), else None."""
        serializer = self.serializer
        if not need_task_ids:
            serializer.send_emit(tup, stream, anchors, direct_task, tup_id, False)
            return None
        if direct_task is not None:  # the host sends no task ids for a direct emit
            serializer.send_emit(tup, stream, anchors, direct_task, tup_id, True)
            return [direct_task]
        with self._reader_lock, self._writer_lock:
            serializer.send_emit(tup, stream, anchors, direct_task, tup_id, True)
            return self.read_task_ids()

    # ---- main loop ------------------------------------------------------------------------
    def _run(self):
        raise NotImplementedError

    def _handle_run_exception(self, exc):
        self.raise_exception(exc)

    def _report_fatal(self, exc, where):
        """log (level 4, with traceback) then the subclass's error handling."""
        log_msg = "Exception in {}.{}".format(self.__class__.__name__, where)
        try:
            self.logger.error(log_msg, exc_info=(type(exc), exc, exc.__traceback__))
            if not any(isinstance(h, StormHandler) for h in self._handlers):
                # file logging configured: still tell the host
                self.log("{}\n{}".format(log_msg, _format_exc(exc)), "error")
            self._handle_run_exception(exc)
            self.serializer.flush()
        except StormWentAwayError:
            raise
        except Exception:
            traceback.print_exc(file=sys.stderr)

    def run(self):
        """Handshake, ``initialize``, then the command loop. Never returns: exits 1 after
        an exception (when ``exit_on_exception``), 2 when the host goes away."""
        try:
            code = self._main()
        except StormWentAwayError:
            sys.stderr.write("squall: exiting because the host process went away\n")
            code = 2
        except SystemExit as e:
            code = e.code
            if code is None:
                code = 0
            elif not isinstance(code, int):
                sys.stderr.write("{}\n".format(code))
                code = 1
        except KeyboardInterrupt:
            code = 130
        if code != 2:
            try:
                self.serializer.flush()
            except StormWentAwayError:
                code = 2
        _exit(code)

    def _main(self):
        try:
            storm_conf, context = self.read_handshake()
            self._setup_component(storm_conf, context)
        except StormWentAwayError:
            raise
        except Exception:
            traceback.print_exc(file=sys.stderr)
            return 1
        try:
            self.initialize(storm_conf, context)
        except StormWentAwayError:
            raise
        except Exception as e:
            self._report_fatal(e, "initialize()")
            return 1
        run_one = self._run
        flush_if_idle = self.serializer.flush_if_idle
        now = time.monotonic
        while True:
            try:
                started = now()
                run_one()
                flush_if_idle(started)
            except StormWentAwayError:
                raise
            except Exception as e:
                self._report_fatal(e, "run()")
                if self.exit_on_exception:
                    return 1


def _format_exc(exc):
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def _exit(code):
    """sys.exit(code), with a watchdog so that user non-daemon threads cannot keep a
    dead component alive."""
    try:
        sys.stderr.flush()
    except Exception:
        pass
    timer = threading.Timer(5.0, os._exit, (code,))
    timer.daemon = True
    timer.start()
    sys.exit(code)
