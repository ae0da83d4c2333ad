"""People of an organization: adding one for an operator (`partnerhub create-user`).

The person starts INVITED, without a password, and is emailed a set-password link that lasts
7 days; choosing a password from it makes them ACTIVE (`sign_in.set_password`).
"""

from __future__ import annotations

from models.operation import Operation
from models.reference.enums import PasswordLinkPurpose, UserStatus
from models.rules.concerns import own_organization
from models.rules.password_links import send_password_link
from models.tables.organizations import Organization, User


async def create_person(
    op: Operation,
    organization: Organization,
    email: str,
    display_name: str | None,
    roles: list[str],
) -> User:
    """A new person of `organization`, emailed a link to set their password. A second person
    with the same address is refused by the table's unique index (IntegrityError)."""
    now = op.now()
    async with op.atomic() as tx:
        user = await User.create(
            organization=organization,
            email=email,
            display_name=display_name,
            roles=roles,
            status=UserStatus.INVITED,
        )
        await send_password_link(tx, op.sealer, user, PasswordLinkPurpose.SET, now)
        await tx.record(
            "user.created",
            "User",
            user.id,
            **own_organization(organization.kind, organization.id),
            changes={"email": email, "roles": roles},
        )
    return user
