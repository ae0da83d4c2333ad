"""The worker's SMTP connections: a few, each reused, and a failed one never reused."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from typing import Any
from uuid import uuid4

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller

from tests.jobs import html_of, text_of
from tests.servers import HOST, SmtpServer, free_port
from workers.emails import RenderedEmail, compose, message_id_for
from workers.mailer import Mailer, MailPool, tls_context


class _Counting:
    """Counts the sessions (EHLO) and keeps the recipients of every message accepted; the
    answers in `refuse` go, one each, to the next messages instead."""

    def __init__(self) -> None:
        self.sessions = 0
        self.recipients: list[str] = []
        self.refuse: list[str] = []

    async def handle_EHLO(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse:
            return self.refuse.pop(0)
        self.recipients += envelope.rcpt_tos
        return "250 OK"


def _message(to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.com", to, "Hello"
    message.set_content("Hello.")
    return message


async def test_messages_share_a_few_connections_each_reused() -> None:
    # Given an SMTP server, and a pool of two connections to it
    handler = _Counting()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    pool = MailPool(Mailer(host="127.0.0.1", port=controller.port), size=2)
    try:
        # When ten messages are sent at once, then two more one after the other
        await asyncio.gather(*(pool.send(_message(f"to{n}@example.com")) for n in range(10)))
        for n in range(10, 12):
            await pool.send(_message(f"to{n}@example.com"))
    finally:
        await pool.close()
        controller.stop()

    # Then every message arrived, through two sessions in all
    assert sorted(handler.recipients) == sorted(f"to{n}@example.com" for n in range(12))
    assert handler.sessions == 2


async def test_a_connection_that_failed_a_send_is_not_reused() -> None:
    # Given a pool of one connection, whose server refuses the second message for now
    handler = _Counting()
    handler.refuse = ["451 4.3.0 Try again later"]
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    pool = MailPool(Mailer(host="127.0.0.1", port=controller.port), size=1)
    try:
        # When three messages go one after the other, the first refused (the job retries it)
        with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
            await pool.send(_message("first@example.com"))
        await pool.send(_message("second@example.com"))
        await pool.send(_message("third@example.com"))
    finally:
        await pool.close()
        controller.stop()

    # Then the refusal reached the sender, and the next messages went on a new session,
    # which the third one reused
    assert refused.value.code == 451
    assert handler.recipients == ["second@example.com", "third@example.com"]
    assert handler.sessions == 2


def test_the_ca_bundle_is_read_once_per_process() -> None:
    assert tls_context() is tls_context()


async def test_a_composed_email_arrives_whole_its_message_id_in_one_piece(
    smtp_server: SmtpServer,
) -> None:
    # Given an email whose subject is not ASCII, and whose Message-ID is longer than a line
    email = RenderedEmail(
        subject="Fäbrikam invites you to a Granular delegated admin (GDAP) relationship",
        text="Hello Zoë,\n\nhttps://partners.example.com/invitations/accept?token="
        + "x" * 43
        + "\n",
        html="<p>Hello Zoë,</p>\n",
    )
    sender = "Partnerhub <no-reply@partners.example.com>"
    message_id = message_id_for(sender, uuid4(), "ann@customer.example.com")
    smtp_server.clear()
    pool = MailPool(Mailer(host=HOST, port=smtp_server.port), size=1)

    # When the worker's pool sends it
    try:
        await pool.send(compose(sender, "ann@customer.example.com", email, message_id))
    finally:
        await pool.close()

    # Then the server received every part as written, and the Message-ID exactly
    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["ann@customer.example.com"]
    assert mail.message["Message-ID"] == message_id
    assert mail.message["From"] == sender
    assert " ".join(str(mail.message["Subject"]).split()) == email.subject
    assert text_of(mail).replace("\r\n", "\n") == email.text
    assert html_of(mail).replace("\r\n", "\n") == email.html


def test_an_internationalized_address_is_composed_for_smtputf8() -> None:
    # Given an email to a mailbox whose name is not ASCII
    email = RenderedEmail(subject="Hello", text="Hello.\n", html="<p>Hello.</p>\n")

    # When it is composed
    message = compose("Partnerhub <no-reply@partners.example.com>", "zoë@example.com", email)

    # Then it is an EmailMessage, which aiosmtplib sends with SMTPUTF8
    assert isinstance(message, EmailMessage)
    assert message["To"] == "zoë@example.com"
    assert message.get_body(preferencelist=("plain",)) is not None


@pytest.mark.parametrize(
    ("sender", "recipient", "subject"),
    [
        ("Partnerhub <no-reply@example.com>", "a@example.com", "Hello\r\nBcc: x@example.com"),
        ("Partnerhub <no-reply@example.com>", "a@example.com", "Hello\nthere"),
        ("Partnerhub <no-reply@example.com>", "a@example.com\nBcc: x@example.com", "Hi"),
        ("Partnerhub <no-reply@example.com>\r\n", "a@example.com", "Hi"),
    ],
)
def test_a_line_break_in_a_header_is_refused(sender: str, recipient: str, subject: str) -> None:
    email = RenderedEmail(subject=subject, text="Text", html="<p>Text</p>")
    with pytest.raises(ValueError, match="line break"):
        compose(sender, recipient, email)
