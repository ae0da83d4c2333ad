"""Managing people: the inputs of the mutations, and what the viewer may do to whom."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models.foundation.ids import encode_id
from models.policy.people import PERSON_ACTION_MEANINGS
from models.policy.people import PersonAction as _PersonAction
from models.reference.catalog import PersonRole as PersonRoleData
from models.tables.activity import ActivityEntry
from schema.enum_values import described_enum
from schema.global_ids import GlobalId

PersonAction = described_enum(
    _PersonAction,
    "Something the viewer may do to a person of their organization.",
    PERSON_ACTION_MEANINGS,
)


@strawberry.type(
    description="A role a person of an organization may hold: a role of the admin role "
    "catalog for a customer's people, an agent role for a partner's."
)
class PersonRole:
    key: str = strawberry.field(
        description="The role's key, as `User.roles` holds it (`GLOBAL_ADMINISTRATOR`, "
        "`ADMIN_AGENT`)."
    )
    name: str = strawberry.field(description="The role's display name.")
    description: str = strawberry.field(description="What the role lets its holder do.")
    privileged: bool = strawberry.field(
        description="Whether the catalog marks the role privileged: only a Global or "
        "Privileged Role Administrator gives or takes it."
    )

    @classmethod
    def of(cls, role: PersonRoleData) -> PersonRole:
        return cls(
            key=role.key, name=role.name, description=role.description, privileged=role.privileged
        )


@strawberry.type(
    description="A person who has since been removed from their organization, as the entry "
    "of their removal recorded them."
)
class RemovedUser:
    id: strawberry.ID = strawberry.field(
        description="The ID the person had (a `User` ID that no longer opens anything)."
    )
    email: str = strawberry.field(description="Their email address when they were removed.")
    display_name: str | None = strawberry.field(description="Their name, when they had one.")
    removed_at: datetime = strawberry.field(description="When they were removed.")

    @classmethod
    def of(cls, entry: ActivityEntry) -> RemovedUser:
        return cls(
            id=encode_id("User", entry.object_id),
            email=str(entry.changes.get("email", "")),
            display_name=entry.changes.get("displayName"),
            removed_at=entry.created_at,
        )


@strawberry.input(description="A person to invite to the viewer's organization.")
class InviteUserInput:
    email: str = strawberry.field(
        description="Their email address: the link to set their password goes there, and it "
        "is what they sign in with. No other account may have it."
    )
    roles: list[str] = strawberry.field(
        description="Their roles: keys of the admin role catalog for a customer's people (none "
        "for a person without admin roles), one or more of ADMIN_AGENT, SALES_AGENT, "
        "HELPDESK_AGENT for a partner's. See `viewer { assignableRoles }`."
    )
    display_name: str | None = strawberry.field(
        default=None, description="The name to show for them (up to 200 characters)."
    )


@strawberry.input(description="A person of the viewer's organization and the roles they get.")
class UpdateUserRolesInput:
    user_id: strawberry.ID = strawberry.field(
        description="The person (a `User` ID, as `Organization.members` lists them)."
    )
    roles: list[str] = strawberry.field(
        description="Every role they hold from now on: what is missing is taken, what is new "
        "is given."
    )
    user = GlobalId("User", "user_id")


@strawberry.input(description="A person of the viewer's organization.")
class UserIdInput:
    user_id: strawberry.ID = strawberry.field(
        description="The person (a `User` ID, as `Organization.members` lists them)."
    )
    user = GlobalId("User", "user_id")
