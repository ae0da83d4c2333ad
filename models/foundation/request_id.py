"""The id of the web request that work belongs to, carried from the request into its jobs.

The web app binds it for each request; `Transaction.enqueue` copies it into the outbox
message's payload; a job binds it again from that payload. Log records read it from here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

REQUEST_ID_KEY = "request_id"  # in an outbox message's payload

_current: ContextVar[str | None] = ContextVar("request_id", default=None)

# What an id from outside may look like: a token, never text that could forge a log line.
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}")


def current_request_id() -> str | None:
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(value: str | None) -> str | None:
    """`value` when it is a short token of letters, digits and `._:-`; otherwise None."""
    return value if value is not None and _SANE.fullmatch(value) else None


def bind_request_id(value: str | None) -> None:
    """Set the id for the rest of the current task (a job: its task ends with it)."""
    _current.set(value)


@contextmanager
def request_id_bound(value: str | None) -> Iterator[None]:
    """Set the id for the duration of the block, then restore the one before."""
    token = _current.set(value)
    try:
        yield
    finally:
        _current.reset(token)
