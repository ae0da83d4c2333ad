"""Who may do what, and who sees what: the one home of the domain's permission rules."""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models.actors import Actor
from models.catalog import RELATIONSHIP_TYPES, AdminRole
from models.enums import PartnerRole, RelationshipType
from models.errors import PermissionDenied
from models.invitations import Invitation
from models.leads import Lead
from models.relationships import Relationship

# A customer admin needs one of these to accept, decline, accept the agreement or remove roles.
PARTNER_MANAGER_ROLES = (AdminRole.GLOBAL_ADMINISTRATOR, AdminRole.BILLING_ADMINISTRATOR)
# ... and one of these as well when the invitation grants admin roles.
ROLE_GRANTER_ROLES = (AdminRole.GLOBAL_ADMINISTRATOR, AdminRole.PRIVILEGED_ROLE_ADMINISTRATOR)
INVITATION_SENDER_ROLES = (PartnerRole.ADMIN_AGENT, PartnerRole.SALES_AGENT)
# A partner's people who work its leads from the directory's Contact me form.
LEAD_MANAGER_ROLES = (PartnerRole.ADMIN_AGENT, PartnerRole.SALES_AGENT)
_ADMIN_ROLE_KEYS: frozenset[str] = frozenset(AdminRole)
_PARTNER_ROLE_KEYS: frozenset[str] = frozenset(PartnerRole)


def is_customer_admin(actor: Actor) -> bool:
    return actor.is_customer and not actor.roles.isdisjoint(_ADMIN_ROLE_KEYS)


def is_partner_agent(actor: Actor) -> bool:
    return actor.is_partner and not actor.roles.isdisjoint(_PARTNER_ROLE_KEYS)


def require_partner_manager(actor: Actor) -> None:
    """Accept, decline, accept the agreement, remove roles: Billing Administrator at least."""
    if not (actor.is_customer and actor.holds(*PARTNER_MANAGER_ROLES)):
        raise PermissionDenied(
            "Only a customer's Global or Billing Administrator may manage its partners."
        )


def require_role_granter(actor: Actor, type_: RelationshipType) -> None:
    """Accepting a type that grants admin roles needs Global or Privileged Role Administrator."""
    require_partner_manager(actor)
    if RELATIONSHIP_TYPES[type_].grants_roles and not actor.holds(*ROLE_GRANTER_ROLES):
        raise PermissionDenied(
            "Granting admin roles to a partner needs a Global Administrator "
            "or a Privileged Role Administrator."
        )


def require_invitation_sender(actor: Actor) -> None:
    if not (actor.is_partner and actor.holds(*INVITATION_SENDER_ROLES)):
        raise PermissionDenied("Only a partner's admin or sales agents may manage invitations.")


def require_partner_admin(actor: Actor) -> None:
    if not (actor.is_partner and actor.holds(PartnerRole.ADMIN_AGENT)):
        raise PermissionDenied("Only a partner's admin agents may end a relationship.")


def visible_invitations(actor: Actor) -> QuerySet[Invitation]:
    """The invitations the actor may list: sent by its partner, or addressed to its organization."""
    if actor.is_partner and actor.holds(*INVITATION_SENDER_ROLES):
        return Invitation.filter(partner_id=actor.organization_id)
    if is_customer_admin(actor):
        return Invitation.filter(customer_id=actor.organization_id)
    return Invitation.filter(Q(pk__in=[]))


def visible_relationships(actor: Actor) -> QuerySet[Relationship]:
    """The relationships the actor's organization is a side of, for its admins and agents."""
    if is_partner_agent(actor):
        return Relationship.filter(partner_id=actor.organization_id)
    if is_customer_admin(actor):
        return Relationship.filter(customer_id=actor.organization_id)
    return Relationship.filter(Q(pk__in=[]))


# --- The partner directory and its leads ----------------------------------------------


def require_profile_editor(actor: Actor) -> None:
    """Only a partner's admin agents edit (and publish) its directory profile."""
    if not (actor.is_partner and actor.holds(PartnerRole.ADMIN_AGENT)):
        raise PermissionDenied("Only a partner's admin agents may edit its directory profile.")


def sees_unpublished_profile(actor: Actor | None, organization_id: object) -> bool:
    """A partner's own agents see its profile before it is published; no one else does."""
    return (
        actor is not None and is_partner_agent(actor) and actor.organization_id == organization_id
    )


def require_lead_manager(actor: Actor) -> None:
    if not (actor.is_partner and actor.holds(*LEAD_MANAGER_ROLES)):
        raise PermissionDenied("Only a partner's admin or sales agents may work its leads.")


def visible_leads(actor: Actor) -> QuerySet[Lead]:
    """The leads addressed to the actor's partner, for its admin and sales agents only."""
    if actor.is_partner and actor.holds(*LEAD_MANAGER_ROLES):
        return Lead.filter(partner_id=actor.organization_id)
    return Lead.filter(Q(pk__in=[]))
