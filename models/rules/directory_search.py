"""The directory search: every SQL statement it runs, with parameters, for SQLite and PostgreSQL.

A filter on facets reads an index of the profiles' facet lists (migration 0021: SQLite's
FTS5 table of their values, PostgreSQL's GIN indexes; `_facet_clauses`); text
is matched through the full-text index that migration 0003 creates (SQLite: FTS5 over name
and description; PostgreSQL: a stored tsvector column of them, GIN-indexed); the page walks
published profiles in (name, id) order from the cursor. Values are always bound parameters,
never spliced in: the f-strings below only join fixed SQL and placeholders (hence the
`noqa: S608`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tortoise import connections

from models.foundation.errors import DomainError, ErrorCode
from models.reference.directory_vocabularies import VOCABULARIES, Facet
from models.rules.directory import FACET_ATTRIBUTES
from models.tables.directory import PartnerProfile

MAX_TERMS = 8
MAX_TEXT_LENGTH = 200
MAX_VALUES_PER_FACET = 20
# Matches are counted exactly up to this many; past it, the count stops and says "more".
# Counting every match cost what the matches cost (10,000 of them for one industry among
# 100,000 partners), while a visitor reads a page of 20: large search services count the
# same way ("100+ results").
COUNT_LIMIT = 100


@dataclass(frozen=True, slots=True)
class DirectoryFilter:
    """What a visitor asks for: any of the values within a facet, every facet, and the text."""

    facets: Mapping[Facet, Sequence[str]] = field(default_factory=dict)
    text: str | None = None

    def terms(self) -> list[str]:
        """The words of the text, lower-cased; each matches as a word prefix."""
        return re.findall(r"\w+", (self.text or "").lower())[:MAX_TERMS]


def check_filter(facets: Mapping[Facet, Sequence[str] | None], text: str | None) -> DirectoryFilter:
    """The filter without empty facets; a refusal for a value outside the vocabulary."""
    chosen: dict[Facet, list[str]] = {}
    for facet, values in facets.items():
        if not values:
            continue
        unknown = [value for value in values if value not in VOCABULARIES[facet]]
        if unknown:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"Unknown {facet.lower()} value(s): {', '.join(unknown[:5])}. "
                "See directoryVocabularies.",
            )
        if len(values) > MAX_VALUES_PER_FACET:
            raise DomainError(
                ErrorCode.INVALID_INPUT, f"At most {MAX_VALUES_PER_FACET} values per facet."
            )
        chosen[facet] = list(dict.fromkeys(values))
    if text is not None and len(text) > MAX_TEXT_LENGTH:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"Search text is at most {MAX_TEXT_LENGTH} characters."
        )
    return DirectoryFilter(facets=chosen, text=text)


class _Statement:
    """SQL text with its bound values, in the connection's placeholder style."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.values: list[Any] = []

    def bind(self, value: Any) -> str:
        self.values.append(value)
        return "?" if self.dialect == "sqlite" else f"${len(self.values)}"


def _where(statement: _Statement, filter_: DirectoryFilter) -> str:
    bind = statement.bind
    clauses = [f"p.published = {bind(True)}"]
    terms = filter_.terms()
    clauses.extend(_facet_clauses(statement, filter_, terms))
    if terms and statement.dialect == "sqlite":
        clauses.append(
            "p.id IN (SELECT rowid FROM partner_profile_search "  # noqa: S608
            f"WHERE partner_profile_search MATCH {bind(_fts_query(terms))})"
        )
    elif terms:
        query = " & ".join(f"{term}:*" for term in terms)
        clauses.append(f"p.search_vector @@ to_tsquery('simple', {bind(query)})")
    return " AND ".join(clauses)


