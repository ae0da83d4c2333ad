"""People of an organization: adding one (an operator's `partnerhub create-user`, an admin's
`inviteUser`), and managing them: their roles, disabling, enabling, removing, and the
invitation of someone who has not set a password yet.

A new person starts INVITED, without a password, and is emailed a set-password link that
lasts 7 days; choosing a password from it makes them ACTIVE (`sign_in.set_password`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from tortoise.exceptions import IntegrityError

from models.foundation.email_addresses import normalized_email
from models.foundation.errors import DomainError, ErrorCode, PermissionDenied, ValidationErrors
from models.identity.actors import Actor
from models.operation import Operation, Transaction
from models.policy.people import (
    require_keeps_an_admin,
    require_may_give,
    require_may_manage,
    require_mfa_manager,
    require_people_manager,
    require_role_manager,
)
from models.reference.catalog import person_roles
from models.reference.enums import OrganizationKind, PasswordLinkPurpose, UserStatus
from models.rules.concerns import own_organization
from models.rules.password_links import send_password_link
from models.tables.activity import ActivityEntry
from models.tables.mfa import RecoveryCode, TotpFactor
from models.tables.organizations import ApiToken, Organization, User
from models.tables.sign_in import PasswordLink, UserSession


async def create_person(
    op: Operation,
    organization: Organization,
    email: str,
    display_name: str | None,
    roles: list[str],
    *,
    action: str = "user.created",
) -> User:
    """A new person of `organization`, emailed a link to set their password, recorded as
    `action` (an operator's `user.created`, an admin's `user.invited`). A second person with
    the same address is refused by the table's unique index (IntegrityError)."""
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
            action,
            "User",
            user.id,
            **own_organization(organization.kind, organization.id),
            changes={"email": email, "roles": roles},
        )
    return user


# ---------------------------------------------------------------- managing people (the API)
#
# Who may is the policy's (`models/policy/people.py`); the checks that depend on who holds
# what now run inside the change's transaction, with the organization's row locked and the
# acting person read again, so that changes to one organization's people happen one at a
# time: of two admins demoting each other at once, the second sees the first's change.

DISPLAY_NAME_MAX = 200
# A second invitation email to the same person within this time is refused: the first one's
# link works, and an admin's double click does not fill someone's mailbox.
RESEND_COOLDOWN = timedelta(minutes=1)


async def invite_person(
    op: Operation, email: str, display_name: str | None, roles: list[str]
) -> User:
    """Add a person to the actor's organization, INVITED, with `roles`, and email them a link
    to choose their password (7 days, once)."""
    actor = op.require_actor()
    require_people_manager(actor)
    address, name, valid = _checked_invitation(actor.organization_kind, email, display_name, roles)
    require_may_give(actor, valid)
    if await User.exists(email=address):
        raise _address_taken()
    organization = await Organization.get(id=actor.organization_id)
    try:
        return await create_person(op, organization, address, name, valid, action="user.invited")
    except IntegrityError as exc:  # the same address, added at the same moment
        raise _address_taken() from exc


async def update_roles(op: Operation, user_id: UUID, roles: list[str]) -> User:
    """Set a person's roles to `roles`. The roles given and taken must be the actor's to give
    (privileged ones: a Global or Privileged Role Administrator), and the organization keeps
    an active Global Administrator (a partner: admin agent)."""
    actor = op.require_actor()
    require_role_manager(actor)
    valid = _valid_roles(actor.organization_kind, roles)
    async with op.atomic() as tx:
        actor = await _acting_under_lock(actor)
        require_role_manager(actor)
        person = await _member(actor, user_id)
        require_may_manage(actor, person)
        added = [role for role in valid if role not in person.roles]
        removed = [role for role in person.roles if role not in valid]
        if not added and not removed:
            return person
        require_may_give(actor, added + removed)
        await require_keeps_an_admin(actor, person, valid, person.status, field="roles")
        await User.filter(id=person.id).update(roles=valid)
        await tx.record(
            "user.roles_updated",
            "User",
            person.id,
            **own_organization(actor.organization_kind, actor.organization_id),
            changes={"roles": valid, "added": added, "removed": removed},
        )
    person.roles = valid
    return person


async def reset_person_mfa(op: Operation, user_id: UUID) -> User:
    """Remove a person's authenticator app and recovery codes, for someone who lost theirs,
    and end their sessions: they sign in with their password alone, and are asked to set up
    a new app when they must use one. Whoever may change the person's roles may; never for
    oneself. A person with no authenticator is refused (MFA_NOT_ENABLED)."""
    actor = op.require_actor()
    require_role_manager(actor)
    async with op.atomic() as tx:
        actor = await _acting_under_lock(actor)
        person = await _member(actor, user_id)
        require_mfa_manager(actor, person)
        factors = await TotpFactor.filter(user_id=person.id).delete()
        if not factors:
            raise DomainError(
                ErrorCode.MFA_NOT_ENABLED,
                f"{person.display_name or person.email} has no authenticator app to reset.",
                "userId",
            )
        codes = await RecoveryCode.filter(user_id=person.id).delete()
        sessions = await UserSession.filter(user_id=person.id).delete()
        await tx.record(
            "user.mfa_reset",
            "User",
            person.id,
            **own_organization(actor.organization_kind, actor.organization_id),
            changes={
                "email": person.email,
                "recoveryCodesRemoved": codes,
                "sessionsEnded": sessions,
            },
        )
    return person


