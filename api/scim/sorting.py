"""SCIM sorting (RFC 7644 section 3.4.2.3): `sortBy` and `sortOrder` as a database order.

scim2-models reads both from the query string or the `.search` body (`SearchRequest`) and
checks `sortBy` against the resource's schema (an unknown attribute, or a complex one named
without its sub-attribute, is its `invalidPath`); this orders the rows by the column that
holds the attribute, as the resource shows it. A string sorts without regard to case unless
it is case-exact (`externalId`, `id`), as the RFC asks; a resource without the attribute sorts
last ascending and first descending (its value taken as the greatest); ties keep creation
order. A schema attribute that no column holds (`name.familyName`, kept only within the
display name) is refused as `invalidValue` rather than answered in an order the client did
not ask for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scim2_models import SearchRequest
from scim2_models.path import AttrPath
from tortoise.expressions import Case, F, Q, When
from tortoise.functions import Coalesce, Lower
from tortoise.queryset import QuerySet

from api.scim.protocol import ScimError

SORT_KEY = "scim_sort_key"
MISSING = "scim_sort_missing"
TIE_BREAK = ("created_at", "id")


@dataclass(frozen=True, slots=True)
class SortKey:
    """How one attribute orders rows: the value (an expression over columns), whether it is
    compared as written (case-exact), and the column whose emptiness means "no value"."""

    value: Callable[[], Any]
    case_exact: bool = False
    nullable: str | None = None


def _column(name: str) -> Callable[[], Any]:
    return lambda: F(name)


USER_SORTS: dict[str, SortKey] = {
    "id": SortKey(_column("id"), case_exact=True),
    # A person the provider never named is shown with their address as the userName.
    "userName": SortKey(lambda: Coalesce("user_name", "email")),
    "externalId": SortKey(_column("external_id"), case_exact=True, nullable="external_id"),
    "displayName": SortKey(_column("display_name"), nullable="display_name"),
    "emails": SortKey(_column("email")),
    "emails.value": SortKey(_column("email")),
    "meta.created": SortKey(_column("created_at"), case_exact=True),
    "meta.lastModified": SortKey(lambda: Coalesce("provisioned_at", "created_at"), case_exact=True),
}
GROUP_SORTS: dict[str, SortKey] = {
    "id": SortKey(_column("id"), case_exact=True),
    "displayName": SortKey(_column("name")),
    "externalId": SortKey(_column("external_id"), case_exact=True, nullable="external_id"),
    "meta.created": SortKey(_column("created_at"), case_exact=True),
    "meta.lastModified": SortKey(lambda: Coalesce("provisioned_at", "created_at"), case_exact=True),
}


def _name(path: AttrPath) -> str:
    return f"{path.attr}.{path.sub_attr}" if path.sub_attr else path.attr


def sort_key(search: SearchRequest[Any], sorts: dict[str, SortKey]) -> SortKey | None:
    """The key `sortBy` names among `sorts` (attribute names compare case-insensitively);
    None when the search does not sort, or names an attribute this resource type lacks."""
    path = search.sort_by.ast if search.sort_by is not None else None
    if not isinstance(path, AttrPath):  # scim2-models has refused any other kind of path
        return None
    wanted = _name(path).lower()
    return next((key for name, key in sorts.items() if name.lower() == wanted), None)


def refuse_unsortable(search: SearchRequest[Any], sortable: list[dict[str, SortKey]]) -> None:
    """Refuse a `sortBy` that no resource type of the listing can order by."""
    if search.sort_by is not None and all(sort_key(search, s) is None for s in sortable):
        raise ScimError(
            400,
            f"Sorting by {search.sort_by} is not supported; sort by another attribute.",
            "invalidValue",
        )


def sorted_rows(
    rows: QuerySet[Any], search: SearchRequest[Any], sorts: dict[str, SortKey]
) -> QuerySet[Any]:
    """`rows` in the search's order: by its `sortBy` and `sortOrder` where this resource type
    has the attribute, then (and otherwise) oldest first."""
    key = sort_key(search, sorts)
    if key is None:
        return rows.order_by(*TIE_BREAK)
    descending = search.sort_order is SearchRequest.SortOrder.descending
    value = key.value() if key.case_exact else Lower(key.value())
    empty: dict[str, Any] = {f"{key.nullable}__isnull": True}
    missing = Case(When(Q(**empty), then="1"), default="0") if key.nullable else None
    sign = "-" if descending else ""
    order = [f"{sign}{SORT_KEY}"]
    annotations: dict[str, Any] = {SORT_KEY: value}
    if missing is not None:
        annotations[MISSING] = missing
        order.insert(0, f"{sign}{MISSING}")
    return rows.annotate(**annotations).order_by(*order, *TIE_BREAK)
