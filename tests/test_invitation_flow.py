"""The whole flow through the real parts: send, email, accept, remove roles, end."""

from __future__ import annotations

from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.jobs import html_of, invitation_link, run_jobs, text_of
from tests.servers import SmtpServer

RELATIONSHIPS = """
query { relationships(first: 10) { totalCount edges { node {
  id status types customer { name } partner { name }
  agreement { accepted version acceptedAt acceptedBy { email } }
  roleGrants { role status expiresAt autoExtend }
} } } }
"""


async def test_gdap_invitation_from_email_to_ended_relationship(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a partner agent and a customer global admin
    fabrikam = await f.partner("Fabrikam")
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)

    # When the agent sends a GDAP invitation and the worker runs
    sent = await f.send(
        api,
        agent,
        customerEmail="it@contoso.com",
        roles=["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"],
        durationDays=180,
        message="Looking forward to working with you.",
    )
    assert sent["errors"] == []
    assert sent["invitation"]["status"] == "PENDING"
    assert sent["invitation"]["emailStatus"] == "QUEUED"
    await run_jobs(db)

    # Then one email reaches the customer, with the partner, type, roles, duration and link
    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["it@contoso.com"]
    assert "Fabrikam" in mail.message["Subject"]
    text = text_of(mail)
    for words in (
        "Fabrikam",
        "Granular delegated admin",
        "User Administrator",
        "Helpdesk Administrator",
        "180 days",
        "Looking forward to working with you.",
    ):
        assert words in text
        assert words in html_of(mail)
    url, token = invitation_link(mail)
    assert url.startswith("http://partnerhub.test/invitations/accept?token=")
    assert len(token) >= 43  # 256 bits, url-safe base64
    data = await api.query(
        "query($id: ID!) { invitation(id: $id) { emailStatus emailAttempts } }",
        {"id": sent["invitation"]["id"]},
        agent.token,
    )
    assert data["invitation"] == {"emailStatus": "SENT", "emailAttempts": 1}

    # And the link opens the web console, whose invitation page reads it by its token
    page = await api.http.get(f"/invitations/accept?token={token}")
    assert page.status_code == 200
    assert '<script type="module" src="/console/app.js">' in page.text
    shown = await api.query(
        "query($token: String!) { invitationByToken(token: $token) { roles partner { name } } }",
        {"token": token},
    )
    assert shown["invitationByToken"] == {
        "roles": ["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"],
        "partner": {"name": "Fabrikam"},
    }

    # When the global admin accepts with the agreement
    accepted = await f.accept(api, admin, token)
    assert accepted["errors"] == []
    relationship = accepted["relationship"]
    assert relationship["status"] == "ACTIVE"
    assert relationship["types"] == ["GDAP_PARTNER"]
    assert sorted(g["role"] for g in relationship["roleGrants"]) == [
        "HELPDESK_ADMINISTRATOR",
        "USER_ADMINISTRATOR",
    ]
    assert all(g["expiresAt"] for g in relationship["roleGrants"])

    # Then both sides see it, with the agreement recorded
    for viewer in (admin, agent):
        data = await api.query(RELATIONSHIPS, token=viewer.token)
        [edge] = data["relationships"]["edges"]
        node = edge["node"]
        assert node["customer"]["name"] == "Contoso"
        assert node["partner"]["name"] == "Fabrikam"
        assert node["agreement"]["accepted"] is True
        assert node["agreement"]["acceptedBy"]["email"] == admin.email

    # And the partner's admin agents are told
    await run_jobs(db)
    mails = smtp_server.wait_for(2)
    assert mails[1].rcpt_tos == [agent.email]
    assert "accepted your" in mails[1].message["Subject"]

    # When the customer removes one role, access through it ends at once
    removed = await api.query(
        f.REMOVE_ROLES,
        {"input": {"relationshipId": relationship["id"], "roles": ["USER_ADMINISTRATOR"]}},
        admin.token,
    )
    assert removed["removeRoles"]["errors"] == []
    statuses = {
        g["role"]: g["status"] for g in removed["removeRoles"]["relationship"]["roleGrants"]
    }
    assert statuses == {"USER_ADMINISTRATOR": "REVOKING", "HELPDESK_ADMINISTRATOR": "ACTIVE"}

    # And the worker completes it and tells both sides
    await run_jobs(db)
    data = await api.query(RELATIONSHIPS, token=admin.token)
    node = data["relationships"]["edges"][0]["node"]
    assert {g["role"]: g["status"] for g in node["roleGrants"]} == {
        "USER_ADMINISTRATOR": "REVOKED",
        "HELPDESK_ADMINISTRATOR": "ACTIVE",
    }
    assert node["status"] == "ACTIVE"
    mails = smtp_server.wait_for(4)
    removal = [m for m in mails[2:] if "roles removed" in m.message["Subject"]]
    assert sorted(m.rcpt_tos[0] for m in removal) == sorted([agent.email, admin.email])
    assert "User Administrator" in text_of(removal[0])

    # When the partner ends the relationship
    ended = await api.query(f.END, {"input": {"relationshipId": relationship["id"]}}, agent.token)
    assert ended["endRelationship"]["errors"] == []
    assert ended["endRelationship"]["relationship"]["status"] == "ENDED"
    await run_jobs(db)
    data = await api.query(RELATIONSHIPS, token=agent.token)
    node = data["relationships"]["edges"][0]["node"]
    assert node["status"] == "ENDED"
    assert {g["status"] for g in node["roleGrants"]} == {"REVOKED"}
