"""Who manages SCIM tokens, and what a SCIM token reaches.

A customer's Global Administrators create, list and revoke its SCIM tokens. A token
provisions its own customer's directory and nothing else: the customer's people (not the
accounts partners hold in its tenant, which are the partners') and the customer's groups.
"""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models.foundation.errors import PermissionDenied
from models.identity.actors import Actor
from models.identity.scim_tokens import Provisioner
from models.reference.catalog import AdminRole
from models.tables.access import SecurityGroup
from models.tables.organizations import User
from models.tables.scim import ScimToken

SCIM_TOKEN_MANAGER_ROLE = AdminRole.GLOBAL_ADMINISTRATOR


def manages_scim_tokens(actor: Actor | None) -> bool:
    return actor is not None and actor.is_customer and actor.holds(SCIM_TOKEN_MANAGER_ROLE)


def require_scim_token_manager(actor: Actor) -> None:
    if not manages_scim_tokens(actor):
        raise PermissionDenied("Only a customer's Global Administrators may manage SCIM tokens.")


def visible_scim_tokens(actor: Actor | None) -> QuerySet[ScimToken]:
    """The organization's SCIM tokens that are not revoked, for its Global Administrators."""
    if actor is None or not manages_scim_tokens(actor):
        return ScimToken.filter(Q(pk__in=[]))
    return ScimToken.filter(organization_id=actor.organization_id, revoked_at=None)


def provisioned_people(provisioner: Provisioner) -> QuerySet[User]:
    """The people a SCIM token reaches: its customer's own, never a partner's account."""
    return User.filter(organization_id=provisioner.organization_id, partner_of_id=None)


def provisioned_groups(provisioner: Provisioner) -> QuerySet[SecurityGroup]:
    """The groups a SCIM token reaches: its customer's directory groups."""
    return SecurityGroup.filter(partner_id=provisioner.organization_id)
