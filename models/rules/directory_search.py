"""The directory search: every SQL statement it runs, with parameters, for SQLite and PostgreSQL.

A filter on facets reads an index of the profiles' facet lists (migration 0021: SQLite's
FTS5 table of their values, PostgreSQL's GIN indexes; `_facet_clauses`); text
is matched through the full-text index that migration 0003 creates (SQLite: FTS5 over name
and description; PostgreSQL: a stored tsvector column of them, GIN-indexed); the page walks
published profiles in (name, id) order from the cursor. Values are always bound parameters,
never spliced in: the f-strings below only join fixed SQL and placeholders (hence the
`noqa: S608`).

On SQLite a search with text first reads an estimate (`plan`): the index's terms each word
is a prefix of, with the number of profiles holding each (migration 0024), and how many
profiles list the facets' values. From it the page either walks the profiles in (name, id)
order testing each one, which stops at the page's end (cheap when matches are dense: a
common word), or reads the matches from the full-text index and sorts them (cheap when they
are few: a rare word). PostgreSQL's planner makes that choice itself, from its statistics.
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


def _where(statement: _Statement, filter_: DirectoryFilter, chosen: Plan) -> str:
    bind = statement.bind
    clauses = [f"p.published = {bind(True)}"]
    terms = filter_.terms()
    clauses.extend(_facet_clauses(statement, filter_, chosen.walk))
    if terms and statement.dialect == "sqlite" and chosen.walk:
        # SQLite tests the facets first (it tests subqueries last, in order); inside, the
        # cheap test before the probe (a condition on the outer row alone comes first).
        may_hold = _may_hold(statement, terms)
        query = chosen.text_query or _fts_query(terms)
        clauses.append(
            f"EXISTS (SELECT 1 FROM partner_profile_search s WHERE {may_hold} "  # noqa: S608
            f"AND partner_profile_search MATCH {bind(query)} AND s.rowid = p.id)"
        )
    elif terms and statement.dialect == "sqlite":
        clauses.append(
            "p.id IN (SELECT rowid FROM partner_profile_search "  # noqa: S608
            f"WHERE partner_profile_search MATCH {bind(chosen.text_query or _fts_query(terms))})"
        )
    elif terms:
        query = " & ".join(f"{term}:*" for term in terms)
        clauses.append(f"p.search_vector @@ to_tsquery('simple', {bind(query)})")
    return " AND ".join(clauses)


def _may_hold(statement: _Statement, words: list[str]) -> str:
    """SQLite, walking: a test the profile passes if it holds the plain words, far cheaper
    than a probe of the full-text index, which then decides. Its name and description, in
    ASCII letters only, contain the words lower-cased: the index's tokens are runs of
    letters and digits, lower-cased. Any other letter may fold to an ASCII one in the index
    (the Kelvin sign to "k"), so a profile holding one is left to the probe."""
    plain = [word for word in words if PLAIN_WORD.fullmatch(word)]
    if not plain:
        return "1"
    text = "(p.name || ' ' || p.description)"
    other_letter = f"length(CAST({text} AS BLOB)) > length({text})"  # a byte per ASCII letter
    held = " AND ".join(f"instr(lower({text}), {statement.bind(word)}) > 0" for word in plain)
    return f"({other_letter} OR ({held}))"


def _facet_clauses(statement: _Statement, filter_: DirectoryFilter, walk: bool) -> list[str]:
    """The conditions of the filter's facets, each profile matching any value of each.

    Both backends read an index of the profiles' facet lists (migration 0021). PostgreSQL's
    is a GIN index on each list: its planner ANDs the facets' bitmaps when together they
    are narrow (a facet and words), and walks the (name, id) index checking the lists when
    they are broad (one industry: a tenth of them). Several facets alone test a column of
    every list's values as tokens ("location:DE", migration 0024), whose GIN index is read
    in one scan that skips ahead through the longer lists.
    SQLite's is an FTS5 table of a token per listed value, which merges the tokens' sorted
    lists of profiles; a walk in (name, id) order (one facet alone, or text and facets
    whose matches are dense, see `plan`) instead looks each profile up in
    `partner_facet_value`, which stops at the page's end or the count's limit.
    """
    bind = statement.bind
    if statement.dialect == "postgres" and len(filter_.facets) > 1 and not filter_.terms():
        return [
            "p.facet_tokens && "
            f"{bind([f'{str(facet).lower()}:{value}' for value in values])}::text[]"
            for facet, values in filter_.facets.items()
        ]
    if statement.dialect == "postgres":
        return [
            f"p.{FACET_ATTRIBUTES[facet]} ?| {bind(list(values))}::text[]"
            for facet, values in filter_.facets.items()
        ]
    if not filter_.facets:
        return []
    if walk:
        return [_listed(statement, facet, values) for facet, values in filter_.facets.items()]
    return [
        "p.id IN (SELECT rowid FROM partner_profile_facets "  # noqa: S608
        f"WHERE partner_profile_facets MATCH {bind(_facets_query(filter_))})"
    ]


def _listed(statement: _Statement, facet: Facet, values: Sequence[str]) -> str:
    """SQLite: the profile `p` lists one of the facet's values (an index lookup)."""
    facet_param = statement.bind(str(facet))
    listed = ", ".join(statement.bind(value) for value in values)
    return (
        "EXISTS (SELECT 1 FROM partner_facet_value v "  # noqa: S608
        f"WHERE v.facet = {facet_param} AND v.value IN ({listed}) AND v.profile_id = p.id)"
    )


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
    the generated search vector and facet tokens, which the model does not read."""
    return ", ".join(f"p.{column}" for column in sorted(PartnerProfile._meta.db_fields))


# A word is looked up among the index's terms when it is plain: lower-case ASCII letters and
# digits, which the index's tokenizer keeps as they are. Any other word stays a prefix query.
PLAIN_WORD = re.compile(r"[a-z0-9]+")
# A word that is the prefix of more terms than this stays a prefix query (the index merges
# their lists of profiles in one read), and the page then reads the matches and sorts them.
MAX_TERMS_PER_WORD = 16
# What each way of finding a page costs per row, in microseconds (SQLite, measured among
# 100,000 profiles): a step of the walk in (name, id) order, a lookup of a profile's facet
# values, a read of its name and description for the words (a row out of the table's
# order), a probe of the full-text index for one profile (made for about every match the
# read lets through); and a match read from the indexes and sorted.
STEP, FACET_LOOKUP, TEXT_READ, TEXT_PROBE, SORT = 0.3, 1.0, 5.0, 20.0, 0.5


@dataclass(frozen=True, slots=True)
class Plan:
    """How a search finds its profiles: chosen by `plan`, followed by `search` and `count`."""

    # Walk the published profiles in (name, id) order testing each one, rather than read the
    # matches from the indexes and sort them.
    walk: bool
    # SQLite: the full-text query of the text, each word as the index's terms it is a prefix
    # of (an exact term is found without merging every term of the prefix).
    text_query: str | None = None
    # A word is the prefix of no term in the index: nothing matches.
    nothing: bool = False
    # SQLite: how many profiles match, counted by the first page's statement (`search`) so
    # that `count` need not run a statement of its own: the number found, and the limit it
    # was counted up to (a walk's count stops past it), or None when it is exact (a read's).
    counted: list[tuple[int, int | None]] = field(default_factory=list, compare=False)


async def plan(filter_: DirectoryFilter, limit: int) -> Plan:
    """How to find the first `limit` matches of the filter, and count them.

    Without text, SQLite walks for no facet or one (a facet's lookup is cheap, and broad
    facets fill a page soon), and merges the facet index's lists for several. With text it
    reads an estimate first, in one statement: the terms each word is a prefix of, with the
    number of profiles holding each, how many profiles list each facet's values, and the
    highest profile id (about how many there are). Taking the conditions as independent,
    walking costs about `limit / density` steps and reading the matches costs their number:
    the cheaper is chosen. (A profile saved between the estimate and the search is found by
    the words it held before.) PostgreSQL's planner chooses itself.
    """
    statement = _statement()
    terms = filter_.terms()
    if statement.dialect != "sqlite":
        return Plan(walk=False)
    if not terms:
        return Plan(walk=len(filter_.facets) <= 1)
    bind = statement.bind
    parts = ["SELECT -2 AS part, '' AS term, coalesce(max(id), 0) AS n FROM partner_profile"]
    for facet, values in filter_.facets.items():
        parts.append(
            f"SELECT -1, {bind(str(facet))}, count(*) FROM partner_facet_value "  # noqa: S608
            f"WHERE facet = {bind(str(facet))} "
            f"AND value IN ({', '.join(bind(value) for value in values)})"
        )
    for index, term in enumerate(terms):
        if PLAIN_WORD.fullmatch(term):
            parts.append(
                f"SELECT * FROM (SELECT {index}, term, doc FROM partner_profile_search_terms "  # noqa: S608
                f"WHERE term >= {bind(term)} AND term < {bind(_past_prefix(term))} "
                f"LIMIT {MAX_TERMS_PER_WORD + 1})"
            )
    sql = " UNION ALL ".join(parts)
    rows = await connections.get("default").execute_query_dict(sql, statement.values)
    total = max(1, *(int(row["n"]) for row in rows if row["part"] == -2))
    facets_density = 1.0
    for row in rows:
        if row["part"] == -1:
            facets_density *= min(1.0, int(row["n"]) / total)
    words, text_density, known = [], 1.0, True
    for index, term in enumerate(terms):
        found = [(str(row["term"]), int(row["n"])) for row in rows if row["part"] == index]
        if not PLAIN_WORD.fullmatch(term) or len(found) > MAX_TERMS_PER_WORD:
            words.append(f'"{term}"*')
            known = False
            continue
        if not found:
            return Plan(walk=False, nothing=True)
        words.append("(" + " OR ".join(f'"{name}"' for name, _ in found) + ")")
        text_density *= min(1.0, sum(n for _, n in found) / total)
    density = max(text_density * facets_density, 1 / total)
    steps = min(total, limit / density)
    facets = len(filter_.facets)
    walking = steps * (STEP + FACET_LOOKUP * facets + TEXT_READ * facets_density) + (
        TEXT_PROBE * min(steps, limit)
    )
    reading = total * text_density * (SORT + FACET_LOOKUP * facets)
    return Plan(walk=known and walking < reading, text_query=" AND ".join(words))


def _past_prefix(term: str) -> str:
    """The first string after every string that starts with the plain word `term`."""
    return term[:-1] + chr(ord(term[-1]) + 1)


async def search(
    filter_: DirectoryFilter,
    after: tuple[str, int] | None,
    limit: int,
    chosen: Plan | None = None,
    *,
    counting: bool = False,
) -> list[PartnerProfile]:
    """Up to `limit` published profiles matching the filter, after `(name, id)`, in that order.

    The inner query finds and sorts the page's ids on narrow indexes (or walks them in
    order: `plan`, unless given); only the page's rows are then read whole. On SQLite the
    first page also counts the matches, into `chosen.counted`, when it reads every match
    to sort them (at no cost), or when `counting` (the client reads the count): a walk then
    counts them as `count` would, in a subquery SQLite runs once, sparing a statement.
    """
    chosen = chosen or await plan(filter_, limit)
    if chosen.nothing:
        return []
    statement = _statement()
    first_page = statement.dialect == "sqlite" and after is None
    # The count's values are bound first: it comes first in the statement.
    walking_count = first_page and counting and chosen.walk
    walk_count = _count_sql(statement, filter_, chosen, COUNT_LIMIT) if walking_count else None
    where = _where(statement, filter_, chosen)
    if after is not None:
        name, id_ = after
        where += f" AND (p.name, p.id) > ({statement.bind(name)}, {statement.bind(id_)})"
    if first_page and not chosen.walk:
        sql = (
            f"SELECT {_columns()}, m.matches FROM ("  # noqa: S608
            f"SELECT p.id, COUNT(*) OVER () AS matches FROM partner_profile p WHERE {where} "
            f"ORDER BY p.name, p.id LIMIT {statement.bind(limit)}"
            ") AS m JOIN partner_profile p ON p.id = m.id ORDER BY p.name, p.id"
        )
    else:
        matches = f", ({walk_count}) AS matches" if walk_count else ""
        sql = (
            f"SELECT {_columns()}{matches} FROM partner_profile p WHERE p.id IN ("  # noqa: S608
            f"SELECT p.id FROM partner_profile p WHERE {where} "
            f"ORDER BY p.name, p.id LIMIT {statement.bind(limit)}"
            ") ORDER BY p.name, p.id"
        )
    rows = await connections.get("default").execute_query_dict(sql, statement.values)
    if first_page and (walk_count or not chosen.walk):
        found = int(rows[0]["matches"]) if rows else 0
        chosen.counted[:] = [(found, COUNT_LIMIT if chosen.walk else None)]
        for row in rows:
            del row["matches"]
    # Tortoise's own row constructor: converts each column as a queryset would.
    return [PartnerProfile._init_from_db(**row) for row in rows]


@dataclass(frozen=True, slots=True)
class MatchCount:
    """How many profiles match: exactly, or at least `value` when counting stopped there."""

    value: int
    exact: bool


async def count(
    filter_: DirectoryFilter, limit: int | None = None, chosen: Plan | None = None
) -> MatchCount:
    """How many published profiles match the filter, counted up to `limit` (COUNT_LIMIT
    unless given) and no further: the statement stops at the match after it, so its cost
    stays that of `limit` matches. `chosen` is the search's plan (`plan` unless given)."""
    limit = COUNT_LIMIT if limit is None else limit
    chosen = chosen or await plan(filter_, limit)
    if chosen.nothing:
        return MatchCount(0, exact=True)
    if chosen.counted:
        ((found, counted_up_to),) = chosen.counted
        if counted_up_to is None or limit <= counted_up_to:
            return MatchCount(min(found, limit), exact=found <= limit)
    statement = _statement()
    if filter_.terms() and filter_.facets and statement.dialect != "sqlite":
        return await _count_by_density(filter_, limit)
    sql = _count_sql(statement, filter_, chosen, limit)
    rows = await connections.get("default").execute_query_dict(
        f"SELECT ({sql}) AS n", statement.values
    )
    found = int(rows[0]["n"])
    return MatchCount(min(found, limit), exact=found <= limit)


