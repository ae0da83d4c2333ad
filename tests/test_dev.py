"""`partnerhub dev` starts the whole system on embedded defaults and stops all of it."""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pyotp
import pytest

from tests.servers import free_port

PARTNERHUB = str(Path(sys.executable).parent / "partnerhub")
PERSON_LINE = re.compile(r"^  (\S+@\S+)\s", re.MULTILINE)
PASSWORD_LINE = re.compile(r"Development password: (\S+)")
KEY_LINE = re.compile(r"Development authenticator key: (\S+)")
SIGN_IN = """
mutation($input: SignInInput!) { signIn(input: $input) { errors { code message } } }
"""


class Dev:
    """One `partnerhub dev` process in a folder of its own, on free ports."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port, self.redis_port, self.smtp_port = free_port(), free_port(), free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.used_steps: set[tuple[str, str, int]] = set()
        self.log = folder / "dev.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, public_url: bool = True) -> None:
        """Start it; with PUBLIC_URL set to its address unless `public_url` is false."""
        unset = ("REDIS_URL", "SMTP_URL", "PUBLIC_URL")
        env = {k: v for k, v in os.environ.items() if k not in unset}
        env |= {"DATABASE_URL": "sqlite://var/partnerhub.sqlite3"}
        if public_url:
            env["PUBLIC_URL"] = self.base
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    PARTNERHUB,
                    "dev",
                    "--port",
                    str(self.port),
                    "--redis-port",
                    str(self.redis_port),
                    "--smtp-port",
                    str(self.smtp_port),
                ],
                cwd=self.folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while "Press Ctrl-C" not in self.output():
            assert self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, self.output()
            time.sleep(0.1)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def people(self) -> list[str]:
        """The demo people's addresses that the banner lists."""
        return PERSON_LINE.findall(self.output().rpartition("Partnerhub is running")[2])

    def password(self) -> str:
        """The development password of the last start's banner."""
        found = PASSWORD_LINE.findall(self.output())
        assert found, self.output()
        return str(found[-1])

    def code(self, email: str) -> str:
        """A code of the development authenticator (the last start's key) that `email` has
        not used yet: each works once, so a second sign-in within 30 seconds takes the next
        step's code (accepted too), and a third waits for a new step."""
        found = KEY_LINE.findall(self.output())
        assert found, self.output()
        totp = pyotp.TOTP(found[-1])
        while True:
            now = time.time()
            step = totp.timecode(now)
            for offset in (0, 1):
                if (email, found[-1], step + offset) not in self.used_steps:
                    self.used_steps.add((email, found[-1], step + offset))
                    return totp.at(now, counter_offset=offset)
            time.sleep(totp.interval - now % totp.interval + 0.05)

    @contextlib.contextmanager
    def signed_in(self, email: str) -> Iterator[httpx.Client]:
        """A client signed in as `email` with the development password and a code of the
        development authenticator, as the console is: its cookies, and the CSRF header that
        echoes one of them."""
        with httpx.Client(base_url=self.base) as client:
            variables = {
                "input": {
                    "email": email,
                    "password": self.password(),
                    "totpCode": self.code(email),
                }
            }
            answer = client.post("/graphql", json={"query": SIGN_IN, "variables": variables})
            assert answer.json()["data"]["signIn"]["errors"] == [], answer.text
            client.headers["X-CSRF-Token"] = client.cookies["partnerhub_csrf"]
            yield client

    def interrupt(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running 30 s after Ctrl-C:\n{self.output()}") from None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[Dev]:
    runner = Dev(tmp_path)
    yield runner
    runner.kill()


def wait_for_mail(folder: Path, count: int) -> list[Path]:
    deadline = time.monotonic() + 30
    while len(mails := sorted(folder.glob("*.eml"))) < count:
        assert time.monotonic() < deadline, f"{len(mails)} message(s) in {folder}"
        time.sleep(0.1)
    return mails


def test_dev_runs_everything_seeds_once_and_stops_everything(dev: Dev) -> None:
    # When the developer runs `partnerhub dev` in an empty folder
    dev.start()

    # Then the app answers, with the database and the embedded Redis ready
    ready = httpx.get(f"{dev.base}/readyz")
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}

    # And the banner lists the demo people, one development password and one authenticator
    # key, and no token
    assert set(dev.people()) == {
        "admin@contoso.com",
        "billing@contoso.com",
        "agent@fabrikam.com",
        "sales@fabrikam.com",
        "agent@northwind.com",
    }
    assert "ph_" not in dev.output()
    assert "?token=" not in dev.output()

    # And each of them signs in with it
    for address in dev.people():
        with dev.signed_in(address) as browser:
            viewer = browser.post(
                "/graphql", json={"query": "{ viewer { email organization { name } } }"}
            ).json()
            assert viewer["data"]["viewer"]["email"] == address
    with dev.signed_in("agent@fabrikam.com") as browser:
        viewer = browser.post(
            "/graphql", json={"query": "{ viewer { email organization { name } } }"}
        ).json()
    assert viewer["data"]["viewer"] == {
        "email": "agent@fabrikam.com",
        "organization": {"name": "Fabrikam"},
    }

    # And the demo invitation's email is a file in var/mail/ whose link opens the console
    [mail] = wait_for_mail(dev.folder / "var" / "mail", 1)
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",))
    assert isinstance(text, EmailMessage)
    link = re.search(r"http://\S+/invitations/accept\?token=\S+", text.get_content())
    assert link is not None
    page = httpx.get(link.group(0))
    assert page.status_code == 200
    assert '<script type="module" src="/console/app.js">' in page.text
    listing = httpx.get(f"{dev.base}/dev/mail")
    assert "invites you" in listing.text
    listed = subprocess.run(
        [PARTNERHUB, "mail", "list"], cwd=dev.folder, capture_output=True, text=True, check=True
    )
    assert "admin@contoso.com" in listed.stdout
    assert "1 message(s)" in listed.stdout

    # When it is interrupted, nothing it started keeps running
    assert dev.interrupt() == 0
    assert "Partnerhub stopped." in dev.output()
    for port in (dev.port, dev.redis_port, dev.smtp_port):
        assert not listening(port), port

    # And a restart keeps the data and does not seed twice
    dev.start()
    assert "seeded the demo" not in dev.output()
    with dev.signed_in("agent@fabrikam.com") as browser:  # with the new start's password
        organizations = browser.post(
            "/graphql", json={"query": "{ invitations { totalCount } }"}
        ).json()
    assert organizations["data"]["invitations"]["totalCount"] == 1
    assert dev.interrupt() == 0


def test_dev_on_another_port_mails_links_to_that_port_unless_public_url_is_set(dev: Dev) -> None:
    # When the developer runs `partnerhub dev --port <not 8000>`, without PUBLIC_URL
    assert dev.port != 8000
    dev.start(public_url=False)

    # Then the demo invitation's email links to the console on that port, and the link opens
    [mail] = wait_for_mail(dev.folder / "var" / "mail", 1)
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",))
    assert isinstance(text, EmailMessage)
    link = re.search(r"http://\S+/invitations/accept\?token=\S+", text.get_content())
    assert link is not None
    assert link.group(0).startswith(f"{dev.base}/invitations/accept?token=")
    assert httpx.get(link.group(0)).status_code == 200
    assert dev.interrupt() == 0


def test_dev_refuses_a_port_in_use_with_a_clear_message(dev: Dev) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", dev.port))
        taken.listen()
        result = subprocess.run(
            [PARTNERHUB, "dev", "--port", str(dev.port)],
            cwd=dev.folder,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"port {dev.port}" in result.stderr
    assert "in use" in result.stderr
