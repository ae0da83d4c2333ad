"""Who manages an organization's people and their roles, and the role an organization is never
left without.

A customer's Global Administrator manages its people and every role. A User Administrator
manages its people and the roles the catalog does not mark privileged. Privileged roles, and
the people who hold one, are managed only by a Global or Privileged Role Administrator (who,
without User Administrator as well, changes roles but does not invite, disable or remove). A
partner's admin agents manage its agents. Whether a role is privileged is the catalog's word
(`models/reference/catalog.py`), never restated here.

The last active Global Administrator of a customer, or admin agent of a partner, is never
demoted, disabled or removed. The rules ask `require_keeps_an_admin` with the organization
locked and the acting person read again inside their transaction (`models/rules/people.py`),
so that two admins demoting each other at the same moment decide on what the other
committed, and one of them is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from models.foundation.errors import DomainError, ErrorCode, PermissionDenied
from models.identity.actors import Actor
from models.reference.catalog import PRIVILEGED_ROLES, AdminRole, PersonRole, person_roles
from models.reference.enums import OrganizationKind, PartnerRole, UserStatus
from models.tables.organizations import User

# Invite, disable, enable and remove a customer's people.
PEOPLE_MANAGER_ROLES = (AdminRole.GLOBAL_ADMINISTRATOR, AdminRole.USER_ADMINISTRATOR)
# Change a customer's people's roles (the privileged ones need one of the next).
ROLE_MANAGER_ROLES = (*PEOPLE_MANAGER_ROLES, AdminRole.PRIVILEGED_ROLE_ADMINISTRATOR)
PRIVILEGED_ROLE_MANAGER_ROLES = (
    AdminRole.GLOBAL_ADMINISTRATOR,
    AdminRole.PRIVILEGED_ROLE_ADMINISTRATOR,
)
# A partner's people are managed by its admin agents.
AGENT_MANAGER_ROLE = PartnerRole.ADMIN_AGENT


class PersonAction(StrEnum):
    """What the viewer may do to one person of their organization."""

    CHANGE_ROLES = "CHANGE_ROLES"
    DISABLE = "DISABLE"
    ENABLE = "ENABLE"
    REMOVE = "REMOVE"
    RESEND_INVITATION = "RESEND_INVITATION"
    CANCEL_INVITATION = "CANCEL_INVITATION"
    RESET_MFA = "RESET_MFA"


PERSON_ACTION_MEANINGS: dict[PersonAction, str] = {
    PersonAction.CHANGE_ROLES: "Give or take roles (`updateUserRoles`), within `assignableRoles`.",
    PersonAction.DISABLE: "Stop the person from signing in; their sessions and tokens end at "
    "once (`disableUser`).",
    PersonAction.ENABLE: "Let a disabled person sign in again (`enableUser`).",
    PersonAction.REMOVE: "Remove the person from the organization (`removeUser`).",
    PersonAction.RESEND_INVITATION: "Email the invited person a new set-password link; the "
    "old one stops working (`resendUserInvitation`).",
    PersonAction.CANCEL_INVITATION: "Withdraw the invitation: the invited person is removed "
    "(`cancelUserInvitation`).",
    PersonAction.RESET_MFA: "Remove the person's authenticator app and recovery codes, and end "
    "their sessions, when they lost their app (`resetUserMfa`).",
}


# The role an organization keeps at least one active holder of, by kind, and its words.
KEEPERS: dict[OrganizationKind, tuple[str, str]] = {
    OrganizationKind.CUSTOMER: (AdminRole.GLOBAL_ADMINISTRATOR, "Global Administrator"),
    OrganizationKind.PARTNER: (PartnerRole.ADMIN_AGENT, "admin agent"),
}


def manages_people(actor: Actor) -> bool:
    """Invite, disable, enable and remove the people of the actor's own organization."""
    if actor.is_partner:
        return actor.holds(AGENT_MANAGER_ROLE)
    return actor.is_customer and actor.holds(*PEOPLE_MANAGER_ROLES)


