"""Email content: Jinja2 templates (a text and an HTML part each) and the words they use."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
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


def compose(
    sender: str, recipient: str, email: RenderedEmail, message_id: str | None = None
) -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML second. Its Message-ID is
    `message_id` (see `message_id_for`), or a new one."""
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