async def disable_person(op: Operation, user_id: UUID) -> User:
    """Stop a person from signing in: their sessions end and their bearer tokens are revoked,
    at once (enabling them gives neither back). Disabling a disabled person changes nothing;
    an invited one is not disabled but has their invitation canceled, so that a person is
    INVITED until they set a password, then ACTIVE or DISABLED."""
    actor = op.require_actor()
    require_people_manager(actor)
    async with op.atomic() as tx:
        actor, person = await _managed_under_lock(actor, user_id)
        if person.status is UserStatus.DISABLED:
            return person
        if person.status is UserStatus.INVITED:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"{person.display_name or person.email} has not set a password yet: cancel "
                "their invitation instead.",
                "userId",
            )
        await require_keeps_an_admin(
            actor, person, person.roles, UserStatus.DISABLED, field="userId"
        )
        await User.filter(id=person.id).update(status=UserStatus.DISABLED)
        ended = await end_sign_ins(person, op.now())
        await tx.record(
            "user.disabled",
            "User",
            person.id,
            **own_organization(actor.organization_kind, actor.organization_id),
            changes={"email": person.email, **ended},
        )
    person.status = UserStatus.DISABLED
    return person


async def enable_person(op: Operation, user_id: UUID) -> User:
    """Let a disabled person sign in again (ACTIVE). Enabling anyone else changes nothing."""
    actor = op.require_actor()
    require_people_manager(actor)
    async with op.atomic() as tx:
        actor, person = await _managed_under_lock(actor, user_id)
        if person.status is not UserStatus.DISABLED:
            return person
        await User.filter(id=person.id).update(status=UserStatus.ACTIVE)
        await tx.record(
            "user.enabled",
            "User",
            person.id,
            **own_organization(actor.organization_kind, actor.organization_id),
            changes={"email": person.email},
        )
    person.status = UserStatus.ACTIVE
    return person


async def remove_person(op: Operation, user_id: UUID) -> User:
    """Remove a person from the organization: their account goes, and their sessions, tokens,
    links and group memberships with it. The activity log keeps what they did, and names
    them through this removal's entry (`removed_people`). The person as they were is
    returned."""
    actor = op.require_actor()
    require_people_manager(actor)
    async with op.atomic() as tx:
        actor, person = await _managed_under_lock(actor, user_id)
        await require_keeps_an_admin(actor, person, (), None, field="userId")
        await _remove(tx, actor, person, "user.removed", await end_sign_ins(person, op.now()))
    return person


async def resend_invitation(op: Operation, user_id: UUID) -> User:
    """Email an invited person a new set-password link (7 days from now); the links sent
    before stop working."""
    actor = op.require_actor()
    require_people_manager(actor)
    now = op.now()
    async with op.atomic() as tx:
        actor = await _acting_under_lock(actor)
        require_people_manager(actor)
        person = await _invited_member(actor, user_id)
        if await PasswordLink.exists(user_id=person.id, created_at__gt=now - RESEND_COOLDOWN):
            raise DomainError(
                ErrorCode.RATE_LIMITED,
                "An invitation email went to them less than a minute ago. Try again in a minute.",
                "userId",
            )
        dead = await PasswordLink.filter(user_id=person.id, used_at=None).delete()
        await send_password_link(tx, op.sealer, person, PasswordLinkPurpose.SET, now)
        await tx.record(
            "user.invitation_resent",
            "User",
            person.id,
            **own_organization(actor.organization_kind, actor.organization_id),
            changes={"email": person.email, "linksEnded": dead},
        )
    return person


async def cancel_invitation(op: Operation, user_id: UUID) -> User:
    """Withdraw an invitation: the invited person is removed, and their link dies with them.
    The person as they were is returned."""
    actor = op.require_actor()
    require_people_manager(actor)
    async with op.atomic() as tx:
        actor = await _acting_under_lock(actor)
        require_people_manager(actor)
        person = await _invited_member(actor, user_id)
        await _remove(tx, actor, person, "user.invitation_canceled", {})
    return person


async def removed_people(user_ids: list[UUID]) -> dict[UUID, ActivityEntry]:
    """The entry that recorded each person's removal, by their id, for those among `user_ids`
    who were removed: what names them in the activity they left behind."""
    entries = await ActivityEntry.filter(
        object_id__in=user_ids, object_type="User", action__in=REMOVALS
    )
    return {entry.object_id: entry for entry in entries}


REMOVALS = ("user.removed", "user.invitation_canceled")


