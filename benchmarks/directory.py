"""How the directory search scales: the same searches among 1,000 partners, then 100,000.

    python -m benchmarks.directory [--large 100000] [--small 1000] [--runs 7]
                                   [--backend sqlite|postgres|both]

For each backend it builds a throwaway database with the committed migrations, fills it with
published partner profiles (random names, descriptions and facet values, seeded so every
run is alike) and times typical searches two ways: through `models/rules/directory_search.py`
as the `partners` query runs them (its plan, a page of 20 plus its totalCount, counted up to
COUNT_LIMIT), and as a whole `partners(first: 20, after, filter)` request through the app, in
process (median and best of several runs: the best shows the cost without a busy machine's
noise). It prints both sizes side by side, the ratio last.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import sqlite3
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import httpx
from starlette.datastructures import Secret
from tortoise.backends.base.executor import EXECUTOR_CACHE

from api.app import create_app
from benchmarks.backends import add_backend_argument, run_on_backends
from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.infrastructure.db import database, migrate
from models.reference.directory_vocabularies import VOCABULARIES, Facet
from models.rules import directory_search as search
from models.tables.directory import PartnerProfile

PAGE = 20
ADJECTIVES = [
    "Adatum",
    "Alpine",
    "Blue",
    "Bright",
    "Coho",
    "Contoso",
    "Datum",
    "Fabrikam",
    "Fourth",
    "Graphic",
    "Humongous",
    "Litware",
    "Lucerne",
    "Margie",
    "Northwind",
    "Proseware",
    "Relecloud",
    "Southridge",
    "Tailspin",
    "Trey",
    "Wide",
    "Wingtip",
    "Woodgrove",
    "Alpha",
    "Coastal",
    "Northern",
    "Summit",
    "Harbor",
    "Silver",
    "Golden",
]
NOUNS = [
    "Cloud",
    "Systems",
    "Consulting",
    "Solutions",
    "Networks",
    "Digital",
    "Partners",
    "Services",
    "Technologies",
    "Works",
    "Labs",
    "Group",
    "Logic",
    "Data",
    "Security",
    "Advisors",
    "Integration",
    "Computing",
]
WORDS = [
    "cloud",
    "migration",
    "security",
    "identity",
    "devices",
    "email",
    "collaboration",
    "analytics",
    "data",
    "ai",
    "managed",
    "support",
    "licensing",
    "training",
    "adoption",
    "compliance",
    "governance",
    "backup",
    "recovery",
    "network",
    "voice",
    "meetings",
    "intranet",
    "portal",
    "crm",
    "erp",
    "finance",
    "payroll",
    "retail",
    "healthcare",
    "schools",
    "farms",
    "factories",
    "banks",
    "insurers",
    "hotels",
    "airlines",
    "logistics",
    "public",
    "sector",
    "small",
    "medium",
    "large",
    "enterprise",
    "local",
    "regional",
    "national",
    "global",
    "certified",
    "expert",
    "team",
    "fast",
    "friendly",
    "proven",
    "modern",
    "secure",
    "reliable",
    "affordable",
    "trusted",
    "award",
    "winning",
]
RARE_WORDS = ("quantum", "blockchain", "hydroponics", "geothermal", "telemedicine")

# The searches timed, as a visitor would ask them.
SEARCHES: dict[str, search.DirectoryFilter] = {
    "no filter": search.DirectoryFilter(),
    "one facet (industry)": search.DirectoryFilter(facets={Facet.INDUSTRY: ["HEALTHCARE"]}),
    "two facets (industry, location)": search.DirectoryFilter(
        facets={Facet.INDUSTRY: ["HEALTHCARE"], Facet.LOCATION: ["DE"]}
    ),
    "three facets, two values each": search.DirectoryFilter(
        facets={
            Facet.INDUSTRY: ["HEALTHCARE", "RETAIL"],
            Facet.LOCATION: ["DE", "FR"],
            Facet.LANGUAGE: ["de", "fr"],
        }
    ),
    "text, common word": search.DirectoryFilter(text="security"),
    "text, rare word": search.DirectoryFilter(text="telemedicine"),
    "text, two words": search.DirectoryFilter(text="cloud migration"),
    "text + facet": search.DirectoryFilter(text="migration", facets={Facet.LOCATION: ["US"]}),
}
DEEP = "deep page (after 90%), no filter"


Row = tuple[object, ...]


def _profiles(
    count: int, now: datetime
) -> Iterator[tuple[int, uuid.UUID, str, str, dict[Facet, list[str]], datetime]]:
    """(id, organization id, name, description, five facet lists, created) per partner."""
    rng = random.Random(20261201)
    vocab = {facet: list(values) for facet, values in VOCABULARIES.items()}
    for n in range(1, count + 1):
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {n:06d}"
        words = rng.sample(WORDS, 14)
        if rng.random() < 0.01:
            words.append(rng.choice(RARE_WORDS))
        lists = {
            Facet.LOCATION: rng.sample(vocab[Facet.LOCATION], rng.randint(1, 3)),
            Facet.INDUSTRY: rng.sample(vocab[Facet.INDUSTRY], rng.randint(1, 3)),
            Facet.PRODUCT: rng.sample(vocab[Facet.PRODUCT], rng.randint(2, 4)),
            Facet.ORGANIZATION_SIZE: rng.sample(vocab[Facet.ORGANIZATION_SIZE], rng.randint(1, 3)),
            Facet.LANGUAGE: rng.sample(vocab[Facet.LANGUAGE], rng.randint(1, 2)),
        }
        yield (n, uuid.uuid4(), name, " ".join(words).capitalize() + ".", lists, now)


PROFILE_COLUMNS = (
    "id",
    "organization_id",
    "name",
    "description",
    "locations",
    "industries",
    "products",
    "organization_sizes",
    "languages",
    "contact_email",
    "published",
    "published_at",
    "created_at",
    "updated_at",
)
FACET_ORDER = (
    Facet.LOCATION,
    Facet.INDUSTRY,
    Facet.PRODUCT,
    Facet.ORGANIZATION_SIZE,
    Facet.LANGUAGE,
)


def _tables(count: int, as_text: bool) -> tuple[list[Row], list[Row], list[Row]]:
    """Rows of organization, partner_profile and partner_facet_value."""
    now = utcnow()
    stamp: object = now.isoformat(" ") if as_text else now
    organizations: list[Row] = []
    profiles: list[Row] = []
    facets: list[Row] = []
    for n, org_id, name, description, lists, _ in _profiles(count, now):
        oid: object = str(org_id) if as_text else org_id
        organizations.append((oid, name, "PARTNER", stamp))
        profiles.append(
            (
                n,
                oid,
                name,
                description,
                *(json.dumps(lists[facet]) for facet in FACET_ORDER),
                f"hello{n}@partner.example.com",
                True,
                stamp,
                stamp,
                stamp,
            )
        )
        facets.extend((n, str(facet), value) for facet in FACET_ORDER for value in lists[facet])
    return organizations, profiles, facets


async def _fill(url: str, count: int) -> None:
    if url.startswith("sqlite://"):
        organizations, profiles, facets = _tables(count, as_text=True)
        with sqlite3.connect(url.removeprefix("sqlite://")) as connection:
            connection.executemany(
                "INSERT INTO organization (id, name, kind, created_at) VALUES (?, ?, ?, ?)",
                organizations,
            )
            marks = ", ".join("?" for _ in PROFILE_COLUMNS)
            connection.executemany(
                f"INSERT INTO partner_profile ({', '.join(PROFILE_COLUMNS)}) "  # noqa: S608
                f"VALUES ({marks})",
                profiles,
            )
            connection.executemany(
                "INSERT INTO partner_facet_value (profile_id, facet, value) VALUES (?, ?, ?)",
                facets,
            )
            connection.execute("ANALYZE")
        return
    import asyncpg  # type: ignore[import-untyped]

    organizations, profiles, facets = _tables(count, as_text=False)
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.copy_records_to_table(
            "organization", records=organizations, columns=("id", "name", "kind", "created_at")
        )
        await connection.copy_records_to_table(
            "partner_profile", records=profiles, columns=PROFILE_COLUMNS
        )
        await connection.copy_records_to_table(
            "partner_facet_value", records=facets, columns=("profile_id", "facet", "value")
        )
        # As autovacuum leaves a table: statistics, and the visibility map that lets
        # counts read indexes only.
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


PARTNERS = """
query($first: Int, $after: String, $filter: PartnerFilter) {
  partners(first: $first, after: $after, filter: $filter) {
    totalCount totalCountIsExact
    edges { cursor node { id name description locations industries products languages } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
FILTER_FIELDS = {
    Facet.LOCATION: "locations",
    Facet.INDUSTRY: "industries",
    Facet.PRODUCT: "products",
    Facet.ORGANIZATION_SIZE: "organizationSizes",
    Facet.LANGUAGE: "languages",
}


@dataclass(frozen=True, slots=True)
class Timing:
    median: float
    best: float
    request: float  # the median of the whole request through the app
    matches: str


def _variables(filter_: search.DirectoryFilter, after: tuple[str, int] | None) -> object:
    given: dict[str, object] = {FILTER_FIELDS[f]: list(v) for f, v in filter_.facets.items()}
    if filter_.text:
        given["text"] = filter_.text
    cursor = base64.urlsafe_b64encode(json.dumps(list(after)).encode()).decode() if after else None
    return {"first": PAGE, "after": cursor, "filter": given}


async def _time(
    http: httpx.AsyncClient,
    filter_: search.DirectoryFilter,
    after: tuple[str, int] | None,
    runs: int,
) -> Timing:
    """A page plus its count, then the request: the median and best of `runs` runs each."""
    timings, requests = [], []
    matches = search.MatchCount(0, exact=True)
    for _ in range(runs):
        started = time.perf_counter()
        chosen = await search.plan(filter_, PAGE + 1)
        page = await search.search(filter_, after, PAGE + 1, chosen)
        matches = await search.count(filter_, chosen=chosen)
        timings.append(time.perf_counter() - started)
        assert page or not matches.value
    body = {"query": PARTNERS, "variables": _variables(filter_, after)}
    for _ in range(runs):
        started = time.perf_counter()
        answer = await http.post("/graphql", json=body)
        requests.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["partners"]["totalCount"] == matches.value, answer.text
    shown = f"{matches.value:,}" + ("" if matches.exact else "+")
    return Timing(statistics.median(timings), min(timings), statistics.median(requests), shown)


async def _measure(url: str, count: int, runs: int) -> dict[str, Timing]:
    EXECUTOR_CACHE.clear()  # Tortoise caches SQL by connection name; we switch dialects
    await migrate(url)
    settings = Settings(
        database_url=url,
        environment="production",
        secret_key=Secret("x" * 32),
        public_url="https://partners.example.com",
        public_url_set=True,
    )
    async with database(url):
        started = time.perf_counter()
        await _fill(url, count)
        print(f"    filled {count:>7,} partners in {time.perf_counter() - started:6.1f} s")
        app = create_app(settings)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            results = {label: await _time(http, f, None, runs) for label, f in SEARCHES.items()}
            # The cursor of the row at 90% of the list: what paging that far hands back.
            deep = (
                await PartnerProfile.filter(published=True)
                .order_by("name", "id")
                .offset(int(count * 0.9))
                .first()
            )
            assert deep is not None
            results[DEEP] = await _time(http, search.DirectoryFilter(), (deep.name, deep.id), runs)
    return results


async def _backend(
    name: str, url_for: Callable[[str], str], small: int, large: int, runs: int
) -> None:
    print(
        f"{name}: a page of {PAGE} and its totalCount (counted up to {search.COUNT_LIMIT}), "
        f"median of {runs} runs (best in brackets); then the whole request",
        flush=True,
    )
    baseline = await _measure(url_for("small"), small, runs)
    measured = await _measure(url_for("large"), large, runs)
    print(
        f"    {'search':<34} {'matches':>8} {small:>9,} {large:>19,}  ratio"
        f"   request: {small:>6,} {large:>8,}  ratio"
    )
    for label, base in baseline.items():
        value = measured[label]
        print(
            f"    {label:<34} {value.matches:>8} {base.median * 1000:>6.2f} ms "
            f"{value.median * 1000:>6.2f} ms ({value.best * 1000:6.2f}) "
            f"{value.median / base.median:>5.1f}x   {base.request * 1000:>15.2f} ms "
            f"{value.request * 1000:>6.2f} ms {value.request / base.request:>5.1f}x",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    add_backend_argument(parser)
    args = parser.parse_args()
    run_on_backends(
        args.backend,
        lambda name, url_for: _backend(name, url_for, args.small, args.large, args.runs),
    )


if __name__ == "__main__":
    main()