def manages_roles(actor: Actor) -> bool:
    """Change the roles of the people of the actor's own organization (some of them)."""
    if actor.is_partner:
        return actor.holds(AGENT_MANAGER_ROLE)
    return actor.is_customer and actor.holds(*ROLE_MANAGER_ROLES)


def manages_privileged_roles(actor: Actor) -> bool:
    """Give and take privileged roles, and manage the people holding one. A partner's roles
    are none of them privileged: its admin agents manage all."""
    if actor.is_partner:
        return actor.holds(AGENT_MANAGER_ROLE)
    return actor.is_customer and actor.holds(*PRIVILEGED_ROLE_MANAGER_ROLES)


def opens_people(actor: Actor) -> bool:
    """Whether the actor manages their organization's people in any way: the console's People
    page, offered through `User.canManagePeople`."""
    return manages_people(actor) or manages_roles(actor)


def holds_admin_roles(person: User) -> bool:
    """Whether a person of a customer's directory holds admin roles from the catalog: a
    partner's helpdesk roles may not reset their password (RESET_ADMIN_PASSWORD)."""
    return bool(person.roles)


def privileged(roles: Iterable[str]) -> list[str]:
    """The roles among `roles` that the catalog marks privileged, in catalog order."""
    held = set(roles)
    return [str(role) for role in AdminRole if role in held and role in PRIVILEGED_ROLES]


def assignable_roles(actor: Actor) -> list[PersonRole]:
    """The roles the actor may give to and take from their organization's people."""
    if not manages_roles(actor):
        return []
    roles = person_roles(actor.organization_kind).values()
    if manages_privileged_roles(actor):
        return list(roles)
    return [role for role in roles if not role.privileged]


def require_people_manager(actor: Actor) -> None:
    if not manages_people(actor):
        raise PermissionDenied(
            "Only a customer's Global or User Administrators, or a partner's admin agents, may "
            "invite, disable, enable or remove people."
        )


def require_mfa_manager(actor: Actor, person: User) -> None:
    """Refuse resetting `person`'s second factor to anyone who may not change their roles
    (PermissionDenied, or PRIVILEGED_ROLE_REQUIRED naming `userId`), and to the person
    themselves (INVALID_INPUT)."""
    require_role_manager(actor)
    require_may_manage(actor, person)
    if person.id == actor.user_id:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "Replace or turn off your own authenticator app on your Security page.",
            "userId",
        )


def require_role_manager(actor: Actor) -> None:
    if not manages_roles(actor):
        raise PermissionDenied(
            "Only a customer's Global, User or Privileged Role Administrators, or a partner's "
            "admin agents, may change people's roles."
        )


def _names(kind: OrganizationKind, roles: Iterable[str]) -> str:
    catalog = person_roles(kind)
    return " and ".join(catalog[role].name for role in roles)


def require_may_manage(actor: Actor, person: User) -> None:
    """A person holding a privileged role is managed (roles, status, removal) only by a Global
    or Privileged Role Administrator: a User Administrator cannot lock out or remove the
    admins above them. Refused naming `userId`."""
    held = privileged(person.roles)
    if held and not manages_privileged_roles(actor):
        raise DomainError(
            ErrorCode.PRIVILEGED_ROLE_REQUIRED,
            f"{person.display_name or person.email} holds "
            f"{_names(actor.organization_kind, held)}: only a Global or Privileged Role "
            "Administrator may manage them.",
            "userId",
        )


def require_may_give(actor: Actor, roles: Iterable[str]) -> None:
    """Giving or taking a privileged role needs a Global or Privileged Role Administrator.
    `roles` are those the change gives or takes; refused naming `roles`."""
    found = privileged(roles)
    if found and not manages_privileged_roles(actor):
        raise DomainError(
            ErrorCode.PRIVILEGED_ROLE_REQUIRED,
            f"Only a Global or Privileged Role Administrator may give or take "
            f"{_names(actor.organization_kind, found)}.",
            "roles",
        )


