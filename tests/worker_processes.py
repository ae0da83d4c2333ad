"""Real `partnerhub worker` processes for fault tests: started with the test's settings in
their environment, probed on their METRICS_PORT, stopped with SIGTERM or killed outright."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from models.foundation.settings import Settings
from tests.servers import free_port

PARTNERHUB = str(Path(sys.executable).parent / "partnerhub")
WAIT = 60.0  # seconds before a wait gives up: a hung process fails the test, not the suite


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], what: str, wait: float = WAIT
) -> None:
    """Wait until `check` holds, or fail the test after `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        done = check()
        if done if isinstance(done, bool) else await done:
            return
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        await asyncio.sleep(0.05)


def environment(settings: Settings, **variables: str) -> dict[str, str]:
    """The variables that configure a process as `settings` say, and `variables` besides."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "LANG": "C.UTF-8",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url or "",
        "SMTP_URL": settings.smtp_url or "",
        "MAIL_FROM": settings.mail_from,
        "PUBLIC_URL": settings.public_url,
        "PARTNERHUB_ENV": settings.environment,
    }
    if "PYTHONPATH" in os.environ:  # the code under test, when the suite runs from it
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env | variables


class WorkerProcess:
    """One `partnerhub worker`, its output in a file, its probes on a port of its own."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        with log.open("wb") as out:
            self.popen = subprocess.Popen(
                [PARTNERHUB, "worker"],
                env=env | {"METRICS_PORT": str(self.port)},
                cwd=log.parent,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    async def readiness(self) -> int | None:
        """The status of its `/readyz`, or None while it does not answer."""
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                return (await client.get(f"http://127.0.0.1:{self.port}/readyz")).status_code
        except httpx.TransportError:
            return None

    async def becomes(self, status: int, what: str) -> None:
        async def check() -> bool:
            assert self.alive, f"the worker exited:\n{self.output}"
            return await self.readiness() == status

        await eventually(check, what)

    def kill(self) -> int:
        """SIGKILL: no job under way gets to finish or record anything."""
        self.popen.send_signal(signal.SIGKILL)
        return self.popen.wait(timeout=WAIT)

    def stop(self) -> int | None:
        """SIGTERM, as a supervisor stops it; SIGKILL if it does not stop in time."""
        if not self.alive:
            return self.popen.returncode
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                self.popen.kill()
            return self.popen.wait()
