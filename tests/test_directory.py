"""The partner directory: profiles edited by the partner's admin, searched by anyone."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from api import demo
from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.identity.api_tokens import issue_token
from models.infrastructure.tokens import Sealer
from models.reference.directory_vocabularies import VOCABULARIES, Facet
from models.reference.enums import PartnerRole
from models.rules import directory_search
from models.tables.directory import PartnerFacetValue, PartnerProfile
from models.tables.organizations import User
from tests import factories as f
from tests.graphql import GraphQLClient

VOCABULARIES_QUERY = "query { directoryVocabularies { facet name field values { key label } } }"

UPDATE = """
mutation Update($input: UpdatePartnerProfileInput!) {
  updatePartnerProfile(input: $input) {
    partner { id name description locations industries products organizationSizes languages
              contact { email phone website } published publishedAt }
    errors { field message code }
  }
}
"""

PARTNERS = """
query($first: Int, $after: String, $filter: PartnerFilter) {
  partners(first: $first, after: $after, filter: $filter) {
    totalCount
    edges { cursor node { id name } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

PARTNER = "query($id: ID!) { partner(id: $id) { id name published description } }"

PROFILE = {
    "description": "Cloud security for hospitals and clinics.",
    "locations": ["US", "CA"],
    "industries": ["HEALTHCARE"],
    "products": ["SECURITY", "IDENTITY"],
    "organizationSizes": ["SIZE_50_249", "SIZE_250_999"],
    "languages": ["en", "fr"],
    "contactEmail": "Hello@Fabrikam.example.com",
    "contactPhone": "+1 (425) 555-0100",
    "website": "https://fabrikam.example.com",
}


async def _update(api: GraphQLClient, who: f.Person, **fields: Any) -> dict[str, Any]:
    data = await api.query(UPDATE, {"input": fields}, who.token)
    result: dict[str, Any] = data["updatePartnerProfile"]
    return result


async def _names(api: GraphQLClient, **variables: Any) -> list[str]:
    data = await api.query(PARTNERS, variables)
    page = data["partners"]
    return [edge["node"]["name"] for edge in page["edges"]]


async def test_the_vocabularies_are_public_and_come_from_the_data(
    api: GraphQLClient, db: Settings
) -> None:
    # When a visitor asks for the vocabularies
    data = await api.query(VOCABULARIES_QUERY)

    # Then each facet lists exactly its values, keyed as the data module keeps them
    got = {v["facet"]: v for v in data["directoryVocabularies"]}
    assert set(got) == {str(facet) for facet in Facet}
    for facet in Facet:
        values = got[str(facet)]["values"]
        assert {v["key"]: v["label"] for v in values} == VOCABULARIES[facet]
    assert got["ORGANIZATION_SIZE"]["field"] == "organizationSizes"


async def test_the_admin_agent_edits_and_publishes_the_profile(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner's admin agent
    org = await f.partner("Fabrikam")
    admin = await f.person(org, PartnerRole.ADMIN_AGENT)

    # When it saves its profile without publishing it
    saved = await _update(api, admin, **PROFILE)

    # Then it is saved, named after the organization, with the email normalized
    assert saved["errors"] == []
    partner = saved["partner"]
    assert partner["name"] == "Fabrikam"
    assert partner["locations"] == ["US", "CA"]
    assert partner["contact"] == {
        "email": "Hello@fabrikam.example.com",
        "phone": "+1 (425) 555-0100",
        "website": "https://fabrikam.example.com",
    }
    assert partner["published"] is False
    # And the facet index holds one row per value
    rows = await PartnerFacetValue.all().values_list("facet", "value")
    assert sorted((str(a), b) for a, b in rows) == sorted(
        [
            ("LOCATION", "US"),
            ("LOCATION", "CA"),
            ("INDUSTRY", "HEALTHCARE"),
            ("PRODUCT", "SECURITY"),
            ("PRODUCT", "IDENTITY"),
            ("ORGANIZATION_SIZE", "SIZE_50_249"),
            ("ORGANIZATION_SIZE", "SIZE_250_999"),
            ("LANGUAGE", "en"),
            ("LANGUAGE", "fr"),
        ]
    )
    # And a visitor does not find it yet, while the partner's own agent does
    assert await _names(api) == []
    assert (await api.query(PARTNER, {"id": partner["id"]}))["partner"] is None
    own = await api.query(PARTNER, {"id": partner["id"]}, admin.token)
    assert own["partner"]["published"] is False

    # When it publishes it and changes one facet
    published = await _update(api, admin, published=True, languages=["de"])

    # Then the directory lists it, with only the fields given changed
    assert published["errors"] == []
    assert published["partner"]["publishedAt"] is not None
    assert published["partner"]["languages"] == ["de"]
    assert published["partner"]["industries"] == ["HEALTHCARE"]
    assert await _names(api) == ["Fabrikam"]
    assert await _names(api, filter={"languages": ["de"]}) == ["Fabrikam"]
    assert await _names(api, filter={"languages": ["en"]}) == []

    # When it withdraws it, the directory no longer lists it
    withdrawn = await _update(api, admin, published=False)
    assert withdrawn["partner"]["published"] is False
    assert await _names(api) == []


async def test_bad_profile_input_is_refused_field_by_field(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner's admin agent
    admin = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)

    # When it sends values outside the vocabularies, too long, or malformed
    refused = await _update(
        api,
        admin,
        description="x" * 2001,
        locations=["US", "ATLANTIS"],
        industries=["ALCHEMY"],
        products=["SECURITY", "teleportation"],
        organizationSizes=["HUGE"],
        languages=["klingon"],
        contactEmail="not-an-email",
        contactPhone="call me",
        website="ftp://fabrikam",
    )

    # Then every field is named, and nothing is saved
    assert refused["partner"] is None
    assert sorted(e["field"][1] for e in refused["errors"]) == sorted(
        [
            "description",
            "locations",
            "industries",
            "products",
            "organizationSizes",
            "languages",
            "contactEmail",
            "contactPhone",
            "website",
        ]
    )
    assert {e["code"] for e in refused["errors"]} == {"INVALID_INPUT"}
    assert await PartnerProfile.all().count() == 0

    # When it publishes a profile without a description, a location or a contact email
    incomplete = await _update(api, admin, published=True, languages=["en"])

    # Then publishing is refused with one error per missing field, each naming its field
    assert incomplete["errors"] == [
        {
            "field": ["input", "description"],
            "message": "A published profile needs a description.",
            "code": "PROFILE_INCOMPLETE",
        },
        {
            "field": ["input", "locations"],
            "message": "A published profile needs at least one location.",
            "code": "PROFILE_INCOMPLETE",
        },
        {
            "field": ["input", "contactEmail"],
            "message": "A published profile needs a contact email.",
            "code": "PROFILE_INCOMPLETE",
        },
    ]
    assert await PartnerProfile.all().count() == 0

    # When only the contact email is missing, only it is named
    nearly = await _update(
        api, admin, published=True, description="Cloud for clinics.", locations=["US"]
    )
    assert [(e["field"], e["code"]) for e in nearly["errors"]] == [
        (["input", "contactEmail"], "PROFILE_INCOMPLETE")
    ]


async def test_refusals_name_the_values_in_words_with_their_articles(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner's admin agent
    admin = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)

    # When it saves values that are not in the vocabularies, and a control left unchosen
    refused = await _update(
        api,
        admin,
        industries=["ALCHEMY"],
        organizationSizes=["HUGE", "TINY"],
        products=["", "teleportation"],
        locations=[""],
    )

    # Then each refusal says what is wrong in words, with the right article, and the blank
    # value chooses nothing rather than being an unknown value
    messages = {e["field"][1]: e["message"] for e in refused["errors"]}
    assert messages == {
        "industries": "ALCHEMY is not an industry of the directory.",
        "organizationSizes": "HUGE and TINY are not organization sizes of the directory.",
        "products": "teleportation is not a product or service of the directory.",
    }

    # When it clears the contact email with an empty string
    cleared = await _update(api, admin, contactEmail="")

    # Then that is a clearing, not a malformed address
    assert cleared["errors"] == []
    assert cleared["partner"]["contact"]["email"] is None


async def test_only_the_partners_admin_agent_may_edit_the_profile(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner's sales and helpdesk agents, and a customer's global admin
    org = await f.partner("Fabrikam")
    people = [
        await f.person(org, PartnerRole.SALES_AGENT),
        await f.person(org, PartnerRole.HELPDESK_AGENT),
        await f.person(await f.customer("Contoso"), "GLOBAL_ADMINISTRATOR"),
    ]
    for who in people:
        # When each tries to edit a profile
        body = await api.raw(UPDATE, {"input": PROFILE}, who.token)
        # Then it is FORBIDDEN, and nothing is saved
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # And a visitor is UNAUTHENTICATED
    assert await api.error_code(UPDATE, {"input": PROFILE}) == "UNAUTHENTICATED"
    assert await PartnerProfile.all().count() == 0


async def _directory() -> None:
    """Five listed partners and an unlisted one."""
    await f.listed_partner(
        "Alpine Health IT",
        description="Secure cloud records for hospitals.",
        locations=["CH", "DE"],
        industries=["HEALTHCARE"],
        languages=["de", "fr"],
    )
    await f.listed_partner(
        "Blue Yonder Airlines Services",
        description="Managed networks for airports.",
        locations=["US"],
        industries=["TRANSPORTATION"],
        products=["NETWORKING", "MANAGED_SERVICES"],
    )
    await f.listed_partner(
        "Coho Winery Consulting",
        description="ERP for wineries and retail shops.",
        locations=["FR", "US"],
        industries=["RETAIL", "AGRICULTURE"],
        products=["BUSINESS_APPLICATIONS"],
        languages=["fr", "en"],
    )
    await f.listed_partner(
        "Datum Security",
        description="Security audits for hospitals, banks and insurers.",
        locations=["US", "GB"],
        industries=["HEALTHCARE", "BANKING", "INSURANCE"],
        organization_sizes=["SIZE_1000_9999"],
    )
    await f.listed_partner(
        "Élan Café Systems",
        description="Point of sale for cafés.",
        locations=["FR"],
        industries=["HOSPITALITY"],
        languages=["fr"],
    )
    await f.listed_partner(
        "Hidden Partner", published=False, description="Security for hospitals everywhere."
    )


async def test_a_visitor_filters_by_each_facet_and_by_text(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a directory of five listed partners and an unlisted one
    await _directory()

    # Then each facet filters, any value within a facet and all facets together
    assert await _names(api) == [
        "Alpine Health IT",
        "Blue Yonder Airlines Services",
        "Coho Winery Consulting",
        "Datum Security",
        "Élan Café Systems",
    ]
    assert await _names(api, filter={"industries": ["HEALTHCARE"]}) == [
        "Alpine Health IT",
        "Datum Security",
    ]
    assert await _names(api, filter={"locations": ["FR"], "industries": ["RETAIL"]}) == [
        "Coho Winery Consulting"
    ]
    assert await _names(api, filter={"locations": ["CH", "GB"]}) == [
        "Alpine Health IT",
        "Datum Security",
    ]
    assert await _names(api, filter={"products": ["NETWORKING"]}) == [
        "Blue Yonder Airlines Services"
    ]
    assert await _names(api, filter={"organizationSizes": ["SIZE_1000_9999"]}) == ["Datum Security"]
    assert await _names(api, filter={"languages": ["fr"]}) == [
        "Alpine Health IT",
        "Coho Winery Consulting",
        "Élan Café Systems",
    ]
    # And text matches words (as prefixes) of the name or the description, all of them
    assert await _names(api, filter={"text": "hospital"}) == ["Alpine Health IT", "Datum Security"]
    assert await _names(api, filter={"text": "security HOSPITALS"}) == ["Datum Security"]
    assert await _names(api, filter={"text": "winer"}) == ["Coho Winery Consulting"]
    # (accents count, alike on both backends: PostgreSQL has no accent folding built in)
    assert await _names(api, filter={"text": "CAFÉ"}) == ["Élan Café Systems"]
    assert await _names(api, filter={"text": "cafe"}) == []
    # And text and facets together
    assert await _names(api, filter={"text": "hospitals", "locations": ["CH"]}) == [
        "Alpine Health IT"
    ]
    # And what looks like query syntax or SQL is only words
    for text in [
        '" OR 1=1 --',
        "hospitals' OR 'a'='a",
        "NEAR(x y)*",
        "a & !b | c:*",
        "*",
        "",
        "_ __",
    ]:
        body = await api.raw(PARTNERS, {"filter": {"text": text}})
        assert "errors" not in body, (text, body)
    assert await _names(api, filter={"text": "') OR 1=1; --"}) == []
    # And the unlisted partner is never found
    assert "Hidden Partner" not in await _names(api, filter={"text": "everywhere"})


async def test_changed_facets_are_found_at_once_by_several_facets_together(
    api: GraphQLClient, db: Settings
) -> None:
    # Given the directory, and a partner listed in Switzerland and Germany, in healthcare
    await _directory()
    two_facets = {"locations": ["DE"], "industries": ["HEALTHCARE"]}
    assert await _names(api, filter=two_facets) == ["Alpine Health IT"]
    _, admin = await f.listed_partner(
        "Fourth Coffee IT", locations=["DE"], industries=["HEALTHCARE"], languages=["de"]
    )
    assert await _names(api, filter=two_facets) == ["Alpine Health IT", "Fourth Coffee IT"]

    # When its admin agent moves it to Austria and retail
    result = await _update(api, admin, locations=["AT"], industries=["RETAIL"])
    assert result["errors"] == []

    # Then searches with several facets find it by its new lists only
    assert await _names(api, filter=two_facets) == ["Alpine Health IT"]
    assert await _names(
        api, filter={"locations": ["AT", "FR"], "industries": ["RETAIL"], "languages": ["de"]}
    ) == ["Fourth Coffee IT"]
    # And one facet, or a facet with words, finds it the same way
    assert await _names(api, filter={"locations": ["AT"]}) == ["Fourth Coffee IT"]
    assert await _names(api, filter={"text": "cloud", "industries": ["RETAIL"]}) == [
        "Fourth Coffee IT"
    ]


async def test_the_directory_pages_in_a_stable_order(api: GraphQLClient, db: Settings) -> None:
    # Given five listed partners
    await _directory()

    # When a visitor reads them two at a time
    seen: list[str] = []
    after = None
    while True:
        data = await api.query(PARTNERS, {"first": 2, "after": after})
        page = data["partners"]
        assert page["totalCount"] == 5
        seen += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # Then every partner comes once, in order of name
    assert seen == await _names(api)
    assert len(seen) == 5
    # And the count follows the filter
    data = await api.query(PARTNERS, {"first": 1, "filter": {"industries": ["HEALTHCARE"]}})
    assert data["partners"]["totalCount"] == 2
    assert data["partners"]["pageInfo"]["hasNextPage"] is True


async def test_the_count_stops_past_its_limit_and_says_so(
    api: GraphQLClient, db: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given five listed partners, two of them in healthcare, and a count that stops past 3
    await _directory()
    monkeypatch.setattr(directory_search, "COUNT_LIMIT", 3)
    query = "query($filter: PartnerFilter) { partners(first: 1, filter: $filter) { %s } }"

    # When a visitor lists them all, then only healthcare
    everyone = await api.query(query % "totalCount totalCountIsExact", {})
    healthcare = await api.query(
        query % "totalCountIsExact totalCount", {"filter": {"industries": ["HEALTHCARE"]}}
    )

    # Then past the limit the count is the limit, and says it is a lower bound
    assert everyone["partners"] == {"totalCount": 3, "totalCountIsExact": False}
    # And under it, the exact count
    assert healthcare["partners"] == {"totalCountIsExact": True, "totalCount": 2}


async def test_bad_filters_and_cursors_are_bad_input(api: GraphQLClient, db: Settings) -> None:
    # Given a directory
    await _directory()
    for variables in (
        {"filter": {"locations": ["ATLANTIS"]}},
        {"filter": {"industries": ["HEALTHCARE", "ALCHEMY"]}},
        {"filter": {"text": "x" * 201}},
        {"after": "not-a-cursor"},
        {"first": 101},
        {"first": -1},
    ):
        # When a visitor asks with a bad filter, cursor or size
        # Then it is a BAD_USER_INPUT error, not a crash
        assert await api.error_code(PARTNERS, variables) == "BAD_USER_INPUT", variables


async def test_a_partner_by_id(api: GraphQLClient, db: Settings) -> None:
    # Given a listed partner and an unlisted one
    listed, _ = await f.listed_partner("Fabrikam")
    hidden, hidden_admin = await f.listed_partner("Northwind", published=False)

    # Then anyone reads the listed one, and only the unlisted one's own agents read it
    data = await api.query(PARTNER, {"id": f.partner_id(listed)})
    assert data["partner"]["name"] == "Fabrikam"
    assert (await api.query(PARTNER, {"id": f.partner_id(hidden)}))["partner"] is None
    other_admin = await f.person(listed, PartnerRole.ADMIN_AGENT)
    data = await api.query(PARTNER, {"id": f.partner_id(hidden)}, other_admin.token)
    assert data["partner"] is None
    data = await api.query(PARTNER, {"id": f.partner_id(hidden)}, hidden_admin.token)
    assert data["partner"]["name"] == "Northwind"
    # And an ID of another kind, or no ID at all, finds nothing
    for an_id in ("nope", encode_id("Lead", listed.id)):
        assert (await api.query(PARTNER, {"id": an_id}))["partner"] is None


async def test_a_partner_has_one_id_its_organizations(api: GraphQLClient, db: Settings) -> None:
    # Given a listed partner whose admin agent knows its organization's ID
    listed, admin = await f.listed_partner("Fabrikam")
    me = await api.query("query { viewer { organization { id } } }", token=admin.token)
    organization_id = me["viewer"]["organization"]["id"]

    # When anyone lists the directory and reads the partner by that organization ID
    [found] = (await api.query(PARTNERS))["partners"]["edges"]
    by_id = await api.query(PARTNER, {"id": organization_id})

    # Then the directory's partner has its organization's ID, and that ID opens it
    assert found["node"]["id"] == organization_id
    assert by_id["partner"] == {
        "id": organization_id,
        "name": "Fabrikam",
        "published": True,
        "description": "Fabrikam helps organizations move to the cloud.",
    }
    # And a link saved when the directory had IDs of its own still opens it
    legacy = base64.urlsafe_b64encode(f"Partner:{listed.id}".encode()).decode()
    assert (await api.query(PARTNER, {"id": legacy}))["partner"]["id"] == organization_id
    # And a visitor's Contact me reaches it by that ID, and its lead names the same partner
    sent = await f.contact(api, listed, partnerId=organization_id)
    assert sent["partner"] == {"id": organization_id, "name": "Fabrikam"}
    leads = await api.query(
        "query { leads { edges { node { partner { id } } } } }", token=admin.token
    )
    assert leads["leads"]["edges"] == [{"node": {"partner": {"id": organization_id}}}]
    # And the profile's activity entry names the partner by the same ID
    activity = await api.query(
        'query { activity(filter: {actions: ["partner_profile.updated"]}) '
        "{ edges { node { objectType objectId partner { id } } } } }",
        token=admin.token,
    )
    [entry] = activity["activity"]["edges"]
    assert entry["node"] == {
        "objectType": "Partner",
        "objectId": organization_id,
        "partner": {"id": organization_id},
    }


async def test_the_demo_lists_both_partners_and_gives_fabrikam_a_lead(
    api: GraphQLClient, db: Settings
) -> None:
    # Given the demo data that `partnerhub dev` seeds
    assert await demo.seed(Sealer("tests")) is not None
    tokens = {
        user.email: await issue_token(user)
        for user in await User.filter(email__in=[who.email for who in demo.DEMO_USERS])
    }

    # Then a visitor finds both partners, each by a facet of its own
    assert await _names(api) == ["Fabrikam", "Northwind Traders"]
    assert await _names(api, filter={"industries": ["HEALTHCARE"]}) == ["Fabrikam"]
    assert await _names(api, filter={"languages": ["de"]}) == ["Northwind Traders"]
    # And Fabrikam's agents see one NEW lead
    for email in ("agent@fabrikam.com", "sales@fabrikam.com"):
        data = await api.query(
            "query { leads { totalCount edges { node { status organizationName } } } }",
            token=tokens[email],
        )
        assert data["leads"]["edges"] == [
            {"node": {"status": "NEW", "organizationName": "Tailspin Toys"}}
        ]
