"""Bring the network to life in Mininet, watch it, and take it down.

Everything the script creates is written to a manifest (one JSON object per
line, flushed at once) *before* or as it is created: bridges and interfaces
by name, processes by PID with their command. A supervisor (sendim's
emulation deployer) that has to kill the script can therefore remove exactly
what it made, by name and by PID, and nothing else.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import time


NOTSENT_LOWAT = 65536
SAFE_INTF = re.compile(r"[A-Za-z0-9_.-]{1,15}")


class Manifest:
    """Append-only record of what this run created (``None`` path: keep in memory)."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.items: list[dict] = []
        self._file = open(path, "a", encoding="utf-8") if path else None

    def add(self, kind: str, **fields: object) -> None:
        item = {"kind": kind, **fields}
        self.items.append(item)
        if self._file is not None:
            self._file.write(json.dumps(item) + "\n")
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def run(argv: list[str], timeout: float = 30.0) -> subprocess.CompletedProcess:
    """Run a command (an argument list, never a shell string) and capture its output."""
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def netem_available() -> bool:
    """Whether the kernel has netem (probed in a throwaway network namespace)."""
    try:
        probe = run(["unshare", "--net", "tc", "qdisc", "add", "dev", "lo", "root",
                     "netem", "delay", "1ms"], timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def kernel_datapath_available() -> bool:
    """Whether the openvswitch kernel module is loaded (else only userspace works)."""
    return os.path.isdir("/sys/module/openvswitch")


def choose_datapath(option: str) -> str:
    """``user``, ``kernel`` or ``auto`` (kernel when the module is there) → Mininet's name."""
    if option == "auto":
        return "kernel" if kernel_datapath_available() else "user"
    return option


def clashes(bridges: list[str], intfs: list[str]) -> list[str]:
    """Names this run would create that already exist on the machine."""
    found = []
    listed = run(["ovs-vsctl", "--timeout=10", "list-br"])
    existing = set(listed.stdout.split()) if listed.returncode == 0 else set()
    for name in bridges:
        if name in existing or os.path.exists(f"/sys/class/net/{name}"):
            found.append(name)
    for name in intfs:
        if os.path.exists(f"/sys/class/net/{name}"):
            found.append(name)
    return found


def tc_lines(intf: str, bw: float | None, delay: float, loss: float, queue: int | None,
             netem: bool) -> list[str]:
    """``tc -batch`` lines shaping one interface (as Mininet's TCLink would)."""
    if not SAFE_INTF.fullmatch(intf):
        raise ValueError(f"unsafe interface name {intf!r}")
    lines, parent = [], "root"
    if bw:
        lines.append(f"qdisc add dev {intf} root handle 5:0 htb default 1")
        lines.append(f"class add dev {intf} parent 5:0 classid 5:1 htb rate {bw / 1e6:f}Mbit burst 15k")
        parent = "parent 5:1"
    if netem and (delay or loss or queue):
        args = (f" delay {delay * 1e6:.0f}us" if delay else "") + \
               (f" loss {loss * 100:.5f}%" if loss else "") + (f" limit {int(queue)}" if queue else "")
        lines.append(f"qdisc add dev {intf} {parent} handle 10: netem{args}")
    elif queue:
        lines.append(f"qdisc add dev {intf} {parent} handle 10: pfifo limit {int(queue)}")
    return lines


def _prebuilt_link_class(base: type) -> type:
    """A Mininet ``Link`` whose veth pair already exists (made by one ``ip -batch``)."""
    class PrebuiltLink(base):  # type: ignore[misc, valid-type]
        def makeIntfPair(self, *args: object, **kwargs: object) -> None:  # noqa: N802
            return None
    return PrebuiltLink


def _lenient_mininet_decoding() -> None:
    """Mininet decodes command output strictly as UTF-8 and dies on a stray byte
    (seen once in a few dozen runs); decode with replacement in this process."""
    import codecs

    import mininet.node
    import mininet.util

    def lenient():  # noqa: ANN202 - Mininet's signature
        return codecs.getincrementaldecoder("utf-8")(errors="replace")

    mininet.util.getincrementaldecoder = lenient
    mininet.node.getincrementaldecoder = lenient


class Network:
    """The Mininet network of one run, indexed by the descriptor's ids."""

    def __init__(self, data: dict, controller: tuple[str, int], datapath: str,
                 netem: bool, manifest: Manifest) -> None:
        self.data = data
        self.controller = controller
        self.datapath = datapath
        self.netem = netem
        self.manifest = manifest
        self.net = None
        self.nodes: dict[str, object] = {}
        self.links: dict[str, object] = {}
        self.mn_name = {row[0]: row[1] for row in data["switches"]}
        self.mn_name.update({row[0]: row[1] for row in data["hosts"]})
        self.hosts_ids = {row[0] for row in data["hosts"]}
        self.notes: list[str] = []

    def planned_bridges(self) -> list[str]:
        return [row[1] for row in self.data["switches"]]

    def planned_intfs(self) -> list[str]:
        return [name for row in self.data["links"] for name in (row[5], row[6])]

    def build(self, log_level: str = "warning") -> None:
        """Create hosts, switches and links, then start the switches."""
        from mininet.link import Link
        from mininet.log import setLogLevel
        from mininet.net import Mininet
        from mininet.node import OVSSwitch, RemoteController

        setLogLevel(log_level)
        _lenient_mininet_decoding()
        m = self.manifest
        for name in self.planned_bridges():
            m.add("bridge", name=name)
        for name in self.planned_intfs():
            m.add("intf", name=name)
        self.net = net = Mininet(controller=None, build=False, autoSetMacs=False,
                                 autoStaticArp=False, waitConnected=False)
        host, port = self.controller
        ctl = net.addController(self.data["controller_name"], controller=RemoteController,
                                ip=host, port=port)
        self._record(ctl)
        for sid, name, dpid in self.data["switches"]:
            sw = net.addSwitch(name, cls=OVSSwitch, datapath=self.datapath,
                               protocols=self.data["protocols"], dpid=f"{dpid:016x}", batch=True)
            self.nodes[sid] = sw
            self._record(sw)
        for hid, name, ip, mac in self.data["hosts"]:
            h = net.addHost(name, ip=ip, mac=mac)
            self.nodes[hid] = h
            self._record(h)
            # No IPv6 chatter for the controller to see (the simulator sends none), and a
            # small unsent-data mark so that iperf3's end-of-test message is not overtaken
            # by megabytes still in the sender's socket buffer (exact FCT and bytes).
            h.cmd("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1"
                  f" net.ipv4.tcp_notsent_lowat={NOTSENT_LOWAT}")
        self._make_veths()
        prebuilt = _prebuilt_link_class(Link)
        for lid, src, dst, sport, dport, sname, dname, *_ in self.data["links"]:
            self.links[lid] = net.addLink(self.nodes[src], self.nodes[dst], port1=sport,
                                          port2=dport, intfName1=sname, intfName2=dname,
                                          cls=prebuilt, params1={"up": None},
                                          params2={"up": None})
        net.build()
        net.start()
        self._after_start()

    def _make_veths(self) -> None:
        """Every veth pair in one ``ip -batch`` (Mininet runs a few commands per link),
        each end created in its node's namespace; switch ends brought up."""
        lines, ups = [], []
        for _, src, dst, _, _, sname, dname, *_ in self.data["links"]:
            a, b = (f"name {name}" + (f" netns {self.nodes[node].pid}" if node in self.hosts_ids else "")
                    for node, name in ((src, sname), (dst, dname)))
            lines.append(f"link add {a} type veth peer {b}")
            ups += [f"link set dev {name} up" for node, name in ((src, sname), (dst, dname))
                    if node not in self.hosts_ids]
        for name in (n for row in self.data["links"] for n in (row[5], row[6])):
            if not SAFE_INTF.fullmatch(name):
                raise ValueError(f"unsafe interface name {name!r}")
        res = self._ip_batch(lines + ups)
        if res is not None and res.returncode != 0:
            raise RuntimeError(f"creating the links failed: {res.stderr.strip()[:500]}")

    def _record(self, node: object) -> None:
        shell = getattr(node, "shell", None)
        node._sendim_shell = shell              # Mininet forgets it at terminate()
        if shell is not None:
            self.manifest.add("pid", pid=shell.pid, name=node.name, cmd="mininet:" + node.name)

    def _after_start(self) -> None:
        """Shape the links, then checksum offload off and a default route on every host.

        Links are plain veth pairs; their shaping is applied here, after Open
        vSwitch has taken its ports (it resets their qdiscs), as one
        ``tc -batch`` per namespace instead of Mininet's few commands per
        interface: the same qdiscs as Mininet's TCLink (htb rate, then netem
        for delay/loss/queue), or a pfifo for the queue where netem is missing.
        """
        batches: dict[str, list[str]] = {}
        skipped = 0
        for _, src, dst, _, _, sname, dname, bw, delay, loss, queue in self.data["links"]:
            for node_id, intf in ((src, sname), (dst, dname)):
                lines = tc_lines(intf, bw, delay, loss, queue, self.netem)
                if lines:
                    batches.setdefault(node_id if node_id in self.hosts_ids else "", []).extend(lines)
            if (delay or loss) and not self.netem:
                skipped += 1
        if skipped:
            self.notes.append(f"delay/loss not applied on {skipped} link(s): netem unavailable "
                              "in this kernel (bandwidth and queue sizes are applied)")
        switch_intfs = [name for row in self.data["links"]
                        for node, name in ((row[1], row[5]), (row[2], row[6]))
                        if node not in self.hosts_ids]
        if switch_intfs:        # the root namespace's IPv6 chatter on switch ports, off
            run(["sysctl", "-qw", *(f"net.ipv6.conf.{n}.disable_ipv6=1" for n in switch_intfs)])
        root = batches.pop("", [])
        if root:
            self._tc_batch(None, root)
        for hid, _, _, _ in self.data["hosts"]:
            h = self.nodes[hid]
            cmds = []
            for intf in h.intfList():
                if intf.name != "lo":
                    q = shlex.quote(intf.name)
                    cmds.append(f"ethtool -K {q} tx off >/dev/null 2>&1")
                    cmds.append(f"ip route replace default dev {q}")
            if cmds:
                h.cmd("; ".join(cmds))
            if hid in batches:
                self._tc_batch(h, batches[hid])

    def _tc_batch(self, host: object, lines: list[str]) -> None:
        """Run tc commands in the root namespace (host None) or in *host*'s."""
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".tc", delete=False) as f:
            f.write("\n".join(lines) + "\n")
        try:
            if host is None:
                res = run(["tc", "-force", "-batch", f.name], timeout=300)
                failed, err = res.returncode != 0, res.stderr
            else:
                out = host.cmd(f"tc -force -batch {shlex.quote(f.name)} 2>&1; echo rc=$?")
                failed, err = not out.rstrip().endswith("rc=0"), out
        finally:
            os.unlink(f.name)
        if failed:
            msgs = [l for l in err.splitlines() if l.strip() and "quantum" not in l and not l.startswith("rc=")]
            self.notes.append("tc reported errors while shaping links: " + " | ".join(msgs[:3]))

    # -- control plane -----------------------------------------------------------
    def connected_dpids(self, status_file: str | None) -> set[int]:
        """Datapaths the controller has seen (its status file), else those OVS says are connected."""
        if status_file:
            try:
                with open(status_file, encoding="utf-8") as f:
                    return {int(d) for d in json.load(f).get("dpids", [])}
            except (OSError, ValueError):
                return set()
        bridges = run(["ovs-vsctl", "-f", "json", "--columns=name,controller", "list", "bridge"])
        ctls = run(["ovs-vsctl", "-f", "json", "--columns=_uuid,is_connected", "list", "controller"])
        try:
            up = {row[0][1] for row in json.loads(ctls.stdout)["data"] if row[1] is True}
            rows = json.loads(bridges.stdout)["data"]
        except (ValueError, KeyError, IndexError):
            return set()
        by_name = {name: dpid for _, name, dpid in self.data["switches"]}
        out = set()
        for name, ctl in rows:
            uuids = [ctl[1]] if ctl and ctl[0] == "uuid" else [u[1] for u in ctl[1]] if ctl else []
            if name in by_name and uuids and all(u in up for u in uuids):
                out.add(by_name[name])
        return out

    def wait_connected(self, timeout: float, status_file: str | None) -> float:
        """Wait until every switch is connected; returns the seconds it took."""
        want = {dpid for _, _, dpid in self.data["switches"]}
        t0 = time.monotonic()
        delay = 0.05
        while True:
            missing = want - self.connected_dpids(status_file)
            if not missing:
                return time.monotonic() - t0
            if time.monotonic() - t0 > timeout:
                names = sorted(sid for sid, _, dpid in self.data["switches"] if dpid in missing)
                raise RuntimeError(f"{len(missing)} switch(es) not connected to the controller "
                                   f"after {timeout:g}s: {', '.join(names[:10])}")
            time.sleep(delay)
            delay = min(0.5, delay * 1.5)

    def dump_tables(self) -> dict[str, str]:
        """``dump-flows`` text of every switch, by switch id."""
        out = {}
        for sid, name, _ in self.data["switches"]:
            res = run(["ovs-ofctl", "-O", "OpenFlow13", "--no-names", "--no-stats",
                       "dump-flows", name])
            if res.returncode == 0:
                out[sid] = res.stdout
        return out

    def dump_ports(self) -> dict[str, str]:
        """``dump-ports`` text of every switch, by switch id."""
        out = {}
        for sid, name, _ in self.data["switches"]:
            res = run(["ovs-ofctl", "-O", "OpenFlow13", "--no-names", "dump-ports", name])
            if res.returncode == 0:
                out[sid] = res.stdout
        return out

    # -- events ---------------------------------------------------------------------
    def set_link(self, link_id: str, up: bool) -> None:
        """Take both interfaces of a link down or up."""
        link = self.links[link_id]
        for intf in (link.intf1, link.intf2):
            intf.node.cmd(f"ip link set dev {shlex.quote(intf.name)} {'up' if up else 'down'}")

    def set_node(self, node_id: str, up: bool) -> None:
        """Take every interface of a node down or up."""
        node = self.nodes[node_id]
        for intf in node.intfList():
            if intf.name != "lo" and intf.name != node.name:
                node.cmd(f"ip link set dev {shlex.quote(intf.name)} {'up' if up else 'down'}")

    def popen(self, node_id: str, argv: list[str], stdout: object, manifest_cmd: str):
        """Start *argv* inside a host (no shell) and record its PID."""
        proc = self.nodes[node_id].popen(argv, stdout=stdout, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        self.manifest.add("pid", pid=proc.pid, name=node_id, cmd=manifest_cmd)
        return proc

    def stop(self) -> None:
        """Take the network down: bridges, veths, then every node's shell.

        The same steps as Mininet's ``net.stop()``, batched (one ``ovs-vsctl``
        and one ``ip -batch`` instead of commands per switch and per
        interface); Mininet's own stop is the fallback if anything goes wrong.
        """
        net, self.net = self.net, None
        if net is None:
            return
        try:
            self._fast_stop(net)
        except Exception:  # noqa: BLE001 - then the slow, thorough way
            net.stop()

    def _fast_stop(self, net: object) -> None:
        for ctl in net.controllers:
            ctl.stop()
        bridges = [row[1] for row in self.data["switches"]]
        for start in range(0, len(bridges), 200):
            args = ["ovs-vsctl", "--timeout=60"]
            for name in bridges[start:start + 200]:
                args += ["--", "--if-exists", "del-br", name]
            run(args, timeout=300)
        lines = [f"link del dev {name}" for name in bridges]          # userspace taps
        lines += [f"link del dev {row[5]}" for row in self.data["links"]
                  if row[1] not in self.hosts_ids and row[2] not in self.hosts_ids]
        self._ip_batch(lines, force=True)
        nodes = [*net.hosts, *net.switches, *net.controllers]
        for node in nodes:                       # a host's namespace, and its veth, go with it
            node.waitExited = False
            node.terminate()
        for node in nodes:
            shell = getattr(node, "_sendim_shell", None)
            if shell is not None:
                shell.wait(timeout=30)
        for node in nodes:
            node.waitExited = True
        self._wait_gone(row[6] if row[1] in self.hosts_ids else row[5]
                        for row in self.data["links"]
                        if (row[1] in self.hosts_ids) != (row[2] in self.hosts_ids))

    @staticmethod
    def _wait_gone(intfs: object, timeout: float = 10.0) -> None:
        """Wait until the switch ends of host links are gone: the kernel removes them
        when the host's namespace dies, a little after its last process."""
        left = list(intfs)
        deadline = time.monotonic() + timeout
        while left and time.monotonic() < deadline:
            left = [i for i in left if os.path.exists(f"/sys/class/net/{i}")]
            if left:
                time.sleep(0.02)

    def _ip_batch(self, lines: list[str], *, force: bool = False) -> subprocess.CompletedProcess | None:
        """Run ``ip -batch`` over *lines* in this (the root) namespace."""
        if not lines:
            return None
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".ip", delete=False) as f:
            f.write("\n".join(lines) + "\n")
        try:
            return run(["ip", *(["-force"] if force else []), "-batch", f.name], timeout=600)
        finally:
            os.unlink(f.name)
