"""Templates and a bulk operation's items (a send's, an ending's) cost a fixed number of SQL
queries, whether there is 1 or 30 of them."""

from __future__ import annotations

from models.foundation.budget import Budget
from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.identity.actors import Actor
from models.infrastructure.tokens import Sealer
from models.operation import Operation
from models.reference.enums import OrganizationKind, PartnerRole, RelationshipType
from models.rules.bulk_endings import start_bulk_ending
from models.rules.bulk_operations import BulkCustomer, run_round, start_bulk_send
from models.rules.templates import GroupRoles, TemplateRequest, create_template
from models.tables.access import SecurityGroup
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.templates import InvitationTemplate
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.test_query_counts import MANY, _assert_cost, _page

SEALER = Sealer("bulk-query-counts")
TEMPLATES = """query { invitationTemplates {
  id name roles assignments { roles securityGroup { name members { email } } } } }"""
ITEMS = """query { bulkOperation(id: "%s") { total items(first: 100) { totalCount
  edges { node { customerEmail status invitation { customerEmail partner { name } } } } } } }"""
# 1. the bearer token  2. the templates  3. their assignments with their groups
#    4. the groups' members (one loader batch)
TEMPLATES_QUERIES = 4
# 1. the bearer token  2. the operation  3. its page of items with their invitations
#    4. the invitations' partners (one loader batch)  5. totalCount
ITEMS_QUERIES = 5


def _op(agent: f.Person) -> Operation:
    actor = Actor.of(agent.user, OrganizationKind.PARTNER)
    return Operation(actor=actor, sealer=SEALER, quotas=f.SEEDING)


async def _template(agent: f.Person, group: SecurityGroup, n: int) -> InvitationTemplate:
    return await create_template(
        _op(agent),
        TemplateRequest(
            name=f"Template {n}",
            type=RelationshipType.GDAP_PARTNER,
            roles=["USER_ADMINISTRATOR"],
            assignments=[GroupRoles(group.id, ["USER_ADMINISTRATOR"])],
        ),
    )


async def test_the_templates_list_costs_the_same_for_1_or_30_templates(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an admin agent's template assigning a role to a group
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    group = await f.group(agent, "Tier 1", agent)
    await _template(agent, group, 0)
    one, one_queries = await _page(api, TEMPLATES, agent)
    assert len(one["invitationTemplates"]) == 1

    # When there are thirty
    for n in range(1, MANY):
        await _template(agent, group, n)
    many, many_queries = await _page(api, TEMPLATES, agent)

    # Then the list shows them whole for the same number of queries
    assert len(many["invitationTemplates"]) == MANY
    assert all(t["assignments"][0]["securityGroup"]["members"] for t in many["invitationTemplates"])
    _assert_cost(one_queries, many_queries, TEMPLATES_QUERIES)


async def _done_operation(agent: f.Person, count: int) -> str:
    group = await f.group(agent, f"Group {count}")
    template = await _template(agent, group, count)
    customers = [BulkCustomer(f"it{n}@customer{n}.example.com") for n in range(count)]
    operation = await start_bulk_send(_op(agent), template.id, customers)
    system = Operation(actor=None, sealer=SEALER, quotas=f.SEEDING)
    await run_round(system, operation.id, Budget.unlimited(), limit=count)
    return str(encode_id("BulkOperation", operation.id))


async def test_a_bulk_operations_items_cost_the_same_for_1_or_30_items(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an admin agent's bulk send to one customer, done
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    one_id = await _done_operation(agent, 1)
    one, one_queries = await _page(api, ITEMS % one_id, agent)
    assert one["bulkOperation"]["items"]["totalCount"] == 1

    # When another went to thirty
    many_id = await _done_operation(agent, MANY)
    many, many_queries = await _page(api, ITEMS % many_id, agent)

    # Then its items show whole, with their invitations, for the same number of queries
    edges = many["bulkOperation"]["items"]["edges"]
    assert len(edges) == MANY
    assert all(e["node"]["invitation"]["partner"]["name"] for e in edges)
    _assert_cost(one_queries, many_queries, ITEMS_QUERIES)


ENDINGS = """query { bulkOperation(id: "%s") { total items(first: 100) { totalCount
  edges { node { customerEmail customerId status customer { name }
    delegatedAdminRelationship { displayName status roleGrants { role status } } } } } } }"""
# 1. the bearer token  2. the operation  3. its page of items with their customers and
#    delegated admin relationships  4. those relationships' grants (one loader batch)  5. totalCount
ENDINGS_QUERIES = 5


async def _done_ending(agent: f.Person, count: int) -> str:
    dar_ids = []
    for n in range(count):
        admin = await f.person(await f.customer(f"Customer {n}"), "GLOBAL_ADMINISTRATOR")
        relationship = await f.granted(agent, admin, ["USER_ADMINISTRATOR"])
        dar = await DelegatedAdminRelationship.get(relationship_id=relationship.id)
        dar_ids.append(str(encode_id("DelegatedAdminRelationship", dar.id)))
    operation = await start_bulk_ending(_op(agent), dar_ids)
    system = Operation(actor=None, sealer=SEALER, quotas=f.SEEDING)
    await run_round(system, operation.id, Budget.unlimited(), limit=count)
    return str(encode_id("BulkOperation", operation.id))


async def test_an_endings_items_cost_the_same_for_1_or_30_delegated_admin_relationships(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an admin agent's bulk ending of one delegated admin relationship, done
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    one_id = await _done_ending(agent, 1)
    one, one_queries = await _page(api, ENDINGS % one_id, agent)
    assert one["bulkOperation"]["items"]["totalCount"] == 1

    # When another ended thirty
    many_id = await _done_ending(agent, MANY)
    many, many_queries = await _page(api, ENDINGS % many_id, agent)

    # Then its items show whole, each with its ended relationship and grants, for the same
    # number of queries
    edges = many["bulkOperation"]["items"]["edges"]
    assert len(edges) == MANY
    assert {e["node"]["status"] for e in edges} == {"SUCCEEDED"}
    assert {e["node"]["delegatedAdminRelationship"]["status"] for e in edges} == {"TERMINATED"}
    assert all(e["node"]["delegatedAdminRelationship"]["roleGrants"] for e in edges)
    assert all(e["node"]["customer"]["name"].startswith("Customer ") for e in edges)
    _assert_cost(one_queries, many_queries, ENDINGS_QUERIES)
