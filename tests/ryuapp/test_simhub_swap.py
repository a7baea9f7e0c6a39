"""Swapping ryu.lib.hub (and Ryu's clocks) for the simulated hub, reversibly."""

from __future__ import annotations

import socket
import sys
import textwrap
import threading
import time

import pytest
import simpy

pytestmark = pytest.mark.ryu

from sendim.ryuapp import simhub  # noqa: E402
from sendim.ryuapp.compat import import_ryu  # noqa: E402


@pytest.fixture(autouse=True)
def _ryu() -> None:
    import_ryu()


def test_swap_patches_and_restores_hub_module() -> None:
    from ryu.lib import hub
    import ryu.controller.controller as controller
    import ryu.controller.ofp_event as ofp_event

    originals = {name: getattr(hub, name) for name in ("spawn", "sleep", "Queue", "Timeout")}
    orig_stream_server = controller.StreamServer
    env = simpy.Environment()
    with simhub.installed(env) as sim:
        assert hub.spawn == sim.spawn
        assert hub.Queue is simhub.Queue
        assert hub.Timeout is simhub.Timeout
        assert controller.StreamServer is not orig_stream_server  # from-import rebound
        assert ofp_event.time.time() == simhub.DEFAULT_EPOCH
        with pytest.raises(simhub.SimHubError):
            controller.StreamServer(("127.0.0.1", 0))
        hub.patch()  # a no-op: never monkey-patches
    for name, value in originals.items():
        assert getattr(hub, name) is value
    assert controller.StreamServer is orig_stream_server
    assert ofp_event.time is time


def test_no_monkey_patching_of_the_process() -> None:
    env = simpy.Environment()
    with simhub.installed(env):
        import ryu.topology.switches  # noqa: F401
        import ryu.app.simple_switch_13  # noqa: F401
        assert socket.socket.__module__ == "socket"
        assert threading.Thread.__module__ == "threading"
        assert time.sleep.__module__ == "time"
        assert "ryu.cmd.manager" not in sys.modules
    assert socket.socket.__module__ == "socket"


def test_clock_shims_follow_simulated_time() -> None:
    import ryu.lib.stplib as stplib
    import ryu.topology.switches as switches

    env = simpy.Environment()
    with simhub.installed(env, epoch=1000.0) as sim:
        sim.swap.refresh()
        seen: list[tuple[float, float]] = []

        def probe() -> None:
            sim.sleep(42)
            seen.append((switches.time.time(),
                         stplib.datetime.datetime.today().timestamp()))

        sim.spawn(probe)
        env.run()
        assert seen == [(1042.0, 1042.0)]
    assert switches.time is time
    import datetime as real_datetime
    assert stplib.datetime is real_datetime


def test_modules_imported_during_the_swap_are_restored(tmp_path, monkeypatch) -> None:
    (tmp_path / "sim_swap_probe_app.py").write_text(textwrap.dedent("""
        import time
        from ryu.lib.hub import sleep, Queue
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    from ryu.lib import hub

    real_sleep = hub.sleep
    env = simpy.Environment()
    with simhub.installed(env) as sim:
        import sim_swap_probe_app as app  # noqa: PLC0415
        sim.swap.patch_module(app)
        assert app.sleep == sim.sleep and app.Queue is simhub.Queue
        assert app.time.time() == simhub.DEFAULT_EPOCH
    assert app.sleep is real_sleep and app.time is time
    del sys.modules["sim_swap_probe_app"]


def test_nested_install_refused() -> None:
    env = simpy.Environment()
    with simhub.installed(env):
        with pytest.raises(RuntimeError):
            with simhub.installed(simpy.Environment()):
                pass
    with simhub.installed(env):  # fine again afterwards
        pass


def test_ryu_app_event_loop_runs_in_simulated_time() -> None:
    """Ryu's own RyuApp/AppManager machinery on the simulated hub."""
    from ryu.base import app_manager
    from ryu.controller import event
    from ryu.controller.handler import set_ev_cls

    class Ping(event.EventBase):
        def __init__(self, n: int) -> None:
            super().__init__()
            self.n = n

    class Req(event.EventRequestBase):
        def __init__(self) -> None:
            super().__init__()
            self.dst = "SimProbeServer"

    class Rep(event.EventReplyBase):
        def __init__(self, dst: str, value: int) -> None:
            super().__init__(dst)
            self.value = value

    got: list[tuple[str, object, float]] = []
    env = simpy.Environment()

    class SimProbeServer(app_manager.RyuApp):
        @set_ev_cls(Ping)
        def on_ping(self, ev: Ping) -> None:
            got.append(("ping", ev.n, env.now))

        @set_ev_cls(Req)
        def on_req(self, req: Req) -> None:
            self.reply_to_request(req, Rep(req.src, 7))

    class SimProbeClient(app_manager.RyuApp):
        def start(self):  # noqa: ANN201
            super().start()
            return app_manager.hub.spawn(self.main)

        def main(self) -> None:
            app_manager.hub.sleep(10)
            self.send_event("SimProbeServer", Ping(1))
            rep = self.send_request(Req())
            got.append(("reply", rep.value, env.now))

    with simhub.installed(env) as sim:
        mgr = app_manager.AppManager()
        server = mgr.instantiate(SimProbeServer)
        client = mgr.instantiate(SimProbeClient)
        server.start()
        client.start()
        t0 = time.perf_counter()
        env.run(until=100)
        assert time.perf_counter() - t0 < 1.0
        sim.call(mgr.close)  # joins the apps' threads: must run in a thread
    assert got == [("ping", 1, 10.0), ("reply", 7, 10.0)]
    assert "SimProbeServer" not in app_manager.SERVICE_BRICKS
