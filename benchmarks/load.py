"""A bounded HTTP load generator, the servers it loads, and how their figures are compared.

The load benchmarks serve Partnerhub and a bare baseline each in its own uvicorn process and
load them in turns from this process: `--rounds` rounds, each loading one server then the
other for `--seconds`, so a busy spell of the machine falls on both. The client is plain
asyncio over keep-alive HTTP/1.1 connections (one request in flight on each, as a browser
or a load tool's virtual user has): it writes prepared bytes and reads each answer by its
Content-Length, so it costs little beside the servers it measures. Every run is bounded in
time, and every answer is checked (status 200, and the body the caller expects).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import HOST, free_port

# What the issue measured with: a load generator holding 16 connections.
CONNECTIONS = 16


def add_load_arguments(parser: argparse.ArgumentParser, seconds: float = 5.0) -> None:
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    parser.add_argument("--seconds", type=float, default=seconds, help="each round, per server")
    parser.add_argument("--rounds", type=int, default=3)


def post(path: str, body: bytes, headers: Mapping[str, str] | None = None) -> bytes:
    """A keep-alive HTTP/1.1 POST of a JSON body, as bytes to write."""
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {HOST}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def get(path: str, headers: Mapping[str, str] | None = None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The status and body of one answer (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    chunks = []
    while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)
    await reader.readuntil(b"\r\n")
    return status, b"".join(chunks)


async def ask(port: int, request: bytes) -> tuple[int, bytes]:
    """One request on a connection of its own: the answer's status and body."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(request)
        return await read_answer(reader)
    finally:
        writer.close()


@dataclass
class Load:
    """What one server did under load: answers, the time taken, each answer's latency."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0

    def add(self, other: Load) -> None:
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.failures += other.failures

    def line(self) -> str:
        return (
            f"{self.rate:8.1f} req/s   p50 {self.percentile(0.5) * 1000:7.1f} ms   "
            f"p99 {self.percentile(0.99) * 1000:7.1f} ms   ({len(self.latencies)} answers)"
        )


Check = Callable[[bytes], bool]


async def _user(
    port: int, request: bytes, check: Check, deadline: float, load: Load, sent: list[int]
) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            status, body = await read_answer(reader)
            load.latencies.append(time.perf_counter() - started)
            sent[0] += 1
            if status != 200 or not check(body):
                load.failures.append(f"{status}: {body[:300]!r}")
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def run_load(
    port: int, request: bytes, check: Check, *, connections: int, seconds: float
) -> Load:
    """`connections` clients asking `request` again and again for `seconds`; a failed check
    is recorded, never ignored."""
    load = Load()
    sent = [0]
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(_user(port, request, check, deadline, load, sent) for _ in range(connections))
    )
    load.seconds = time.perf_counter() - started
    return load


async def compare(
    candidates: Mapping[str, Callable[[], Awaitable[Load]]], rounds: int
) -> dict[str, Load]:
    """Each candidate's load, in turns: round after round, one after the other."""
    totals = {name: Load() for name in candidates}
    for _ in range(rounds):
        for name, run in candidates.items():
            totals[name].add(await run())
    for name, total in totals.items():
        if total.failures:
            raise RuntimeError(f"{name}: {len(total.failures)} failed: {total.failures[0]}")
    return totals


def machine_load() -> str:
    """The load average, to read the figures by: this machine has few cores and is shared."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


class Served:
    """A server process (uvicorn, a worker...) started for a benchmark, stopped after it."""

    def __init__(
        self, args: Sequence[str], env: Mapping[str, str], *, port: int | None = None
    ) -> None:
        self.args = list(args)
        self.env = {**os.environ, **env}
        self.port = port
        self._log = tempfile.NamedTemporaryFile(prefix="bench-", suffix=".log")  # noqa: SIM115
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Served:
        self._process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            self.args, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        if self.port is not None:
            self._wait_for_port(self.port)
        return self

    def _wait_for_port(self, port: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"{self.args} exited:\n{self.log()}")
            with contextlib.suppress(OSError), socket_to(port):
                return
            time.sleep(0.1)
        raise RuntimeError(f"{self.args} did not listen on {port}:\n{self.log()}")

    def log(self) -> str:
        return Path(self._log.name).read_text(errors="replace")[-3000:]

    def cpu_seconds(self) -> float | None:
        """The CPU time (user and system) the process has used so far, read from Linux's
        `/proc`; None elsewhere, or once it has stopped."""
        if self._process is None:
            return None
        try:
            stat = Path(f"/proc/{self._process.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._log.close()


@contextlib.contextmanager
def socket_to(port: int) -> Iterator[None]:
    import socket

    with socket.create_connection((HOST, port), timeout=0.5):
        yield


def uvicorn_app(factory: str, env: Mapping[str, str]) -> Served:
    """A bare app (`module:factory`) under uvicorn, as Partnerhub is served: uvloop,
    httptools, no access log."""
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", HOST]
    args += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
    return Served(args, env, port=port)


def partnerhub_web(env: Mapping[str, str]) -> Served:
    """Partnerhub's web app, as `partnerhub web` serves it in production."""
    port = free_port()
    args = [sys.executable, "-m", "api.cli", "web", "--host", HOST, "--port", str(port)]
    return Served(args, {**PRODUCTION, **env}, port=port)


# What a production process runs with: masked errors, no GraphiQL, no introspection.
PRODUCTION = {
    "PARTNERHUB_ENV": "production",
    "SECRET_KEY": "benchmark-secret-key-of-at-least-32-characters",
    "PUBLIC_URL": "https://partners.example.com",
}


def ratio_line(label: str, measured: float, baseline: float) -> str:
    return f"{label}: {measured / baseline:.2f}" if baseline else f"{label}: n/a"
