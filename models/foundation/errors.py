"""The domain's refusals. The GraphQL layer turns them into payload errors in one place."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID_INPUT = "INVALID_INPUT"
    NOT_FOUND = "NOT_FOUND"
    INVITATION_NOT_PENDING = "INVITATION_NOT_PENDING"
    INVITATION_EXPIRED = "INVITATION_EXPIRED"
    AGREEMENT_NOT_ACCEPTED = "AGREEMENT_NOT_ACCEPTED"
    ROLES_NOT_ALLOWED = "ROLES_NOT_ALLOWED"
    ROLES_REQUIRED = "ROLES_REQUIRED"
    UNKNOWN_ROLE = "UNKNOWN_ROLE"
    INVALID_DURATION = "INVALID_DURATION"
    AUTO_EXTEND_NOT_ALLOWED = "AUTO_EXTEND_NOT_ALLOWED"
    RELATIONSHIP_ENDED = "RELATIONSHIP_ENDED"
    WRONG_ORGANIZATION = "WRONG_ORGANIZATION"
    # Partner actions
    DUPLICATE = "DUPLICATE"
    SUBSCRIPTION_CLOSED = "SUBSCRIPTION_CLOSED"
    # Access assignments and customer data
    NAME_TAKEN = "NAME_TAKEN"
    ROLE_NOT_GRANTED = "ROLE_NOT_GRANTED"
    NO_LICENSE_AVAILABLE = "NO_LICENSE_AVAILABLE"
    DOMAIN_TAKEN = "DOMAIN_TAKEN"
    URL_NOT_ALLOWED = "URL_NOT_ALLOWED"
    UNKNOWN_EVENT_TYPE = "UNKNOWN_EVENT_TYPE"
    # The partner directory and its leads.
    PROFILE_INCOMPLETE = "PROFILE_INCOMPLETE"
    RATE_LIMITED = "RATE_LIMITED"
    LEAD_STATUS_NOT_ALLOWED = "LEAD_STATUS_NOT_ALLOWED"
    # Sign-in and passwords.
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    PASSWORD_NOT_ALLOWED = "PASSWORD_NOT_ALLOWED"  # noqa: S105 (a code, not a password)
    LINK_NOT_VALID = "LINK_NOT_VALID"
    ACCOUNT_DISABLED = "ACCOUNT_DISABLED"
    # Single sign-on through an organization's OpenID Connect provider.
    SINGLE_SIGN_ON_REQUIRED = "SINGLE_SIGN_ON_REQUIRED"
    SINGLE_SIGN_ON_NOT_AVAILABLE = "SINGLE_SIGN_ON_NOT_AVAILABLE"
    SINGLE_SIGN_ON_STATE_NOT_VALID = "SINGLE_SIGN_ON_STATE_NOT_VALID"
    SINGLE_SIGN_ON_FAILED = "SINGLE_SIGN_ON_FAILED"
    EMAIL_NOT_ALLOWED = "EMAIL_NOT_ALLOWED"
    ACCOUNT_NOT_FOUND = "ACCOUNT_NOT_FOUND"
    ISSUER_NOT_VALID = "ISSUER_NOT_VALID"
    # Managing people.
    PRIVILEGED_ROLE_REQUIRED = "PRIVILEGED_ROLE_REQUIRED"
    LAST_ADMIN = "LAST_ADMIN"
    USER_NOT_INVITED = "USER_NOT_INVITED"
    # Multi-factor authentication.
    INVALID_MFA_CODE = "INVALID_MFA_CODE"
    MFA_REQUIRED = "MFA_REQUIRED"
    MFA_NOT_ENABLED = "MFA_NOT_ENABLED"
    MFA_ENROLLMENT_NOT_STARTED = "MFA_ENROLLMENT_NOT_STARTED"
    # Templates and bulk operations.
    SENDER_NOT_ALLOWED = "SENDER_NOT_ALLOWED"


# What each code means to a client, documented on the API's ErrorCode enum. A new code gets
# its line here, or the schema's documentation test names it.
ERROR_CODE_MEANINGS: dict[ErrorCode, str] = {
    ErrorCode.INVALID_INPUT: "A value is malformed or out of range; the message says how.",
    ErrorCode.NOT_FOUND: "The input names something that does not exist, or that the viewer "
    "may not see.",
    ErrorCode.INVITATION_NOT_PENDING: "The invitation was already accepted, declined or "
    "canceled, or changed meanwhile.",
    ErrorCode.INVITATION_EXPIRED: "The invitation's open period has ended; the partner may "
    "resend it.",
    ErrorCode.AGREEMENT_NOT_ACCEPTED: "The current Customer Agreement must be accepted first "
    "(by the customer, for orders).",
    ErrorCode.ROLES_NOT_ALLOWED: "The relationship type takes no requested roles.",
    ErrorCode.ROLES_REQUIRED: "The relationship type needs at least one role; or a partner's "
    "person, at least one agent role.",
    ErrorCode.UNKNOWN_ROLE: "A role is not in the role catalog (for a partner's people: not "
    "one of ADMIN_AGENT, SALES_AGENT, HELPDESK_AGENT).",
    ErrorCode.INVALID_DURATION: "The duration is outside what the relationship type allows, "
    "or the type has none.",
    ErrorCode.AUTO_EXTEND_NOT_ALLOWED: "Auto-extend is only for GDAP relationships, and never "
    "with Global Administrator.",
    ErrorCode.RELATIONSHIP_ENDED: "The relationship has ended.",
    ErrorCode.WRONG_ORGANIZATION: "The invitation is addressed to another organization.",
    ErrorCode.DUPLICATE: "The same thing is registered already (a person: an account with "
    "this email address exists).",
    ErrorCode.SUBSCRIPTION_CLOSED: "The subscription is canceled or expired and can no longer "
    "change.",
    ErrorCode.NAME_TAKEN: "Another item of the organization has this name.",
    ErrorCode.ROLE_NOT_GRANTED: "The customer has not granted this role in the relationship, "
    "or the grant is no longer active.",
    ErrorCode.NO_LICENSE_AVAILABLE: "The subscription is not active, or all its licenses are "
    "assigned.",
    ErrorCode.DOMAIN_TAKEN: "The domain name is taken.",
    ErrorCode.URL_NOT_ALLOWED: "The URL may not receive webhooks: an https:// URL that "
    "resolves to public addresses only, unless the deployment allows private ones.",
    ErrorCode.UNKNOWN_EVENT_TYPE: "An event type is not one of `webhookEventTypes`.",
    ErrorCode.PROFILE_INCOMPLETE: "A published directory profile lacks a required field.",
    ErrorCode.RATE_LIMITED: "Too many requests: sign-in attempts for the account or from the "
    "address, Contact me from the same address, or invitation emails from the same agent, "
    "organization, or to the same address; the message says when to try again. Nothing was "
    "written or sent.",
    ErrorCode.LEAD_STATUS_NOT_ALLOWED: "The lead cannot move to that status from its current "
    "one, or changed meanwhile.",
    ErrorCode.INVALID_CREDENTIALS: "The email address and password do not match an account "
    "that may sign in, or the current password is wrong.",
    ErrorCode.PASSWORD_NOT_ALLOWED: "The new password is too short, too long, or too common "
    "(known from breaches, or made of the account's own words); the message says which.",
    ErrorCode.LINK_NOT_VALID: "The set-password link was used already, has expired, or was "
    "never issued; ask for a new one.",
    ErrorCode.ACCOUNT_DISABLED: "The account is disabled; an administrator of its "
    "organization may enable it again.",
    ErrorCode.SINGLE_SIGN_ON_REQUIRED: "The person's organization signs its people in through "
    "its identity provider only (single sign-on): passwords are not accepted.",
    ErrorCode.SINGLE_SIGN_ON_NOT_AVAILABLE: "The organization has no single sign-on, or has "
    "turned it off.",
    ErrorCode.SINGLE_SIGN_ON_STATE_NOT_VALID: "The sign-in through the identity provider was "
    "completed already, took longer than 10 minutes, began in another browser, or was never "
    "begun: start again.",
    ErrorCode.SINGLE_SIGN_ON_FAILED: "The identity provider could not be reached, reported an "
    "error, or its ID token was refused (signature, issuer, audience, expiry or nonce).",
    ErrorCode.EMAIL_NOT_ALLOWED: "The identity provider's email address is not verified, or "
    "its domain is not one of the organization's single sign-on domains.",
    ErrorCode.ACCOUNT_NOT_FOUND: "No person of the organization has this email address: an "
    "administrator must add them first.",
    ErrorCode.ISSUER_NOT_VALID: "The issuer is not an https:// URL (http:// to loopback only, "
    "outside production), resolves to an address not allowed, or its OpenID Connect "
    "discovery document could not be read or names another issuer.",
    ErrorCode.PRIVILEGED_ROLE_REQUIRED: "Privileged roles, and the people who hold one, are "
    "managed only by a Global or Privileged Role Administrator.",
    ErrorCode.LAST_ADMIN: "The change would leave the organization without an active Global "
    "Administrator (a partner: without an active admin agent); give the role to another "
    "person first.",
    ErrorCode.USER_NOT_INVITED: "The person has set a password already: there is no "
    "invitation to resend or cancel.",
    ErrorCode.INVALID_MFA_CODE: "The authenticator code or recovery code is not right, was "
    "used already (each works once), or its time has passed.",
    ErrorCode.MFA_REQUIRED: "Multi-factor authentication is required here and cannot be "
    "turned off: for partner agents, holders of privileged roles, and everyone of an "
    "organization that requires it.",
    ErrorCode.MFA_NOT_ENABLED: "The viewer, or the person named, has no authenticator enrolled.",
    ErrorCode.MFA_ENROLLMENT_NOT_STARTED: "There is no enrolment to confirm: start one with "
    "`startTotpEnrollment` first.",
    ErrorCode.SENDER_NOT_ALLOWED: "The agent who started a bulk operation may no longer do "
    "what it does (their roles changed, or they left); its remaining items fail with this.",
}


class Refused(Exception):
    """What the rules raise to refuse a request: one refusal or several, as `refusals`."""

    @property
    def refusals(self) -> list[DomainError]:
        raise NotImplementedError


class DomainError(Refused):
    """A business rule refused the request; `field` is the input path it concerns."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    @property
    def refusals(self) -> list[DomainError]:
        return [self]


class ValidationErrors(Refused):
    """Several refusals at once, so that a form can show each next to its field."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors

    @property
    def refusals(self) -> list[DomainError]:
        return self.errors


class PermissionDenied(Exception):
    """The viewer may not take this action. Shown as a top-level FORBIDDEN error."""


class NotAuthenticated(Exception):
    """No valid credentials. Shown as a top-level UNAUTHENTICATED error."""
