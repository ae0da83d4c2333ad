"""Organizations and users as GraphQL types."""

from __future__ import annotations

from collections.abc import Awaitable
from uuid import UUID

import strawberry

from models.foundation.clock import utcnow
from models.foundation.ids import encode_id
from models.policy import lists_opened_by, visible_api_tokens, visible_members, visible_sessions
from models.policy.api_clients import manages_api_clients, visible_api_clients
from models.policy.mfa import must_use_mfa, organization_requires_mfa
from models.policy.people import (
    PersonAction,
    assignable_roles,
    manages_people,
    opens_people,
    person_actions,
)
from models.reference.enums import OrganizationKind, UserStatus
from models.rules.directory import own_profile
from models.tables import organizations as m
from schema.api_clients.types import ApiClient
from schema.batches import loaded
from schema.context import Info
from schema.directory.types import Partner
from schema.pagination import After, Connection, First, paginate
from schema.people.types import PersonRole
from schema.sign_in.credentials import ApiToken, Session


@strawberry.type(description="A customer organization or a solution-provider partner.")
class Organization:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    name: str = strawberry.field(description="The organization's name.")
    kind: OrganizationKind = strawberry.field(description="CUSTOMER or PARTNER.")
    _id: strawberry.Private[UUID]
    _mfa_required: strawberry.Private[bool]

    @classmethod
    def of(cls, org: m.Organization) -> Organization:
        return cls(
            id=encode_id("Organization", org.id),
            name=org.name,
            kind=org.kind,
            _id=org.id,
            _mfa_required=organization_requires_mfa(org),
        )

    @strawberry.field(
        description="Whether every person of the organization must sign in with a second "
        "factor (`setMfaRequirement`; on by default for partners, whose agents always must): "
        "for the organization's own people; null for anyone else."
    )
    def mfa_required(self, info: Info) -> bool | None:
        actor = info.context.optional_actor()
        if actor is None or actor.organization_id != self._id:
            return None
        return self._mfa_required

    @strawberry.field(
        description="The partner's directory profile, published or not, for the partner's own "
        "agents; null for anyone else, and until the profile is first saved."
    )
    async def partner_profile(self, info: Info) -> Partner | None:
        profile = await own_profile(info.context.optional_actor(), self._id)
        return Partner.of(profile) if profile else None

    @strawberry.field(
        description="The organization's API clients, newest first, revoked and expired ones "
        "too (their `revokedAt` and `status` say so), so that admins see the history: for "
        "those who manage them (a customer's Global Administrator, a partner's admin agent); "
        "empty for anyone else."
    )
    async def api_clients(self, info: Info) -> list[ApiClient]:
        rows = await visible_api_clients(info.context.optional_actor(), self._id).order_by(
            "-created_at", "-id"
        )
        return [ApiClient.of(row) for row in rows]

    @strawberry.field(
        description="The organization's people, newest first: for its own agents (a partner) "
        "or admins (a customer); empty for anyone else."
    )
    async def members(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[User]:
        members = visible_members(info.context.optional_actor(), self._id)
        return await paginate(members, first, after, User.of)


def _organization(row: m.Organization | None) -> Organization:
    assert row is not None  # a user always belongs to an organization
    return Organization.of(row)


async def load_organization(info: Info, org_id: object) -> Organization | None:
    """The organization by its database id, through the request's loader."""
    if org_id is None:
        return None
    org = await info.context.loaders.organization.load(org_id)  # type: ignore[arg-type]
    return Organization.of(org) if org else None


@strawberry.type(description="A person of an organization.")
class User:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    email: str = strawberry.field(description="The user's email address.")
    display_name: str | None = strawberry.field(description="The name to show, when set.")
    roles: list[str] = strawberry.field(
        description="Catalog role keys for customer admins; ADMIN_AGENT, SALES_AGENT or "
        "HELPDESK_AGENT for partner agents."
    )
    status: UserStatus = strawberry.field(
        description="Whether the person may sign in: ACTIVE, DISABLED, or INVITED until they "
        "set a password."
    )
    must_change_password: bool = strawberry.field(
        description="True while the person holds a temporary password: until `changePassword`, "
        "every operation but `viewer`, `changePassword` and `signOut` is refused with "
        "PASSWORD_CHANGE_REQUIRED."
    )
    _id: strawberry.Private[UUID]
    _organization_id: strawberry.Private[object]
    _row: strawberry.Private[m.User]

    @classmethod
    def of(cls, user: m.User) -> User:
        return cls(
            id=encode_id("User", user.id),
            email=user.email,
            display_name=user.display_name,
            roles=list(user.roles),
            status=user.status,
            must_change_password=user.must_change_password,
            _id=user.id,
            _organization_id=user.organization_id,
            _row=user,
        )

    @strawberry.field(
        description="Whether the person signs in with a second factor: an authenticator app "
        "they enrolled (`confirmTotpEnrollment`)."
    )
    async def mfa_enabled(self, info: Info) -> bool:
        factor = await info.context.loaders.totp_factor.load(self._id)
        return factor is not None and factor.secret_sealed is not None

    @strawberry.field(
        description="True when the person must use a second factor (a partner agent, a "
        "holder of a privileged role, or everyone of an organization that requires it) and "
        "has not enrolled one: their browser sessions open only `viewer`, "
        "`startTotpEnrollment`, `confirmTotpEnrollment` and `signOut` (anything else is "
        "refused with MFA_ENROLLMENT_REQUIRED) until enrolment is confirmed. False for the "
        "viewer in a session opened through their organization's identity provider, whose "
        "sign-in stands in for the second factor."
    )
    async def mfa_enrollment_required(self, info: Info) -> bool:
        viewer = info.context.viewer
        if (
            viewer is not None
            and viewer.actor.person_id == self._id
            and viewer.by_identity_provider
        ):
            return False
        return await self.must_use_mfa(info) and not await self.mfa_enabled(info)

    @strawberry.field(
        description="Whether the person must sign in with a second factor, and so may not "
        "turn it off: a partner agent, a holder of a privileged role, or anyone of an "
        "organization that requires it (`Organization.mfaRequired`)."
    )
    async def must_use_mfa(self, info: Info) -> bool:
        organization = await info.context.loaders.organization.load(self._organization_id)  # type: ignore[arg-type]
        return organization is not None and must_use_mfa(self.roles, organization)

    @strawberry.field(
        description="The viewer's own live browser sessions, newest first; empty for anyone "
        "else's account."
    )
    async def sessions(self, info: Info) -> list[Session]:
        viewer = info.context.viewer
        rows = await visible_sessions(info.context.optional_actor(), self._id, utcnow()).order_by(
            "-created_at"
        )
        current = viewer.session_id if viewer else None
        return [Session.of(row, current) for row in rows]

    @strawberry.field(
        description="The viewer's own bearer tokens that are not revoked (expired ones too), "
        "newest first; empty for anyone else's account."
    )
    async def api_tokens(self, info: Info) -> list[ApiToken]:
        rows = await visible_api_tokens(info.context.optional_actor(), self._id).order_by(
            "-created_at"
        )
        return [ApiToken.of(row) for row in rows]

    @strawberry.field(
        description="The top-level lists (names of Query fields, such as `invitations` or "
        "`leads`) that this person's roles open, by the same rule that answers the others "
        "FORBIDDEN: what a client offers them. The viewer's own; empty for anyone else."
    )
    def opens_lists(self, info: Info) -> list[str]:
        actor = info.context.optional_actor()
        if actor is None or actor.person_id != self._id:
            return []
        return lists_opened_by(actor)

    @strawberry.field(
        description="For the viewer's own account: whether they manage their organization's "
        "people (invite, change roles, disable, remove), which opens the console's People "
        "page. False on anyone else's account."
    )
    def can_manage_people(self, info: Info) -> bool:
        actor = info.context.optional_actor()
        return actor is not None and actor.person_id == self._id and opens_people(actor)

    @strawberry.field(
        description="For the viewer's own account: whether they register, rotate and revoke "
        "their organization's API clients, which opens the console's API clients page. False "
        "on anyone else's account."
    )
    def can_manage_api_clients(self, info: Info) -> bool:
        actor = info.context.optional_actor()
        return actor is not None and actor.person_id == self._id and manages_api_clients(actor)

    @strawberry.field(
        description="For the viewer's own account: whether they may invite people to their "
        "organization (`inviteUser`). False on anyone else's account."
    )
    def can_invite_people(self, info: Info) -> bool:
        actor = info.context.optional_actor()
        return actor is not None and actor.person_id == self._id and manages_people(actor)

    @strawberry.field(
        description="For the viewer's own account: the roles they may give to and take from "
        "their organization's people, in catalog order (privileged ones only for a Global or "
        "Privileged Role Administrator). Empty on anyone else's account."
    )
    def assignable_roles(self, info: Info) -> list[PersonRole]:
        actor = info.context.optional_actor()
        if actor is None or actor.person_id != self._id:
            return []
        return [PersonRole.of(role) for role in assignable_roles(actor)]

    @strawberry.field(
        description="What the viewer may do to this person, by who each is and the person's "
        "status; empty for anyone outside the viewer's organization. The last active Global "
        "Administrator's (a partner's: admin agent's) demotion, disabling or removal is still "
        "refused when tried (LAST_ADMIN)."
    )
    async def viewer_actions(self, info: Info) -> list[PersonAction]:
        actor = info.context.optional_actor()
        if actor is None or actor.organization_id != self._organization_id:
            return []
        return person_actions(actor, self._row, has_mfa=await self.mfa_enabled(info))

    @strawberry.field(
        description="The organization the user belongs to.", graphql_type=Organization
    )
    def organization(self, info: Info) -> Organization | Awaitable[Organization]:
        organization_id: UUID = self._organization_id  # type: ignore[assignment]
        return loaded(info.context.loaders.organization, organization_id, _organization)
