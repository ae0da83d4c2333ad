"""Leads and the directory leave their activity entries: Contact me by no one, the partner
working its leads and editing its profile by its agents; no other organization sees them."""

from __future__ import annotations

from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from tests import factories as f
from tests.activity_entries import actions, entries, mutate, only, text_of, who_and_whom
from tests.graphql import GraphQLClient

LEADS = "query { leads(first: 100) { edges { node { id invitation { id } } } } }"
UPDATE_STATUS = """
mutation($input: UpdateLeadStatusInput!) {
  updateLeadStatus(input: $input) { lead { id status } errors { field code } }
}
"""
INVITE = """
mutation($input: SendInvitationFromLeadInput!) {
  sendInvitationFromLead(input: $input) { lead { id status invitation { id } } errors { code } }
}
"""
UPDATE_PROFILE = """
mutation($input: UpdatePartnerProfileInput!) {
  updatePartnerProfile(input: $input) { partner { id published } errors { field code } }
}
"""


async def test_contact_me_is_recorded_by_no_one_for_the_partner_with_the_leads_fields(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a listed partner, another one, and a customer admin who is signed in
    fabrikam, agent = await f.listed_partner("Fabrikam")
    _, northwind_agent = await f.listed_partner("Northwind")
    signed_in = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)

    # When a visitor sends Contact me, and the signed-in admin sends one too
    assert (await f.contact(api, fabrikam))["errors"] == []
    await mutate(api, f.CONTACT, f.contact_form(fabrikam, email="ann@contoso.com"), signed_in)

    # Then the partner's log holds both, by no one: the visitor is anonymous
    [first, second] = await entries(api, agent, actions=["lead.created"])
    leads = (await api.query(LEADS, token=agent.token))["leads"]["edges"]
    assert {first["objectId"], second["objectId"]} == {edge["node"]["id"] for edge in leads}
    for entry in (first, second):
        assert entry["objectType"] == "Lead"
        assert who_and_whom(entry) == {
            "actor": None,
            "actingOrganization": None,
            "onBehalfOf": None,
            "customer": None,
            "partner": "Fabrikam",
        }
        # And the client's address is not shown to the partner
        assert entry["clientAddress"] is None
    # And the summary holds the lead's fields, what a partner's CRM stores
    assert first["changes"] == {
        "status": "NEW",
        "contactName": "Dana Visitor",
        "email": "dana@tailspin.example.com",
        "phone": "+1 425 555 0100",
        "organizationName": "Tailspin Toys",
        "organizationSize": "SIZE_50_249",
        "industry": "RETAIL",
        "location": "US",
        "businessNeeds": "We want to move our email to the cloud.",
    }
    assert second["changes"]["email"] == "ann@contoso.com"
    # And no one else sees them: another partner, or the customer whose admin sent one
    assert "lead.created" not in await actions(api, northwind_agent)
    assert await entries(api, signed_in) == []


async def test_working_a_lead_and_inviting_from_it_are_recorded_for_the_partner_only(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a lead of Fabrikam, worked by its sales agent
    fabrikam, admin = await f.listed_partner("Fabrikam")
    sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    _, northwind_agent = await f.listed_partner("Northwind")
    await f.contact(api, fabrikam)
    [edge] = (await api.query(LEADS, token=admin.token))["leads"]["edges"]
    lead_id = edge["node"]["id"]

    # When the sales agent marks it contacted, then sends an invitation from it
    await mutate(api, UPDATE_STATUS, {"id": lead_id, "status": "CONTACTED"}, sales)
    invited = await mutate(api, INVITE, {"leadId": lead_id, "type": "RESELLER"}, sales)
    invitation_id = invited["lead"]["invitation"]["id"]

    # Then the lead's history reads as it happened, each step by the sales agent
    history = await entries(api, admin, objectId=lead_id)
    assert [e["action"] for e in history] == ["lead.created", "lead.status_changed", "lead.invited"]
    moved, linked = history[1], history[2]
    assert moved["changes"] == {"status": "CONTACTED", "previousStatus": "NEW"}
    assert linked["changes"] == {
        "status": "INVITED",
        "previousStatus": "CONTACTED",
        "customerEmail": "dana@tailspin.example.com",
        "type": "RESELLER",
    }
    for entry in (moved, linked):
        assert who_and_whom(entry) == {
            "actor": sales.email,
            "actingOrganization": "Fabrikam",
            "onBehalfOf": None,
            "customer": None,
            "partner": "Fabrikam",
        }
    # And the invitation it sent is recorded by the same request, beside the link
    sent = await only(api, admin, "invitation.sent")
    assert sent["objectId"] == invitation_id
    assert sent["requestId"] == linked["requestId"] is not None
    # And another partner sees none of it
    assert await entries(api, northwind_agent, objectId=lead_id) == []
    assert lead_id not in text_of(await entries(api, northwind_agent))


async def test_profile_changes_and_publication_are_recorded_with_what_changed(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner whose admin agent has not saved a profile yet, and another partner
    fabrikam = await f.partner("Fabrikam")
    admin = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    _, northwind_agent = await f.listed_partner("Northwind")

    # When the admin saves a first draft, publishes it, saves it unchanged, then edits it
    await mutate(
        api,
        UPDATE_PROFILE,
        {"description": "Cloud moves.", "locations": ["US"], "contactEmail": "hi@fabrikam.com"},
        admin,
    )
    await mutate(api, UPDATE_PROFILE, {"published": True}, admin)
    await mutate(api, UPDATE_PROFILE, {"description": "Cloud moves."}, admin)
    await mutate(api, UPDATE_PROFILE, {"industries": ["RETAIL"], "description": "Moves."}, admin)

    # Then three changes are recorded (the unchanged save is none), on the partner
    history = await entries(api, admin, actions=["partner_profile.updated"])
    assert len(history) == 3
    assert {(e["objectType"], e["objectId"]) for e in history} == {
        ("Partner", f.partner_id(fabrikam))
    }
    created, published, edited = (e["changes"] for e in history)
    assert created["description"] == "Cloud moves."
    assert created["locations"] == ["US"]
    assert created["contactEmail"] == "hi@fabrikam.com"
    assert created["published"] is False
    assert published == {"published": True}
    assert edited == {"industries": ["RETAIL"], "description": "Moves."}
    assert who_and_whom(history[1]) == {
        "actor": admin.email,
        "actingOrganization": "Fabrikam",
        "onBehalfOf": None,
        "customer": None,
        "partner": "Fabrikam",
    }
    # And another partner does not see them
    assert f.partner_id(fabrikam) not in text_of(await entries(api, northwind_agent))
