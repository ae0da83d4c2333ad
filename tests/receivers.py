"""A real HTTPS webhook receiver on loopback, and a signature check written from the
Standard Webhooks specification (deliberately not `models.foundation.standard_webhooks`).

The receiver serves TLS with a certificate from a throwaway CA (trustme); the app trusts
that CA through WEBHOOKS_CA_BUNDLE. It records every request it gets, answers what the
test queues (200 otherwise), and can go down (its port refuses connections) and come back.
It can also stall before answering, or trickle its answer a byte at a time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import trustme

from tests.servers import HOST, free_port


def verify_standard_webhook(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """The specification's check: the `webhook-signature` header lists space-separated
    `v1,<base64>` signatures; one must equal HMAC-SHA256, keyed by the base64-decoded part
    of the `whsec_` secret, of `{webhook-id}.{webhook-timestamp}.{body}`."""
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret[len("whsec_") :])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [
        value
        for version, _, value in (s.partition(",") for s in headers["webhook-signature"].split(" "))
        if version == "v1"
    ]
    return any(hmac.compare_digest(expected, value) for value in offered)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0  # seconds to wait before answering, as a stuck receiver would
    trickle: float = 0.0  # seconds between the bytes of the answer, as a slow-loris would


class TrustedCA:
    """A throwaway certificate authority and the PEM file the app is told to trust."""

    def __init__(self, directory: str) -> None:
        self.ca = trustme.CA()
        self.bundle = f"{directory}/webhooks-ca.pem"
        self.ca.cert_pem.write_to_path(self.bundle)
        self.server_cert = self.ca.issue_cert("localhost", HOST)


class Receiver:
    """An HTTPS server on 127.0.0.1 that records what it receives."""

    def __init__(self, ca: TrustedCA) -> None:
        self.ca = ca
        self.port = free_port()
        self.received: list[Received] = []
        self.answers: list[Answer] = []  # answered in order; 200 once they run out
        self.default = Answer()
        self._released = threading.Event()  # cleared by `hold`: requests wait for `release`
        self._released.set()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}/hooks"

    def hold(self) -> None:
        """Answer nothing until `release`: each request waits, as at a receiver stuck."""
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def _answer(self, received: Received) -> Answer:
        with self._lock:
            self.received.append(received)
            return self.answers.pop(0) if self.answers else self.default

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                if len(body) < length:
                    # The sender went away mid-body (its job cut off): no request arrived.
                    self.close_connection = True
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = receiver._answer(Received(self.path, headers, body))
                receiver._released.wait(60)
                if answer.stall:
                    time.sleep(answer.stall)
                if answer.trickle:
                    self._trickle(answer)
                    return
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()

            def _trickle(self, answer: Answer) -> None:
                """The status line and headers, each byte after a pause, until the client
                hangs up; every pause is shorter than a client's read timeout."""
                self.close_connection = True
                head = f"HTTP/1.1 {answer.status} OK\r\n" + "".join(
                    f"{name}: {value}\r\n" for name, value in answer.headers.items()
                )
                head += "x-padding: " + "." * 200 + "\r\ncontent-length: 0\r\n\r\n"
                try:
                    for byte in head.encode():
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(answer.trickle)
                except OSError:
                    pass  # the client gave up

            def log_message(self, format: str, *args: Any) -> None:
                pass

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.server_cert.configure_cert(context)
        server = ThreadingHTTPServer((HOST, self.port), Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Down: the port refuses connections until `start` again."""
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> Receiver:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
