"""The directory search's plans: each way of finding a page finds the same partners."""

from __future__ import annotations

from dataclasses import replace

from tortoise import connections

from models.foundation.settings import Settings
from models.reference.directory_vocabularies import Facet
from models.reference.enums import OrganizationKind
from models.rules import directory_search as search
from models.tables.directory import PartnerProfile
from models.tables.organizations import Organization
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.statements import logged_statements

# A page of 3 (and one more, to know whether there is a next page), as the query asks.
LIMIT = 4
PAGE = """
query($filter: PartnerFilter) {
  partners(first: 3, filter: $filter) { totalCount totalCountIsExact edges { node { name } } }
}
"""


async def _directory() -> None:
    """40 listed partners that all offer cloud migration; every tenth is in Germany, and two
    of them also offer telemedicine; 200 more that offer cloud hosting, listing nothing; and
    one in Zürich."""
    extras = [
        Organization(name=f"Extra {n:03d}", kind=OrganizationKind.PARTNER) for n in range(200)
    ]
    await Organization.bulk_create(extras)
    await PartnerProfile.bulk_create(
        [
            PartnerProfile(
                organization_id=org.id, name=org.name, description="Cloud hosting.", published=True
            )
            for org in extras
        ]
    )
    for n in range(40):
        rare = " Telemedicine too." if n in (7, 31) else ""
        await f.listed_partner(
            f"Partner {(n * 17) % 40:02d}",
            description=f"Cloud migration and security.{rare}",
            locations=["DE"] if n % 10 == 0 else ["US"],
            industries=["HEALTHCARE", "RETAIL"] if n % 2 else ["RETAIL"],
        )
    await f.listed_partner("Hidden Cloud", published=False, description="Cloud everywhere.")
    # Letters beyond ASCII, which the full-text index folds as it does (the Kelvin sign)
    await f.listed_partner(
        "Zürich Café",
        description="Cloud \u212aubernetes, Café-grade.",
        locations=["CH"],
        industries=["RETAIL"],
    )
    if not _sqlite():  # the statistics PostgreSQL's autovacuum would gather
        await connections.get("default").execute_script("ANALYZE partner_profile")


async def _every_page(
    filter_: search.DirectoryFilter, chosen: search.Plan
) -> tuple[list[str], search.MatchCount]:
    """The names of every match, a page at a time through `chosen`, and the count."""
    names: list[str] = []
    after = None
    while True:
        rows = await search.search(filter_, after, LIMIT, chosen)
        names += [row.name for row in rows[: LIMIT - 1]]
        if len(rows) < LIMIT:
            break
        after = (rows[LIMIT - 2].name, rows[LIMIT - 2].id)
    return names, await search.count(filter_, chosen=chosen)


def _sqlite() -> bool:
    dialect: str = connections.get("default").capabilities.dialect
    return dialect == "sqlite"


async def test_a_dense_word_walks_in_name_order_and_a_rare_one_reads_its_matches(
    api: GraphQLClient, db: Settings
) -> None:
    # Given 241 listed partners that all say "cloud", two of them "telemedicine"
    await _directory()

    # When a page is planned for each word
    dense = await search.plan(search.DirectoryFilter(text="cloud"), LIMIT)
    rare = await search.plan(search.DirectoryFilter(text="tele"), LIMIT)
    absent = await search.plan(search.DirectoryFilter(text="cloud quantum"), LIMIT)

    # Then on SQLite the common word walks the partners in order, stopping at the page's
    # end, and the rare one reads its two matches: each word as the index's terms
    if _sqlite():
        assert dense == search.Plan(walk=True, text_query='("cloud")')
        assert rare == search.Plan(walk=False, text_query='("telemedicine")')
        # And a word no partner holds finds nothing without searching
        assert absent.nothing
        assert await search.search(search.DirectoryFilter(text="cloud quantum"), None, 4) == []
    else:  # PostgreSQL's planner chooses for itself
        assert dense == rare == absent == search.Plan(walk=False)

    # And a page of either word with its count costs two statements: on SQLite the estimate,
    # then the page, which counts the matches as well (walking, up to the count's limit);
    # on PostgreSQL the page, then the count
    for text, total, exact in (("cloud", search.COUNT_LIMIT, False), ("tele", 2, True)):
        with logged_statements() as statements:
            data = await api.query(PAGE, {"filter": {"text": text}})
        assert data["partners"]["totalCount"] == total
        assert data["partners"]["totalCountIsExact"] is exact
        assert len(statements) == 2, statements
    assert [edge["node"]["name"] for edge in data["partners"]["edges"]] == sorted(
        f"Partner {(n * 17) % 40:02d}" for n in (7, 31)
    )


