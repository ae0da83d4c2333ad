"""Who may do what, and who sees what: the one home of the domain's permission rules.

Every access decision lives in this package, and it imports no rule module: rules, resolvers,
workers and the CLI ask it. `roles` says what kind of person an actor is; `customer_access`
computes what a viewer may do with one customer's data (its effective roles and capabilities);
this module holds the checks (`require_...`) and the visible-rows querysets (`visible_...`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models.foundation.errors import DomainError, ErrorCode, PermissionDenied
from models.identity.actors import Actor
from models.policy.bulk_work import is_partner_admin_agent, uses_templates
from models.policy.customer_access import CustomerAccess, customer_access
from models.policy.roles import is_customer_admin, is_partner_agent
from models.policy.scim import manages_scim_tokens
from models.reference.api_scopes import ApiScope
from models.reference.capabilities import DOMAIN_SUBSCRIPTION_ROLES, Capability
from models.reference.catalog import RELATIONSHIP_TYPES, AdminRole
from models.reference.enums import InvitationStatus, PartnerRole, RelationshipType
from models.tables.access import SecurityGroup
from models.tables.activity import ActivityEntry
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.invitations import Invitation
from models.tables.leads import Lead
from models.tables.organizations import ApiToken, User
from models.tables.outbound_webhooks import WebhookEndpoint
from models.tables.relationships import Relationship, RelationshipTypeRecord, active_key
from models.tables.sign_in import UserSession

# A customer admin needs one of these to accept, decline, accept the agreement or remove roles.
PARTNER_MANAGER_ROLES = (AdminRole.GLOBAL_ADMINISTRATOR, AdminRole.BILLING_ADMINISTRATOR)
# ... and one of these as well when the invitation grants admin roles.
ROLE_GRANTER_ROLES = (AdminRole.GLOBAL_ADMINISTRATOR, AdminRole.PRIVILEGED_ROLE_ADMINISTRATOR)
INVITATION_SENDER_ROLES = (PartnerRole.ADMIN_AGENT, PartnerRole.SALES_AGENT)
# A customer's admins who read its activity log (a partner's: its admin agents).
ACTIVITY_READER_ROLES = (*PARTNER_MANAGER_ROLES, AdminRole.GLOBAL_READER)
# A partner's people who work its leads from the directory's Contact me form.
LEAD_MANAGER_ROLES = (PartnerRole.ADMIN_AGENT, PartnerRole.SALES_AGENT)
# Orders, subscriptions and the MPSA purchases list: a partner's admin or sales agents.
SALES_ROLES = (PartnerRole.ADMIN_AGENT, PartnerRole.SALES_AGENT)
# The types under which a partner places orders and manages subscriptions for a customer.
RESELLER_TYPES = (RelationshipType.RESELLER, RelationshipType.INDIRECT_RESELLER)


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


def require_addressee(actor: Actor, invitation: Invitation) -> None:
    """An invitation addressed to one organization is answered by that organization only."""
    if invitation.addressed and invitation.customer_id != actor.organization_id:
        raise DomainError(
            ErrorCode.WRONG_ORGANIZATION,
            "This invitation is addressed to another organization.",
            "token",
        )


def require_invitation_acceptor(actor: Actor, invitation: Invitation) -> None:
    """Who may accept this invitation: a Global or Billing Administrator of the customer it
    is addressed to (any customer when it names none), and a Global or Privileged Role
    Administrator when it grants admin roles. `acceptInvitation` and
    `Invitation.viewerCanAccept` both ask this, so the page can say why before anyone tries."""
    require_partner_manager(actor)
    require_addressee(actor, invitation)
    require_role_granter(actor, invitation.type)


def link_reveals_terms(status: InvitationStatus) -> bool:
    """Whether an invitation's email link shows what it offers, to whom and from whom.

    The link is a credential only while the invitation is open: whoever holds it then reads
    the offer, so that the admin it reached can decide. Afterwards a link lives on in
    mailboxes, forwards and tickets, so it shows only the invitation's status; the two
    organizations still read the rest through `invitation(id:)`.
    """
    return status is InvitationStatus.PENDING


def require_invitation_sender(actor: Actor) -> None:
    """A partner's admin and sales agents, and its API clients granted INVITATIONS_WRITE."""
    if not (
        actor.is_partner
        and (actor.holds(*INVITATION_SENDER_ROLES) or actor.granted(ApiScope.INVITATIONS_WRITE))
    ):
        raise PermissionDenied(
            "Only a partner's admin or sales agents (or its API clients granted "
            "INVITATIONS_WRITE) may manage invitations."
        )


def sent_invitations(actor: Actor) -> QuerySet[Invitation]:
    """The invitations a sender may resend or cancel: its partner's."""
    require_invitation_sender(actor)
    return Invitation.filter(partner_id=actor.organization_id)


