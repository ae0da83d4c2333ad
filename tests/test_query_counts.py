"""A list page costs a fixed number of SQL queries, whether it shows 1 row or 30.

Tortoise logs every statement it sends on the `tortoise.db_client` logger at DEBUG (see
`tortoise/backends/{sqlite,asyncpg}/client.py`); the tests count those records around one
HTTP request. The state is built through the domain rules directly, which is faster than
the API and runs the same code.
"""

from __future__ import annotations

from typing import Any

from models.foundation.clock import utcnow
from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.identity.actors import Actor
from models.infrastructure.tokens import Sealer
from models.operation import Operation
from models.reference.catalog import AdminRole
from models.reference.enums import OrganizationKind, PartnerRole, RelationshipType
from models.rules.invitation_request import InvitationRequest
from models.rules.invitations import accept_invitation, send_invitation
from models.rules.leads import ContactRequest, contact_partner, send_invitation_from_lead
from models.rules.leads_rate_limit import RateLimit
from models.rules.webhook_endpoints import create_endpoint
from models.tables.access import SecurityGroup, SecurityGroupMember
from models.tables.leads import Lead
from models.tables.organizations import Organization
from models.tables.tenant import DomainSubscription
from tests import factories as f
from tests.factories import Person
from tests.graphql import GraphQLClient
from tests.statements import logged_statements

SEALER = Sealer("query-count-tests")
ROLES = ["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"]
MANY = 30

RELATIONSHIPS = """
query {
  relationships(first: 100) {
    totalCount
    edges {
      cursor
      node {
        id status types createdAt
        customer { id name kind }
        partner { id name }
        agreement { accepted version acceptedAt acceptedBy { email organization { name } } }
        roleGrants { role status expiresAt type }
        delegatedAdminRelationships { displayName status endsAt roleGrants { role } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

INVITATIONS = """
query {
  invitations(first: 100) {
    totalCount
    edges { node { id partner { name } customer { name } status } }
  }
}
"""

# The relationships page, for either side (in the order the resolvers happen to run):
#   1. the bearer token, with its user and organization (one joined SELECT)
#   2. the page of relationships
#   3. organizations: every customer and partner on the page (one loader batch)
#   4. relationship types (one loader batch)
#   5. Customer Agreement acceptances (one loader batch)
#   6. role grants (one loader batch)
#   7. users who accepted the agreement (one loader batch; their organizations are cached)
#   8. delegated admin relationships (one loader batch)
#   9. their role grants (one loader batch)
#  10. totalCount (one COUNT)
RELATIONSHIPS_PAGE_QUERIES = 10
# The invitations page, for either side:
#   1. the bearer token, with its user and organization
#   2. the page of invitations
#   3. organizations: every partner and customer on the page (one loader batch)
#   4. totalCount (one COUNT)
INVITATIONS_PAGE_QUERIES = 4

ACTIVITY = """
query {
  activity(first: 100) {
    totalCount
    edges { node { id action occurredAt objectId changes requestId
                   actor { email organization { name } } actingOrganization { name }
                   customer { name } partner { name } } }
  }
}
"""
# The activity page, for either side:
#   1. the bearer token, with its user and organization
#   2. the page of entries (through the (customer_id or partner_id, created_at) index)
#   3. users who acted (one loader batch)
#   4. organizations: acting, customer and partner, of every entry (one loader batch)
#   5. totalCount (one COUNT)
ACTIVITY_PAGE_QUERIES = 5

DELIVERIES = """
query($id: ID!) {
  webhookEndpoint(id: $id) {
    id url eventTypes
    deliveries(first: 100) {
      totalCount
      edges { node { id eventId eventType occurredAt status attempts nextAttemptAt } }
    }
  }
}
"""
# An endpoint's deliveries page:
#   1. the bearer token, with its user and organization
#   2. the endpoint
#   3. the page of deliveries (one loader batch)
#   4. their events (one loader batch)
#   5. totalCount (one COUNT)
DELIVERIES_PAGE_QUERIES = 5

RELATIONSHIPS_ACTIVITY = """
query {
  relationships(first: 100) {
    totalCount
    edges { node { id activity(first: 100) {
      totalCount
      edges { cursor node { id action customer { name } } }
      pageInfo { hasNextPage endCursor }
    } } }
  }
}
"""
# The relationships page with each relationship's activity, for either side:
#   1. the bearer token, with its user and organization
#   2. the page of relationships
#   3. totalCount (one COUNT)
#   4. every relationship's page of activity (one statement, see `schema/first_rows.py`)
#   5. organizations: every entry's customer (one loader batch)
#   6. every relationship's activity totalCount (one statement)
RELATIONSHIPS_ACTIVITY_QUERIES = 6

ENDPOINTS_DELIVERIES = """
query {
  webhookEndpoints(first: 100) {
    totalCount
    edges { node { id url deliveries(first: 100) {
      totalCount
      edges { cursor node { id eventId eventType status } }
      pageInfo { hasNextPage endCursor }
    } } }
  }
}
"""
# The endpoints page with each endpoint's deliveries:
#   1. the bearer token, with its user and organization
#   2. the page of endpoints
#   3. totalCount (one COUNT)
#   4. every endpoint's page of deliveries (one statement)
#   5. their events (one loader batch)
#   6. every endpoint's deliveries totalCount (one statement)
ENDPOINTS_DELIVERIES_QUERIES = 6


async def _page(api: GraphQLClient, query: str, viewer: Person) -> tuple[dict[str, Any], list[str]]:
    """The page's data, and the SQL statements one request for it cost."""
    with logged_statements() as queries:
        data = await api.query(query, token=viewer.token)
    return data, list(queries)


