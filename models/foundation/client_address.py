"""The network address of the client behind the current web request, for the activity log.

Carried like the request id: the web app binds it for each request; jobs have none.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("client_address", default=None)


def current_client_address() -> str | None:
    return _current.get()


@contextmanager
def client_address_bound(value: str | None) -> Iterator[None]:
    """Set the address for the duration of the block, then restore the one before."""
    token = _current.set(value[:64] if value else None)
    try:
        yield
    finally:
        _current.reset(token)
