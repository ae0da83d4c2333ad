"""Relationships through the GraphQL API: what acceptance grants, removing roles, ending."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.reference.catalog import CURRENT_AGREEMENT_VERSION, AdminRole
from models.reference.enums import PartnerRole
from models.rules.grants import active_roles
from models.tables.organizations import Organization, User
from models.tables.outbox import OutboxMessage
from models.tables.relationships import AgreementAcceptance, Relationship
from tests import factories as f
from tests.flows import invite
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from tests.servers import ReceivedMail, SmtpServer

GA = AdminRole.GLOBAL_ADMINISTRATOR
BILLING = AdminRole.BILLING_ADMINISTRATOR

RELATIONSHIP_FIELDS = """
  id status types createdAt endedAt customer { name } partner { name }
  agreement { accepted version acceptedAt acceptedBy { email } }
  roleGrants { role type status grantedAt expiresAt autoExtend revokedAt }
"""

RELATIONSHIP = f"query($id: ID!) {{ relationship(id: $id) {{ {RELATIONSHIP_FIELDS} }} }}"

RELATIONSHIPS = f"""
query($status: RelationshipStatus) {{ relationships(first: 50, status: $status) {{
  totalCount edges {{ node {{ {RELATIONSHIP_FIELDS} }} }}
}} }}
"""

INVITATION = "query($id: ID!) { invitation(id: $id) { id status acceptedAt } }"

ACCEPT_AGREEMENT = """
mutation($input: AcceptAgreementInput!) { acceptAgreement(input: $input) {
  agreement { accepted version acceptedAt acceptedBy { email } } errors { field message code }
} }
"""

RESELLER: dict[str, Any] = {"type": "RESELLER", "roles": None, "durationDays": None}
ADVISOR: dict[str, Any] = {"type": "ADVISOR", "roles": None, "durationDays": None}
PARTNER: dict[str, Any] = {"type": "PARTNER", "durationDays": None}


# ----------------------------------------------------------------------------- helpers


class Parties:
    """Fabrikam (a partner) with an admin agent, and Contoso (a customer) with a global admin."""

    partner: Organization
    agent: f.Person
    customer: Organization
    admin: f.Person

    @classmethod
    async def create(cls) -> Parties:
        self = cls()
        self.partner = await f.partner("Fabrikam")
        self.agent = await f.person(self.partner, PartnerRole.ADMIN_AGENT)
        self.customer = await f.customer("Contoso")
        self.admin = await f.person(self.customer, GA)
        return self

    async def active_roles(self) -> set[str]:
        return await active_roles(self.customer.id, self.partner.id, utcnow())


async def established(
    api: GraphQLClient,
    settings: Settings,
    smtp: SmtpServer,
    agent: f.Person,
    admin: f.Person,
    **fields: Any,
) -> dict[str, Any]:
    """An invitation sent by `agent` and accepted by `admin`: the relationship as read back."""
    _, token = await invite(api, settings, smtp, agent, **fields)
    accepted = await f.accept(api, admin, token)
    assert accepted["errors"] == [], accepted["errors"]
    return await relationship(api, admin, accepted["relationship"]["id"])


async def relationship(api: GraphQLClient, viewer: f.Person, id_: str) -> dict[str, Any]:
    data = await api.query(RELATIONSHIP, {"id": id_}, viewer.token)
    found: dict[str, Any] = data["relationship"]
    return found


async def relationships(
    api: GraphQLClient, viewer: f.Person, status: str | None = None
) -> list[dict[str, Any]]:
    data = await api.query(RELATIONSHIPS, {"status": status}, viewer.token)
    connection = data["relationships"]
    assert connection["totalCount"] == len(connection["edges"])
    return [edge["node"] for edge in connection["edges"]]


async def remove_roles(
    api: GraphQLClient, who: f.Person, relationship_id: str, roles: list[str] | None = None
) -> dict[str, Any]:
    input_: dict[str, Any] = {"relationshipId": relationship_id}
    if roles is not None:
        input_["roles"] = roles
    data = await api.query(f.REMOVE_ROLES, {"input": input_}, who.token)
    payload: dict[str, Any] = data["removeRoles"]
    return payload


async def end(api: GraphQLClient, who: f.Person, relationship_id: str) -> dict[str, Any]:
    data = await api.query(f.END, {"input": {"relationshipId": relationship_id}}, who.token)
    payload: dict[str, Any] = data["endRelationship"]
    return payload


async def accept_agreement(api: GraphQLClient, who: f.Person, accept: bool) -> dict[str, Any]:
    data = await api.query(ACCEPT_AGREEMENT, {"input": {"acceptAgreement": accept}}, who.token)
    payload: dict[str, Any] = data["acceptAgreement"]
    return payload


def statuses(found: dict[str, Any]) -> dict[str, str]:
    return {g["role"]: g["status"] for g in found["roleGrants"]}


def codes(errors: list[dict[str, Any]]) -> set[tuple[tuple[str, ...], str]]:
    return {(tuple(e["field"]), e["code"]) for e in errors}


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def about(actual: datetime, expected: datetime) -> bool:
    """The same instant, give or take what a database keeps of it."""
    return abs(actual - expected) < timedelta(seconds=1)


def sent_to(mails: list[ReceivedMail], subject: str) -> list[str]:
    return sorted(r for m in mails if subject in m.message["Subject"] for r in m.rcpt_tos)


# ------------------------------------------------------------------ 1. acceptance results


@pytest.mark.parametrize(
    ("fields", "days", "auto_extend"),
    [
        pytest.param({"durationDays": 1}, 1, False, id="1-day"),
        pytest.param({"durationDays": 45, "autoExtend": True}, 45, True, id="45-days-extending"),
        pytest.param({"durationDays": None}, 730, False, id="default-730-days"),
    ],
)
async def test_gdap_grants_end_after_their_duration_from_acceptance(
    api: GraphQLClient,
    db: Settings,
    smtp_server: SmtpServer,
    fields: dict[str, Any],
    days: int,
    auto_extend: bool,
) -> None:
    # Given a GDAP invitation for two roles, emailed to Contoso
    p = await Parties.create()
    sent, token = await invite(
        api,
        db,
        smtp_server,
        p.agent,
        roles=["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"],
        **fields,
    )

    # When the global admin accepts it
    accepted = await f.accept(api, p.admin, token)
    assert accepted["errors"] == []

    # Then each grant is ACTIVE from acceptance, ends `days` later, with auto-extend as asked
    accepted_at = at(
        (await api.query(INVITATION, {"id": sent["id"]}, p.agent.token))["invitation"]["acceptedAt"]
    )
    found = await relationship(api, p.admin, accepted["relationship"]["id"])
    assert found["types"] == ["GDAP_PARTNER"]
    assert sorted(g["role"] for g in found["roleGrants"]) == [
        "HELPDESK_ADMINISTRATOR",
        "USER_ADMINISTRATOR",
    ]
    for grant in found["roleGrants"]:
        assert grant["status"] == "ACTIVE"
        assert grant["type"] == "GDAP_PARTNER"
        assert about(at(grant["grantedAt"]), accepted_at)
        assert about(at(grant["expiresAt"]), accepted_at + timedelta(days=days))
        assert grant["autoExtend"] is auto_extend
        assert grant["revokedAt"] is None
    assert await p.active_roles() == {"HELPDESK_ADMINISTRATOR", "USER_ADMINISTRATOR"}


async def test_an_advisor_gets_global_and_helpdesk_admin_with_no_end_date(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Contoso accepted an ADVISOR invitation
    p = await Parties.create()

    # When the relationship is read
    found = await established(api, db, smtp_server, p.agent, p.admin, **ADVISOR)

    # Then it is an advisor relationship holding exactly the two fixed roles, open-ended
    assert found["types"] == ["ADVISOR"]
    grants = {g["role"]: g for g in found["roleGrants"]}
    assert sorted(grants) == ["GLOBAL_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"]
    assert all(g["expiresAt"] is None for g in grants.values())
    assert all(g["autoExtend"] is False for g in grants.values())
    assert all(g["status"] == "ACTIVE" and g["type"] == "ADVISOR" for g in grants.values())
    assert await p.active_roles() == {"GLOBAL_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"}


async def test_a_reseller_relationship_grants_no_roles(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Contoso's billing admin accepted a RESELLER invitation
    p = await Parties.create()
    billing = await f.person(p.customer, BILLING)

    # When the relationship is read
    found = await established(api, db, smtp_server, p.agent, billing, **RESELLER)

    # Then it is an active reseller relationship without role grants
    assert found["status"] == "ACTIVE"
    assert found["types"] == ["RESELLER"]
    assert found["roleGrants"] == []
    assert found["customer"]["name"] == "Contoso"
    assert found["partner"]["name"] == "Fabrikam"
    assert await p.active_roles() == set()


async def test_a_second_accepted_invitation_extends_the_same_relationship(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Contoso's billing admin accepted a RESELLER invitation from Fabrikam
    p = await Parties.create()
    billing = await f.person(p.customer, BILLING)
    first = await established(api, db, smtp_server, p.agent, billing, **RESELLER)

    # When Contoso's global admin accepts a GDAP invitation from Fabrikam too
    second = await established(api, db, smtp_server, p.agent, p.admin, durationDays=30)

    # Then it is the same relationship, now with both types and the GDAP grant
    assert second["id"] == first["id"]
    assert sorted(second["types"]) == ["GDAP_PARTNER", "RESELLER"]
    assert statuses(second) == {"USER_ADMINISTRATOR": "ACTIVE"}
    for viewer in (p.admin, p.agent):
        [listed] = await relationships(api, viewer)
        assert listed["id"] == first["id"]
        assert sorted(listed["types"]) == ["GDAP_PARTNER", "RESELLER"]

    # And the agreement was recorded once, by the first acceptor, at the current version
    assert await AgreementAcceptance.all().count() == 1
    agreement = second["agreement"]
    assert agreement["accepted"] is True
    assert agreement["version"] == CURRENT_AGREEMENT_VERSION
    assert agreement["acceptedBy"] == {"email": billing.email}
    assert agreement["acceptedAt"] == first["agreement"]["acceptedAt"]


async def test_a_billing_admin_may_accept_the_agreement_on_its_own(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a customer's billing admin, with no agreement accepted yet
    p = await Parties.create()
    billing = await f.person(p.customer, BILLING)

    # When the billing admin accepts the Customer Agreement ("Accept")
    payload = await accept_agreement(api, billing, accept=True)

    # Then it is recorded: who, when, which version
    assert payload["errors"] == []
    agreement = payload["agreement"]
    assert agreement["accepted"] is True
    assert agreement["version"] == CURRENT_AGREEMENT_VERSION
    assert agreement["acceptedBy"] == {"email": billing.email}
    assert about(at(agreement["acceptedAt"]), utcnow())
    row = await AgreementAcceptance.get(customer_id=p.customer.id)
    assert row.accepted_by_id == billing.user.id

    # When the global admin accepts it again
    again = await accept_agreement(api, p.admin, accept=True)

    # Then nothing changes: the first acceptance stands
    assert again["errors"] == []
    assert again["agreement"] == agreement
    assert await AgreementAcceptance.all().count() == 1


async def test_accepting_the_agreement_needs_the_tick(api: GraphQLClient, db: Settings) -> None:
    # Given a customer's global admin
    p = await Parties.create()

    # When they send acceptAgreement false
    payload = await accept_agreement(api, p.admin, accept=False)

    # Then it is refused on that field, and nothing is recorded
    assert payload["agreement"] is None
    assert codes(payload["errors"]) == {(("input", "acceptAgreement"), "AGREEMENT_NOT_ACCEPTED")}
    assert await AgreementAcceptance.all().count() == 0


@pytest.mark.parametrize(
    ("kind", "roles"),
    [
        pytest.param("customer", [], id="customer-user-without-roles"),
        pytest.param("customer", [AdminRole.USER_ADMINISTRATOR], id="user-administrator"),
        pytest.param("partner", [PartnerRole.ADMIN_AGENT], id="partner-admin-agent"),
    ],
)
async def test_others_may_not_accept_the_agreement(
    api: GraphQLClient, db: Settings, kind: str, roles: list[str]
) -> None:
    # Given someone who is not a customer's global or billing admin
    org = await (f.customer() if kind == "customer" else f.partner())
    someone = await f.person(org, *roles)

    # When they accept the Customer Agreement
    code = await api.error_code(
        ACCEPT_AGREEMENT, {"input": {"acceptAgreement": True}}, someone.token
    )

    # Then it is FORBIDDEN and nothing is recorded
    assert code == "FORBIDDEN"
    assert await AgreementAcceptance.all().count() == 0


# --------------------------------------------------------------- 2. the PARTNER type's account


async def test_a_partner_type_partner_works_through_an_account_in_the_tenant(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Contoso accepted a PARTNER invitation for two roles
    p = await Parties.create()
    found = await established(
        api,
        db,
        smtp_server,
        p.agent,
        p.admin,
        type="PARTNER",
        roles=["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"],
        durationDays=None,
    )

    # Then Fabrikam has one account in Contoso's tenant holding both roles, with no end date
    assert found["types"] == ["PARTNER"]
    assert all(g["expiresAt"] is None for g in found["roleGrants"])
    [account] = await User.filter(organization_id=p.customer.id, partner_of_id=p.partner.id)
    assert sorted(account.roles) == ["HELPDESK_ADMINISTRATOR", "USER_ADMINISTRATOR"]

    # When Contoso removes one of the roles and the revocation job runs
    removed = await remove_roles(api, p.admin, found["id"], ["USER_ADMINISTRATOR"])
    assert removed["errors"] == []
    await run_jobs(db)

    # Then the account no longer holds it, and keeps the other
    await account.refresh_from_db()
    assert account.roles == ["HELPDESK_ADMINISTRATOR"]
    after = await relationship(api, p.admin, found["id"])
    assert statuses(after) == {"USER_ADMINISTRATOR": "REVOKED", "HELPDESK_ADMINISTRATOR": "ACTIVE"}


async def test_ending_a_partner_type_relationship_empties_the_tenant_account(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Contoso accepted a PARTNER invitation for two roles
    p = await Parties.create()
    found = await established(
        api, db, smtp_server, p.agent, p.admin, **PARTNER, roles=["USER_ADMINISTRATOR", GA]
    )
    [account] = await User.filter(organization_id=p.customer.id, partner_of_id=p.partner.id)
    assert sorted(account.roles) == [GA, "USER_ADMINISTRATOR"]

    # When Fabrikam ends the relationship and the revocation job runs
    assert (await end(api, p.agent, found["id"]))["errors"] == []
    await run_jobs(db)

    # Then the account holds no role any more
    await account.refresh_from_db()
    assert account.roles == []


async def test_a_late_revocation_of_an_ended_relationship_spares_the_new_ones_roles(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a PARTNER relationship granting User Administrator, and a second PARTNER
    # invitation for the same role already emailed
    p = await Parties.create()
    old = await established(
        api, db, smtp_server, p.agent, p.admin, **PARTNER, roles=["USER_ADMINISTRATOR"]
    )
    _, token = await invite(api, db, smtp_server, p.agent, **PARTNER, roles=["USER_ADMINISTRATOR"])

    # When Fabrikam ends the relationship, and Contoso accepts the new invitation before the
    # revocation job has run (the worker is slow, or Redis was down for a while)
    assert (await end(api, p.agent, old["id"]))["errors"] == []
    accepted = await f.accept(api, p.admin, token)
    assert accepted["errors"] == []
    assert accepted["relationship"]["id"] != old["id"]
    await run_jobs(db)

    # Then the old grant is REVOKED, the new one ACTIVE, and the account still holds the role
    # that the new, active relationship grants it
    assert set(statuses(await relationship(api, p.admin, old["id"])).values()) == {"REVOKED"}
    new = await relationship(api, p.admin, accepted["relationship"]["id"])
    assert statuses(new) == {"USER_ADMINISTRATOR": "ACTIVE"}
    assert await p.active_roles() == {"USER_ADMINISTRATOR"}
    [account] = await User.filter(organization_id=p.customer.id, partner_of_id=p.partner.id)
    assert account.roles == ["USER_ADMINISTRATOR"]


# ------------------------------------------------------------------------ 3. removing roles

THREE_ROLES = ["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR", "LICENSE_ADMINISTRATOR"]


async def test_removing_chosen_roles_ends_their_access_at_once(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a GDAP relationship with three roles
    p = await Parties.create()
    found = await established(api, db, smtp_server, p.agent, p.admin, roles=THREE_ROLES)
    assert await p.active_roles() == set(THREE_ROLES)

    # When the global admin removes two of them
    removed = await remove_roles(
        api, p.admin, found["id"], ["USER_ADMINISTRATOR", "LICENSE_ADMINISTRATOR"]
    )

    # Then they are REVOKING and grant nothing the instant the mutation returns
    assert removed["errors"] == []
    assert statuses(removed["relationship"]) == {
        "USER_ADMINISTRATOR": "REVOKING",
        "LICENSE_ADMINISTRATOR": "REVOKING",
        "HELPDESK_ADMINISTRATOR": "ACTIVE",
    }
    revoked_at = {g["role"]: g["revokedAt"] for g in removed["relationship"]["roleGrants"]}
    assert revoked_at["HELPDESK_ADMINISTRATOR"] is None
    assert about(at(revoked_at["USER_ADMINISTRATOR"]), utcnow())
    assert await p.active_roles() == {"HELPDESK_ADMINISTRATOR"}

    # When the revocation job runs
    await run_jobs(db)

    # Then they are REVOKED, and the relationship stays active with its type
    after = await relationship(api, p.admin, found["id"])
    assert statuses(after) == {
        "USER_ADMINISTRATOR": "REVOKED",
        "LICENSE_ADMINISTRATOR": "REVOKED",
        "HELPDESK_ADMINISTRATOR": "ACTIVE",
    }
    assert after["status"] == "ACTIVE"
    assert after["types"] == ["GDAP_PARTNER"]
    assert await p.active_roles() == {"HELPDESK_ADMINISTRATOR"}


async def test_removing_without_naming_roles_removes_them_all(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a relationship that is both RESELLER and GDAP with three roles
    p = await Parties.create()
    await established(api, db, smtp_server, p.agent, p.admin, **RESELLER)
    found = await established(api, db, smtp_server, p.agent, p.admin, roles=THREE_ROLES)

    # When the global admin removes roles without naming any
    removed = await remove_roles(api, p.admin, found["id"])

    # Then every role is REVOKING and none grants access
    assert removed["errors"] == []
    assert set(statuses(removed["relationship"]).values()) == {"REVOKING"}
    assert len(removed["relationship"]["roleGrants"]) == 3
    assert await p.active_roles() == set()

    # And after the job all are REVOKED; the relationship stays, with both its types
    await run_jobs(db)
    after = await relationship(api, p.admin, found["id"])
    assert set(statuses(after).values()) == {"REVOKED"}
    assert after["status"] == "ACTIVE"
    assert sorted(after["types"]) == ["GDAP_PARTNER", "RESELLER"]


async def test_removing_the_same_roles_again_is_harmless(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a relationship from which the global admin removed one role
    p = await Parties.create()
    found = await established(api, db, smtp_server, p.agent, p.admin, roles=THREE_ROLES)
    first = await remove_roles(api, p.admin, found["id"], ["USER_ADMINISTRATOR"])
    outbox = await OutboxMessage.all().count()

    # When the same removal is sent again
    again = await remove_roles(api, p.admin, found["id"], ["USER_ADMINISTRATOR"])

    # Then there is no error, and nothing more changed or was queued
    assert again["errors"] == []
    assert again["relationship"] == first["relationship"]
    assert await OutboxMessage.all().count() == outbox

    # And once the job has run, repeating it still changes nothing
    await run_jobs(db)
    done = await relationship(api, p.admin, found["id"])
    outbox = await OutboxMessage.all().count()
    third = await remove_roles(api, p.admin, found["id"], ["USER_ADMINISTRATOR"])
    assert third["errors"] == []
    assert await relationship(api, p.admin, found["id"]) == done
    assert await OutboxMessage.all().count() == outbox


async def test_a_billing_admin_may_remove_roles(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a GDAP relationship accepted by the global admin, and a billing admin
    p = await Parties.create()
    billing = await f.person(p.customer, BILLING)
    found = await established(api, db, smtp_server, p.agent, p.admin, roles=THREE_ROLES)

    # When the billing admin removes one role
    removed = await remove_roles(api, billing, found["id"], ["HELPDESK_ADMINISTRATOR"])

    # Then it is removed
    assert removed["errors"] == []
    assert statuses(removed["relationship"])["HELPDESK_ADMINISTRATOR"] == "REVOKING"
    assert await p.active_roles() == {"USER_ADMINISTRATOR", "LICENSE_ADMINISTRATOR"}


@pytest.mark.parametrize(
    "who",
    [
        pytest.param("partner-admin-agent", id="partner-admin-agent"),
        pytest.param("customer-user-without-roles", id="customer-user-without-roles"),
        pytest.param("customer-user-administrator", id="customer-user-administrator"),
    ],
)
async def test_others_may_not_remove_roles(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer, who: str
) -> None:
    # Given a GDAP relationship
    p = await Parties.create()
    found = await established(api, db, smtp_server, p.agent, p.admin, roles=THREE_ROLES)
    someone = {
        "partner-admin-agent": p.agent,
        "customer-user-without-roles": await f.person(p.customer),
        "customer-user-administrator": await f.person(p.customer, AdminRole.USER_ADMINISTRATOR),
    }[who]

    # When they remove its roles
    code = await api.error_code(
        f.REMOVE_ROLES, {"input": {"relationshipId": found["id"]}}, someone.token
    )

    # Then it is FORBIDDEN and every role still grants access
    assert code == "FORBIDDEN"
    assert await p.active_roles() == set(THREE_ROLES)


async def test_another_customer_cannot_find_the_relationship_to_remove_roles(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Contoso's GDAP relationship with Fabrikam, and Litware's global admin
    p = await Parties.create()
    found = await established(api, db, smtp_server, p.agent, p.admin, roles=THREE_ROLES)
    stranger = await f.person(await f.customer("Litware"), GA)

    # When Litware's admin removes its roles
    removed = await remove_roles(api, stranger, found["id"])

    # Then the relationship is not found for them, and nothing changed
    assert removed["relationship"] is None
    assert codes(removed["errors"]) == {(("input", "relationshipId"), "NOT_FOUND")}
    assert await p.active_roles() == set(THREE_ROLES)


# ------------------------------------------------------------------- 4. ending a relationship


async def test_the_partners_admin_agent_ends_the_relationship(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a GDAP + ADVISOR relationship, with two admin agents and a sales agent at
    # Fabrikam, and two global admins and a billing admin at Contoso
    p = await Parties.create()
    second_agent = await f.person(p.partner, PartnerRole.ADMIN_AGENT)
    sales = await f.person(p.partner, PartnerRole.SALES_AGENT)
    second_admin = await f.person(p.customer, GA)
    await f.person(p.customer, BILLING)
    await established(api, db, smtp_server, p.agent, p.admin, **ADVISOR)
    found = await established(api, db, smtp_server, sales, p.admin, roles=THREE_ROLES)
    await run_jobs(db)
    seen = len(smtp_server.messages)

    # When the admin agent ends it
    ended = await end(api, p.agent, found["id"])

    # Then it is ENDED now, and every grant is REVOKING, granting nothing
    assert ended["errors"] == []
    result = ended["relationship"]
    assert result["status"] == "ENDED"
    assert about(at(result["endedAt"]), utcnow())
    assert len(result["roleGrants"]) == 5
    assert {g["status"] for g in result["roleGrants"]} == {"REVOKING"}
    assert await p.active_roles() == set()

    # When the jobs run
    await run_jobs(db)

    # Then every grant is REVOKED
    after = await relationship(api, p.admin, found["id"])
    assert after["status"] == "ENDED"
    assert after["endedAt"] == result["endedAt"]
    assert {g["status"] for g in after["roleGrants"]} == {"REVOKED"}

    # And the partner's admin agents and the customer's global admins are told
    mails = smtp_server.messages[seen:]
    told = sorted([p.agent.email, second_agent.email, p.admin.email, second_admin.email])
    assert sent_to(mails, "ended its relationship") == told
    assert sent_to(mails, "Admin roles removed") == told
    assert len(mails) == 2 * len(told)


@pytest.mark.parametrize(
    "who",
    [
        pytest.param("sales-agent", id="sales-agent"),
        pytest.param("helpdesk-agent", id="helpdesk-agent"),
        pytest.param("customer-global-admin", id="customer-global-admin"),
    ],
)
async def test_only_an_admin_agent_may_end_the_relationship(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer, who: str
) -> None:
    # Given a GDAP relationship
    p = await Parties.create()
    found = await established(api, db, smtp_server, p.agent, p.admin)
    someone = {
        "sales-agent": await f.person(p.partner, PartnerRole.SALES_AGENT),
        "helpdesk-agent": await f.person(p.partner, PartnerRole.HELPDESK_AGENT),
        "customer-global-admin": p.admin,
    }[who]

    # When they end it
    code = await api.error_code(f.END, {"input": {"relationshipId": found["id"]}}, someone.token)

    # Then it is FORBIDDEN, and the relationship and its roles stand
    assert code == "FORBIDDEN"
    assert (await relationship(api, p.admin, found["id"]))["status"] == "ACTIVE"
    assert await p.active_roles() == {"USER_ADMINISTRATOR"}


async def test_another_partner_cannot_end_the_relationship(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Contoso's relationship with Fabrikam, and Northwind's admin agent
    p = await Parties.create()
    found = await established(api, db, smtp_server, p.agent, p.admin)
    stranger = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)

    # When Northwind's agent ends it
    ended = await end(api, stranger, found["id"])

    # Then it is not found for them, and it stands
    assert codes(ended["errors"]) == {(("input", "relationshipId"), "NOT_FOUND")}
    assert (await relationship(api, p.admin, found["id"]))["status"] == "ACTIVE"


async def test_an_ended_relationship_cannot_be_ended_or_trimmed_again(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an ended relationship
    p = await Parties.create()
    found = await established(api, db, smtp_server, p.agent, p.admin)
    assert (await end(api, p.agent, found["id"]))["errors"] == []
    outbox = await OutboxMessage.all().count()

    # When the partner ends it again, and the customer removes its roles
    again = await end(api, p.agent, found["id"])
    removed = await remove_roles(api, p.admin, found["id"], ["USER_ADMINISTRATOR"])

    # Then both are refused: the relationship has ended; nothing more is queued
    assert again["relationship"] is None
    assert codes(again["errors"]) == {(("input", "relationshipId"), "RELATIONSHIP_ENDED")}
    assert removed["relationship"] is None
    assert codes(removed["errors"]) == {(("input", "relationshipId"), "RELATIONSHIP_ENDED")}
    assert await OutboxMessage.all().count() == outbox


# ------------------------------------------------------------------ 5. inviting again later


async def test_a_new_invitation_after_the_end_starts_afresh(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a GDAP relationship that Fabrikam ended, its revocation done
    p = await Parties.create()
    old = await established(api, db, smtp_server, p.agent, p.admin, roles=THREE_ROLES)
    assert (await end(api, p.agent, old["id"]))["errors"] == []
    await run_jobs(db)

    # When Fabrikam invites Contoso again and Contoso accepts
    new = await established(
        api, db, smtp_server, p.agent, p.admin, roles=["SECURITY_READER"], durationDays=10
    )

    # Then a new, active relationship starts with the new roles only
    assert new["id"] != old["id"]
    assert new["status"] == "ACTIVE"
    assert new["types"] == ["GDAP_PARTNER"]
    assert statuses(new) == {"SECURITY_READER": "ACTIVE"}
    assert await p.active_roles() == {"SECURITY_READER"}

    # And both sides still see the ended one, with its grants revoked
    for viewer in (p.admin, p.agent):
        [ended] = await relationships(api, viewer, "ENDED")
        assert ended["id"] == old["id"]
        assert ended["types"] == ["GDAP_PARTNER"]
        assert set(statuses(ended).values()) == {"REVOKED"}
        assert ended["endedAt"] is not None
        [active] = await relationships(api, viewer, "ACTIVE")
        assert active["id"] == new["id"]
        assert active["endedAt"] is None
        assert {r["id"] for r in await relationships(api, viewer)} == {old["id"], new["id"]}
    assert await Relationship.all().count() == 2


# ---------------------------------------------------- 6. the Partner relationships page data


async def test_both_sides_see_the_relationship_with_its_grants_and_agreement(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Contoso accepted an ADVISOR and a 60-day GDAP invitation from Fabrikam
    p = await Parties.create()
    billing = await f.person(p.customer, BILLING)
    helpdesk = await f.person(p.partner, PartnerRole.HELPDESK_AGENT)
    await established(api, db, smtp_server, p.agent, p.admin, **ADVISOR)
    found = await established(
        api, db, smtp_server, p.agent, p.admin, roles=["USER_ADMINISTRATOR"], durationDays=60
    )

    # When each side lists its relationships
    for viewer, other_side in (
        (p.admin, "Fabrikam"),
        (billing, "Fabrikam"),
        (p.agent, "Contoso"),
        (helpdesk, "Contoso"),
    ):
        [listed] = await relationships(api, viewer)

        # Then it shows the other side, the types, the grants with their end dates, and
        # the agreement accepted by Contoso's global admin
        assert listed["id"] == found["id"]
        names = (listed["customer"]["name"], listed["partner"]["name"])
        assert other_side in names
        assert names == ("Contoso", "Fabrikam")
        assert sorted(listed["types"]) == ["ADVISOR", "GDAP_PARTNER"]
        grants = {(g["type"], g["role"]): g for g in listed["roleGrants"]}
        assert sorted(grants) == [
            ("ADVISOR", "GLOBAL_ADMINISTRATOR"),
            ("ADVISOR", "HELPDESK_ADMINISTRATOR"),
            ("GDAP_PARTNER", "USER_ADMINISTRATOR"),
        ]
        assert grants["ADVISOR", "GLOBAL_ADMINISTRATOR"]["expiresAt"] is None
        assert grants["ADVISOR", "HELPDESK_ADMINISTRATOR"]["expiresAt"] is None
        gdap = grants["GDAP_PARTNER", "USER_ADMINISTRATOR"]
        assert about(at(gdap["expiresAt"]), at(gdap["grantedAt"]) + timedelta(days=60))
        assert listed["agreement"]["accepted"] is True
        assert listed["agreement"]["version"] == CURRENT_AGREEMENT_VERSION
        assert listed["agreement"]["acceptedBy"] == {"email": p.admin.email}
        assert listed == await relationship(api, viewer, found["id"])


async def test_the_agreement_shows_as_not_accepted_until_it_is(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a relationship whose customer's agreement acceptance was withdrawn from the record
    # (an older version accepted only: the current one is not)
    p = await Parties.create()
    found = await established(api, db, smtp_server, p.agent, p.admin, **RESELLER)
    await AgreementAcceptance.filter(customer_id=p.customer.id).update(version="2020-01")

    # When the customer reads the relationship
    listed = await relationship(api, p.admin, found["id"])

    # Then the agreement shows as not accepted
    assert listed["agreement"] == {
        "accepted": False,
        "version": None,
        "acceptedAt": None,
        "acceptedBy": None,
    }

    # When the billing admin accepts the current version on its own
    billing = await f.person(p.customer, BILLING)
    assert (await accept_agreement(api, billing, accept=True))["errors"] == []

    # Then the relationship shows it accepted by them
    listed = await relationship(api, p.admin, found["id"])
    assert listed["agreement"]["accepted"] is True
    assert listed["agreement"]["acceptedBy"] == {"email": billing.email}


@pytest.mark.parametrize(
    "who",
    [
        pytest.param("other-customer-admin", id="other-customer-admin"),
        pytest.param("other-partner-agent", id="other-partner-agent"),
        pytest.param("customer-user-without-roles", id="customer-user-without-roles"),
    ],
)
async def test_outsiders_see_no_relationship(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer, who: str
) -> None:
    # Given Contoso's relationship with Fabrikam
    p = await Parties.create()
    found = await established(api, db, smtp_server, p.agent, p.admin)
    someone = {
        "other-customer-admin": await f.person(await f.customer("Litware"), GA),
        "other-partner-agent": await f.person(
            await f.partner("Northwind"), PartnerRole.ADMIN_AGENT
        ),
        "customer-user-without-roles": await f.person(p.customer),
    }[who]

    # When an outsider lists relationships, or asks for this one
    body = await api.raw(RELATIONSHIPS, {}, someone.token)
    data = await api.query(RELATIONSHIP, {"id": found["id"]}, someone.token)

    # Then they see nothing: another organization's admin lists none, and a user whose roles
    # do not open the list is refused rather than shown an empty one
    if who == "customer-user-without-roles":
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    else:
        assert body["data"]["relationships"] == {"totalCount": 0, "edges": []}
    assert data["relationship"] is None


async def test_relationships_need_a_signed_in_user(api: GraphQLClient, db: Settings) -> None:
    # When nobody lists relationships
    code = await api.error_code(RELATIONSHIPS, {})

    # Then it is UNAUTHENTICATED
    assert code == "UNAUTHENTICATED"
