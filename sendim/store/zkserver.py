"""A standalone ZooKeeper server on loopback, run as a child process.

Used by the test fixtures (and handy for demos): Debian's ZooKeeper 3.8 runs
without systemd as ``java -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar
org.apache.zookeeper.server.ZooKeeperServerMain zoo.cfg``. The server is
tracked by its PID only; :meth:`ZooKeeperServer.stop` signals that PID and
nothing else. Stopping and starting again keeps the port and the data
directory, so clients see "the server died and came back".

Install the server with ``bash scripts/components.sh zookeeper``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from sendim.errors import StoreError

CONF_DIR = Path("/etc/zookeeper/conf")
JAR = Path("/usr/share/java/zookeeper.jar")
MAIN = "org.apache.zookeeper.server.ZooKeeperServerMain"
INSTALL_HINT = "install it with: bash scripts/components.sh zookeeper"


def missing_components() -> list[str]:
    """What is missing on this machine to run a ZooKeeper server and client."""
    missing = []
    if shutil.which("java") is None:
        missing.append("java")
    if not JAR.is_file():
        missing.append(f"ZooKeeper ({JAR})")
    try:
        import kazoo  # noqa: F401
    except ImportError:
        missing.append("kazoo (Python package)")
    return missing


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on *host* right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def four_letter(host: str, port: int, word: str = "ruok", timeout: float = 1.0) -> str:
    """Send a ZooKeeper four-letter word; the answer, or "" when nobody answers."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(word.encode())
            chunks = []
            while chunk := sock.recv(4096):
                chunks.append(chunk)
            return b"".join(chunks).decode(errors="replace")
    except OSError:
        return ""


@dataclass
class ZooKeeperServer:
    """One ZooKeeper server in *workdir* (config, data and log live there)."""

    workdir: Path
    port: int = 0
    host: str = "127.0.0.1"
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        """``host:port`` as clients connect to it."""
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _write_config(self) -> Path:
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        cfg = self.workdir / "zoo.cfg"
        cfg.write_text(
            "tickTime=2000\n"
            f"dataDir={data}\n"
            f"clientPort={self.port}\n"
            f"clientPortAddress={self.host}\n"
            "admin.enableServer=false\n"
            "4lw.commands.whitelist=*\n"
            "maxSessionTimeout=60000\n")
        return cfg

    def start(self, timeout: float = 30.0) -> "ZooKeeperServer":
        """Start the server (a free port on first start) and wait for ``imok``."""
        if self.running():
            return self
        missing = missing_components()
        if missing:
            raise StoreError(f"cannot start ZooKeeper: missing {', '.join(missing)}; {INSTALL_HINT}")
        self.workdir.mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port = free_port(self.host)
        cfg = self._write_config()
        log = open(self.workdir / "zookeeper.log", "ab")
        env = dict(os.environ, ZOO_LOG_DIR=str(self.workdir), ZOO_LOG4J_PROP="WARN,CONSOLE")
        try:
            self.process = subprocess.Popen(
                ["java", "-Xmx256m", "-Dzookeeper.log.dir=" + str(self.workdir),
                 "-cp", f"{CONF_DIR}:{JAR}", MAIN, str(cfg)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, start_new_session=True)
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StoreError(f"ZooKeeper exited with code {self.process.returncode} "
                                 f"(log: {self.workdir / 'zookeeper.log'})")
            # "imok" comes before the server takes sessions; "srvr" shows "Mode:" once it does.
            if four_letter(self.host, self.port, "ruok", 0.5) == "imok" and \
                    "Mode:" in four_letter(self.host, self.port, "srvr", 0.5):
                return self
            time.sleep(0.05)
        self.stop()
        raise StoreError(f"ZooKeeper on {self.address} did not answer within {timeout:.0f} s")

    def stop(self, kill: bool = False, timeout: float = 10.0) -> None:
        """Stop the server by its PID (SIGKILL with *kill*: "the server dies")."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)

    def restart(self, timeout: float = 30.0) -> "ZooKeeperServer":
        """Stop (if running) and start again on the same port with the same data."""
        self.stop()
        return self.start(timeout)

    def __enter__(self) -> "ZooKeeperServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
