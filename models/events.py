"""The event types subscribed systems may receive, kept as data: adding one is one line.

An activity entry whose action is named here is also an event: `Transaction.record` writes
it to the subscribed endpoints' deliveries in the same transaction. Other actions (an
endpoint's own changes, for instance) stay in the activity log only.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tortoise.expressions import Q

from models.tables.activity import ActivityEntry
from models.tables.outbound_webhooks import (
    HELD_FOR,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

EVENT_TYPES: dict[str, str] = {
    "invitation.sent": "A partner sent an invitation.",
    "invitation.resent": "A partner sent an invitation again, with a new link.",
    "invitation.canceled": "A partner withdrew an invitation.",
    "invitation.declined": "A customer turned an invitation down.",
    "invitation.accepted": "A customer accepted an invitation.",
    "invitation.expired": "An invitation reached the end of its open period unanswered.",
    "agreement.accepted": "A customer accepted the current Customer Agreement.",
    "relationship.created": "A customer and a partner started a relationship.",
    "relationship.ended": "A partner ended a relationship.",
    "roles.granted": "A customer granted a partner admin roles.",
    "roles.removed": "A customer removed admin roles; access through them has ended.",
    "roles.revoked": "The revocation of removed roles was carried through.",
    "roles.extended": "Time-bound roles were extended automatically.",
    "roles.expired": "Time-bound roles reached their end date.",
    "delegated_admin_relationship.activated": "A customer approved a delegated admin "
    "relationship (GDAP): its roles are granted until its end date.",
    "delegated_admin_relationship.ended": "A delegated admin relationship ended: either side "
    "ended it, its last role was removed, or it reached its end date.",
    "lead.created": "A visitor asked a partner to contact them.",
    "lead.status_changed": "A partner moved one of its leads to another status.",
    "lead.invited": "A partner sent an invitation from one of its leads.",
    "partner_profile.updated": "A partner changed its directory profile, or published it.",
    "access.role_assigned": "A partner assigned a granted role to one of its security groups.",
    "access.role_unassigned": "A security group lost a role: taken away by the partner, "
    "or dropped when the grant ended.",
    "user.password_reset": "A user's password was reset.",
    "user.created": "An operator added a person to an organization (`partnerhub create-user`); "
    "they are emailed a link to set their password.",
    "user.invited": "An admin invited a person to their organization; they are emailed a link "
    "to set their password.",
    "user.invitation_resent": "An admin emailed an invited person a new set-password link; the "
    "old one stopped working.",
    "user.invitation_canceled": "An admin withdrew an invitation: the invited person was removed.",
    "user.roles_updated": "An admin gave a person roles, or took roles from them.",
    "user.disabled": "An admin disabled a person, or the customer's identity provider did "
    "(SCIM `active: false`): their sessions and tokens stopped at once.",
    "user.enabled": "An admin let a disabled person sign in again, or the customer's identity "
    "provider did (SCIM).",
    "user.removed": "An admin removed a person from their organization, or the customer's "
    "identity provider did (SCIM).",
    "user.provisioned": "A customer's identity provider added a person to its directory (SCIM).",
    "user.updated": "A customer's identity provider changed a person's userName, externalId, "
    "email address or name (SCIM).",
    "directory_group.provisioned": "A customer's identity provider added a group to its "
    "directory (SCIM).",
    "directory_group.updated": "A customer's identity provider renamed a group of its directory, "
    "or changed its members (SCIM).",
    "directory_group.removed": "A customer's identity provider removed a group of its "
    "directory (SCIM).",
    "support_incident.created": "A support incident was opened.",
    "license.assigned": "A license of a subscription was assigned to a user.",
    "license.unassigned": "A license of a subscription was taken from a user.",
    "domain_subscription.purchased": "A customer bought a domain subscription.",
    "order.placed": "A reseller placed an order for a customer.",
    "subscription.changed": "A reseller resized, suspended, reactivated or canceled a "
    "subscription.",
    "device.registered": "An OEM partner registered a device for a customer.",
    "lob_app.submitted": "A line-of-business partner submitted an app for a customer.",
    "lob_app.updated": "A line-of-business partner updated an app.",
    "customer_settings.updated": "A customer changed its settings about its partners.",
    "single_sign_on.configured": "An organization changed how its people sign in through its "
    "own identity provider (single sign-on).",
    "user.mfa_enabled": "A person enrolled an authenticator app, or replaced theirs.",
    "user.mfa_disabled": "A person turned their multi-factor authentication off.",
    "user.mfa_reset": "An admin removed a person's authenticator app and recovery codes (it "
    "was lost) and ended their sessions: they sign in with their password and set up a new "
    "one.",
    "organization.mfa_requirement_changed": "An organization changed whether all its people "
    "must sign in with a second factor.",
}


def is_event(action: str) -> bool:
    return action in EVENT_TYPES


async def publish(entry: ActivityEntry) -> list[str]:
    """Queue the entry, as an event, for every endpoint of the organizations it concerns that
    subscribed to its type; the ids of the enabled ones, to deliver to now.

    An endpoint disabled less than HELD_FOR ago gets the event too, as a HELD delivery that
    waits for it to be enabled again (`models/rules/webhook_endpoints.py`); one disabled
    longer gets nothing. Runs inside the transaction of the change (`Transaction.record`).
    """
    organizations = [org for org in (entry.customer_id, entry.partner_id) if org is not None]
    if not organizations:
        return []
    endpoints = [
        endpoint
        for endpoint in await WebhookEndpoint.filter(
            Q(enabled=True) | Q(disabled_at__gt=entry.created_at - HELD_FOR),
            organization_id__in=organizations,
        ).only("id", "event_types", "enabled")
        if entry.action in endpoint.event_types
    ]
    if not endpoints:
        return []
    held = [endpoint.id for endpoint in endpoints if not endpoint.enabled]
    if held:
        # Read the disabled ones again, locked: one being enabled meanwhile is read as its
        # enabling left it, and its enabling waits for this change to release what it holds.
        locked = await WebhookEndpoint.filter(id__in=held).select_for_update().only("id", "enabled")
        enabled = {endpoint.id for endpoint in locked if endpoint.enabled}
        for endpoint in endpoints:
            endpoint.enabled = endpoint.enabled or endpoint.id in enabled
    ordering_key = str(entry.relationship_id or entry.object_id)
    event = await WebhookEvent.create(
        message_id=f"msg_{entry.id.hex}",
        type=entry.action,
        ordering_key=ordering_key,
        occurred_at=entry.created_at,
        data=event_data(entry),
    )
    await WebhookDelivery.bulk_create(
        [
            WebhookDelivery(
                endpoint_id=endpoint.id,
                event_id=event.id,
                ordering_key=ordering_key,
                status=DeliveryStatus.PENDING if endpoint.enabled else DeliveryStatus.HELD,
                next_attempt_at=entry.created_at if endpoint.enabled else None,
            )
            for endpoint in endpoints
        ]
    )
    return [str(endpoint.id) for endpoint in endpoints if endpoint.enabled]


def event_data(entry: ActivityEntry) -> dict[str, Any]:
    """What the event says. Ids are stored as `[type, uuid]`; the delivery job turns them
    into the API's opaque IDs."""

    def ref(type_name: str, value: UUID | None) -> list[str] | None:
        return [type_name, str(value)] if value is not None else None

    return {
        "object": ref(entry.object_type, entry.object_id),
        "relationship": ref("Relationship", entry.relationship_id),
        "customer": ref("Organization", entry.customer_id),
        "partner": ref("Organization", entry.partner_id),
        "actor": ref("User", entry.actor_user_id),
        "actorOrganization": ref("Organization", entry.actor_organization_id),
        "onBehalfOf": ref("Organization", entry.on_behalf_of_id),
        "changes": entry.changes,
    }
