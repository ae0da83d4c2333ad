"""Managing an organization's people: thin, each reads its input, calls one rule
(`models/rules/people.py`, which asks the policy) and shapes the payload."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry

from models.operation import Operation
from models.rules import people as rules
from models.tables.organizations import User as UserRow
from schema.context import Info
from schema.mutations import perform
from schema.organizations.types import User
from schema.people.types import InviteUserInput, UpdateUserRolesInput, UserIdInput
from schema.sign_in.types import UserPayload

PERSON = "The person (`userId`)."


async def _payload(info: Info, action: Callable[[Operation], Awaitable[UserRow]]) -> UserPayload:
    found, errors = await perform(info, action)
    return UserPayload(user=User.of(found) if found else None, errors=errors)


@strawberry.type
class PeopleMutations:
    @strawberry.mutation(
        description="Invite a person to the viewer's organization with roles: they are added "
        "INVITED and emailed a link to set their password (7 days, once). A customer's Global "
        "or User Administrator (privileged roles: Global or Privileged Role Administrator), "
        "or a partner's admin agent. An address that has an account is refused (DUPLICATE)."
    )
    async def invite_user(
        self,
        info: Info,
        input: Annotated[
            InviteUserInput,
            strawberry.argument(description="Their address, roles and name."),
        ],
    ) -> UserPayload:
        return await _payload(
            info,
            lambda op: rules.invite_person(op, input.email, input.display_name, input.roles),
        )

    @strawberry.mutation(
        description="Set the roles of a person of the viewer's organization. A customer's "
        "Global, User or Privileged Role Administrator (privileged roles, and people holding "
        "one: Global or Privileged Role Administrator), or a partner's admin agent. The last "
        "active Global Administrator (a partner: admin agent) keeps the role (LAST_ADMIN)."
    )
    async def update_user_roles(
        self,
        info: Info,
        input: Annotated[
            UpdateUserRolesInput,
            strawberry.argument(description="The person and every role they hold from now on."),
        ],
    ) -> UserPayload:
        return await _payload(info, lambda op: rules.update_roles(op, input.user, input.roles))

    @strawberry.mutation(
        description="Disable a person of the viewer's organization: they cannot sign in, and "
        "their sessions and bearer tokens stop at once (enabling them gives neither back). "
        "Disabling oneself is allowed, and signs one out; the last active Global "
        "Administrator (a partner: admin agent) cannot be disabled (LAST_ADMIN). An INVITED "
        "person is not disabled (INVALID_INPUT): cancel their invitation instead."
    )
    async def disable_user(
        self, info: Info, input: Annotated[UserIdInput, strawberry.argument(description=PERSON)]
    ) -> UserPayload:
        return await _payload(info, lambda op: rules.disable_person(op, input.user))

    @strawberry.mutation(
        description="Reset the second factor of a person of the viewer's organization who lost "
        "their authenticator app: it and their recovery codes are removed, and their sessions "
        "end; they sign in with their password and set up a new app if they must use one. "
        "Whoever may change the person's roles may (a person holding a privileged role: a "
        "Global or Privileged Role Administrator, PRIVILEGED_ROLE_REQUIRED), never for "
        "oneself (INVALID_INPUT). Someone with no authenticator app is refused "
        "(MFA_NOT_ENABLED)."
    )
    async def reset_user_mfa(
        self, info: Info, input: Annotated[UserIdInput, strawberry.argument(description=PERSON)]
    ) -> UserPayload:
        return await _payload(info, lambda op: rules.reset_person_mfa(op, input.user))

    @strawberry.mutation(
        description="Let a disabled person sign in again: ACTIVE. Their former sessions and "
        "tokens stay ended."
    )
    async def enable_user(
        self, info: Info, input: Annotated[UserIdInput, strawberry.argument(description=PERSON)]
    ) -> UserPayload:
        return await _payload(info, lambda op: rules.enable_person(op, input.user))

    @strawberry.mutation(
        description="Remove a person from the viewer's organization: their account goes, with "
        "their sessions, tokens and group memberships. The activity log keeps what they did "
        "(`ActivityEntry.removedActor` names them). The payload's `user` is the person as "
        "they were. The last active Global Administrator (a partner: admin agent) cannot be "
        "removed (LAST_ADMIN)."
    )
    async def remove_user(
        self, info: Info, input: Annotated[UserIdInput, strawberry.argument(description=PERSON)]
    ) -> UserPayload:
        return await _payload(info, lambda op: rules.remove_person(op, input.user))

    @strawberry.mutation(
        description="Email an INVITED person a new link to set their password (7 days from "
        "now); the links sent before stop working. Refused for someone who has set a "
        "password (USER_NOT_INVITED), and within a minute of the last email (RATE_LIMITED)."
    )
    async def resend_user_invitation(
        self, info: Info, input: Annotated[UserIdInput, strawberry.argument(description=PERSON)]
    ) -> UserPayload:
        return await _payload(info, lambda op: rules.resend_invitation(op, input.user))

    @strawberry.mutation(
        description="Withdraw the invitation of an INVITED person: they are removed, and "
        "their link stops working. Refused for someone who has set a password "
        "(USER_NOT_INVITED: remove them instead). The payload's `user` is the person as they "
        "were."
    )
    async def cancel_user_invitation(
        self, info: Info, input: Annotated[UserIdInput, strawberry.argument(description=PERSON)]
    ) -> UserPayload:
        return await _payload(info, lambda op: rules.cancel_invitation(op, input.user))
