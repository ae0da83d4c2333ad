"""The partner directory as GraphQL types: profiles, the filter, the vocabularies."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

import strawberry

from models.foundation.ids import encode_id
from models.reference.directory_vocabularies import (
    FACET_FIELDS,
    FACET_MEANINGS,
    FACET_NAMES,
    VOCABULARIES,
)
from models.reference.directory_vocabularies import Facet as _Facet
from models.rules.directory_search import COUNT_LIMIT, MatchCount
from models.tables import directory as m
from schema.enum_values import describe_values
from schema.errors import UserError
from schema.pagination import Edge, PageInfo
from schema.relay import Node

DirectoryFacet = strawberry.enum(
    _Facet, name="DirectoryFacet", description="A property of partner profiles to filter on."
)
describe_values(DirectoryFacet, FACET_MEANINGS)


@strawberry.type(description="How to reach a partner.")
class PartnerContact:
    email: str | None = strawberry.field(description="The partner's contact email.")
    phone: str | None = strawberry.field(description="The partner's phone number.")
    website: str | None = strawberry.field(description="The partner's website.")


@strawberry.type(
    description="A partner's profile in the directory. The list fields hold keys of "
    "`directoryVocabularies`."
)
class Partner(Node):
    id: strawberry.ID = strawberry.field(
        description="The partner organization's ID: the same as its `Organization.id` "
        "everywhere (a lead's or an invitation's `partner`, the activity log, events). "
        "`partner(id:)` and `contactPartner` take it."
    )
    name: str = strawberry.field(description="The partner organization's name.")
    description: str = strawberry.field(description="What the partner does, in its own words.")
    locations: list[str] = strawberry.field(description="Where it works: LOCATION keys.")
    industries: list[str] = strawberry.field(description="Industries it serves: INDUSTRY keys.")
    products: list[str] = strawberry.field(
        description="Products and services it offers: PRODUCT keys."
    )
    organization_sizes: list[str] = strawberry.field(
        description="Sizes of the organizations it serves: ORGANIZATION_SIZE keys."
    )
    languages: list[str] = strawberry.field(description="Languages it works in: LANGUAGE keys.")
    contact: PartnerContact = strawberry.field(description="How to reach the partner.")
    published: bool = strawberry.field(
        description="Whether the directory lists it; only the partner's own agents see an "
        "unpublished profile."
    )
    published_at: datetime | None = strawberry.field(description="When it was first published.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def of(cls, profile: m.PartnerProfile) -> Partner:
        return cls(
            id=encode_id("Organization", profile.organization_id),
            name=profile.name,
            description=profile.description,
            locations=list(profile.locations),
            industries=list(profile.industries),
            products=list(profile.products),
            organization_sizes=list(profile.organization_sizes),
            languages=list(profile.languages),
            contact=PartnerContact(
                email=profile.contact_email, phone=profile.contact_phone, website=profile.website
            ),
            published=profile.published,
            published_at=profile.published_at,
            updated_at=profile.updated_at,
        )


@strawberry.input(
    description="Which partners to list: any of the values given within a facet, and every "
    "facet given, and the text. Values are keys of `directoryVocabularies`."
)
class PartnerFilter:
    locations: list[str] | None = strawberry.field(
        default=None, description="Partners working in any of these locations."
    )
    industries: list[str] | None = strawberry.field(
        default=None, description="Partners serving any of these industries."
    )
    products: list[str] | None = strawberry.field(
        default=None, description="Partners offering any of these products and services."
    )
    organization_sizes: list[str] | None = strawberry.field(
        default=None, description="Partners serving organizations of any of these sizes."
    )
    languages: list[str] | None = strawberry.field(
        default=None, description="Partners working in any of these languages."
    )
    text: str | None = strawberry.field(
        default=None,
        description="Words to find in the name or description (each word matches as a "
        "prefix; all must match). Up to 200 characters.",
    )


@strawberry.type(description="A value of a directory vocabulary.")
class VocabularyValue:
    key: str = strawberry.field(description="The stable key that profiles and filters use.")
    label: str = strawberry.field(description="The value's name, for a person to read.")


@strawberry.type(description="The values a profile may list for one facet.")
class DirectoryVocabulary:
    facet: _Facet = strawberry.field(description="The facet.")
    name: str = strawberry.field(description="The facet's name, for a person to read.")
    field: str = strawberry.field(
        description="The name of the matching field of Partner, PartnerFilter and "
        "UpdatePartnerProfileInput."
    )
    values: list[VocabularyValue] = strawberry.field(description="The allowed values.")

    @classmethod
    def of(cls, facet: _Facet) -> DirectoryVocabulary:
        return cls(
            facet=facet,
            name=FACET_NAMES[facet],
            field=FACET_FIELDS[facet],
            values=[VocabularyValue(key=k, label=v) for k, v in VOCABULARIES[facet].items()],
        )


@strawberry.input(
    description="Changes to the viewer's partner profile; an omitted field stays as it is, "
    "an empty string clears a contact field."
)
class UpdatePartnerProfileInput:
    description: str | None = strawberry.field(
        default=None, description="What the partner does, up to 2000 characters."
    )
    locations: list[str] | None = strawberry.field(default=None, description="LOCATION keys.")
    industries: list[str] | None = strawberry.field(default=None, description="INDUSTRY keys.")
    products: list[str] | None = strawberry.field(default=None, description="PRODUCT keys.")
    organization_sizes: list[str] | None = strawberry.field(
        default=None, description="ORGANIZATION_SIZE keys."
    )
    languages: list[str] | None = strawberry.field(default=None, description="LANGUAGE keys.")
    contact_email: str | None = strawberry.field(default=None, description="Contact email.")
    contact_phone: str | None = strawberry.field(
        default=None, description="Contact phone: digits, spaces, ( ) - . / and a leading +."
    )
    website: str | None = strawberry.field(
        default=None, description="Website, an http:// or https:// address."
    )
    published: bool | None = strawberry.field(
        default=None,
        description="List the profile in the directory (it then needs a description, a "
        "location and a contact email), or take it off.",
    )


@strawberry.type(description="The result of updatePartnerProfile.")
class PartnerProfilePayload:
    partner: Partner | None = strawberry.field(description="The profile as saved.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")


@strawberry.input(description="The Contact me form: a visitor asks a partner to get in touch.")
class ContactPartnerInput:
    partner_id: strawberry.ID = strawberry.field(
        description="The partner's ID (its organization's), from `partners`."
    )
    contact_name: str = strawberry.field(description="The visitor's name, up to 200 characters.")
    email: str = strawberry.field(description="The visitor's email address.")
    phone: str | None = strawberry.field(default=None, description="The visitor's phone number.")
    location: str = strawberry.field(description="Where the visitor is: a LOCATION key.")
    organization_name: str = strawberry.field(
        description="The visitor's organization, up to 200 characters."
    )
    organization_size: str = strawberry.field(description="Its size: an ORGANIZATION_SIZE key.")
    industry: str = strawberry.field(description="Its industry focus: an INDUSTRY key.")
    business_needs: str = strawberry.field(
        description="What the visitor needs help with, up to 4000 characters."
    )


@strawberry.type(description="The result of contactPartner.")
class ContactPartnerPayload:
    partner: Partner | None = strawberry.field(
        description="The partner that received the request; null when it was refused."
    )
    errors: list[UserError] = strawberry.field(
        description="Why the request was refused, if it was (RATE_LIMITED: too many from "
        "this address; try later)."
    )


@strawberry.type(description="One page of the directory's partners.")
class PartnerConnection:
    edges: list[Edge[Partner]] = strawberry.field(description="The partners of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page stands.")
    _count: strawberry.Private[Callable[[], Awaitable[MatchCount]]]
    _counted: strawberry.Private[asyncio.Future[MatchCount] | None] = None

    def __post_init__(self) -> None:
        self.page_info.start_cursor = self.edges[0].cursor if self.edges else None

    async def _matches(self) -> MatchCount:
        """The count, asked once however many of its fields the client reads."""
        if self._counted is None:
            self._counted = asyncio.ensure_future(self._count())
        return await self._counted

    @strawberry.field(
        description=f"How many partners match, across all pages: exact up to {COUNT_LIMIT}; "
        f"past that, {COUNT_LIMIT}, and `totalCountIsExact` is false (counting stops there, "
        "as large search services do: a visitor reads a page at a time)."
    )
    async def total_count(self) -> int:
        return (await self._matches()).value

    @strawberry.field(
        description=f"Whether `totalCount` is the exact number of matches; false when more "
        f"than {COUNT_LIMIT} partners match, and `totalCount` is a lower bound."
    )
    async def total_count_is_exact(self) -> bool:
        return (await self._matches()).exact
