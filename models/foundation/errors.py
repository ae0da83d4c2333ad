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