def _count_sql(statement: _Statement, filter_: DirectoryFilter, chosen: Plan, limit: int) -> str:
    """A query of how many published profiles match the filter, up to `limit` and one more
    (PostgreSQL's words and facets excepted: `_count_by_density`)."""
    terms = filter_.terms()
    if terms and statement.dialect == "sqlite":
        # Driven by the full-text index, which hands over its matches one by one: read
        # through `p.id IN (...)`, SQLite would collect every match before counting any.
        match = statement.bind(chosen.text_query or _fts_query(terms))
        facets = DirectoryFilter(facets=filter_.facets)
        where = _where(statement, facets, Plan(walk=len(filter_.facets) <= 1))
        source = (
            "partner_profile_search s JOIN partner_profile p ON p.id = s.rowid "
            f"WHERE partner_profile_search MATCH {match} AND {where}"
        )
    else:
        source = f"partner_profile p WHERE {_where(statement, filter_, chosen)}"
    return (
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {source} "  # noqa: S608
        f"LIMIT {statement.bind(limit + 1)}) AS matches"
    )


# PostgreSQL: words held by more than this share of the profiles are tested profile by
# profile rather than read from the full-text index when facets narrow the search.
DENSE_WORDS = 0.05


async def _count_by_density(filter_: DirectoryFilter, limit: int) -> MatchCount:
    """PostgreSQL, words and facets: the count reads the facets' index and tests each
    profile's words when the words are common (reading every profile that holds a common
    word's prefix from the full-text index costs what they number: 23,000 for "migration"
    among 100,000), and ANDs both indexes when they are rare. How common the words are is
    the planner's own statistics of the search vector's most common words (`pg_stats`:
    each word's share is the sum of those it is a prefix of; none listed is rare), read in
    the same statement, which runs only the branch chosen."""
    statement = _statement()
    bind = statement.bind
    shares = " * ".join(
        "(SELECT coalesce(sum(e.share), 0) FROM pg_stats s, "  # noqa: S608
        "unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e(word, share) "
        "WHERE s.schemaname = current_schema() AND s.tablename = 'partner_profile' "
        f"AND s.attname = 'search_vector' AND starts_with(e.word, {bind(term)}))"
        for term in filter_.terms()
    )
    dense = bind(DENSE_WORDS)
    query = " & ".join(f"{term}:*" for term in filter_.terms())
    facets = " AND ".join(_facet_clauses(statement, filter_, walk=False))
    tested = (
        f"p.published = {bind(True)} AND {facets} "
        f"AND ts_match_vq(p.search_vector, to_tsquery('simple', {bind(query)}))"
    )
    indexed = _where(statement, filter_, Plan(walk=False))
    stop = bind(limit + 1)
    sql = (
        f"SELECT CASE WHEN {shares} > {dense} "  # noqa: S608
        f"THEN (SELECT COUNT(*) FROM (SELECT 1 FROM partner_profile p WHERE {tested} "
        f"LIMIT {stop}) AS tested) "
        f"ELSE (SELECT COUNT(*) FROM (SELECT 1 FROM partner_profile p WHERE {indexed} "
        f"LIMIT {stop}) AS indexed) END AS n"
    )
    rows = await connections.get("default").execute_query_dict(sql, statement.values)
    found = int(rows[0]["n"])
    return MatchCount(min(found, limit), exact=found <= limit)
