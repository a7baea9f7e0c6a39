"""Unmodified Ryu apps as the simulator's controller, in simulated time.

    controller = RyuController(["ryu.app.simple_switch_13"])
    Simulation(system, controller=controller, pingall=True).run()

:class:`RyuController` implements the simulator's ``ControllerApp``
interface.  At ``start`` it swaps ``ryu.lib.hub`` for the simulated hub
(:mod:`sendim.ryuapp.simhub`), parses ``options`` with Ryu's own config
(``--observe-links`` ...), and loads the apps with Ryu's own ``AppManager``
(contexts, ``_CONTEXTS``, ``require_app``, event routing, ``set_ev_cls``
dispatchers) exactly as ``ryu-manager`` would — except that the OpenFlow
listener of ``ryu.controller.ofp_handler`` is replaced by simulated
connections.  Each switch becomes a Ryu ``Datapath`` (:class:`SimDatapath`)
whose ``serve()`` runs Ryu's own handshake and receive loop.  At ``stop`` (or
:meth:`RyuController.close`) every thread is ended and every patched name
restored.
"""

from __future__ import annotations

import collections
import gc
import logging
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from sendim.ryuapp.compat import import_ryu

import_ryu()

from ryu import cfg  # noqa: E402
from ryu import flags as _ryu_flags  # noqa: E402,F401 - registers Ryu's CLI options
from ryu.base import app_manager  # noqa: E402
from ryu.controller import ofp_handler  # noqa: E402
from ryu.ofproto import ofproto_protocol  # noqa: E402
from ryu.topology import switches as _ryu_switches  # noqa: E402,F401 - its options

from sendim.ryuapp import simhub  # noqa: E402
from sendim.ryuapp.datapath import SimDatapath, SimSocket  # noqa: E402
from sendim.ryuapp.speedups import FastAddrconv, fast_switches  # noqa: E402
from sendim.ryuapp.translate import Untranslatable, request_bytes, to_sendim, wire  # noqa: E402
from sendim.simulator.openflow import messages as sm  # noqa: E402

__all__ = ["RyuController", "SimOFPHandler", "AppLogRecord"]

LOG = logging.getLogger("sendim.ryuapp.adapter")

OFP_HANDLER = "ryu.controller.ofp_handler"
_ACTIVE: list[RyuController] = []  # the controller whose hub is installed (at most one)
_SENT_MEMORY = 512  # requests remembered per datapath, for ErrorMsg data


class SimOFPHandler(ofp_handler.OFPHandler):
    """Ryu's ``OFPHandler`` (handshake, echo, port-status bookkeeping) minus
    its TCP listener: switches are connected by the adapter instead."""

    def start(self) -> None:  # type: ignore[override]
        app_manager.RyuApp.start(self)
        return None


AppLogRecord = tuple[float, str, int, str]
"""``(simulated time, logger name, level, message)``."""


class _Capture(logging.Handler):
    def __init__(self, clock: Any, records: list[AppLogRecord]) -> None:
        super().__init__(logging.DEBUG)
        self.clock = clock
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.records.append((self.clock(), record.name, record.levelno,
                                 record.getMessage()))
        except Exception:  # noqa: BLE001
            self.handleError(record)


class _Connection:
    """One switch's simulated OpenFlow connection."""

    def __init__(self, dpid: int, seq: int) -> None:
        self.dpid = dpid
        self.seq = seq
        self.socket = SimSocket()
        self.datapath: SimDatapath | None = None
        self.thread: simhub.SimThread | None = None
        self.sent: collections.OrderedDict[int, bytes] = collections.OrderedDict()