def _listing(queries: list[str]) -> str:
    return "\n".join(f"  {n}. {q[:300]}" for n, q in enumerate(queries, 1))


def _assert_cost(one: list[str], many: list[str], expected: int) -> None:
    assert len(one) == len(many) == expected, (
        f"expected {expected} queries for 1 row and for {MANY}, got {len(one)} and {len(many)}"
        f"\nfor 1 row:\n{_listing(one)}\nfor {MANY} rows:\n{_listing(many)}"
    )


async def _invite(agent: Person, customer: Organization) -> str:
    """A GDAP invitation for two roles, addressed to `customer`; its token."""
    op = Operation(
        actor=Actor.of(agent.user, OrganizationKind.PARTNER), sealer=SEALER, quotas=f.SEEDING
    )
    await send_invitation(
        op,
        InvitationRequest(
            customer_email="admin@example.com",
            type=RelationshipType.GDAP_PARTNER,
            customer_id=customer.id,
            roles=ROLES,
            duration_days=90,
        ),
    )
    message = next(m for m in op.committed if "sealed_token" in m.payload)
    token = SEALER.unseal(message.payload["sealed_token"])
    assert token is not None
    return token


async def _relate(agent: Person, admin: Person) -> None:
    """The admin's organization accepts a GDAP invitation from the agent's partner."""
    token = await _invite(agent, await Organization.get(id=admin.user.organization_id))
    op = Operation(actor=Actor.of(admin.user, OrganizationKind.CUSTOMER), sealer=SEALER)
    await accept_invitation(op, token, accept_agreement=True)


async def _agent() -> Person:
    return await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)


async def _admin() -> Person:
    return await f.person(await f.customer(), AdminRole.GLOBAL_ADMINISTRATOR)


def _check_relationships(data: dict[str, Any], rows: int) -> None:
    """The page shows every row whole, so no field was skipped to save a query."""
    page = data["relationships"]
    assert page["totalCount"] == rows
    assert len(page["edges"]) == rows
    for edge in page["edges"]:
        node = edge["node"]
        assert node["types"] == ["GDAP_PARTNER"]
        assert sorted(g["role"] for g in node["roleGrants"]) == sorted(ROLES)
        (dar,) = node["delegatedAdminRelationships"]
        assert dar["status"] == "ACTIVE"
        assert sorted(g["role"] for g in dar["roleGrants"]) == sorted(ROLES)
        assert node["customer"]["kind"] == "CUSTOMER"
        assert node["partner"]["name"]
        acceptor = node["agreement"]["acceptedBy"]
        assert acceptor["organization"]["name"] == node["customer"]["name"]


