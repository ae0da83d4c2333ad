"""The states and kinds that the domain names. GraphQL exposes these same enums."""

from __future__ import annotations

from enum import StrEnum


class OrganizationKind(StrEnum):
    CUSTOMER = "CUSTOMER"
    PARTNER = "PARTNER"


class PartnerRole(StrEnum):
    """Roles a user of a partner organization holds inside the partner."""

    ADMIN_AGENT = "ADMIN_AGENT"
    SALES_AGENT = "SALES_AGENT"
    HELPDESK_AGENT = "HELPDESK_AGENT"


class RelationshipType(StrEnum):
    ADVISOR = "ADVISOR"
    ISV = "ISV"
    INDIRECT_RESELLER = "INDIRECT_RESELLER"
    LOB_PARTNER = "LOB_PARTNER"
    MPSA_PARTNER = "MPSA_PARTNER"
    OEM = "OEM"
    PARTNER = "PARTNER"
    GDAP_PARTNER = "GDAP_PARTNER"
    RESELLER = "RESELLER"


class InvitationStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"


class EmailStatus(StrEnum):
    QUEUED = "QUEUED"
    SENT = "SENT"
    FAILED = "FAILED"
    BOUNCED = "BOUNCED"  # sent, then reported undeliverable by the mail system


class RelationshipStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"


class RoleGrantStatus(StrEnum):
    ACTIVE = "ACTIVE"
    REVOKING = "REVOKING"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