class RyuController:
    """Ryu apps driving the simulated switches (a simulator ``ControllerApp``).

    :param apps: module names or file paths, as ``ryu-manager`` takes them.
    :param options: ryu-manager options, e.g. ``["--observe-links"]``.
    :param log_level: level for the apps' and Ryu's loggers during the run.
    :param epoch: Unix time the apps see at simulated t=0.
    :param speedups: use :mod:`sendim.ryuapp.speedups` (equivalent, faster
        address conversion and topology lookups inside Ryu) during the run.
    :param tune_gc: during the run, freeze what exists at its start (modules,
        the system, the apps) out of the cyclic garbage collector's sight and
        make full collections rarer (at most every 100 middle ones instead of
        10); restored at the end. Full collections over Ryu's and the
        simulation's objects took a third of the CPU time of large runs.
    """

    def __init__(self, apps: Sequence[str], options: Iterable[str] = (), *,
                 log_level: int = logging.INFO,
                 epoch: float = simhub.DEFAULT_EPOCH, speedups: bool = True,
                 tune_gc: bool = True) -> None:
        self.app_names = [a for app in apps for a in str(app).split(",") if a]
        if not self.app_names:
            raise ValueError("RyuController needs at least one app")
        self.options = list(options)
        self.log_level = log_level
        self.epoch = epoch
        self.log: list[AppLogRecord] = []
        """Everything the apps and Ryu logged, with simulated timestamps."""
        self.untranslatable: list[tuple[int, str, str]] = []
        """``(dpid, message class, reason)`` for app messages the switch rejected."""
        self.channel: Any = None
        self.hub: simhub.SimHub | None = None
        self.manager: app_manager.AppManager | None = None
        self.connections: dict[int, _Connection] = {}
        self.apps: dict[str, Any] = {}
        """The Ryu app instances by name (kept after the run, for inspection)."""
        self._seq = 0
        self._saved: dict[str, Any] = {}
        self._loggers: list[tuple[logging.Logger, int]] = []
        self._capture: _Capture | None = None
        self._closed = False
        self._speedups = FastAddrconv() if speedups else None
        self._tune_gc = tune_gc
        self._gc_saved: tuple[int, int, int] | None = None

    @property
    def errors(self) -> list[tuple[Any, BaseException]]:
        """Exceptions that escaped Ryu threads (Ryu logs and survives them)."""
        return list(self.hub.errors) if self.hub is not None else []

    # -- ControllerApp ---------------------------------------------------------------------
    def start(self, channel: Any) -> None:
        """Install the simulated hub and load the apps with Ryu's AppManager.

        A previous controller left running (its simulation raised before
        calling ``stop``) is closed first.
        """
        for stale in list(_ACTIVE):
            LOG.warning("closing a Ryu controller left running by an earlier simulation")
            stale.close()
        _ACTIVE.append(self)
        self.channel = channel
        hub = simhub.SimHub(channel.env)
        swap = simhub.HubSwap(hub, simhub.SimClock(hub, self.epoch))
        swap.install()
        hub.swap = swap
        self.hub = hub
        self._save_globals()
        try:
            if self._speedups is not None:
                self._speedups.install()
            cfg.CONF(args=self.options, project="ryu", default_config_files=[])
            manager = app_manager.AppManager()
            app_manager.AppManager._instance = manager
            self.manager = manager
            manager.load_apps(self.app_names + [OFP_HANDLER])
            manager.applications_cls[OFP_HANDLER] = SimOFPHandler
            for cls in manager.applications_cls.values():
                swap.patch_module(sys.modules[cls.__module__])
            swap.refresh()
            contexts = manager.create_contexts()
            for ctx in contexts.values():
                swap.patch_module(sys.modules[type(ctx).__module__])
            self._start_logging()
            manager.instantiate_apps(**contexts)
            self.apps = dict(manager.applications)
            if self._speedups is not None:
                for app in self.apps.values():
                    fast_switches(app)
            self._gc_start()
        except BaseException:
            self.close()
            raise

    def datapath(self, dpid: int) -> SimDatapath | None:
        """The Ryu ``Datapath`` of switch ``dpid`` while it is connected."""
        conn = self.connections.get(dpid)
        return conn.datapath if conn is not None else None

    def switch_connected(self, dpid: int, features: Any, ports: list[Any]) -> None:
        """A switch connected: run Ryu's ``Datapath.serve`` for it."""
        assert self.hub is not None
        old = self.connections.get(dpid)
        if old is not None:
            old.socket.feed_eof()
        self._seq += 1
        conn = _Connection(dpid, self._seq)
        self.connections[dpid] = conn
        conn.socket.feed(wire.hello(0))
        conn.thread = self.hub.spawn(self._serve, conn)

    def switch_disconnected(self, dpid: int) -> None:
        """The switch went down: Ryu sees the connection close (DEAD state)."""
        conn = self.connections.pop(dpid, None)
        if conn is not None:
            conn.socket.feed_eof()

    def message(self, dpid: int, msg: Any) -> None:
        """A message from switch ``dpid``: its bytes go to Ryu's receive loop."""
        conn = self.connections.get(dpid)
        if conn is None:
            return
        for raw in wire.encode(msg, lambda req: self._request_bytes(conn, req)):
            conn.socket.feed(raw)

    def stop(self) -> None:
        """End of the run (called by the simulator)."""
        self.close()

    def __enter__(self) -> RyuController:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- connections --------------------------------------------------------------------
    def _serve(self, conn: _Connection) -> None:
        address = ("127.0.0.1", 40000 + conn.seq)
        dp = SimDatapath(conn.socket, address, lambda d, m: self._from_app(conn, d, m),
                         xid_seed=conn.dpid << 16)
        conn.socket._on_raw_send = lambda data: self._raw_from_app(conn, dp, data)
        conn.datapath = dp
        try:
            dp.serve()
        finally:
            dp.close()

    def _from_app(self, conn: _Connection, dp: SimDatapath, msg: Any) -> None:
        parser = dp.ofproto_parser
        if isinstance(msg, (parser.OFPHello, parser.OFPEchoReply)):
            return  # the simulated switch neither needs nor answers these
        xid = int(msg.xid or 0)
        conn.sent[xid] = bytes(msg.buf or b"")
        while len(conn.sent) > _SENT_MEMORY:
            conn.sent.popitem(last=False)
        try:
            out = to_sendim(msg)
        except Untranslatable as exc:
            self.untranslatable.append((conn.dpid, type(msg).__name__, str(exc)))
            LOG.warning("switch %#x rejects %s: %s", conn.dpid, type(msg).__name__, exc)
            error = sm.ErrorMsg(type=exc.err_type, code=exc.err_code,
                                data=conn.sent[xid][:64], xid=xid)
            latency = getattr(self.channel, "latency", 0.0)
            self.channel.call_later(2 * latency, self.message, conn.dpid, error)
            return
        self.channel.send(conn.dpid, out)

    def _raw_from_app(self, conn: _Connection, dp: SimDatapath, data: bytes) -> None:
        msg = dp.raw_message(data)
        if msg is None:
            LOG.warning("switch %#x: raw bytes from an app could not be parsed; dropped",
                        conn.dpid)
            return
        self._from_app(conn, dp, msg)

    def _request_bytes(self, conn: _Connection, request: Any) -> bytes:
        raw = conn.sent.get(int(getattr(request, "xid", 0) or 0))
        if raw is not None:
            return raw
        return request_bytes(conn.datapath, request) if conn.datapath is not None else b""

    # -- global state ------------------------------------------------------------------------
    def _gc_start(self) -> None:
        if not self._tune_gc or not gc.isenabled() or gc.get_freeze_count():
            return  # GC off, or someone else froze objects: leave it alone
        gc.collect()
        gc.freeze()
        self._gc_saved = gc.get_threshold()
        first, second, third = self._gc_saved
        gc.set_threshold(first, second, max(third, 100))

    def _gc_stop(self) -> None:
        if self._gc_saved is None:
            return
        gc.set_threshold(*self._gc_saved)
        gc.unfreeze()
        self._gc_saved = None

    def _save_globals(self) -> None:
        self._saved = {
            "instance": app_manager.AppManager._instance,
            "versions": set(ofproto_protocol._supported_versions),
            "bricks": dict(app_manager.SERVICE_BRICKS),
        }

    def _restore_globals(self) -> None:
        if not self._saved:
            return
        app_manager.AppManager._instance = self._saved["instance"]
        ofproto_protocol._supported_versions = self._saved["versions"]
        app_manager.SERVICE_BRICKS.clear()
        app_manager.SERVICE_BRICKS.update(self._saved["bricks"])
        self._saved = {}

    def _start_logging(self) -> None:
        assert self.manager is not None
        hub = self.hub
        self._capture = _Capture(lambda: hub.now if hub is not None else 0.0, self.log)
        names = {"ryu"} | {cls.__name__ for cls in self.manager.applications_cls.values()}
        names |= {getattr(cls, "LOGGER_NAME", cls.__name__)
                  for cls in self.manager.applications_cls.values()}
        names |= {"ofp_event", "SimOFPHandler"}
        for name in sorted(names):
            logger = logging.getLogger(name)
            self._loggers.append((logger, logger.level))
            logger.setLevel(self.log_level)
            logger.addHandler(self._capture)

    def _stop_logging(self) -> None:
        for logger, level in self._loggers:
            logger.setLevel(level)
            if self._capture is not None:
                logger.removeHandler(self._capture)
        self._loggers.clear()

    def close(self) -> None:
        """End every Ryu thread, close the apps, restore what was patched."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.hub is not None:
                self.hub.shutdown()
            manager = self.manager
            if manager is not None:
                closables = list(manager.applications.items()) + list(manager.contexts.items())
                for name, app in list(manager.applications.items()):
                    app_manager.SERVICE_BRICKS.pop(name, None)
                for name, obj in closables:
                    try:
                        manager._close(obj)
                    except Exception as exc:  # noqa: BLE001 - e.g. stplib's own close bug
                        # Shutdown is over for the run; an app's own close bug is not the user's problem.
                        LOG.debug("closing Ryu app %s failed: %s: %s", name,
                                    type(exc).__name__, exc)
                manager.applications.clear()
                manager.contexts.clear()
        finally:
            if self in _ACTIVE:
                _ACTIVE.remove(self)
            self._stop_logging()
            self._gc_stop()
            self._restore_globals()
            if self._speedups is not None:
                self._speedups.restore()
            if self.hub is not None and self.hub.swap is not None:
                self.hub.swap.restore()