async def test_partner_relationships_page_costs_the_same_for_1_or_30_customers(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner with one customer
    agent = await _agent()
    await _relate(agent, await _admin())
    one, one_queries = await _page(api, RELATIONSHIPS, agent)
    _check_relationships(one, 1)

    # When it has thirty, each with its own admin and agreement
    for _ in range(MANY - 1):
        await _relate(agent, await _admin())
    many, many_queries = await _page(api, RELATIONSHIPS, agent)

    # Then the page shows them all for the same number of queries
    _check_relationships(many, MANY)
    _assert_cost(one_queries, many_queries, RELATIONSHIPS_PAGE_QUERIES)


async def test_customer_relationships_page_costs_the_same_for_1_or_30_partners(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a customer with one partner
    admin = await _admin()
    await _relate(await _agent(), admin)
    one, one_queries = await _page(api, RELATIONSHIPS, admin)
    _check_relationships(one, 1)

    # When it has thirty
    for _ in range(MANY - 1):
        await _relate(await _agent(), admin)
    many, many_queries = await _page(api, RELATIONSHIPS, admin)

    # Then the page shows them all for the same number of queries
    _check_relationships(many, MANY)
    _assert_cost(one_queries, many_queries, RELATIONSHIPS_PAGE_QUERIES)


# The same page, its fields asked through a named and an inline fragment.
RELATIONSHIPS_BY_FRAGMENTS = """
query {
  relationships(first: 100) { totalCount ...Page }
}
fragment Page on RelationshipConnection {
  edges {
    cursor
    node {
      id status createdAt
      ... on Relationship {
        types customer { id name kind } partner { id name }
        agreement { accepted version acceptedAt acceptedBy { email organization { name } } }
      }
      roleGrants { role status expiresAt type }
      ...Dars
    }
  }
  pageInfo { hasNextPage endCursor }
}
fragment Dars on Relationship {
  delegatedAdminRelationships { displayName status endsAt roleGrants { role } }
}
"""
RELATIONSHIP_IDS = "query { relationships(first: 100) { edges { node { id status } } } }"


async def test_relationships_page_asked_through_fragments_shows_and_costs_the_same(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner with thirty customers
    agent = await _agent()
    for _ in range(MANY):
        await _relate(agent, await _admin())

    # When the page is asked with its fields in fragments
    data, queries = await _page(api, RELATIONSHIPS_BY_FRAGMENTS, agent)
    plain, plain_queries = await _page(api, RELATIONSHIPS, agent)

    # Then it shows the same rows whole, for the same queries
    _check_relationships(data, MANY)
    assert data == plain
    _assert_cost(queries, plain_queries, RELATIONSHIPS_PAGE_QUERIES)


async def test_relationships_page_loads_no_relation_it_does_not_show(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner with thirty customers
    agent = await _agent()
    for _ in range(MANY):
        await _relate(agent, await _admin())

    # When the page asks for no related row
    data, queries = await _page(api, RELATIONSHIP_IDS, agent)

    # Then it reads the bearer token and the page, nothing else
    assert len(data["relationships"]["edges"]) == MANY
    assert len(queries) == 2, _listing(queries)


def _check_invitations(data: dict[str, Any], rows: int) -> None:
    page = data["invitations"]
    assert page["totalCount"] == rows
    assert len(page["edges"]) == rows
    for edge in page["edges"]:
        node = edge["node"]
        assert node["status"] == "PENDING"
        assert node["partner"]["name"].startswith("Partner")
        assert node["customer"]["name"].startswith("Customer")


async def test_partner_invitations_page_costs_the_same_for_1_or_30_invitations(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner that invited one customer
    agent = await _agent()
    await _invite(agent, await f.customer())
    one, one_queries = await _page(api, INVITATIONS, agent)
    _check_invitations(one, 1)

    # When it invited thirty
    for _ in range(MANY - 1):
        await _invite(agent, await f.customer())
    many, many_queries = await _page(api, INVITATIONS, agent)

    # Then the page shows them all for the same number of queries
    _check_invitations(many, MANY)
    _assert_cost(one_queries, many_queries, INVITATIONS_PAGE_QUERIES)


async def test_customer_invitations_page_costs_the_same_for_1_or_30_partners(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a customer invited by one partner
    admin = await _admin()
    customer = await Organization.get(id=admin.user.organization_id)
    await _invite(await _agent(), customer)
    one, one_queries = await _page(api, INVITATIONS, admin)
    _check_invitations(one, 1)

    # When thirty partners invited it
    for _ in range(MANY - 1):
        await _invite(await _agent(), customer)
    many, many_queries = await _page(api, INVITATIONS, admin)

    # Then the page shows them all for the same number of queries
    _check_invitations(many, MANY)
    _assert_cost(one_queries, many_queries, INVITATIONS_PAGE_QUERIES)


# ------------------------------------------------------ customer data and security groups

# Each list of a customer's data, as its admin reads it: the fields that cost a query, and
# the page's cost (in the order the resolvers happen to run):
#   1. the bearer token, with its user and organization
#   2. the page of rows
#   3... one loader batch per related kind on the page (named below)
#   last. totalCount (one COUNT)
# The customer's own admin holds its roles already: its access costs no query.
TENANT_LISTS: dict[str, tuple[str, int]] = {
    # users: + partners who reset passwords
    "users": ("id userPrincipalName passwordResetByPartner { name }", 4),
    # subscriptions: + partners who sold them, + assigned license counts
    "subscriptions": ("id offerName assignedLicenses soldBy { name }", 5),
    # licenses: + users, + subscriptions, + partners who assigned them
    "licenses": (
        "id user { userPrincipalName } subscription { offerName } assignedByPartner { name }",
        6,
    ),
    # purchases: + partners who bought them
    "purchases": ("id productName amount partner { name }", 4),
    "billingNotifications": ("id subject", 3),
    "invoices": ("id number amount", 3),
    # support incidents: + people who opened them, + their partners
    "supportIncidents": ("id title openedBy openedByPartner { name }", 5),
    # devices and apps: + partners who registered or submitted them
    "devices": ("id serialNumber registeredByPartner { name }", 4),
    "apps": ("id name submittedByPartner { name }", 4),
    # domains: + domain subscriptions
    "domains": ("id name subscription { years }", 4),
    # directory groups: + their members' pages and totalCounts, + partners who reset the
    # members' passwords
    "groups": (
        "id displayName members { totalCount edges { node { id passwordResetByPartner { name } } } "
        "}",
        6,
    ),
}
# The partner's customers page, for an agent:
#   1. the token  2. the page of relationships  3-5. the agent's access to the customers on
#   the page (their relationships, the agent's assignments, the active grants)
#   6. the customers' names (one loader batch)  7. totalCount
CUSTOMERS_PAGE_QUERIES = 7
CUSTOMERS = """
query { customers(first: 100) { totalCount edges { node { id name roles capabilities } } } }
"""
# The partner's security groups page:
#   1. the token  2. the page of groups  3. members (with their users)  4. assignments (with
#   their relationships)  5. the assignments' customers (one loader batch)  6. totalCount
GROUPS_PAGE_QUERIES = 6
GROUPS = """
query { securityGroups(first: 100) { totalCount edges { node {
  id name members { email } assignments { role customer { name } } } } } }
"""


async def _tenant_rows(customer: Organization, partner: Organization, agent: Person) -> None:
    """One more row of each kind, every related field set, so that every loader runs."""
    data = await f.tenant(customer)
    for row, column in (
        (data.user, "password_reset_by_partner_id"),
        (data.subscription, "sold_by_id"),
        (data.license, "assigned_by_partner_id"),
        (data.purchase, "partner_id"),
        (data.incident, "opened_by_partner_id"),
        (data.device, "registered_by_partner_id"),
        (data.app, "submitted_by_partner_id"),
    ):
        await type(row).filter(id=row.id).update(**{column: partner.id})
    await type(data.incident).filter(id=data.incident.id).update(opened_by_id=agent.user.id)
    await DomainSubscription.create(
        customer=customer, domain=data.domain, years=1, expires_at=utcnow()
    )
    # A group of its directory (as its identity provider makes them), of both its new people
    group = await SecurityGroup.create(partner=customer, name=f"Group of {data.user.email}")
    for person in (data.user, data.admin_user):
        await SecurityGroupMember.create(group=group, user=person)


def _tenant_query(name: str, fields: str) -> str:
    return (
        "query($id: ID!) { customer(id: $id) { "
        f"{name}(first: 100) {{ totalCount edges {{ node {{ {fields} }} }} }} }} }}"
    )


async def test_each_customer_data_list_costs_the_same_for_1_or_30_rows(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a customer with one row of each kind, made with a partner
    partner = await f.partner()
    agent = await f.person(partner, PartnerRole.ADMIN_AGENT)
    admin = await _admin()
    customer = await Organization.get(id=admin.user.organization_id)
    variables = {"id": encode_id("Organization", customer.id)}
    await _tenant_rows(customer, partner, agent)
    one = {}
    for name, (fields, _) in TENANT_LISTS.items():
        with logged_statements() as queries:
            data = await api.query(_tenant_query(name, fields), variables, admin.token)
        assert data["customer"][name]["totalCount"] >= 1, name
        one[name] = list(queries)

    # When it has thirty of each
    for _ in range(MANY - 1):
        await _tenant_rows(customer, partner, agent)

    # Then each list shows them all for the same number of queries
    for name, (fields, expected) in TENANT_LISTS.items():
        with logged_statements() as queries:
            data = await api.query(_tenant_query(name, fields), variables, admin.token)
        page = data["customer"][name]
        assert len(page["edges"]) == page["totalCount"] >= MANY, name
        whole = [e for e in page["edges"] if None not in e["node"].values()]
        assert len(whole) >= MANY, name  # every loader had rows to load
        _assert_cost(one[name], list(queries), expected)


async def test_partner_customers_and_security_groups_pages_cost_the_same_for_1_or_30(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner's agent in one group, holding a role for one customer through it
    agent = await _agent()
    partner = await Organization.get(id=agent.user.organization_id)

    async def another_customer(n: int) -> None:
        admin = await _admin()
        relationship = await f.granted(agent, admin, ROLES)
        await f.assign(await f.group(agent, f"Group {n}", agent), relationship, *ROLES)

    await another_customer(0)
    customers_one, customers_one_queries = await _page(api, CUSTOMERS, agent)
    groups_one, groups_one_queries = await _page(api, GROUPS, agent)

    # When it has thirty
    for n in range(1, MANY):
        await another_customer(n)
    customers, customers_queries = await _page(api, CUSTOMERS, agent)
    groups, groups_queries = await _page(api, GROUPS, agent)

    # Then both pages show them all, whole, for the same number of queries
    for page, rows in ((customers_one, 1), (customers, MANY)):
        assert page["customers"]["totalCount"] == len(page["customers"]["edges"]) == rows
        for edge in page["customers"]["edges"]:
            assert edge["node"]["roles"] == sorted(ROLES)
            assert edge["node"]["name"].startswith("Customer")
    for page, rows in ((groups_one, 1), (groups, MANY)):
        assert page["securityGroups"]["totalCount"] == rows
        for edge in page["securityGroups"]["edges"]:
            assert edge["node"]["members"] == [{"email": agent.email}]
            assert sorted(a["role"] for a in edge["node"]["assignments"]) == sorted(ROLES)
    assert partner.name.startswith("Partner")
    _assert_cost(customers_one_queries, customers_queries, CUSTOMERS_PAGE_QUERIES)
    _assert_cost(groups_one_queries, groups_queries, GROUPS_PAGE_QUERIES)


def _check_activity(data: dict[str, Any], rows: int) -> None:
    page = data["activity"]
    assert page["totalCount"] == rows
    assert len(page["edges"]) == rows
    for edge in page["edges"]:
        node = edge["node"]
        assert node["action"] == "invitation.sent"
        assert node["actor"]["organization"]["name"] == node["partner"]["name"]
        assert node["actingOrganization"]["name"] == node["partner"]["name"]
        assert node["customer"]["name"].startswith("Customer")


async def test_activity_page_costs_the_same_for_1_or_30_entries(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a customer invited by one partner
    admin = await _admin()
    customer = await Organization.get(id=admin.user.organization_id)
    await _invite(await _agent(), customer)
    one, one_queries = await _page(api, ACTIVITY, admin)
    _check_activity(one, 1)

    # When thirty partners' agents invited it
    for _ in range(MANY - 1):
        await _invite(await _agent(), customer)
    many, many_queries = await _page(api, ACTIVITY, admin)

    # Then its activity page shows them all for the same number of queries
    _check_activity(many, MANY)
    _assert_cost(one_queries, many_queries, ACTIVITY_PAGE_QUERIES)


async def test_an_endpoints_deliveries_page_costs_the_same_for_1_or_30_deliveries(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner's endpoint for sent invitations, and one invitation sent
    agent = await _agent()
    op = Operation(actor=Actor.of(agent.user, OrganizationKind.PARTNER), sealer=SEALER)
    endpoint, _ = await create_endpoint(
        op, "https://8.8.8.8/hooks", ["invitation.sent"], "", allow_private=False
    )
    variables = {"id": encode_id("WebhookEndpoint", endpoint.id)}
    await _invite(agent, await f.customer())

    def check(data: dict[str, Any], rows: int) -> None:
        page = data["webhookEndpoint"]["deliveries"]
        assert page["totalCount"] == len(page["edges"]) == rows
        assert {e["node"]["eventType"] for e in page["edges"]} == {"invitation.sent"}
        assert len({e["node"]["eventId"] for e in page["edges"]}) == rows

    with logged_statements() as queries:
        one = await api.query(DELIVERIES, variables, agent.token)
    one_queries = list(queries)
    check(one, 1)

    # When it sent thirty
    for _ in range(MANY - 1):
        await _invite(agent, await f.customer())
    with logged_statements() as queries:
        many = await api.query(DELIVERIES, variables, agent.token)
    many_queries = list(queries)

    # Then the page shows them all for the same number of queries
    check(many, MANY)
    _assert_cost(one_queries, many_queries, DELIVERIES_PAGE_QUERIES)


def _check_relationships_activity(data: dict[str, Any], rows: int) -> None:
    page = data["relationships"]
    assert page["totalCount"] == len(page["edges"]) == rows
    for edge in page["edges"]:
        activity = edge["node"]["activity"]
        actions = [e["node"]["action"] for e in activity["edges"]]
        # The relationship's own history, newest first (no `invitation.sent`: that came before)
        assert actions == [
            "roles.granted",
            "delegated_admin_relationship.activated",
            "relationship.created",
            "agreement.accepted",
            "invitation.accepted",
        ]
        assert activity["totalCount"] == len(actions)
        assert not activity["pageInfo"]["hasNextPage"]
        assert activity["pageInfo"]["endCursor"] == activity["edges"][-1]["cursor"]
        assert {e["node"]["customer"]["name"] for e in activity["edges"]} == {
            activity["edges"][0]["node"]["customer"]["name"]
        }


async def test_relationships_nested_activity_costs_the_same_for_1_or_30_relationships(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner with one customer
    agent = await _agent()
    await _relate(agent, await _admin())
    one, one_queries = await _page(api, RELATIONSHIPS_ACTIVITY, agent)
    _check_relationships_activity(one, 1)

    # When it has thirty, each with its own history
    for _ in range(MANY - 1):
        await _relate(agent, await _admin())
    many, many_queries = await _page(api, RELATIONSHIPS_ACTIVITY, agent)

    # Then the page shows every relationship's history for the same number of queries
    _check_relationships_activity(many, MANY)
    _assert_cost(one_queries, many_queries, RELATIONSHIPS_ACTIVITY_QUERIES)
    # and each relationship shows its own history only
    customers = [
        e["node"]["activity"]["edges"][0]["node"]["customer"]["name"]
        for e in many["relationships"]["edges"]
    ]
    assert len(set(customers)) == MANY


async def test_endpoints_nested_deliveries_cost_the_same_for_1_or_30_endpoints(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner's endpoint for sent invitations, and one invitation sent
    agent = await _agent()
    op = Operation(actor=Actor.of(agent.user, OrganizationKind.PARTNER), sealer=SEALER)
    await create_endpoint(
        op, "https://8.8.8.8/hooks/0", ["invitation.sent"], "", allow_private=False
    )
    await _invite(agent, await f.customer())

    def check(data: dict[str, Any], rows: int, deliveries: int) -> None:
        page = data["webhookEndpoints"]
        assert page["totalCount"] == len(page["edges"]) == rows
        counts = []
        for edge in page["edges"]:
            nested = edge["node"]["deliveries"]
            assert nested["totalCount"] == len(nested["edges"])
            assert {e["node"]["eventType"] for e in nested["edges"]} == {"invitation.sent"}
            assert len({e["node"]["id"] for e in nested["edges"]}) == len(nested["edges"])
            counts.append(nested["totalCount"])
        assert sum(counts) == deliveries

    one, one_queries = await _page(api, ENDPOINTS_DELIVERIES, agent)
    check(one, 1, 1)

    # When it has thirty endpoints, and one more invitation went to them all
    for n in range(1, MANY):
        await create_endpoint(
            op, f"https://8.8.8.8/hooks/{n}", ["invitation.sent"], "", allow_private=False
        )
    await _invite(agent, await f.customer())
    many, many_queries = await _page(api, ENDPOINTS_DELIVERIES, agent)

    # Then the page shows every endpoint's deliveries for the same number of queries
    check(many, MANY, MANY + 1)
    _assert_cost(one_queries, many_queries, ENDPOINTS_DELIVERIES_QUERIES)


# --------------------------------------------------------------------------- directory, leads

PARTNERS = """
query($filter: PartnerFilter) {
  partners(first: 100, filter: $filter) {
    totalCount
    edges { cursor node { id name description locations industries products organizationSizes
                          languages contact { email phone website } published updatedAt } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
# The directory page, for a visitor (no token), with no filter or with words and facets:
#   1. the page of profiles (facets, text and order in one SELECT); on SQLite, with words,
#      the estimate the plan is chosen by
#   2. totalCount (one COUNT); on SQLite the page counts its matches itself, and this is the
#      page of words (without filter, SQLite sends that one statement alone)
PARTNERS_PAGE_QUERIES = {"sqlite": (1, 2), "postgres": (2, 2)}

LEADS = """
query {
  leads(first: 100) {
    totalCount
    edges { node { id status contactName email organizationName partner { name }
                   invitation { id customerEmail status } } }
  }
}
"""
# The leads page, for the partner's admin or sales agent:
#   1. the bearer token, with its user and organization
#   2. the page of leads
#   3. organizations: the partner (one loader batch)
#   4. invitations sent from the leads (one loader batch)
#   5. totalCount (one COUNT)
LEADS_PAGE_QUERIES = 5


async def _public_page(
    api: GraphQLClient, query: str, variables: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    with logged_statements() as queries:
        data = await api.query(query, variables)
    return data, list(queries)


async def test_directory_page_costs_the_same_for_1_or_30_partners(
    api: GraphQLClient, db: Settings
) -> None:
    # Given one listed partner
    await f.listed_partner("Partner 0")
    search = {"filter": {"industries": ["HEALTHCARE"], "locations": ["US"], "text": "cloud"}}
    dialect = "sqlite" if db.database_url.startswith("sqlite") else "postgres"
    pages = list(zip(({}, search), PARTNERS_PAGE_QUERIES[dialect], strict=True))
    for_one = []
    for variables, _ in pages:
        one, one_queries = await _public_page(api, PARTNERS, variables)
        assert one["partners"]["totalCount"] == 1
        for_one.append(one_queries)

    # When thirty are listed
    for n in range(1, MANY):
        await f.listed_partner(f"Partner {n}")

    # Then a page of all of them, filtered or not, costs the same
    for (variables, cost), one_queries in zip(pages, for_one, strict=True):
        many, many_queries = await _public_page(api, PARTNERS, variables)
        assert many["partners"]["totalCount"] == MANY
        assert len(many["partners"]["edges"]) == MANY
        assert all(e["node"]["locations"] == ["US"] for e in many["partners"]["edges"])
        _assert_cost(one_queries, many_queries, cost)


async def test_leads_page_costs_the_same_for_1_or_30_leads(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a listed partner with one lead, from which it sent an invitation
    fabrikam, admin = await f.listed_partner("Fabrikam")
    op = Operation(
        actor=Actor.of(admin.user, OrganizationKind.PARTNER), sealer=SEALER, quotas=f.SEEDING
    )
    limit = RateLimit(redis=None, limit=1, window=1, name="tests")

    async def lead() -> None:
        await contact_partner(op, _contact(fabrikam), limit, "127.0.0.1")
        [row] = await Lead.filter(invitation_id=None).limit(1)
        await send_invitation_from_lead(
            op, row.id, InvitationRequest(customer_email="", type=RelationshipType.RESELLER)
        )

    await lead()
    one, one_queries = await _page(api, LEADS, admin)
    assert one["leads"]["totalCount"] == 1

    # When it has thirty
    for _ in range(MANY - 1):
        await lead()
    many, many_queries = await _page(api, LEADS, admin)

    # Then the page shows them all, with their invitations, for the same number of queries
    assert many["leads"]["totalCount"] == MANY
    assert all(e["node"]["invitation"]["status"] == "PENDING" for e in many["leads"]["edges"])
    assert all(e["node"]["partner"]["name"] == "Fabrikam" for e in many["leads"]["edges"])
    _assert_cost(one_queries, many_queries, LEADS_PAGE_QUERIES)


def _contact(org: Organization) -> ContactRequest:
    form = f.contact_form(org)
    return ContactRequest(
        partner_id=org.id,
        location=form["location"],
        contact_name=form["contactName"],
        email=form["email"],
        phone=form["phone"],
        organization_name=form["organizationName"],
        organization_size=form["organizationSize"],
        industry=form["industry"],
        business_needs=form["businessNeeds"],
    )


MEMBERS = """
query {
  viewer { organization { members(first: 100) {
    totalCount edges { cursor node { id email displayName roles organization { name } } }
    pageInfo { hasNextPage endCursor }
  } } }
}
"""
# A partner's members page (the security groups page's picker):
#   1. the bearer token, with its user and organization
#   2. the viewer's organization (one loader batch; the members' is then cached)
#   3. the page of users
#   4. totalCount (one COUNT)
MEMBERS_PAGE_QUERIES = 4


async def test_members_page_costs_the_same_for_1_or_30_agents(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner with one admin agent
    agent = await _agent()
    partner = await Organization.get(id=agent.user.organization_id)
    one, one_queries = await _page(api, MEMBERS, agent)

    # When it has thirty agents
    for _ in range(1, MANY):
        await f.person(partner, PartnerRole.SALES_AGENT)
    many, many_queries = await _page(api, MEMBERS, agent)

    # Then the page shows them all for the same number of queries
    for data, rows in ((one, 1), (many, MANY)):
        page = data["viewer"]["organization"]["members"]
        assert page["totalCount"] == len(page["edges"]) == rows
        assert {e["node"]["organization"]["name"] for e in page["edges"]} == {partner.name}
    _assert_cost(one_queries, many_queries, MEMBERS_PAGE_QUERIES)


# ------------------------------------------------------------------------------ directory

# The directory's search, as a visitor asks it (no sign-in: no statement for a token).
DIRECTORY_SEARCH = """
query($filter: PartnerFilter) {
  partners(first: 20, filter: $filter) { totalCount edges { node { id name } } }
}
"""
# The statements of a search with several facets and one with a word: on SQLite the page
# counts its matches itself, and a word first reads its estimate (`plan`); PostgreSQL sends
# the page, then the count. (On SQLite a word most of a large directory holds walks the
# profiles in order instead, for the same two statements: tests/test_directory_plans.py.)
SEVERAL_FACETS = {"locations": ["US", "DE"], "industries": ["HEALTHCARE"], "languages": ["en"]}
DIRECTORY_QUERIES = {"sqlite": (1, 2), "postgres": (2, 2)}


async def _search(api: GraphQLClient, filter_: dict[str, Any]) -> tuple[int, list[str]]:
    with logged_statements() as queries:
        data = await api.query(DIRECTORY_SEARCH, {"filter": filter_})
    return data["partners"]["totalCount"], list(queries)


async def test_a_directory_search_costs_the_same_for_2_or_30_partners(
    api: GraphQLClient, db: Settings
) -> None:
    # Given two listed partners
    for n in range(2):
        await f.listed_partner(f"Listed {n:02d}", languages=["en"])
    facets_two, facets_queries_two = await _search(api, SEVERAL_FACETS)
    word_two, word_queries_two = await _search(api, {"text": "cloud"})

    # When thirty are listed
    for n in range(2, MANY):
        await f.listed_partner(f"Listed {n:02d}", languages=["en"])
    facets_many, facets_queries_many = await _search(api, SEVERAL_FACETS)
    word_many, word_queries_many = await _search(api, {"text": "cloud"})

    # Then each search finds them all, for the same statements
    assert (facets_two, word_two, facets_many, word_many) == (2, 2, MANY, MANY)
    dialect = "sqlite" if db.database_url.startswith("sqlite") else "postgres"
    facets, words = DIRECTORY_QUERIES[dialect]
    _assert_cost(facets_queries_two, facets_queries_many, facets)
    _assert_cost(word_queries_two, word_queries_many, words)
