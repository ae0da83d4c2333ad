"""The signed-in viewer of a web request: the person (or the API client), their organization,
and the actor they act as. Authentication (`api.auth`) makes one; resolvers read it from the
context."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from starlette.authentication import BaseUser

from models.identity.actors import Actor
from models.tables.api_clients import ApiClient
from models.tables.organizations import Organization, User


@dataclass(frozen=True)
class Viewer(BaseUser):
    """The signed-in user, with their organization and what they may act as; `session_id` is
    the browser session that signed them in (None for a bearer token), `api_token_id` the
    bearer token (None for a session).
    `mfa_enrollment_required` marks a browser session limited to enrolling a second factor
    (`models/policy/mfa.py` decides; `api/auth.py` asks). An API client's access token signs
    in no person: `user` is None and `api_client` is the client."""

    user: User | None
    organization: Organization
    actor: Actor
    session_id: UUID | None = None
    mfa_enrollment_required: bool = False
    # Signed in through the organization's identity provider, which stands in for the second
    # factor: such a session is never limited to enrolling one.
    by_identity_provider: bool = False
    api_token_id: UUID | None = None
    api_client: ApiClient | None = None

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        if self.user is None:
            return self.api_client.name if self.api_client else ""
        return self.user.display_name or self.user.email

    @property
    def identity(self) -> str:
        if self.user is None:
            return str(self.api_client.id) if self.api_client else ""
        return str(self.user.id)
