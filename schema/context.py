"""The per-request context every resolver receives: the viewer, loaders and shared resources."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from arq.connections import ArqRedis
from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from models.foundation.settings import Settings
from models.identity.actors import Actor
from models.identity.credentials import Credential
from models.identity.viewer import Viewer
from models.infrastructure.change_feed import ChangeFeed
from models.infrastructure.tokens import Sealer
from models.operation import Operation
from schema.errors import unauthenticated
from schema.loaders import Loaders


@dataclass
class Context:
    request: Request
    response: Response
    settings: Settings
    sealer: Sealer
    redis: ArqRedis | None
    viewer: Viewer | None
    bad_credentials: bool = False
    _loaders: Loaders | None = field(default=None, repr=False)

    @property
    def loaders(self) -> Loaders:
        """The request's loaders, made when a resolver first needs one: many requests
        (`viewer`, most mutations) never do."""
        if self._loaders is None:
            self._loaders = Loaders()
        return self._loaders

    def forget_loaded(self) -> None:
        """Drop what the loaders hold: the next read loads anew (a live subscription's next
        state)."""
        self._loaders = None

    # A WebSocket of live updates only: the process's change feed, the credential that
    # signed the connection in (checked again as it stays open), and the payload of its
    # `connection_init` (Strawberry sets it; a script's bearer token comes in it).
    changes: ChangeFeed | None = None
    credential: Credential | None = None
    connection_params: dict[str, Any] | None = None

    def actor(self) -> Actor:
        """The signed-in actor, or a top-level UNAUTHENTICATED error."""
        if self.viewer is None:
            raise unauthenticated(
                "The bearer token is not valid: revoked, expired or never issued."
                if self.bad_credentials
                else "Sign in first, or send a bearer token: Authorization: Bearer <token>."
            )
        return self.viewer.actor

    def optional_actor(self) -> Actor | None:
        """The signed-in actor, or None for a visitor; a bad token is still UNAUTHENTICATED."""
        if self.viewer is None and not self.bad_credentials:
            return None
        return self.actor()

    def operation(self, *, public: bool = False) -> Operation:
        """An operation as the viewer; `public` ones also run for visitors (actor None)."""
        return Operation(
            actor=self.optional_actor() if public else self.actor(),
            sealer=self.sealer,
            quotas=self.settings.invitation_quotas,
        )


Info = StrawberryInfo[Context, None]
