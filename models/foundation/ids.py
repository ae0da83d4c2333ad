"""Opaque global IDs: base64 of "Type:uuid". Clients must not build or parse them."""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache
from uuid import UUID

import strawberry

from models.foundation.errors import DomainError, ErrorCode

# What a person calls each type of ID, with its article: messages name things in words, not
# by the type names inside IDs ("No such security group.", "the ID of an invitation").
NOUNS: dict[str, str] = {
    "AccessAssignment": "an access assignment",
    "ActivityEntry": "an activity entry",
    "ApiClient": "an API client",
    "ApiToken": "an API token",
    "AgreementAcceptance": "an agreement acceptance",
    "BillingNotification": "a billing notification",
    "BulkOperation": "a bulk operation",
    "DelegatedAdminRelationship": "a delegated admin relationship",
    "Device": "a device",
    "Domain": "a domain",
    "DomainSubscription": "a domain subscription",
    "Invitation": "an invitation",
    "InvitationTemplate": "an invitation template",
    "Invoice": "an invoice",
    "Lead": "a lead",
    "LicenseAssignment": "a license assignment",
    "LobApp": "a line-of-business app",
    "Organization": "an organization",
    "Partner": "a partner",
    "Purchase": "a purchase",
    "Relationship": "a relationship",
    "RoleGrant": "a role grant",
    "ScimToken": "a SCIM token",
    "SecurityGroup": "a security group",
    "Session": "a session",
    "SingleSignOn": "a single sign-on configuration",
    "Subscription": "a subscription",
    "SupportIncident": "a support incident",
    "User": "a user",
    "WebhookDelivery": "a webhook delivery",
    "WebhookEndpoint": "a webhook endpoint",
}

# Types that are another type seen from one side, and so share its IDs: a partner in the
# directory is its organization, so a partner has one ID wherever it appears; a person of a
# customer's directory is a `User` (IDs issued as `DirectoryUser:` before the two were one
# still name the same person).
SAME_IDS: dict[str, str] = {"Partner": "Organization", "DirectoryUser": "User"}


def noun(type_name: str, *, article: bool = False) -> str:
    """What a person calls a `type_name` ("security group"), or with its article."""
    words = NOUNS.get(type_name, f"a {type_name.lower()}")
    return words if article else words.split(" ", 1)[1]


def encode_id(type_name: str, id_: UUID) -> strawberry.ID:
    return _encoded(SAME_IDS.get(type_name, type_name), id_)


# A page names the same objects again and again (a customer's page of 50 relationships
# shows the customer 100 times), and writing a UUID out is most of an ID's cost: the most
# recent IDs are kept, a few megabytes at most.
@lru_cache(maxsize=16384)
def _encoded(kind: str, id_: UUID) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{kind}:{id_}".encode()).decode())


def decode_id(type_name: str, value: str) -> UUID | None:
    """The UUID inside a global ID of `type_name`, or None when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(value.encode() + b"=" * (-len(value) % 4)).decode()
        kind, _, uuid = raw.partition(":")
        same = SAME_IDS.get(kind, kind) == SAME_IDS.get(type_name, type_name)
        return UUID(uuid) if same else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def require_id(type_name: str, value: str, field: str) -> UUID:
    """The UUID inside a global ID given as input; a NOT_FOUND refusal naming `field` if not."""
    found = decode_id(type_name, value)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"No such {noun(type_name)}.", field)
    return found
