"""The states and kinds that the domain names. GraphQL exposes these same enums.

Beside each enum, what each of its values means, as data: the API documents every value
with it (`schema/enums.py`). A relationship type's meaning is its rule in
`models/reference/catalog.py`.
"""

from __future__ import annotations

from enum import StrEnum


class OrganizationKind(StrEnum):
    CUSTOMER = "CUSTOMER"
    PARTNER = "PARTNER"


ORGANIZATION_KIND_MEANINGS: dict[OrganizationKind, str] = {
    OrganizationKind.CUSTOMER: "An organization that partners serve: its admins accept "
    "invitations and grant partners admin roles.",
    OrganizationKind.PARTNER: "A solution provider: its agents invite customers and act on "
    "their behalf within the roles granted.",
}


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


INVITATION_STATUS_MEANINGS: dict[InvitationStatus, str] = {
    InvitationStatus.PENDING: "Sent and open: its link works until it expires or is answered.",
    InvitationStatus.ACCEPTED: "A customer admin accepted it: the relationship holds its type "
    "and roles.",
    InvitationStatus.DECLINED: "A customer admin turned it down.",
    InvitationStatus.CANCELED: "The partner withdrew it.",
    InvitationStatus.EXPIRED: "Its open period ended before anyone answered it.",
}


class EmailStatus(StrEnum):
    QUEUED = "QUEUED"
    SENT = "SENT"
    FAILED = "FAILED"
    BOUNCED = "BOUNCED"  # sent, then reported undeliverable by the mail system


EMAIL_STATUS_MEANINGS: dict[EmailStatus, str] = {
    EmailStatus.QUEUED: "Waiting to be sent, or to be tried again after a passing failure.",
    EmailStatus.SENT: "Handed over to the mail server.",
    EmailStatus.FAILED: "Every try failed; resending the invitation tries again.",
    EmailStatus.BOUNCED: "Sent, then reported undeliverable by the mail system.",
}


class RelationshipStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"


RELATIONSHIP_STATUS_MEANINGS: dict[RelationshipStatus, str] = {
    RelationshipStatus.ACTIVE: "In force: its types apply and its active grants give access.",
    RelationshipStatus.ENDED: "The partner ended it and every grant was revoked; its history "
    "stays visible, and a new invitation may start it afresh.",
}


class RoleGrantStatus(StrEnum):
    ACTIVE = "ACTIVE"
    REVOKING = "REVOKING"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"


class DelegatedAdminRelationshipStatus(StrEnum):
    """A delegated admin relationship's status. EXPIRING is never stored: it is an ACTIVE one
    in its last days (`rules.delegated_admin.effective_status`)."""

    APPROVAL_PENDING = "APPROVAL_PENDING"
    ACTIVE = "ACTIVE"
    EXPIRING = "EXPIRING"
    EXPIRED = "EXPIRED"
    TERMINATED = "TERMINATED"


DELEGATED_ADMIN_RELATIONSHIP_STATUS_MEANINGS: dict[DelegatedAdminRelationshipStatus, str] = {
    DelegatedAdminRelationshipStatus.APPROVAL_PENDING: "Its invitation waits for the "
    "customer's approval; it grants nothing yet.",
    DelegatedAdminRelationshipStatus.ACTIVE: "Approved: its roles are granted until its end date.",
    DelegatedAdminRelationshipStatus.EXPIRING: "Active, in its last days before its end date.",
    DelegatedAdminRelationshipStatus.EXPIRED: "Reached its end date without being extended, "
    "or its invitation expired unanswered.",
    DelegatedAdminRelationshipStatus.TERMINATED: "Ended by either side, emptied of its last "
    "role, or its invitation was canceled or declined.",
}


ROLE_GRANT_STATUS_MEANINGS: dict[RoleGrantStatus, str] = {
    RoleGrantStatus.ACTIVE: "Gives the partner the role.",
    RoleGrantStatus.REVOKING: "Removed: it gives no access any more, while a job finishes the "
    "revocation.",
    RoleGrantStatus.REVOKED: "Removed, and the revocation is carried through.",
    RoleGrantStatus.EXPIRED: "Reached its end date (GDAP) without being extended.",
}


class UserStatus(StrEnum):
    """Where a person's account stands: whether they may sign in at all."""

    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"
    INVITED = "INVITED"


USER_STATUS_MEANINGS: dict[UserStatus, str] = {
    UserStatus.ACTIVE: "The person has set a password and may sign in.",
    UserStatus.DISABLED: "The account is disabled: no sign-in, and its sessions and tokens do "
    "not work.",
    UserStatus.INVITED: "The account was created without a password: the person sets one from "
    "the link emailed to them.",
}


class ApiClientStatus(StrEnum):
    """Whether an API client still takes tokens."""

    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


API_CLIENT_STATUS_MEANINGS: dict[ApiClientStatus, str] = {
    ApiClientStatus.ACTIVE: "It takes tokens at /oauth/token, and they work.",
    ApiClientStatus.EXPIRED: "It reached its `expiresAt`: no more tokens, and its tokens stopped.",
    ApiClientStatus.REVOKED: "An admin revoked it (`revokedAt`): no more tokens, and its tokens "
    "stopped at once. A revoked client stays revoked.",
}


class PasswordLinkPurpose(StrEnum):
    """Why a set-password link was emailed; it decides the email's words and its lifetime."""

    SET = "SET"  # a new account: the person chooses their first password
    RESET = "RESET"  # a forgotten password


class BulkOperationKind(StrEnum):
    """What a bulk operation does to each of its items."""

    SEND_INVITATIONS = "SEND_INVITATIONS"  # one template, sent to many customers
    ASSIGN_ACCESS = "ASSIGN_ACCESS"  # a security group's roles, assigned for many customers
    END_DELEGATED_ADMIN = "END_DELEGATED_ADMIN"  # many delegated admin relationships ended


BULK_OPERATION_KIND_MEANINGS: dict[BulkOperationKind, str] = {
    BulkOperationKind.SEND_INVITATIONS: "One invitation template sent to many customers "
    "(`sendInvitations`): each item an invitation.",
    BulkOperationKind.ASSIGN_ACCESS: "A security group given the same granted roles for many "
    "customers (`assignAccessInBulk`): each item one customer's relationship.",
    BulkOperationKind.END_DELEGATED_ADMIN: "Many delegated admin relationships "
    "ended (`endDelegatedAdminRelationshipsInBulk`): each item one of them.",
}


class BulkOperationStatus(StrEnum):
    """Where a bulk operation stands as a whole."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"


BULK_OPERATION_STATUS_MEANINGS: dict[BulkOperationStatus, str] = {
    BulkOperationStatus.QUEUED: "Accepted; the workers have not started on it yet.",
    BulkOperationStatus.RUNNING: "The workers are working through its items, in rounds.",
    BulkOperationStatus.COMPLETED: "Every item is done: succeeded or failed.",
}


class BulkOperationItemStatus(StrEnum):
    """Where one item of a bulk operation stands."""

    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


BULK_OPERATION_ITEM_STATUS_MEANINGS: dict[BulkOperationItemStatus, str] = {
    BulkOperationItemStatus.PENDING: "Not done yet.",
    BulkOperationItemStatus.SUCCEEDED: "Done, once: its effect (an invitation sent...) is "
    "recorded with it.",
    BulkOperationItemStatus.FAILED: "Refused, for the reason its error code gives; nothing "
    "was done for it.",
}
