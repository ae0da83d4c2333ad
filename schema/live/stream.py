"""One subscription's stream: the object's state now, then again after each change, for as
long as the viewer may read it and is still signed in.

The stream listens to the change feed (`models/infrastructure/change_feed.py`) for the
object and for the viewer's own sign-in (a sign-out, a disabled person, a revoked token are
changes of the person or of the token). On each change it checks the credential again and
reads the object through the normal authorized path. It ends:

- with FORBIDDEN when the object is its organization's but not (or no longer) the viewer's to
  read; with NOT_FOUND when there is no such object, or it is another organization's (whose
  existence no one else learns);
- with the last state, when the object's kind says nothing more will change;
- by closing the whole connection (code 4401) once the credential has ended: a sign-out,
  an expiry, a disabled person or a revoked token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TypeVar

from starlette.websockets import WebSocket

from models.foundation.clock import utcnow
from models.foundation.ids import decode_id
from models.identity.credentials import StillSignedIn, still_signed_in
from models.identity.viewer import Viewer
from models.infrastructure.change_feed import Change, ChangeFeed
from models.policy.limited_sessions import as_signed_in
from schema.context import Context, Info
from schema.errors import bad_input, forbidden, not_found
from schema.live.watched import Watched

T = TypeVar("T")

# A credential is checked again at least this often (seconds), even when no change says so:
# a sign-out that was announced while Redis was down still closes the connection.
RECHECK_EVERY = 60.0
SIGNED_OUT = 4401  # the WebSocket close code: the sign-in has ended


def credential_changes(viewer: Viewer) -> set[Change]:
    """The changes after which a viewer's sign-in may have ended: any of the person's (a
    sign-out, a new password, disabled, removed), the bearer token's own, and an API
    client's (revoked)."""
    changes: set[Change] = set()
    if viewer.user is not None:
        changes.add(Change("User", viewer.user.id))
    if viewer.api_client is not None:
        changes.add(Change("ApiClient", viewer.api_client.id))
    if viewer.api_token_id is not None:
        changes.add(Change("ApiToken", viewer.api_token_id))
    return changes


async def watch(info: Info, watched: Watched[T], id: str) -> AsyncIterator[T]:
    """The stream of `watched`'s object `id` for the viewer."""
    context = info.context
    context.actor()  # UNAUTHENTICATED without a viewer
    if context.credential is None or context.viewer is None:
        raise bad_input("Subscriptions run over WebSocket, with graphql-transport-ws.")
    object_id = decode_id(watched.kind, id)
    if object_id is None:
        raise not_found(watched.not_found)
    subject = Change(watched.kind, object_id)
    feed = context.changes or ChangeFeed(None, timeout=context.settings.redis_timeout)
    async with feed.watching({subject, *credential_changes(context.viewer)}) as listener:
        send = True
        while True:
            signed_in = await _signed_in(context)
            actor = as_signed_in(signed_in.viewer).actor
            found = await watched.read(actor, object_id)
            if found is None:
                if await watched.own(actor, object_id):
                    raise forbidden(watched.forbidden)
                raise not_found(watched.not_found)
            if send:
                context.forget_loaded()  # what the object's fields load is read anew
                yield found
                if watched.final(found):
                    return
            changes, missed = await listener.next(_until(signed_in))
            send = missed or subject in changes


async def _signed_in(context: Context) -> StillSignedIn:
    """The viewer, still signed in; otherwise the connection closes (and this operation is
    cancelled with it)."""
    assert context.credential is not None
    assert context.viewer is not None
    signed_in = await still_signed_in(context.credential, context.viewer, utcnow())
    if signed_in is None:
        websocket = context.request
        if isinstance(websocket, WebSocket):
            await websocket.close(SIGNED_OUT, "The sign-in has ended: sign in again.")
        # The connection's end cancels its operations, this one among them.
        await asyncio.Event().wait()
        raise AssertionError("unreachable")  # pragma: no cover
    context.viewer = signed_in.viewer
    return signed_in


def _until(signed_in: StillSignedIn) -> float:
    """Seconds to wait for a change before checking the credential again."""
    if signed_in.ends_at is None:
        return RECHECK_EVERY
    left = (signed_in.ends_at - utcnow()).total_seconds()
    return max(0.0, min(RECHECK_EVERY, left))
