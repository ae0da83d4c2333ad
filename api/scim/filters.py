"""SCIM filters as database queries.

scim2-models parses a filter (RFC 7644 section 3.4.2.2) and checks it against the resource's
schema; this turns its tree into a Tortoise `Q` over the columns that hold each attribute.
An attribute or an operator that no column answers is refused as `invalidFilter`, which the
RFC allows ("the specified attribute and filter comparison combination is not supported").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    Not,
    Present,
    ValuePath,
)
from tortoise.expressions import Q, Subquery

from api.scim.protocol import ScimError
from models.reference.enums import UserStatus
from models.rules.scim_users import DEFAULT_EMAIL_TYPE, matching_user_name
from models.tables.access import SecurityGroupMember

NOTHING = Q(pk__in=[])
EVERYTHING = Q()

# How each text operator reads as a Tortoise lookup, case-insensitive and case-exact.
_TEXT_LOOKUPS: dict[CompareOperator, tuple[str, str]] = {
    CompareOperator.eq: ("iexact", ""),
    CompareOperator.co: ("icontains", "contains"),
    CompareOperator.sw: ("istartswith", "startswith"),
    CompareOperator.ew: ("iendswith", "endswith"),
}


def unsupported(what: object) -> ScimError:
    return ScimError(400, f"This filter is not supported here: {what}.", "invalidFilter")


def _name(path: AttrPath) -> str:
    return f"{path.attr}.{path.sub_attr}" if path.sub_attr else path.attr


def text(column: str, comparison: Comparison, *, case_exact: bool = False) -> Q:
    """A comparison of a text column: eq, ne, co, sw, ew."""
    if comparison.op is CompareOperator.ne:
        return ~text(
            column,
            Comparison(comparison.attr_path, CompareOperator.eq, comparison.value),
            case_exact=case_exact,
        )
    lookups = _TEXT_LOOKUPS.get(comparison.op)
    if lookups is None or not isinstance(comparison.value, str):
        raise unsupported(comparison)
    lookup = lookups[1] if case_exact else lookups[0]
    return Q(**{f"{column}__{lookup}" if lookup else column: comparison.value})


def by_id(comparison: Comparison, column: str = "id") -> Q:
    if comparison.op not in (CompareOperator.eq, CompareOperator.ne):
        raise unsupported(comparison)
    try:
        wanted: dict[str, Any] = {column: UUID(str(comparison.value))}
    except ValueError:
        found = NOTHING
    else:
        found = Q(**wanted)
    return ~found if comparison.op is CompareOperator.ne else found


class Translator:
    """Walks a filter's tree; `comparisons` and `presences` answer each attribute."""

    def __init__(
        self,
        comparisons: dict[str, Callable[[Comparison], Q]],
        presences: dict[str, Callable[[], Q]],
        value_paths: dict[str, Callable[[FilterNode], Q]],
    ) -> None:
        self.comparisons = {key.lower(): value for key, value in comparisons.items()}
        self.presences = {key.lower(): value for key, value in presences.items()}
        self.value_paths = {key.lower(): value for key, value in value_paths.items()}

    def __call__(self, node: FilterNode) -> Q:
        if isinstance(node, LogicalExpr):
            combined = self(node.terms[0])
            for term in node.terms[1:]:
                combined = (
                    combined & self(term) if node.op.value == "and" else combined | self(term)
                )
            return combined
        if isinstance(node, Not):
            return ~self(node.expr)
        if isinstance(node, Present):
            found = self.presences.get(_name(node.attr_path).lower())
            if found is None:
                raise unsupported(node)
            return found()
        if isinstance(node, Comparison):
            compare = self.comparisons.get(_name(node.attr_path).lower())
            if compare is None:
                raise unsupported(node)
            return compare(node)
        if isinstance(node, ValuePath):
            select = self.value_paths.get(node.attr_path.attr.lower())
            if select is None or node.sub_attr:
                raise unsupported(node)
            return select(node.val_filter)
        raise unsupported(node)


def _email(comparison: Comparison) -> Q:
    return text("email", comparison)


