"""Email content: Jinja2 templates (a text and an HTML part each) and the words they use."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.charset import QP, Charset
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from typing import Any
from uuid import UUID

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from models.reference.catalog import RELATIONSHIP_TYPES, role_name
from models.reference.enums import RelationshipType

_env = Environment(
    loader=PackageLoader("workers", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render(template: str, **context: Any) -> RenderedEmail:
    """Render `<template>.txt` (which sets `subject`) and `<template>.html`."""
    text_template = _env.get_template(f"{template}.txt")
    subject = str(getattr(text_template.make_module(context), "subject"))  # noqa: B009
    text = text_template.render(context)
    html = _env.get_template(f"{template}.html").render(context, subject=subject)
    return RenderedEmail(subject=subject, text=text, html=html)


# The parts' text: UTF-8, quoted-printable (readable in the raw message, as the parts that
# `EmailMessage.set_content` makes are).
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP


def compose(
    sender: str, recipient: str, email: RenderedEmail, message_id: str | None = None
) -> Message:
    """A multipart/alternative message: plain text first, HTML second. Its Message-ID is
    `message_id` (see `message_id_for`), or a new one.

    Built with the email package's MIME classes, whose headers are stored as given: an
    `EmailMessage` parses every header it is given and folds it again when sent, which took
    about three quarters of a worker's time per email. An address that is not ASCII (an
    internationalized mailbox, or a MAIL_FROM naming its sender in other letters) needs what
    only an `EmailMessage` carries (SMTPUTF8, encoded names): such a message is built as one
    (`_compose_utf8`)."""
    if any(
        line_break in value for value in (sender, recipient, email.subject) for line_break in "\r\n"
    ):
        # An `EmailMessage` refuses these too: a line break in a header would start another.
        raise ValueError("A header of an email may not contain a line break.")
    if not (sender.isascii() and recipient.isascii()):
        return _compose_utf8(sender, recipient, email, message_id)
    message = MIMEMultipart("alternative")
    message["From"] = sender
    message["To"] = recipient
    subject = email.subject
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8").encode()
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id or make_msgid(domain=_domain(sender))
    message.attach(MIMEText(email.text, "plain", _UTF8_QP))  # type: ignore[arg-type]
    message.attach(MIMEText(email.html, "html", _UTF8_QP))  # type: ignore[arg-type]
    return message


def _compose_utf8(
    sender: str, recipient: str, email: RenderedEmail, message_id: str | None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id or make_msgid(domain=_domain(sender))
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


def message_id_for(sender: str, outbox_id: UUID | str, recipient: str) -> str:
    """The Message-ID of the email that an outbox message sends to `recipient`: the same on
    every try, so that a message sent again after a crash (the SMTP server accepted it, and
    the worker died before recording so) is recognisably the same message. The address is
    hashed, not shown."""
    digest = hashlib.sha256(f"{outbox_id}\n{recipient.lower()}".encode()).hexdigest()[:24]
    return f"<{outbox_id}.{digest}@{_domain(sender)}>"


def _domain(sender: str) -> str:
    return Address(addr_spec=_addr_spec(sender)).domain or "partnerhub.invalid"


def _addr_spec(sender: str) -> str:
    return sender.rsplit("<", 1)[-1].rstrip(">").strip()


def type_words(type_: RelationshipType | str) -> dict[str, str]:
    """What the templates say of a relationship type: its name, its name after its article
    ("an Advisor", from the type's data), and what it lets the partner do."""
    rule = RELATIONSHIP_TYPES[RelationshipType(type_)]
    return {
        "type_name": rule.name,
        "type_with_article": rule.with_article,
        "type_description": rule.description,
    }


def role_words(roles: list[str]) -> list[str]:
    return [role_name(role) for role in roles]


def date_words(moment: datetime) -> str:
    return moment.strftime("%B %-d, %Y")