def require_partner_admin(actor: Actor) -> None:
    if not (actor.is_partner and actor.holds(PartnerRole.ADMIN_AGENT)):
        raise PermissionDenied("Only a partner's admin agents may end a relationship.")


def is_webhook_manager(actor: Actor) -> bool:
    """A customer's Global Administrator, or a partner's admin agent."""
    if actor.is_customer:
        return actor.holds(AdminRole.GLOBAL_ADMINISTRATOR)
    return actor.is_partner and actor.holds(PartnerRole.ADMIN_AGENT)


def require_webhook_manager(actor: Actor) -> None:
    if not is_webhook_manager(actor):
        raise PermissionDenied(
            "Only a customer's Global Administrator or a partner's admin agents may manage "
            "webhook endpoints."
        )


def opens_invitations(actor: Actor) -> bool:
    """A partner's admin and sales agents (what it sent); a customer's admins (what it got);
    either's API clients granted INVITATIONS_READ."""
    return (
        (actor.is_partner and actor.holds(*INVITATION_SENDER_ROLES))
        or is_customer_admin(actor)
        or actor.granted(ApiScope.INVITATIONS_READ)
    )


def opens_relationships(actor: Actor) -> bool:
    """A partner's agents and a customer's admins: the people of a relationship's sides; and
    either's API clients granted RELATIONSHIPS_READ."""
    return (
        is_partner_agent(actor)
        or is_customer_admin(actor)
        or actor.granted(ApiScope.RELATIONSHIPS_READ)
    )


def reads_activity(actor: Actor) -> bool:
    return _activity_side(actor) is not None


def works_leads(actor: Actor) -> bool:
    return actor.is_partner and actor.holds(*LEAD_MANAGER_ROLES)


@dataclass(frozen=True, slots=True)
class ListAccess:
    """Who may open a top-level list, and what anyone else is told."""

    opens: Callable[[Actor], bool]
    refusal: str


# The one rule of every top-level list: a viewer whose roles cannot open it is refused
# (FORBIDDEN), so that "you may not" never looks like "there is nothing"; a viewer who may
# open it reads its rows, and an empty list means that there are none. Keyed by the query.
# (`mpsaPurchases`, `devices` and `lobApps` also ask the customer's relationship type, in
# `require_mpsa_partner`, `require_oem` and `require_lob_partner`.)
LISTS: dict[str, ListAccess] = {
    "invitations": ListAccess(
        opens_invitations,
        "Only a partner's admin and sales agents, a customer's admins and API clients granted "
        "INVITATIONS_READ may list invitations.",
    ),
    "relationships": ListAccess(
        opens_relationships,
        "Only a partner's agents, a customer's admins and API clients granted "
        "RELATIONSHIPS_READ may list relationships.",
    ),
    "customers": ListAccess(
        opens_relationships,
        "Only a partner's agents, a customer's admins and API clients granted "
        "RELATIONSHIPS_READ may list customers.",
    ),
    "securityGroups": ListAccess(
        is_partner_agent, "Only a partner's agents may list its security groups."
    ),
    "activity": ListAccess(
        reads_activity,
        "Only a customer's Global, Billing and Global Reader admins, a partner's admin "
        "agents and API clients granted ACTIVITY_READ may read the activity log.",
    ),
    "webhookEndpoints": ListAccess(
        is_webhook_manager,
        "Only a customer's Global Administrator or a partner's admin agents may list webhook "
        "endpoints.",
    ),
    "leads": ListAccess(works_leads, "Only a partner's admin and sales agents may list its leads."),
    "invitationTemplates": ListAccess(
        uses_templates, "Only a partner's admin and sales agents may list its invitation templates."
    ),
    "bulkOperations": ListAccess(
        is_partner_admin_agent, "Only a partner's admin agents may list its bulk operations."
    ),
    "scimTokens": ListAccess(
        manages_scim_tokens, "Only a customer's Global Administrators may list its SCIM tokens."
    ),
}


def lists_opened_by(actor: Actor) -> list[str]:
    """The top-level lists (by their query's name) that the actor's roles open, by `LISTS`:
    what a client may offer them, where the others would answer FORBIDDEN."""
    return [name for name, access in LISTS.items() if access.opens(actor)]


def visible_webhook_endpoints(actor: Actor) -> QuerySet[WebhookEndpoint]:
    """The endpoints of the actor's organization, for those who manage them."""
    if is_webhook_manager(actor):
        return WebhookEndpoint.filter(organization_id=actor.organization_id)
    return WebhookEndpoint.filter(Q(pk__in=[]))


