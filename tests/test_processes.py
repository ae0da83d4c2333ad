"""The Procfile's processes, configured only by environment variables, run the flow."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.settings import Settings
from models.catalog import AdminRole
from models.enums import PartnerRole
from tests import factories as f
from tests.jobs import invitation_link
from tests.servers import SmtpServer, free_port

BIN = Path(sys.executable).parent
PROCFILE = Path(__file__).resolve().parents[1] / "Procfile"


def procfile() -> dict[str, str]:
    lines = PROCFILE.read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


class Processes:
    """Start Procfile commands as real processes; stop them with SIGTERM."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def command(self, name: str) -> list[str]:
        command = procfile()[name].replace("$PORT", self.env["PORT"]).split()
        return [str(BIN / command[0]), *command[1:]]

    def run(self, name: str) -> None:
        command = self.command(name)
        completed = subprocess.run(command, env=self.env, capture_output=True, timeout=120)
        assert completed.returncode == 0, completed.stderr.decode()

    def start(self, name: str) -> None:
        command = self.command(name)
        with (self.logs / f"{name}.log").open("wb") as log:
            self.running[name] = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def stop(self) -> dict[str, int]:
        codes = {}
        for process in self.running.values():
            process.send_signal(signal.SIGTERM)
        for name, process in self.running.items():
            try:
                codes[name] = process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = process.wait()
        return codes

    def output(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text()


@pytest.fixture
def processes(db: Settings, tmp_path: Path) -> Iterator[Processes]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DATABASE_URL": db.database_url,
        "REDIS_URL": db.redis_url or "",
        "SMTP_URL": db.smtp_url or "",
        "PUBLIC_URL": "http://partnerhub.example.com",
        "MAIL_FROM": "Partnerhub <no-reply@partnerhub.example.com>",
        "SECRET_KEY": "a-production-secret-of-more-than-32-characters",
        "PARTNERHUB_ENV": "production",
        "PORT": str(free_port()),
    }
    running = Processes(env, tmp_path)
    yield running
    running.stop()


async def _wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the web process did not come up"
            await asyncio.sleep(0.1)


async def _graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_procfile_web_and_worker_carry_an_invitation_through(
    processes: Processes, smtp_server: SmtpServer
) -> None:
    # Given people in both organizations, and the release, web and worker processes
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    admin = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
    processes.run("release")
    processes.start("web")
    processes.start("worker")
    base = f"http://127.0.0.1:{processes.env['PORT']}"
    await _wait_until_up(base)

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        # When the agent sends an invitation over HTTP
        data = await _graphql(
            client,
            f.SEND,
            {
                "input": {
                    "customerEmail": "it@contoso.com",
                    "type": "GDAP_PARTNER",
                    "roles": ["USER_ADMINISTRATOR"],
                    "durationDays": 30,
                }
            },
            agent.token,
        )
        assert data["sendInvitation"]["errors"] == []

        # Then the worker process emails it, and its link opens the accept page
        [mail] = await smtp_server.await_for(1, timeout=30)
        url, token = invitation_link(mail)
        assert url.startswith("http://partnerhub.example.com/invitations/accept?token=")
        page = await client.get(f"/invitations/accept?token={token}")
        assert page.status_code == 200
        assert "Fabrikam" in page.text

        # When the customer's global admin accepts, the partner is told
        data = await _graphql(
            client, f.ACCEPT, {"input": {"token": token, "acceptAgreement": True}}, admin.token
        )
        relationship = data["acceptInvitation"]["relationship"]
        assert [g["status"] for g in relationship["roleGrants"]] == ["ACTIVE"]
        await smtp_server.await_for(2, timeout=30)

        # When the customer removes the roles, the worker finishes the revocation
        data = await _graphql(
            client, f.REMOVE_ROLES, {"input": {"relationshipId": relationship["id"]}}, admin.token
        )
        assert [g["status"] for g in data["removeRoles"]["relationship"]["roleGrants"]] == [
            "REVOKING"
        ]
        mails = await smtp_server.await_for(4, timeout=30)
        assert {m.rcpt_tos[0] for m in mails[2:]} == {agent.email, admin.email}
        query = "query($id: ID!) { relationship(id: $id) { roleGrants { status } } }"
        data = await _graphql(client, query, {"id": relationship["id"]}, admin.token)
        assert data["relationship"]["roleGrants"] == [{"status": "REVOKED"}]

    # And both processes stop cleanly on SIGTERM. Uvicorn shuts down gracefully, then
    # re-raises the signal it caught, so the web process reports it as its exit.
    codes = processes.stop()
    assert codes == {"web": -signal.SIGTERM, "worker": 0}
    assert "Application shutdown complete" in processes.output("web")
