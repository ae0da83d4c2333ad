"""Invitation templates: a partner's admin agent saves invitation settings with the security
groups and roles to assign; its admin and sales agents send from them, the template filling
what the invitation leaves out; accepting makes the assignments."""

from __future__ import annotations

from typing import Any

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.tables.access import AccessAssignment
from models.tables.activity import ActivityEntry
from models.tables.invitations import Invitation
from models.tables.templates import InvitationTemplate
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.jobs import invitation_link, run_jobs
from tests.servers import SmtpServer

FIELDS = """invitationTemplate { id name type roles durationDays autoExtend message displayName
  assignments { securityGroup { name } roles } } errors { field code }"""
CREATE = f"""mutation($input: CreateInvitationTemplateInput!) {{
  createInvitationTemplate(input: $input) {{ {FIELDS} }} }}"""
UPDATE = f"""mutation($input: UpdateInvitationTemplateInput!) {{
  updateInvitationTemplate(input: $input) {{ {FIELDS} }} }}"""
DELETE = f"""mutation($input: IdInput!) {{
  deleteInvitationTemplate(input: $input) {{ {FIELDS} }} }}"""
LIST = "query { invitationTemplates { id name roles assignments { roles } } }"


def _gid(kind: str, row: Any) -> str:
    return str(encode_id(kind, row.id))


def _template(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Helpdesk GDAP",
        "type": "GDAP_PARTNER",
        "roles": ["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"],
        "durationDays": 180,
        "autoExtend": True,
        "message": "Our standard helpdesk access.",
        "displayName": "Helpdesk",
    } | fields


async def _create(api: GraphQLClient, agent: f.Person, **fields: Any) -> dict[str, Any]:
    data = await api.query(CREATE, {"input": _template(**fields)}, agent.token)
    result: dict[str, Any] = data["createInvitationTemplate"]
    return result