def manages_mfa_of(actor: Actor, person: User) -> bool:
    """Resetting someone's second factor is managing them as their roles are: whoever may
    change this person's roles, and never for oneself (one replaces or turns off one's own
    authenticator on the Security page)."""
    return (
        actor.organization_id == person.organization_id
        and actor.user_id != person.id
        and manages_roles(actor)
        and (not privileged(person.roles) or manages_privileged_roles(actor))
    )


def person_actions(actor: Actor | None, person: User, *, has_mfa: bool) -> list[PersonAction]:
    """What the actor may do to `person` now, by who each is, the person's status and whether
    they have an authenticator (`has_mfa`): the buttons the console shows beside them. The
    last-admin rule is not foreseen here; the mutation refuses it, saying so. An invited
    person's offers are resending and canceling the invitation (removing one works too, but
    says less)."""
    if actor is None or actor.organization_id != person.organization_id:
        return []
    if privileged(person.roles) and not manages_privileged_roles(actor):
        return []
    actions = [PersonAction.CHANGE_ROLES] if manages_roles(actor) else []
    if has_mfa and manages_mfa_of(actor, person):
        actions.append(PersonAction.RESET_MFA)
    if not manages_people(actor):
        return actions
    if person.status is UserStatus.INVITED and person.partner_of_id is None:
        return [*actions, PersonAction.RESEND_INVITATION, PersonAction.CANCEL_INVITATION]
    if person.status is UserStatus.INVITED:  # a partner's account in the tenant: no invitation
        return [*actions, PersonAction.REMOVE]
    if person.status is UserStatus.DISABLED:
        return [*actions, PersonAction.ENABLE, PersonAction.REMOVE]
    return [*actions, PersonAction.DISABLE, PersonAction.REMOVE]


def is_keeper(kind: OrganizationKind, roles: Iterable[str], status: UserStatus) -> bool:
    """Whether a person with `roles` and `status` counts as one of the organization's
    active keepers (Global Administrators, admin agents). An invited one does not: until
    they set a password, nobody signs in as them."""
    return status is UserStatus.ACTIVE and KEEPERS[kind][0] in set(roles)


async def require_keeps_an_admin(
    actor: Actor,
    person: User,
    roles_after: Iterable[str],
    status_after: UserStatus | None,
    *,
    field: str,
) -> None:
    """Refuse a change that makes `person` stop being an active keeper (their roles become
    `roles_after`, their status `status_after`; None: they are removed) when no other active
    keeper remains. Call it with the organization locked, on the person as read under the
    lock."""
    await require_keeps_a_keeper(
        actor.organization_kind,
        person,
        roles_after,
        status_after,
        field=field,
        acting_user_id=actor.person_id,
    )


async def require_keeps_a_keeper(
    kind: OrganizationKind,
    person: User,
    roles_after: Iterable[str],
    status_after: UserStatus | None,
    *,
    field: str,
    acting_user_id: object = None,
) -> None:
    """`require_keeps_an_admin` for a change that no person of the organization makes (its
    identity provider's, through SCIM): the same rule, whoever acts."""
    if not is_keeper(kind, person.roles, person.status):
        return
    if status_after is not None and is_keeper(kind, roles_after, status_after):
        return
    role, words = KEEPERS[kind]
    others = (
        await User.filter(organization_id=person.organization_id, status=UserStatus.ACTIVE)
        .exclude(id=person.id)
        .values_list("roles", flat=True)
    )
    if any(role in (roles or []) for roles in others):
        return
    who = "You are" if person.id == acting_user_id else f"{person.display_name or person.email} is"
    raise DomainError(
        ErrorCode.LAST_ADMIN,
        f"{who} the last active {words} of your organization: give someone else the role first.",
        field,
    )
