"""Who must sign in with a second factor: the one home of that rule.

- every partner agent, always: partners act on their customers' behalf, and the programme
  this product follows requires them to use multi-factor authentication;
- whoever holds a role that the catalog marks privileged (Global Administrator, Privileged
  Role Administrator, Privileged Authentication Administrator);
- everyone in an organization whose setting requires it (`Organization.mfa_required`): on by
  default for partner organizations, off for customers until their Global Administrator
  turns it on.

Someone who must and has not enrolled yet signs in to a session limited to enrolment
(`schema/sign_in/mfa_enrollment.py`). Bearer tokens are for scripts and never asked for a
second factor; only a full session makes one.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from models.foundation.errors import PermissionDenied
from models.identity.actors import Actor
from models.reference.catalog import PRIVILEGED_ROLES, AdminRole
from models.reference.enums import OrganizationKind, PartnerRole
from models.tables.mfa import TotpFactor
from models.tables.organizations import Organization

_PRIVILEGED_KEYS: frozenset[str] = frozenset(PRIVILEGED_ROLES)


def organization_requires_mfa(organization: Organization) -> bool:
    """The organization's setting: what it chose, or its kind's default (partners: on)."""
    if organization.mfa_required is not None:
        return organization.mfa_required
    return organization.kind is OrganizationKind.PARTNER


def must_use_mfa(roles: Iterable[str], organization: Organization) -> bool:
    """Whether a person holding `roles` in `organization` must sign in with a second factor."""
    return (
        organization.kind is OrganizationKind.PARTNER
        or not _PRIVILEGED_KEYS.isdisjoint(roles)
        or organization_requires_mfa(organization)
    )


def may_turn_off_mfa(roles: Iterable[str], organization: Organization) -> bool:
    """A person may remove their authenticator only when nothing requires one of them."""
    return not must_use_mfa(roles, organization)


async def has_enrolled(user_id: UUID) -> bool:
    """Whether the person has a confirmed authenticator."""
    return await TotpFactor.filter(user_id=user_id, secret_sealed__isnull=False).exists()


async def enrollment_required(
    user_id: UUID, roles: Iterable[str], organization: Organization
) -> bool:
    """Whether a session of this person opens only enrolment: they must use a second factor
    and have none yet."""
    return must_use_mfa(roles, organization) and not await has_enrolled(user_id)


def require_mfa_setting_manager(actor: Actor, organization_id: UUID) -> None:
    """An organization's requirement is changed by its own Global Administrator (a customer)
    or admin agent (a partner)."""
    manager = AdminRole.GLOBAL_ADMINISTRATOR if actor.is_customer else PartnerRole.ADMIN_AGENT
    if actor.organization_id != organization_id or not actor.holds(manager):
        raise PermissionDenied(
            "Only the organization's Global Administrator (a customer) or admin agents (a "
            "partner) may change whether its people must use multi-factor authentication."
        )
