"""The local mailbox of `partnerhub dev`: an SMTP server that keeps each message as a file."""

from __future__ import annotations

import email
import email.policy
import threading
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from api.embedded import HOST, require_free_port


@dataclass(frozen=True, slots=True)
class StoredMail:
    number: int
    path: Path

    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def text(self) -> str:
        part = self.message().get_body(preferencelist=("plain",))
        return str(part.get_content()) if part is not None else ""

    def html(self) -> str | None:
        part = self.message().get_body(preferencelist=("html",))
        return str(part.get_content()) if part is not None else None


class MailFolder:
    """Messages stored as numbered `.eml` files that any mail client opens."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    def all(self) -> list[StoredMail]:
        if not self.directory.is_dir():
            return []
        found = [
            StoredMail(int(path.stem), path)
            for path in self.directory.glob("*.eml")
            if path.stem.isdigit()
        ]
        return sorted(found, key=lambda mail: mail.number)

    def get(self, number: int) -> StoredMail | None:
        path = self.directory / f"{number:06d}.eml"
        return StoredMail(number, path) if path.is_file() else None

    def store(self, content: bytes) -> StoredMail:
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            existing = self.all()
            number = existing[-1].number + 1 if existing else 1
            path = self.directory / f"{number:06d}.eml"
            path.write_bytes(content.replace(b"\r\n", b"\n"))
        return StoredMail(number, path)


class _Handler:
    def __init__(self, folder: MailFolder) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        stamp = datetime.now().astimezone().strftime("%a, %d %b %Y %H:%M:%S %z")
        recipients = ", ".join(envelope.rcpt_tos)
        header = f"X-Partnerhub-Received: {stamp}\nX-Partnerhub-Recipients: {recipients}\n"
        self.folder.store(header.encode() + raw)
        return "250 Message stored in the local mailbox"


class Mailbox:
    """An aiosmtpd server on loopback storing what it receives in a MailFolder."""

    def __init__(self, folder: MailFolder, port: int) -> None:
        self.folder = folder
        self.port = port
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{HOST}:{self.port}"

    def start(self) -> None:
        require_free_port(self.port, "the local mailbox")
        self._controller = Controller(
            _Handler(self.folder), hostname=HOST, port=self.port, server_hostname="localhost"
        )
        self._controller.start()

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
