"""The scopes of API clients: what each opens, and how each is written at `/oauth/token`.

A client's access is the intersection of its scopes and what its organization may do: a scope
never opens more than the organization's own people could reach. On a customer's data a scope
opens a set of capabilities of the capability table (`models/reference/capabilities.py`); the
roles that decide which of them hold are the organization's (a partner's: those the customer
granted).
"""

from __future__ import annotations

from enum import StrEnum

from models.reference.capabilities import Capability


class ApiScope(StrEnum):
    RELATIONSHIPS_READ = "RELATIONSHIPS_READ"
    CUSTOMER_DATA_READ = "CUSTOMER_DATA_READ"
    CUSTOMER_DATA_WRITE = "CUSTOMER_DATA_WRITE"
    INVITATIONS_READ = "INVITATIONS_READ"
    INVITATIONS_WRITE = "INVITATIONS_WRITE"
    ACTIVITY_READ = "ACTIVITY_READ"

    @property
    def wire(self) -> str:
        """How OAuth writes it: lower case, its last underscore a dot (`customer_data.read`)."""
        head, _, tail = self.value.lower().rpartition("_")
        return f"{head}.{tail}"


SCOPE_MEANINGS: dict[ApiScope, str] = {
    ApiScope.RELATIONSHIPS_READ: "Read the organization's relationships and list its customers "
    "(a partner) or its partners (a customer).",
    ApiScope.CUSTOMER_DATA_READ: "Read a customer's data (users, licenses, support incidents "
    "...) within the roles the organization holds for it.",
    ApiScope.CUSTOMER_DATA_WRITE: "Change a customer's data (reset passwords, open support "
    "incidents ...) within the roles the organization holds for it.",
    ApiScope.INVITATIONS_READ: "Read the invitations the organization sent or received.",
    ApiScope.INVITATIONS_WRITE: "Send, resend and cancel the partner's invitations (the "
    "per-agent quota counts the client).",
    ApiScope.ACTIVITY_READ: "Read the organization's activity log.",
}

BY_WIRE: dict[str, ApiScope] = {scope.wire: scope for scope in ApiScope}

# On a customer's data, the capabilities each scope may open (the roles decide the rest).
_READS = frozenset(c for c in Capability if c.value.startswith("READ_"))
SCOPE_CAPABILITIES: dict[ApiScope, frozenset[Capability]] = {
    ApiScope.CUSTOMER_DATA_READ: _READS,
    ApiScope.CUSTOMER_DATA_WRITE: frozenset(Capability) - _READS,
}


def capabilities_opened(scopes: frozenset[ApiScope]) -> frozenset[Capability]:
    """The capabilities on a customer's data that `scopes` may open."""
    return frozenset().union(*(SCOPE_CAPABILITIES.get(scope, frozenset()) for scope in scopes))


def parse_wire(text: str) -> frozenset[ApiScope] | None:
    """The scopes of a space-separated OAuth `scope` parameter; None when one is unknown."""
    found = [BY_WIRE.get(word) for word in text.split()]
    if any(scope is None for scope in found):
        return None
    return frozenset(scope for scope in found if scope is not None)


def to_wire(scopes: frozenset[ApiScope] | set[ApiScope] | list[ApiScope]) -> str:
    """The OAuth `scope` parameter of `scopes`, in the enum's order."""
    return " ".join(scope.wire for scope in ApiScope if scope in scopes)
