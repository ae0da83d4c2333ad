"""The viewer's own organization: its partner's directory profile and its people."""

from __future__ import annotations

from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from tests import factories as f
from tests.graphql import GraphQLClient

OWN_PROFILE = """
query { viewer { organization { partnerProfile {
  id name description locations languages published contact { email phone website }
} } } }
"""
UPDATE = """
mutation($input: UpdatePartnerProfileInput!) {
  updatePartnerProfile(input: $input) { partner { locations } errors { field code } }
}
"""
MEMBERS = """
query($first: Int, $after: String) { viewer { organization { members(first: $first, after: $after) {
  totalCount edges { node { id email roles organization { name } } }
  pageInfo { hasNextPage endCursor }
} } } }
"""


async def test_a_partners_agents_read_its_profile_published_or_not(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Fabrikam's unpublished profile, and its admin and helpdesk agents
    fabrikam, admin = await f.listed_partner(
        "Fabrikam", published=False, contact_phone="+1 425 555 0199"
    )
    helpdesk = await f.person(fabrikam, PartnerRole.HELPDESK_AGENT)

    # When its agents read their organization's profile
    for who in (admin, helpdesk):
        data = await api.query(OWN_PROFILE, token=who.token)
        profile = data["viewer"]["organization"]["partnerProfile"]
        # Then they see it whole, unpublished as it is
        assert profile["id"] == f.partner_id(fabrikam)
        assert profile["name"] == "Fabrikam"
        assert profile["published"] is False
        assert profile["locations"] == ["US"]
        assert profile["contact"] == {
            "email": "hello@fabrikam.example.com",
            "phone": "+1 425 555 0199",
            "website": None,
        }

    # And once a facet is cleared through updatePartnerProfile, it reads back empty
    changed = await api.query(UPDATE, {"input": {"languages": []}}, admin.token)
    assert changed["updatePartnerProfile"]["errors"] == []
    data = await api.query(OWN_PROFILE, token=admin.token)
    assert data["viewer"]["organization"]["partnerProfile"]["languages"] == []


async def test_a_partner_that_never_saved_a_profile_reads_null(
    api: GraphQLClient, db: Settings
) -> None:
    admin = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    data = await api.query(OWN_PROFILE, token=admin.token)
    assert data["viewer"]["organization"] == {"partnerProfile": None}


async def test_a_partners_agents_list_its_people_a_page_at_a_time(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Fabrikam's three agents, and another partner's and a customer's people
    fabrikam = await f.partner("Fabrikam")
    admin = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    helpdesk = await f.person(fabrikam, PartnerRole.HELPDESK_AGENT)
    await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)

    # When its admin lists its members, two at a time
    first = await api.query(MEMBERS, {"first": 2}, admin.token)
    page = first["viewer"]["organization"]["members"]
    after = page["pageInfo"]["endCursor"]
    second = await api.query(MEMBERS, {"first": 2, "after": after}, admin.token)
    rest = second["viewer"]["organization"]["members"]

    # Then it sees its three agents, newest first, and no one else
    assert page["totalCount"] == rest["totalCount"] == 3
    assert page["pageInfo"]["hasNextPage"] is True
    assert rest["pageInfo"]["hasNextPage"] is False
    nodes = [e["node"] for e in page["edges"] + rest["edges"]]
    assert [n["email"] for n in nodes] == [helpdesk.email, sales.email, admin.email]
    assert [n["roles"] for n in nodes] == [["HELPDESK_AGENT"], ["SALES_AGENT"], ["ADMIN_AGENT"]]
    assert {n["organization"]["name"] for n in nodes} == {"Fabrikam"}

    # And its other agents see the same list
    for who in (sales, helpdesk):
        data = await api.query(MEMBERS, {"first": 100}, who.token)
        assert data["viewer"]["organization"]["members"]["totalCount"] == 3


async def test_members_refuses_a_bad_page_size(api: GraphQLClient, db: Settings) -> None:
    admin = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    body = await api.raw(MEMBERS, {"first": 101}, admin.token)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