def _checked_invitation(
    kind: OrganizationKind, email: str, display_name: str | None, roles: list[str]
) -> tuple[str, str | None, list[str]]:
    """The invitation's address, name and roles as they will be kept, or every refusal at
    once, each naming its field."""
    refusals: list[DomainError] = []
    address = ""
    try:
        address = normalized_email(email).lower()
    except ValueError as exc:
        refusals.append(
            DomainError(ErrorCode.INVALID_INPUT, f"Enter a valid email address: {exc}", "email")
        )
    name = (display_name or "").strip() or None
    if name is not None and len(name) > DISPLAY_NAME_MAX:
        refusals.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                f"Use at most {DISPLAY_NAME_MAX} characters.",
                "displayName",
            )
        )
    valid: list[str] = []
    try:
        valid = _valid_roles(kind, roles)
    except DomainError as refused:
        refusals.append(refused)
    if refusals:
        raise ValidationErrors(refusals)
    return address, name, valid


def _valid_roles(kind: OrganizationKind, roles: list[str]) -> list[str]:
    """`roles`, each once and in catalog order, when each is a role of the organization's
    kind (the catalog's keys for a customer, the agent roles for a partner, at least one)."""
    catalog = person_roles(kind)
    unknown = [role for role in dict.fromkeys(roles) if role not in catalog]
    if unknown:
        what = "role catalog" if kind is OrganizationKind.CUSTOMER else "partner's agent roles"
        raise DomainError(
            ErrorCode.UNKNOWN_ROLE,
            f"Not in the {what}: {', '.join(unknown)}.",
            "roles",
        )
    if kind is OrganizationKind.PARTNER and not roles:
        raise DomainError(
            ErrorCode.ROLES_REQUIRED,
            f"Give the agent at least one role: {', '.join(r.name for r in catalog.values())}.",
            "roles",
        )
    return [key for key in catalog if key in set(roles)]


def _address_taken() -> DomainError:
    return DomainError(
        ErrorCode.DUPLICATE, "This email address already has a Partnerhub account.", "email"
    )


async def _acting_under_lock(actor: Actor) -> Actor:
    """Lock the actor's organization for the rest of the transaction, and the actor as their
    account is now: an admin demoted or disabled a moment ago acts no more."""
    await Organization.filter(id=actor.organization_id).select_for_update().only("id").first()
    user = await User.get_or_none(id=actor.user_id)
    if user is None or user.status is UserStatus.DISABLED:
        raise PermissionDenied("Your account may no longer manage people.")
    return Actor.of(user, actor.organization_kind)


async def _managed_under_lock(actor: Actor, user_id: UUID) -> tuple[Actor, User]:
    """Inside the change's transaction: the actor as they are now, with their organization
    locked, still managing people, and the person of their organization they may manage."""
    actor = await _acting_under_lock(actor)
    require_people_manager(actor)
    person = await _member(actor, user_id)
    require_may_manage(actor, person)
    return actor, person


async def _member(actor: Actor, user_id: UUID) -> User:
    """A person of the actor's own organization; anyone else is not found, as if absent."""
    person = await User.get_or_none(id=user_id, organization_id=actor.organization_id)
    if person is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such person in your organization.", "userId")
    return person


async def _invited_member(actor: Actor, user_id: UUID) -> User:
    """A person of the actor's organization who was invited and has not set a password yet.
    The account a PARTNER-type partner works through in a customer's tenant was never
    invited (nobody sets its password): it is removed, not canceled."""
    person = await _member(actor, user_id)
    require_may_manage(actor, person)
    if person.partner_of_id is not None:
        raise DomainError(
            ErrorCode.USER_NOT_INVITED,
            "This is a partner's account in your organization: nobody was invited to it. "
            "Remove it instead.",
            "userId",
        )
    if person.status is not UserStatus.INVITED:
        raise DomainError(
            ErrorCode.USER_NOT_INVITED,
            f"{person.display_name or person.email} has set a password already: there is no "
            "invitation to resend or cancel.",
            "userId",
        )
    return person


async def end_sign_ins(person: User, now: datetime) -> dict[str, int]:
    """End every session of the person's and revoke their bearer tokens, at once (a disabled
    or removed person's; SCIM's `active: false` too)."""
    sessions = await UserSession.filter(user_id=person.id).delete()
    tokens = await ApiToken.filter(user_id=person.id, revoked_at=None).update(revoked_at=now)
    return {"sessionsEnded": sessions, "tokensRevoked": tokens}


async def _remove(
    tx: Transaction, actor: Actor, person: User, action: str, ended: dict[str, int]
) -> None:
    """Delete the person (what is theirs goes with them), recording who they were: the entry
    is what names them in the activity log from now on."""
    await User.filter(id=person.id).delete()
    await tx.record(
        action,
        "User",
        person.id,
        **own_organization(actor.organization_kind, actor.organization_id),
        changes={
            "email": person.email,
            "displayName": person.display_name,
            "roles": list(person.roles),
            **ended,
        },
    )