async def test_an_admin_agent_saves_a_template_with_its_group_assignments(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner's admin agent and one of its security groups
    fabrikam = await f.partner("Fabrikam")
    admin = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    group = await f.group(admin, "Tier 1")

    # When they save a template that assigns one of its roles to the group
    created = await _create(
        api,
        admin,
        assignments=[
            {"securityGroupId": _gid("SecurityGroup", group), "roles": ["USER_ADMINISTRATOR"]}
        ],
    )

    # Then it is saved, as asked, and listed for the partner's sales agents too
    assert created["errors"] == []
    template = created["invitationTemplate"]
    assert (template["name"], template["durationDays"], template["autoExtend"]) == (
        "Helpdesk GDAP",
        180,
        True,
    )
    assert template["displayName"] == "Helpdesk"
    assert template["assignments"] == [
        {"securityGroup": {"name": "Tier 1"}, "roles": ["USER_ADMINISTRATOR"]}
    ]
    sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    listed = (await api.query(LIST, token=sales.token))["invitationTemplates"]
    assert [t["name"] for t in listed] == ["Helpdesk GDAP"]
    # And its creation is in the partner's activity
    assert await ActivityEntry.filter(action="invitation_template.created").count() == 1


async def test_a_template_is_refused_field_by_field_as_an_invitation_would_be(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an admin agent, and a group of another partner
    admin = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    other = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    theirs = await f.group(other, "Theirs")

    # When the template holds bad settings and another partner's group
    created = await _create(
        api,
        admin,
        name=" ",
        durationDays=9000,
        autoExtend=True,
        roles=["GLOBAL_ADMINISTRATOR"],
        assignments=[
            {"securityGroupId": _gid("SecurityGroup", theirs), "roles": ["USER_ADMINISTRATOR"]}
        ],
    )

    # Then each is refused, naming its field, and nothing is saved
    assert created["invitationTemplate"] is None
    assert {(e["field"][-1], e["code"]) for e in created["errors"]} == {
        ("name", "INVALID_INPUT"),
        ("durationDays", "INVALID_DURATION"),
        ("autoExtend", "AUTO_EXTEND_NOT_ALLOWED"),
        ("assignments", "NOT_FOUND"),
        ("assignments", "ROLE_NOT_GRANTED"),
    }
    assert await InvitationTemplate.all().count() == 0


async def test_only_admin_agents_manage_templates_and_names_stay_unique(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner with an admin agent's template
    fabrikam = await f.partner("Fabrikam")
    admin = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    customer = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
    created = (await _create(api, admin))["invitationTemplate"]

    # When a sales agent or a customer admin tries to create one, or lists them (customer)
    for person in (sales, customer):
        code = await api.error_code(CREATE, {"input": _template(name="Mine")}, person.token)
        # Then they are refused
        assert code == "FORBIDDEN"
    assert await api.error_code(LIST, token=customer.token) == "FORBIDDEN"

    # When the admin agent saves another under the same name
    again = await _create(api, admin)
    # Then the name is taken
    assert [(e["field"][-1], e["code"]) for e in again["errors"]] == [("name", "NAME_TAKEN")]

    # When they update it (every field replaced) and then delete it
    updated = (
        await api.query(
            UPDATE,
            {
                "input": _template(
                    id=created["id"], name="Renamed", roles=["USER_ADMINISTRATOR"], message=None
                )
            },
            admin.token,
        )
    )["updateInvitationTemplate"]
    assert updated["errors"] == []
    assert (updated["invitationTemplate"]["name"], updated["invitationTemplate"]["message"]) == (
        "Renamed",
        None,
    )
    deleted = (await api.query(DELETE, {"input": {"id": created["id"]}}, admin.token))[
        "deleteInvitationTemplate"
    ]
    # Then it is gone
    assert deleted["errors"] == []
    assert await InvitationTemplate.all().count() == 0
    # And another partner's admin agent cannot touch it either way
    other = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    again = (await _create(api, admin, name="Kept"))["invitationTemplate"]
    refused = (await api.query(DELETE, {"input": {"id": again["id"]}}, other.token))[
        "deleteInvitationTemplate"
    ]
    assert [(e["field"][-1], e["code"]) for e in refused["errors"]] == [("id", "NOT_FOUND")]
    assert await InvitationTemplate.filter(name="Kept").exists()


async def test_a_sales_agent_sends_from_a_template_and_acceptance_assigns_its_groups(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a template that assigns a role to a group of agents
    fabrikam = await f.partner("Fabrikam")
    admin = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    helpdesk = await f.person(fabrikam, PartnerRole.HELPDESK_AGENT)
    group = await f.group(admin, "Tier 1", helpdesk)
    template = (
        await _create(
            api,
            admin,
            assignments=[
                {
                    "securityGroupId": _gid("SecurityGroup", group),
                    "roles": ["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"],
                }
            ],
        )
    )["invitationTemplate"]

    # When a sales agent sends from it, naming only the address and a shorter duration
    sent = await f.send(
        api,
        sales,
        customerEmail="it@contoso.com",
        templateId=template["id"],
        type=None,
        roles=None,
        durationDays=30,
    )

    # Then the invitation takes the template's settings wherever the input left them out
    assert sent["errors"] == []
    invitation = sent["invitation"]
    assert invitation["type"] == "GDAP_PARTNER"
    assert sorted(invitation["roles"]) == ["HELPDESK_ADMINISTRATOR", "USER_ADMINISTRATOR"]
    assert (invitation["durationDays"], invitation["autoExtend"]) == (30, True)
    assert invitation["message"] == "Our standard helpdesk access."

    # When the customer accepts it
    admin_c = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
    await run_jobs(db)
    _, token = invitation_link(smtp_server.wait_for(1)[0])
    accepted = await f.accept(api, admin_c, token)
    assert accepted["errors"] == []

    # Then the group holds both roles for the new relationship, recorded for both sides
    rows = await AccessAssignment.filter(group_id=group.id)
    assert sorted(row.role for row in rows) == ["HELPDESK_ADMINISTRATOR", "USER_ADMINISTRATOR"]
    [entry] = await ActivityEntry.filter(action="access.role_assigned")
    assert entry.customer_id == admin_c.user.organization_id
    assert entry.partner_id == fabrikam.id

    # And a later change to the template changes nothing of what was sent
    row = await Invitation.get(customer_email="it@contoso.com")
    assert row.template_id is not None
    assert len(row.assignments) == 2


async def test_a_template_of_another_partner_cannot_be_sent_from(
    api: GraphQLClient, db: Settings
) -> None:
    # Given another partner's template
    theirs = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    template = (await _create(api, theirs))["invitationTemplate"]
    sales = await f.person(await f.partner("Fabrikam"), PartnerRole.SALES_AGENT)

    # When an agent sends from it
    sent = await f.send(api, sales, templateId=template["id"])

    # Then it is not found, and nothing is sent
    assert [(e["field"][-1], e["code"]) for e in sent["errors"]] == [("templateId", "NOT_FOUND")]
    assert await Invitation.all().count() == 0