def _email_entry(node: FilterNode) -> Q:
    """A selection in `emails[...]`: a person has one address, of type work, primary."""
    if isinstance(node, LogicalExpr):
        parts = [_email_entry(term) for term in node.terms]
        combined = parts[0]
        for part in parts[1:]:
            combined = combined & part if node.op.value == "and" else combined | part
        return combined
    if isinstance(node, Not):
        return ~_email_entry(node.expr)
    if isinstance(node, Present):
        return (
            EVERYTHING if node.attr_path.attr.lower() in ("value", "type", "primary") else NOTHING
        )
    if isinstance(node, Comparison):
        name = node.attr_path.attr.lower()
        if name == "value":
            return _email(node)
        if name == "type":
            return _email_type(node)
        if name == "primary":
            return _email_primary(node)
    raise unsupported(node)


def _constant(comparison: Comparison, held: Any) -> Q:
    """A comparison of a value every person holds alike."""
    if comparison.op not in (CompareOperator.eq, CompareOperator.ne):
        raise unsupported(comparison)
    value = comparison.value
    same = value == held or (isinstance(value, str) and value.lower() == str(held).lower())
    return EVERYTHING if same == (comparison.op is CompareOperator.eq) else NOTHING


def _email_type(comparison: Comparison) -> Q:
    """The address's type; a person with none kept has a "work" address."""
    typed = text("email_type", comparison)
    if comparison.op not in (CompareOperator.eq, CompareOperator.ne):
        return typed
    if _constant(comparison, DEFAULT_EMAIL_TYPE) is EVERYTHING:
        return typed | Q(email_type__isnull=True)
    return typed & Q(email_type__isnull=False)


def _email_primary(comparison: Comparison) -> Q:
    """Whether the address is primary; it is unless the provider said otherwise."""
    if comparison.op not in (CompareOperator.eq, CompareOperator.ne) or not isinstance(
        comparison.value, bool
    ):
        raise unsupported(comparison)
    primary = comparison.value if comparison.op is CompareOperator.eq else not comparison.value
    if primary:
        return Q(email_primary__isnull=True) | Q(email_primary=True)
    return Q(email_primary=False)


def _active(comparison: Comparison) -> Q:
    if comparison.op not in (CompareOperator.eq, CompareOperator.ne) or not isinstance(
        comparison.value, bool
    ):
        raise unsupported(comparison)
    active = comparison.value if comparison.op is CompareOperator.eq else not comparison.value
    disabled = Q(status=UserStatus.DISABLED)
    return ~disabled if active else disabled


def _user_name(comparison: Comparison) -> Q:
    if comparison.op is CompareOperator.eq and isinstance(comparison.value, str):
        return matching_user_name(comparison.value)
    if comparison.op is CompareOperator.ne:
        return ~_user_name(Comparison(comparison.attr_path, CompareOperator.eq, comparison.value))
    named = text("user_name", comparison)
    unnamed = Q(user_name__isnull=True) & text("email", comparison)
    return named | unnamed


USERS = Translator(
    comparisons={
        "id": by_id,
        "userName": _user_name,
        "externalId": lambda c: text("external_id", c, case_exact=True),
        "displayName": lambda c: text("display_name", c),
        "emails": _email,
        "emails.value": _email,
        "emails.type": _email_type,
        "emails.primary": _email_primary,
        "active": _active,
    },
    presences={
        "id": Q,
        "userName": Q,
        "emails": Q,
        "emails.value": Q,
        "active": Q,
        "externalId": lambda: Q(external_id__isnull=False),
        "displayName": lambda: Q(display_name__isnull=False),
    },
    value_paths={"emails": _email_entry},
)


def _member(comparison: Comparison) -> Q:
    if comparison.op is not CompareOperator.eq:
        raise unsupported(comparison)
    try:
        member = UUID(str(comparison.value))
    except ValueError:
        return NOTHING
    return Q(id__in=Subquery(SecurityGroupMember.filter(user_id=member).values("group_id")))


def _member_entry(node: FilterNode) -> Q:
    if isinstance(node, Comparison) and node.attr_path.attr.lower() == "value":
        return _member(node)
    raise unsupported(node)


GROUPS = Translator(
    comparisons={
        "id": by_id,
        "displayName": lambda c: text("name", c),
        "externalId": lambda c: text("external_id", c, case_exact=True),
        "members": _member,
        "members.value": _member,
    },
    presences={
        "id": Q,
        "displayName": Q,
        "externalId": lambda: Q(external_id__isnull=False),
        "members": lambda: Q(id__in=Subquery(SecurityGroupMember.all().values("group_id"))),
    },
    value_paths={"members": _member_entry},
)
