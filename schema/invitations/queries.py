"""Listing and reading invitations."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from models.foundation.clock import utcnow
from models.foundation.ids import decode_id
from models.identity.actors import Actor
from models.policy import visible_invitations
from models.reference.enums import InvitationStatus
from models.rules.invitations import find_by_token, with_status
from schema.context import Info
from schema.guards import opens_list
from schema.invitations.types import Invitation
from schema.pagination import After, Connection, First, paginate


async def read_invitation(actor: Actor, invitation_id: UUID) -> Invitation | None:
    """The invitation, if the actor's organization may see it: `invitation(id:)` and
    `invitationChanged` read it so."""
    found = await visible_invitations(actor).get_or_none(id=invitation_id)
    return Invitation.of(found) if found else None


@strawberry.type
class InvitationQueries:
    @strawberry.field(
        description="Invitations the viewer's organization sent (partners) or that are "
        "addressed to it (customers), newest first: for a partner's admin and sales agents "
        "and a customer's admins, and their API clients granted INVITATIONS_READ; FORBIDDEN "
        "for anyone else.",
        extensions=opens_list("invitations"),
    )
    async def invitations(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        status: Annotated[
            InvitationStatus | None,
            strawberry.argument(
                description="Only invitations in this status, as a person sees it."
            ),
        ] = None,
    ) -> Connection[Invitation]:
        queryset = visible_invitations(info.context.actor())
        if status is not None:
            queryset = with_status(queryset, status, utcnow())
        return await paginate(queryset, first, after, Invitation.of)

    @strawberry.field(description="One invitation the viewer's organization may see.")
    async def invitation(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The invitation's ID.")],
    ) -> Invitation | None:
        actor = info.context.actor()
        invitation_id = decode_id("Invitation", id)
        return await read_invitation(actor, invitation_id) if invitation_id else None

    @strawberry.field(
        description="The invitation behind an email link, for the page that accepts it. "
        "The token is the credential: anyone holding the link may read what it offers while "
        "it is pending, and only its status once it was accepted, declined, canceled or "
        "expired."
    )
    async def invitation_by_token(
        self,
        token: Annotated[str, strawberry.argument(description="The token from the email link.")],
    ) -> Invitation | None:
        found = await find_by_token(token)
        return Invitation.through_link(found) if found else None
