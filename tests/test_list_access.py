"""One rule for every top-level list: "you may not" is FORBIDDEN, "there is none" is empty."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.policy import LISTS
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole, RelationshipType
from schema import build_schema
from tests import factories as f
from tests.graphql import GraphQLClient

# Lists anyone may read, signed in or not, or any signed-in user: no role opens them.
PUBLIC_LISTS = {
    "roleDefinitions",
    "relationshipTypes",
    "directoryVocabularies",
    "partners",
    "offers",
    "webhookEventTypes",
    "apiScopes",
}
# What each viewer may open of a customer's: its billing pages, by its capabilities.
ANSWERS_BY_CAPABILITY = {"billingPages"}


@dataclass
class Cast:
    """Fabrikam's agents, Contoso's people, and Contoso's relationship with Fabrikam as an
    MPSA partner, an OEM and a line-of-business partner (with nothing bought, registered or
    submitted yet)."""

    admin_agent: f.Person
    sales_agent: f.Person
    helpdesk_agent: f.Person
    global_admin: f.Person
    billing_admin: f.Person
    user_without_roles: f.Person
    newcomer_admin: f.Person  # a global admin of a customer with no history yet
    newcomer_agent: f.Person  # a helpdesk agent of a partner with no customers yet
    customer_id: str


async def _cast() -> Cast:
    fabrikam, contoso = await f.partner("Fabrikam"), await f.customer("Contoso")
    cast = Cast(
        admin_agent=await f.person(fabrikam, PartnerRole.ADMIN_AGENT),
        sales_agent=await f.person(fabrikam, PartnerRole.SALES_AGENT),
        helpdesk_agent=await f.person(fabrikam, PartnerRole.HELPDESK_AGENT),
        global_admin=await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR),
        billing_admin=await f.person(contoso, AdminRole.BILLING_ADMINISTRATOR),
        user_without_roles=await f.person(contoso),
        newcomer_admin=await f.person(await f.customer("Tailspin"), AdminRole.GLOBAL_ADMINISTRATOR),
        newcomer_agent=await f.person(await f.partner("Northwind"), PartnerRole.HELPDESK_AGENT),
        customer_id=str(encode_id("Organization", contoso.id)),
    )
    await f.related(
        cast.admin_agent,
        cast.global_admin,
        RelationshipType.MPSA_PARTNER,
        RelationshipType.OEM,
        RelationshipType.LOB_PARTNER,
    )
    return cast


def _list(field: str, arguments: str = "") -> str:
    return f"query {{ {field}{arguments} {{ totalCount edges {{ node {{ id }} }} }} }}"


def _lists(cast: Cast) -> dict[str, tuple[str, list[f.Person], f.Person]]:
    """Each role-guarded list: its query, viewers whose roles cannot open it, and a viewer
    who may open it but has no rows in it."""
    customer = f'(customerId: "{cast.customer_id}")'
    return {
        "activity": (
            _list("activity"),
            [cast.sales_agent, cast.helpdesk_agent, cast.user_without_roles],
            cast.newcomer_admin,
        ),
        "leads": (
            _list("leads"),
            [cast.helpdesk_agent, cast.global_admin],
            cast.sales_agent,
        ),
        "invitations": (
            _list("invitations", "(status: PENDING)"),
            [cast.helpdesk_agent, cast.user_without_roles],
            cast.sales_agent,
        ),
        "relationships": (
            _list("relationships", "(status: ENDED)"),
            [cast.user_without_roles],
            cast.helpdesk_agent,
        ),
        "customers": (
            "query { customers { totalCount edges { node { id } } } }",
            [cast.user_without_roles],
            cast.newcomer_agent,
        ),
        "securityGroups": (
            _list("securityGroups"),
            [cast.global_admin, cast.billing_admin],
            cast.sales_agent,
        ),
        "webhookEndpoints": (
            _list("webhookEndpoints"),
            [cast.sales_agent, cast.helpdesk_agent, cast.billing_admin],
            cast.global_admin,
        ),
        "mpsaPurchases": (
            _list("mpsaPurchases", customer),
            [cast.helpdesk_agent, cast.global_admin],
            cast.sales_agent,
        ),
        "invitationTemplates": (
            "query { invitationTemplates { id } }",
            [cast.helpdesk_agent, cast.global_admin],
            cast.sales_agent,
        ),
        "bulkOperations": (
            _list("bulkOperations"),
            [cast.sales_agent, cast.helpdesk_agent, cast.global_admin],
            cast.admin_agent,
        ),
        "scimTokens": (
            "query { scimTokens { id } }",
            [cast.billing_admin, cast.user_without_roles, cast.admin_agent],
            cast.newcomer_admin,
        ),
        "devices": (_list("devices", customer), [cast.global_admin], cast.helpdesk_agent),
        "lobApps": (_list("lobApps", customer), [cast.global_admin], cast.helpdesk_agent),
    }


async def test_a_viewer_whose_roles_cannot_open_a_list_is_forbidden_and_an_empty_list_means_none(
    api: GraphQLClient, db: Settings
) -> None:
    # Given partner agents and customer people of every kind
    cast = await _cast()

    for name, (query, cannot, may) in _lists(cast).items():
        # When a viewer whose roles cannot open the list asks for it
        for who in cannot:
            body = await api.raw(query, token=who.token)
            # Then it is refused at the top level, FORBIDDEN, never shown an empty list
            assert body["data"] is None, (name, who.email)
            [error] = body["errors"]
            assert error["extensions"]["code"] == "FORBIDDEN", (name, who.email)
            assert error["path"] == [name]
            assert error["message"].startswith("Only "), error["message"]

        # When a viewer who may open it asks, with nothing in it
        data = await api.query(query, token=may.token)
        # Then the list (or page) is empty, and that means there is nothing
        assert data[name] in ([], {"totalCount": 0, "edges": []}), name

        # And a visitor must sign in first
        assert await api.error_code(query) == "UNAUTHENTICATED", name


async def test_every_top_level_list_is_public_or_has_its_rule(
    api: GraphQLClient, db: Settings
) -> None:
    # Given every top-level query that answers a list or a page of one
    query_type = build_schema(production=False)._schema.query_type
    assert query_type is not None

    def is_list(field_type: object) -> bool:
        inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
        return isinstance(inner, GraphQLList) or (
            isinstance(inner, GraphQLObjectType) and inner.name.endswith("Connection")
        )

    lists = {name for name, field in query_type.fields.items() if is_list(field.type)}

    # Then each is public, answers by capability, or is one whose rule the test above checks
    guarded = set(_lists(await _cast()))
    assert lists == PUBLIC_LISTS | ANSWERS_BY_CAPABILITY | guarded
    # And the policy's rule of lists covers every role-guarded one that asks no customer
    assert set(LISTS) == guarded - {"mpsaPurchases", "devices", "lobApps"}


async def test_the_viewer_is_told_which_lists_its_roles_open(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Fabrikam's agents and Contoso's people
    cast = await _cast()
    query = "{ viewer { opensLists } }"
    lists = [
        "invitations",
        "relationships",
        "customers",
        "securityGroups",
        "activity",
        "webhookEndpoints",
        "leads",
    ]

    people = {
        "admin agent": cast.admin_agent,
        "helpdesk agent": cast.helpdesk_agent,
        "billing admin": cast.billing_admin,
    }

    # When each asks which lists they may open
    answers = {
        who: (await api.query(query, token=person.token))["viewer"]["opensLists"]
        for who, person in people.items()
    }

    # Then each hears exactly the lists that answer it rather than refuse it
    for who, opened in answers.items():
        for name in lists:
            body = await api.raw(
                f"{{ {name}(first: 1) {{ totalCount }} }}", token=people[who].token
            )
            refused = any(e["extensions"]["code"] == "FORBIDDEN" for e in body.get("errors", []))
            assert (name in opened) == (not refused), (who, name)
    # And the helpdesk agent is not offered invitations or leads
    assert "invitations" not in answers["helpdesk agent"]
    assert "leads" not in answers["helpdesk agent"]
    assert set(LISTS) >= set(answers["admin agent"])
