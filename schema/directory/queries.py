"""The public directory: its vocabularies, the search, and one partner."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated

import strawberry

from models.foundation.errors import DomainError
from models.foundation.ids import decode_id
from models.policy import sees_unpublished_profile
from models.reference.directory_vocabularies import Facet
from models.rules import directory_search as search
from models.tables.directory import PartnerProfile
from schema.context import Info
from schema.directory.types import DirectoryVocabulary, Partner, PartnerConnection, PartnerFilter
from schema.errors import bad_input
from schema.pagination import After, Edge, First, PageInfo, page_size
from schema.selections import asks_for


def _cursor(profile: PartnerProfile) -> str:
    raw = json.dumps([profile.name, profile.id])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _after(cursor: str) -> tuple[str, int]:
    try:
        name, id_ = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise bad_input("`after` is not a cursor of this list.") from exc
    if not (isinstance(name, str) and isinstance(id_, int)):
        raise bad_input("`after` is not a cursor of this list.")
    return name, id_


def _filter(given: PartnerFilter | None) -> search.DirectoryFilter:
    given = given or PartnerFilter()
    try:
        return search.check_filter(
            {
                Facet.LOCATION: given.locations,
                Facet.INDUSTRY: given.industries,
                Facet.PRODUCT: given.products,
                Facet.ORGANIZATION_SIZE: given.organization_sizes,
                Facet.LANGUAGE: given.languages,
            },
            given.text,
        )
    except DomainError as refused:
        raise bad_input(refused.message) from refused


@strawberry.type
class DirectoryQueries:
    @strawberry.field(
        description="The values partner profiles may list for each facet. Public: no sign-in."
    )
    def directory_vocabularies(self) -> list[DirectoryVocabulary]:
        return [DirectoryVocabulary.of(facet) for facet in Facet]

    @strawberry.field(
        description="Published partner profiles, by name then ID, filtered by facets and "
        "text. Public: no sign-in."
    )
    async def partners(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        filter: Annotated[
            PartnerFilter | None,
            strawberry.argument(description="Facet values and words to look for."),
        ] = None,
    ) -> PartnerConnection:
        info.context.optional_actor()  # a bad token is UNAUTHENTICATED, as everywhere
        size = page_size(first)
        wanted = _filter(filter)
        cursor = _after(after) if after else None
        chosen = await search.plan(wanted, size + 1)
        counted = asks_for(info)
        rows = await search.search(
            wanted,
            cursor,
            size + 1,
            chosen,
            counting=counted("totalCount") or counted("totalCountIsExact"),
        )
        edges = [Edge(node=Partner.of(row), cursor=_cursor(row)) for row in rows[:size]]
        return PartnerConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > size, end_cursor=edges[-1].cursor if edges else None
            ),
            _count=lambda: search.count(wanted, chosen=chosen),
        )

    @strawberry.field(
        description="One partner profile: published ones for anyone, an unpublished one only "
        "for the partner's own agents."
    )
    async def partner(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The partner's ID.")],
    ) -> Partner | None:
        actor = info.context.optional_actor()
        organization_id = decode_id("Organization", id)
        if organization_id is None:
            return None
        profile = await PartnerProfile.get_or_none(organization_id=organization_id)
        if profile is None or not (
            profile.published or sees_unpublished_profile(actor, organization_id)
        ):
            return None
        return Partner.of(profile)