def _activity_side(actor: Actor) -> str | None:
    """The side (`customer_id` or `partner_id`) through which the actor reads its
    organization's activity; None for those who read none."""
    if actor.is_partner and actor.holds(PartnerRole.ADMIN_AGENT):
        return "partner_id"
    if actor.is_customer and actor.holds(*ACTIVITY_READER_ROLES):
        return "customer_id"
    if actor.granted(ApiScope.ACTIVITY_READ):
        return "partner_id" if actor.is_partner else "customer_id"
    return None


def visible_activity(actor: Actor) -> QuerySet[ActivityEntry]:
    """What concerns the actor's organization, for its admins: entries name the customer
    and the partner they concern, so both sides of a relationship see its history."""
    side = _activity_side(actor)
    if side is None:
        return ActivityEntry.filter(Q(pk__in=[]))
    return ActivityEntry.filter(**{side: actor.organization_id})


def visible_relationship_activity(
    actor: Actor, relationship_id: UUID, customer_id: UUID, partner_id: UUID
) -> QuerySet[ActivityEntry]:
    """The history of the relationship of `customer_id` and `partner_id`, as
    `visible_activity` shows it to the actor: all of it to the admins of either side, nothing
    to anyone else.

    Every entry of a relationship names both of its sides (`activity.sides`), so for a side
    the entries of `visible_activity` in the relationship are exactly the relationship's:
    narrowed by the relationship alone, they are read through its (relationship_id,
    created_at) index, even for an organization with a million other entries
    (`benchmarks/relationship_activity.py`).
    """
    side = _activity_side(actor)
    sides = {"customer_id": customer_id, "partner_id": partner_id}
    if side is None or sides[side] != actor.organization_id:
        return ActivityEntry.filter(Q(pk__in=[]))
    return ActivityEntry.filter(relationship_id=relationship_id)


def visible_members(actor: Actor | None, organization_id: object) -> QuerySet[User]:
    """An organization's people, for its own agents (a partner) or admins (a customer): a
    customer sees nothing of its partners' people, nor a partner of another's."""
    if (
        actor is not None
        and actor.organization_id == organization_id
        and (is_partner_agent(actor) or is_customer_admin(actor))
    ):
        return User.filter(organization_id=organization_id)
    return User.filter(Q(pk__in=[]))


def visible_sessions(actor: Actor | None, user_id: object, now: datetime) -> QuerySet[UserSession]:
    """A person's live sessions, for that person only: nobody else, not even an admin, sees
    where someone is signed in."""
    if actor is None or actor.limited or actor.person_id != user_id:
        return UserSession.filter(Q(pk__in=[]))
    return UserSession.filter(user_id=user_id, idle_expires_at__gt=now, expires_at__gt=now)


def visible_api_tokens(actor: Actor | None, user_id: object) -> QuerySet[ApiToken]:
    """A person's bearer tokens that are not revoked (expired ones included, marked by their
    expiry), for that person only."""
    if actor is None or actor.limited or actor.person_id != user_id:
        return ApiToken.filter(Q(pk__in=[]))
    return ApiToken.filter(user_id=user_id, revoked_at=None)


def visible_invitations(actor: Actor) -> QuerySet[Invitation]:
    """The invitations the actor may list: sent by its partner, or addressed to its organization."""
    if opens_invitations(actor):
        side = "partner_id" if actor.is_partner else "customer_id"
        return Invitation.filter(**{side: actor.organization_id})
    return Invitation.filter(Q(pk__in=[]))


def visible_relationships(actor: Actor) -> QuerySet[Relationship]:
    """The relationships the actor's organization is a side of, for its admins and agents."""
    if opens_relationships(actor):
        side = "partner_id" if actor.is_partner else "customer_id"
        return Relationship.filter(**{side: actor.organization_id})
    return Relationship.filter(Q(pk__in=[]))


def visible_delegated_admin_relationships(actor: Actor) -> QuerySet[DelegatedAdminRelationship]:
    """The delegated admin relationships of the relationships the actor sees, as
    `visible_relationships` decides (a partner's side sees theirs awaiting approval too; a
    customer's once it approved them)."""
    if not opens_relationships(actor):
        return DelegatedAdminRelationship.filter(Q(pk__in=[]))
    if actor.is_partner:
        return DelegatedAdminRelationship.filter(partner_id=actor.organization_id)
    return DelegatedAdminRelationship.filter(relationship__customer_id=actor.organization_id)


def require_delegated_admin_ender(actor: Actor) -> None:
    """Who may end one delegated admin relationship: the customer's Global or Privileged
    Role Administrator, or the partner's admin agents."""
    if actor.is_customer and actor.holds(*ROLE_GRANTER_ROLES):
        return
    if actor.is_partner and actor.holds(PartnerRole.ADMIN_AGENT):
        return
    raise PermissionDenied(
        "Only a customer's Global or Privileged Role Administrator, or the partner's admin "
        "agents, may end a delegated admin relationship."
    )


# ------------------------------------------------------ partner actions by relationship type


