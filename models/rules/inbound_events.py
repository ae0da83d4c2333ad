"""The events trusted systems may send, kept as data: each type, what its `data` must hold,
and the rule its job runs.

A sender names objects by the IDs the API shows (`relationship.id`, `invitation.id`), which
the caller's `decode` reads (the API layer owns their format). Each `check` turns `data`
into the payload stored with the webhook, or refuses it naming the field; each `run` does
the work as the system and returns a short summary of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from models.foundation.errors import DomainError, ErrorCode
from models.foundation.ids import noun
from models.operation import Operation
from models.reference.catalog import AdminRole
from models.rules.grants import revoke_for_customer
from models.rules.invitations import record_bounce, resend_for_partner
from models.rules.lifecycle import sweep_grants

Data = dict[str, Any]
# The UUID inside an API ID of a type ("Relationship"), or None when it is not one.
Decode = Callable[[str, str], UUID | None]

MAX_REASON = 1000


@dataclass(frozen=True)
class EventType:
    description: str
    check: Callable[[Mapping[str, Any], Decode], Data]
    run: Callable[[Operation, Data], Awaitable[str]]


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_INPUT, message, f"data.{field}")


def _api_id(data: Mapping[str, Any], decode: Decode, field: str, type_name: str) -> str:
    value = data.get(field)
    found = decode(type_name, value) if isinstance(value, str) else None
    if found is None:
        raise _invalid(field, f"`{field}` must be the ID of {noun(type_name, article=True)}.")
    return str(found)


def _text(data: Mapping[str, Any], field: str, *, required: bool) -> str | None:
    value = data.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _invalid(field, f"`{field}` must be a non-empty string.")
    return value.strip()[:MAX_REASON]


# ------------------------------------------------------------- relationship.revoke_roles


def _check_revoke(data: Mapping[str, Any], decode: Decode) -> Data:
    relationship_id = _api_id(data, decode, "relationship_id", "Relationship")
    roles = data.get("roles")
    if roles is not None:
        if (
            not isinstance(roles, list)
            or not roles
            or not all(isinstance(r, str) and r in AdminRole.__members__ for r in roles)
        ):
            raise _invalid(
                "roles", "`roles` must be a non-empty list of role keys, or absent for all."
            )
        roles = sorted(set(roles))
    reason = _text(data, "reason", required=False)
    return {"relationship_id": relationship_id, "roles": roles, "reason": reason}


async def _revoke(op: Operation, data: Data) -> str:
    grants = await revoke_for_customer(
        op,
        UUID(data["relationship_id"]),
        data["roles"],
        data["reason"] or "Removed on the customer's behalf by a trusted system",
    )
    return f"revoking {len(grants)} grant(s)"


# ------------------------------------------------------------- grants.expire_due


def _check_nothing(data: Mapping[str, Any], decode: Decode) -> Data:
    return {}


async def _expire_due(op: Operation, data: Data) -> str:
    report = await sweep_grants(op)
    return f"warned {report.warned}, extended {report.extended}, expired {report.expired}"


# ------------------------------------------------------------- invitation.resend


def _check_resend(data: Mapping[str, Any], decode: Decode) -> Data:
    return {"invitation_id": _api_id(data, decode, "invitation_id", "Invitation")}


async def _resend(op: Operation, data: Data) -> str:
    await resend_for_partner(op, UUID(data["invitation_id"]))
    return "resent"


# ------------------------------------------------------------- mail.delivery_report

DELIVERED, BOUNCED = "delivered", "bounced"


def _check_report(data: Mapping[str, Any], decode: Decode) -> Data:
    message_id = _text(data, "message_id", required=True)
    assert message_id is not None
    status = data.get("status")
    if status not in (DELIVERED, BOUNCED):
        raise _invalid("status", f"`status` must be {DELIVERED!r} or {BOUNCED!r}.")
    reason = _text(data, "reason", required=status == BOUNCED)
    # A Message-ID travels with its angle brackets; senders often drop them.
    return {"message_id": f"<{message_id.strip('<>')}>", "status": status, "reason": reason}


async def _report(op: Operation, data: Data) -> str:
    if data["status"] == DELIVERED:
        return "delivered: nothing to change"
    await record_bounce(op, data["message_id"], data["reason"])
    return "marked bounced"


EVENT_TYPES: dict[str, EventType] = {
    "relationship.revoke_roles": EventType(
        "Remove a relationship's roles (all, or `roles`) on the customer's behalf.",
        _check_revoke,
        _revoke,
    ),
    "grants.expire_due": EventType(
        "Run the lifecycle sweep now: warn, extend or expire the grants that are due.",
        _check_nothing,
        _expire_due,
    ),
    "invitation.resend": EventType(
        "Resend a pending invitation on its partner's behalf, with a new link.",
        _check_resend,
        _resend,
    ),
    "mail.delivery_report": EventType(
        "A mail system's report on an invitation email, named by its Message-ID.",
        _check_report,
        _report,
    ),
}


def check_event(document: Any, decode: Decode) -> tuple[str, Data]:
    """The event's type and checked data, or a refusal naming what is wrong."""
    if not isinstance(document, dict):
        raise DomainError(ErrorCode.INVALID_INPUT, "The body must be a JSON object.", None)
    type_ = document.get("type")
    event = EVENT_TYPES.get(type_) if isinstance(type_, str) else None
    if event is None or not isinstance(type_, str):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "Unknown event type; one of: " + ", ".join(sorted(EVENT_TYPES)),
            "type",
        )
    data = document.get("data", {})
    if not isinstance(data, dict):
        raise DomainError(ErrorCode.INVALID_INPUT, "`data` must be a JSON object.", "data")
    return type_, event.check(data, decode)