async def test_each_plan_finds_the_same_partners_in_the_same_order(db: Settings) -> None:
    # Given 241 listed partners (one with letters beyond ASCII) and a hidden one
    await _directory()
    filters = [
        search.DirectoryFilter(text="cloud"),
        search.DirectoryFilter(text="cloud migr"),
        search.DirectoryFilter(text="telemedicine"),
        search.DirectoryFilter(text="secu", facets={Facet.LOCATION: ["DE"]}),
        search.DirectoryFilter(
            text="cloud", facets={Facet.LOCATION: ["DE", "US"], Facet.INDUSTRY: ["HEALTHCARE"]}
        ),
        search.DirectoryFilter(text="Ünïcode words_too"),
        search.DirectoryFilter(text="kubernetes"),
        search.DirectoryFilter(text="café zür"),
        search.DirectoryFilter(text="telemedicine", facets={Facet.LOCATION: ["US", "DE"]}),
    ]
    for filter_ in filters:
        # When each is searched a page at a time by walking, then by reading the matches
        chosen = await search.plan(filter_, LIMIT)
        walked = await _every_page(filter_, replace(chosen, walk=True))
        read = await _every_page(filter_, replace(chosen, walk=False))

        # Then both find the same partners in the same order, and count them alike
        assert walked == read, filter_
        # And so does each first page that counts its matches as it finds them (SQLite's;
        # PostgreSQL's count is a statement of its own)
        for walk in (True, False):
            counted_plan = replace(chosen, walk=walk, counted=[])
            await search.search(filter_, None, LIMIT, counted_plan, counting=True)
            assert bool(counted_plan.counted) == _sqlite(), filter_
            assert await search.count(filter_, chosen=counted_plan) == walked[1], filter_
        found = len(walked[0])
        limit = search.COUNT_LIMIT
        assert walked[1] == search.MatchCount(min(found, limit), found <= limit), filter_
        assert walked[0] == sorted(walked[0]), filter_
    # And those are the partners each filter names
    everyone, _ = await _every_page(filters[0], await search.plan(filters[0], LIMIT))
    assert len(everyone) == 241
    accented, _ = await _every_page(filters[7], await search.plan(filters[7], LIMIT))
    assert accented == ["Zürich Café"]
    migration, _ = await _every_page(filters[1], await search.plan(filters[1], LIMIT))
    assert migration == sorted(f"Partner {n:02d}" for n in range(40))
    assert "Hidden Cloud" not in everyone
    rare, _ = await _every_page(filters[2], await search.plan(filters[2], LIMIT))
    assert rare == sorted(f"Partner {(n * 17) % 40:02d}" for n in (7, 31))
    german, _ = await _every_page(filters[3], await search.plan(filters[3], LIMIT))
    assert german == sorted(f"Partner {(n * 17) % 40:02d}" for n in range(0, 40, 10))
    both, _ = await _every_page(filters[4], await search.plan(filters[4], LIMIT))
    assert both == sorted(f"Partner {(n * 17) % 40:02d}" for n in range(1, 40, 2))
    rare_here, counted = await _every_page(filters[8], await search.plan(filters[8], LIMIT))
    assert rare_here == rare
    assert counted == search.MatchCount(2, exact=True)


async def test_words_and_facets_count_alike_whether_the_words_are_common_or_rare(
    db: Settings,
) -> None:
    # Given 241 listed partners (on PostgreSQL with its statistics: "cloud" is in every
    # profile, so the count tests each German partner's words; "telemedicine" in two, so
    # the count ANDs both indexes)
    await _directory()
    german = {Facet.LOCATION: ["DE"]}

    # When a visitor counts a common word and a rare one among the German partners
    common = await search.count(search.DirectoryFilter(text="cloud", facets=german))
    rare = await search.count(search.DirectoryFilter(text="telemedicine", facets=german))
    both = await search.count(search.DirectoryFilter(text="cloud secur", facets=german))

    # Then each counts exactly the partners that hold them
    assert common == both == search.MatchCount(4, exact=True)
    assert rare == search.MatchCount(0, exact=True)