async def holds_type(partner_id: UUID, customer_id: UUID, *types: RelationshipType) -> bool:
    """Whether the partner's active relationship with the customer holds one of `types` in force.

    The partner actions that come with a type (orders, MPSA, OEM, LOB) ask this, and nothing
    else of the relationship: no role grant is involved.
    """
    return await RelationshipTypeRecord.exists(
        relationship__active_key=active_key(customer_id, partner_id),  # set only while ACTIVE
        ended_at=None,
        type__in=types,
    )


async def _require_type(
    actor: Actor, customer_id: UUID, types: tuple[RelationshipType, ...], refusal: str
) -> None:
    if not await holds_type(actor.organization_id, customer_id, *types):
        raise PermissionDenied(refusal)


def require_sales_agent(actor: Actor) -> None:
    if not (actor.is_partner and actor.holds(*SALES_ROLES)):
        raise PermissionDenied("Only a partner's admin or sales agents may manage orders.")


async def require_reseller(actor: Actor, customer_id: UUID) -> None:
    """Orders and subscriptions: an admin or sales agent of a Reseller or Indirect reseller."""
    require_sales_agent(actor)
    await _require_type(
        actor, customer_id, RESELLER_TYPES, "Only the customer's resellers may manage its orders."
    )


async def require_mpsa_partner(actor: Actor, customer_id: UUID) -> None:
    """The MPSA purchases list: an admin or sales agent of one of the customer's MPSA partners."""
    require_sales_agent(actor)
    await _require_type(
        actor,
        customer_id,
        (RelationshipType.MPSA_PARTNER,),
        "Only the customer's MPSA partners may read its purchases.",
    )


async def require_oem(actor: Actor, customer_id: UUID) -> None:
    """Registering devices: any agent of one of the customer's OEM partners, with no grant."""
    if not is_partner_agent(actor):
        raise PermissionDenied("Only a partner's agents may register devices.")
    await _require_type(
        actor,
        customer_id,
        (RelationshipType.OEM,),
        "Only the customer's OEM partners may register its devices.",
    )


async def require_lob_partner(actor: Actor, customer_id: UUID) -> None:
    """Line-of-business apps: any agent of one of the customer's LOB partners."""
    if not is_partner_agent(actor):
        raise PermissionDenied("Only a partner's agents may manage line-of-business apps.")
    await _require_type(
        actor,
        customer_id,
        (RelationshipType.LOB_PARTNER,),
        "Only the customer's line-of-business partners may manage its apps.",
    )


# ---------------------------------------------------------------- customer data and AOBO


def visible_security_groups(actor: Actor) -> QuerySet[SecurityGroup]:
    """The partner's security groups, for its agents."""
    if is_partner_agent(actor):
        return SecurityGroup.filter(partner_id=actor.organization_id)
    return SecurityGroup.filter(Q(pk__in=[]))


def require_access_manager(actor: Actor) -> None:
    """Security groups and access assignments: the partner's admin agents."""
    if not (actor.is_partner and actor.holds(PartnerRole.ADMIN_AGENT)):
        raise PermissionDenied(
            "Only a partner's admin agents may manage security groups and access assignments."
        )


async def require_capability(
    actor: Actor, customer_id: UUID, capability: Capability, now: datetime
) -> CustomerAccess:
    """The one check of every action on a customer's data, by the capability table.

    A customer the viewer may not see at all is refused the same way, so that a refusal
    does not tell whether it exists.
    """
    access = await customer_access(actor, customer_id, now)
    if access is None:
        raise PermissionDenied(f"Your roles for this customer do not allow {capability}.")
    access.require(capability)
    return access


def discloses_partner(actor: Actor, partner_id: object) -> bool:
    """Whether a partner named on a customer's row (who sold, reset, opened, registered...)
    is shown to the viewer: the customer's admins see every one, a partner's agents only
    their own organization. A customer's partners do not learn of each other, or of each
    other's business, through its data."""
    return not (actor.is_partner and partner_id != actor.organization_id)


def require_domain_purchaser(actor: Actor, customer_id: UUID) -> None:
    """Domain subscriptions: the customer's own account, holding every required role."""
    if not (
        actor.is_customer
        and actor.organization_id == customer_id
        and actor.roles >= DOMAIN_SUBSCRIPTION_ROLES
    ):
        raise PermissionDenied(
            "Only the customer's own admin holding both Domain Name Administrator and "
            "Billing Administrator may buy domain subscriptions."
        )


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
    if not works_leads(actor):
        raise PermissionDenied("Only a partner's admin or sales agents may work its leads.")


def visible_leads(actor: Actor) -> QuerySet[Lead]:
    """The leads addressed to the actor's partner, for its admin and sales agents only."""
    if works_leads(actor):
        return Lead.filter(partner_id=actor.organization_id)
    return Lead.filter(Q(pk__in=[]))