def _facet_clauses(statement: _Statement, filter_: DirectoryFilter, terms: list[str]) -> list[str]:
    """The conditions of the filter's facets, each profile matching any value of each.

    Both backends read an index of the profiles' facet lists (migration 0021). PostgreSQL's
    is a GIN index on each list: its planner ANDs the facets' bitmaps when together they
    are narrow (three facets: a few hundred profiles among 100,000), and walks the
    (name, id) index checking the lists when they are broad (one industry: a tenth of them).
    SQLite's is an FTS5 table of a token per listed value, which merges the tokens' sorted
    lists of profiles; one facet alone, without text, walks the profiles in (name, id) order
    instead and looks each one up in `partner_facet_value`, which stops at the page's end or
    the count's limit.
    """
    bind = statement.bind
    if statement.dialect == "postgres":
        return [
            f"p.{FACET_ATTRIBUTES[facet]} ?| {bind(list(values))}::text[]"
            for facet, values in filter_.facets.items()
        ]
    if len(filter_.facets) == 1 and not terms:
        ((facet, values),) = filter_.facets.items()
        facet_param = bind(str(facet))
        listed = ", ".join(bind(value) for value in values)
        return [
            "EXISTS (SELECT 1 FROM partner_facet_value v "  # noqa: S608
            f"WHERE v.facet = {facet_param} AND v.value IN ({listed}) AND v.profile_id = p.id)"
        ]
    if not filter_.facets:
        return []
    return [
        "p.id IN (SELECT rowid FROM partner_profile_facets "  # noqa: S608
        f"WHERE partner_profile_facets MATCH {bind(_facets_query(filter_))})"
    ]


def _facets_query(filter_: DirectoryFilter) -> str:
    """FTS5 query syntax over the facet tokens (`location_de`): any value of each facet, every
    facet. Values come from the vocabularies: letters, digits and underscores only."""
    return " AND ".join(
        "(" + " OR ".join(f'"{str(facet).lower()}_{value}"' for value in values) + ")"
        for facet, values in filter_.facets.items()
    )


def _fts_query(terms: list[str]) -> str:
    """FTS5 query syntax: each word a quoted prefix, all required. Words hold no quotes."""
    return " ".join(f'"{term}"*' for term in terms)


def _statement() -> _Statement:
    return _Statement(connections.get("default").capabilities.dialect)


def _columns() -> str:
    """The model's columns (known once Tortoise is set up): PostgreSQL's table also holds
    the generated search vector, which the model does not read."""
    return ", ".join(f"p.{column}" for column in sorted(PartnerProfile._meta.db_fields))


async def search(
    filter_: DirectoryFilter, after: tuple[str, int] | None, limit: int
) -> list[PartnerProfile]:
    """Up to `limit` published profiles matching the filter, after `(name, id)`, in that order.

    The inner query finds and sorts the page's ids on narrow indexes; only the page's rows
    are then read whole.
    """
    statement = _statement()
    where = _where(statement, filter_)
    if after is not None:
        name, id_ = after
        where += f" AND (p.name, p.id) > ({statement.bind(name)}, {statement.bind(id_)})"
    sql = (
        f"SELECT {_columns()} FROM partner_profile p WHERE p.id IN ("  # noqa: S608
        f"SELECT p.id FROM partner_profile p WHERE {where} "
        f"ORDER BY p.name, p.id LIMIT {statement.bind(limit)}"
        ") ORDER BY p.name, p.id"
    )
    rows = await connections.get("default").execute_query_dict(sql, statement.values)
    # Tortoise's own row constructor: converts each column as a queryset would.
    return [PartnerProfile._init_from_db(**row) for row in rows]


@dataclass(frozen=True, slots=True)
class MatchCount:
    """How many profiles match: exactly, or at least `value` when counting stopped there."""

    value: int
    exact: bool


async def count(filter_: DirectoryFilter, limit: int | None = None) -> MatchCount:
    """How many published profiles match the filter, counted up to `limit` (COUNT_LIMIT
    unless given) and no further: the statement stops at the match after it, so its cost
    stays that of `limit` matches."""
    limit = COUNT_LIMIT if limit is None else limit
    statement = _statement()
    terms = filter_.terms()
    if terms and statement.dialect == "sqlite":
        # Driven by the full-text index, which hands over its matches one by one: read
        # through `p.id IN (...)`, SQLite would collect every match before counting any.
        match = statement.bind(_fts_query(terms))
        where = _where(statement, DirectoryFilter(facets=filter_.facets))
        source = (
            "partner_profile_search s JOIN partner_profile p ON p.id = s.rowid "
            f"WHERE partner_profile_search MATCH {match} AND {where}"
        )
    else:
        source = f"partner_profile p WHERE {_where(statement, filter_)}"
    sql = (
        f"SELECT COUNT(*) AS n FROM (SELECT 1 FROM {source} "  # noqa: S608
        f"LIMIT {statement.bind(limit + 1)}) AS matches"
    )
    rows = await connections.get("default").execute_query_dict(sql, statement.values)
    found = int(rows[0]["n"])
    return MatchCount(min(found, limit), exact=found <= limit)
