"""What an emulation needs from this machine: checks, Open vSwitch, estimates.

The setup-cost model is calibrated on the project's machines (Debian 12,
2 cores, kernel without the openvswitch module, OVS 3.1 userspace
datapath, Mininet 2.3): ``bench/bench_emulation.py`` builds linear
topologies of N switches with one host each, build + start + every switch
connected to ryu-manager, and fits ``seconds = C + A·nodes + B·switches²``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

from sendim.errors import EmulationError

OVS_CTL = "/usr/share/openvswitch/scripts/ovs-ctl"
MININET_PYTHON = "/usr/bin/python3"
INSTALL_HINT = "install it with: bash scripts/components.sh mininet"

SETUP_S_FIXED = 6.0
"""Seconds before the first node: controller start (ryu imports ≈2.5 s) and the
Mininet script's own start and checks."""
SETUP_S_PER_NODE = 0.01
"""Seconds per node (host or switch): its shell, its links, its configuration."""
SETUP_S_PER_SWITCH2 = 0.00025
"""The superlinear part: each OVS bridge costs more as the database and the
userspace datapath grow. Measured with bench/bench_emulation.py on this
machine (2 cores; linear N switches + N hosts, build + start + connected):
50→4.0 s, 100→5.3 s, 150→7.9 s, 200→11.4 s, 250→16.8 s, which
3.8 + 0.00024·N² fits within 3 %. (Before links and bridges were batched,
Mininet's own per-interface commands gave ≈100 s for 250 switches.)"""
MEMORY_PER_NODE = 6 * 2**20
"""Bytes per emulated node (a bash shell per node, OVS port state, veths)."""
MEMORY_PER_LINK = 1 * 2**20


class SetupTimeout(EmulationError):
    """The emulation's setup exceeded the fallback budget; it was torn down."""

    fallback = True
    """:func:`sendim.api.run` may run the fallback environment instead."""


class DoesNotFit(EmulationError):
    """The pre-flight estimate says the emulation does not fit here."""

    fallback = True


@dataclass(frozen=True, slots=True)
class Estimate:
    """Pre-flight figures for one system."""

    nodes: int
    links: int
    setup_s: float
    memory: int


def estimate(switches: int, hosts: int, links: int) -> Estimate:
    """Setup time and memory an emulation of this size will take here."""
    nodes = switches + hosts
    return Estimate(nodes, links,
                    SETUP_S_FIXED + SETUP_S_PER_NODE * nodes + SETUP_S_PER_SWITCH2 * switches ** 2,
                    MEMORY_PER_NODE * nodes + MEMORY_PER_LINK * links)


def available_memory() -> int | None:
    """MemAvailable from /proc/meminfo, bytes (None if unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def missing_requirements() -> list[str]:
    """Every missing piece, each with how to get it (empty: all there).

    Checked once per process while everything is present (it runs Debian's
    python to import Mininet: ≈0.15 s); a missing piece is looked for again.
    """
    global _ALL_PRESENT
    if _ALL_PRESENT:
        return []
    missing = _missing_now()
    _ALL_PRESENT = not missing
    return missing


_ALL_PRESENT = False


def _missing_now() -> list[str]:
    missing = []
    if os.geteuid() != 0:
        missing.append("root privileges (Mininet creates namespaces, veths and OVS bridges): "
                       "run sendim as root")
    if not os.access(MININET_PYTHON, os.X_OK) or subprocess.run(
            [MININET_PYTHON, "-c", "import mininet.net"], capture_output=True).returncode:
        missing.append(f"Mininet (importable by {MININET_PYTHON}): {INSTALL_HINT}")
    for tool, what in (("ovs-vsctl", "Open vSwitch"), ("ovs-ofctl", "Open vSwitch"),
                       ("iperf3", "iperf3"), ("ping", "iputils-ping"), ("ethtool", "ethtool"),
                       ("tc", "iproute2"), ("mnexec", "Mininet")):
        if shutil.which(tool) is None:
            missing.append(f"{what} ({tool} not found): {INSTALL_HINT}")
    if not os.path.exists(OVS_CTL) and shutil.which("ovs-vsctl"):
        missing.append(f"ovs-ctl ({OVS_CTL}) to start Open vSwitch: {INSTALL_HINT}")
    try:
        from sendim.ryuapp.compat import ryu_available
        ryu_ok = ryu_available()
    except ImportError:
        ryu_ok = False
    if not ryu_ok:
        missing.append("ryu (the controller): install it with: bash scripts/components.sh ryu")
    return list(dict.fromkeys(missing))


def ovs_running() -> bool:
    """Whether ovsdb-server and ovs-vswitchd answer."""
    if shutil.which("ovs-vsctl") is None:
        return False
    try:
        db = subprocess.run(["ovs-vsctl", "--timeout=3", "show"], capture_output=True, timeout=10)
        sw = subprocess.run(["ovs-appctl", "--timeout=3", "-t", "ovs-vswitchd", "version"],
                            capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return db.returncode == 0 and sw.returncode == 0


def ensure_ovs() -> bool:
    """Start Open vSwitch with ovs-ctl unless it runs; True if this call started it."""
    if ovs_running():
        return False
    try:
        res = subprocess.run([OVS_CTL, "start", "--system-id=random"], capture_output=True,
                             text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EmulationError(f"could not start Open vSwitch with {OVS_CTL}: {exc}; "
                             f"{INSTALL_HINT}") from exc
    if not ovs_running():
        tail = (res.stdout + res.stderr).strip().splitlines()[-5:]
        raise EmulationError("Open vSwitch did not start (ovs-ctl start --system-id=random): "
                             + " | ".join(tail))
    return True
