"""What an invitation's email link shows, and to whom it says that it may accept.

The link is the credential of the page that answers an invitation: it shows the offer while
the invitation is open and only its status afterwards. `viewerCanAccept` and
`viewerAcceptRefusal` give the page the verdict of acceptInvitation before anyone tries.
"""

from __future__ import annotations

from typing import Any

import pytest

from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.tables.organizations import Organization
from tests import factories as f
from tests.flows import invite
from tests.graphql import GraphQLClient
from tests.servers import SmtpServer
from tests.test_invitations import CANCEL, DECLINE, expire, mutate

LINK = """
query($token: String!) { invitationByToken(token: $token) {
  id status type roles durationDays message customerEmail emailError
  partner { name } customer { name } viewerCanAccept viewerAcceptRefusal
} }
"""

BY_ID = """
query($id: ID!) { invitation(id: $id) {
  status roles customerEmail message partner { name } customer { name }
} }
"""

GDAP_NEEDS = (
    "Granting admin roles to a partner needs a Global Administrator or a Privileged Role "
    "Administrator."
)


async def link(api: GraphQLClient, token: str, who: f.Person | None = None) -> dict[str, Any]:
    data = await api.query(LINK, {"token": token}, who.token if who else None)
    shown: dict[str, Any] = data["invitationByToken"]
    return shown


async def contoso_and_fabrikam() -> tuple[f.Person, f.Person]:
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    admin = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
    return agent, admin


async def test_a_pending_invitations_link_shows_its_offer(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an emailed GDAP invitation with a message
    agent, _ = await contoso_and_fabrikam()
    _, token = await invite(
        api, db, smtp_server, agent, customerEmail="it@contoso.com", message="Hello Contoso"
    )

    # When a visitor opens its link
    shown = await link(api, token)

    # Then they read what it offers, from whom and to whom
    assert shown["status"] == "PENDING"
    assert shown["customerEmail"] == "it@contoso.com"
    assert shown["partner"] == {"name": "Fabrikam"}
    assert shown["roles"] == ["USER_ADMINISTRATOR"]
    assert shown["message"] == "Hello Contoso"


async def _accept(api: GraphQLClient, token: str, admin: f.Person, agent: f.Person) -> None:
    assert (await f.accept(api, admin, token))["errors"] == []


async def _decline(api: GraphQLClient, token: str, admin: f.Person, agent: f.Person) -> None:
    declined = await mutate(api, DECLINE, "declineInvitation", {"token": token}, admin)
    assert declined["errors"] == []


async def _cancel(api: GraphQLClient, token: str, admin: f.Person, agent: f.Person) -> None:
    shown = await link(api, token)
    canceled = await mutate(api, CANCEL, "cancelInvitation", {"id": shown["id"]}, agent)
    assert canceled["errors"] == []


async def _expire(api: GraphQLClient, token: str, admin: f.Person, agent: f.Person) -> None:
    await expire((await link(api, token))["id"])


@pytest.mark.parametrize(
    ("close", "status"),
    [
        (_accept, "ACCEPTED"),
        (_decline, "DECLINED"),
        (_cancel, "CANCELED"),
        (_expire, "EXPIRED"),
    ],
    ids=["accepted", "declined", "canceled", "expired"],
)
async def test_a_closed_invitations_link_shows_only_its_status(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer, close: Any, status: str
) -> None:
    # Given an emailed invitation to Contoso's admin, with a message
    agent, admin = await contoso_and_fabrikam()
    sent, token = await invite(
        api, db, smtp_server, agent, customerEmail="it@contoso.com", message="Hello Contoso"
    )

    # When it is answered, withdrawn or runs out
    await close(api, token, admin, agent)

    # Then its link shows its status to anyone, signed in or not, and nothing else
    for who in (None, admin, agent):
        shown = await link(api, token, who)
        assert shown["id"] == sent["id"]
        assert shown["status"] == status
        assert shown["customerEmail"] is None
        assert shown["partner"] is None
        assert shown["customer"] is None
        assert shown["roles"] == []
        assert shown["message"] is None
        assert shown["durationDays"] is None
        assert shown["emailError"] is None
        assert shown["viewerCanAccept"] is False

    # And the partner still reads all of it by its ID
    data = await api.query(BY_ID, {"id": sent["id"]}, agent.token)
    assert data["invitation"]["customerEmail"] == "it@contoso.com"
    assert data["invitation"]["partner"] == {"name": "Fabrikam"}
    assert data["invitation"]["roles"] == ["USER_ADMINISTRATOR"]


async def test_the_link_says_who_may_accept_as_acceptinvitation_decides(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a GDAP invitation (it grants admin roles) and a Reseller one (it grants none)
    agent, admin = await contoso_and_fabrikam()
    contoso = await Organization.get(name="Contoso")
    billing = await f.person(contoso, AdminRole.BILLING_ADMINISTRATOR)
    helpdesk = await f.person(contoso, AdminRole.HELPDESK_ADMINISTRATOR)
    _, gdap = await invite(api, db, smtp_server, agent)
    _, reseller = await invite(
        api, db, smtp_server, agent, type="RESELLER", roles=None, durationDays=None
    )

    # When each opens the GDAP link
    verdicts = {
        name: (shown["viewerCanAccept"], shown["viewerAcceptRefusal"])
        for name, who in {
            "visitor": None,
            "global admin": admin,
            "billing admin": billing,
            "helpdesk admin": helpdesk,
            "partner agent": agent,
        }.items()
        if (shown := await link(api, gdap, who))
    }

    # Then only the global admin may accept it; the others read why not
    manage = "Only a customer's Global or Billing Administrator may manage its partners."
    assert verdicts == {
        "visitor": (
            False,
            "Sign in as a Global or Billing Administrator of the customer organization to "
            "accept it.",
        ),
        "global admin": (True, None),
        "billing admin": (False, GDAP_NEEDS),
        "helpdesk admin": (False, manage),
        "partner agent": (False, manage),
    }

    # And the billing admin may accept the Reseller invitation, which grants no roles
    shown = await link(api, reseller, billing)
    assert (shown["viewerCanAccept"], shown["viewerAcceptRefusal"]) == (True, None)

    # And acceptInvitation refuses the billing admin the GDAP one with the very same words
    body = await api.raw(
        f.ACCEPT, {"input": {"token": gdap, "acceptAgreement": True}}, billing.token
    )
    assert body["errors"][0]["message"] == GDAP_NEEDS
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_addressed_invitation_tells_another_customers_admin_why_not(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation addressed to Contoso, opened by Northwind's global admin
    agent, admin = await contoso_and_fabrikam()
    northwind = await f.person(await f.customer("Northwind"), AdminRole.GLOBAL_ADMINISTRATOR)
    contoso_id = (await api.query("query { viewer { organization { id } } }", token=admin.token))[
        "viewer"
    ]["organization"]["id"]
    _, token = await invite(api, db, smtp_server, agent, customerId=contoso_id)

    # When each admin opens it
    theirs = await link(api, token, northwind)
    ours = await link(api, token, admin)

    # Then Northwind's admin reads that it is meant for another organization
    assert theirs["viewerCanAccept"] is False
    assert theirs["viewerAcceptRefusal"] == "This invitation is addressed to another organization."
    assert (ours["viewerCanAccept"], ours["viewerAcceptRefusal"]) == (True, None)

    # And acceptInvitation refuses Northwind's admin with the same words
    refused = await f.accept(api, northwind, token)
    assert [e["message"] for e in refused["errors"]] == [theirs["viewerAcceptRefusal"]]


async def test_once_accepted_no_one_may_accept_it_again(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation Contoso's global admin accepted
    agent, admin = await contoso_and_fabrikam()
    _, token = await invite(api, db, smtp_server, agent)
    assert (await f.accept(api, admin, token))["errors"] == []

    # When the admin opens its link again
    shown = await link(api, token, admin)

    # Then it says it is already accepted, as acceptInvitation would
    assert shown["viewerCanAccept"] is False
    assert shown["viewerAcceptRefusal"] == "The invitation is already accepted."
    again = await f.accept(api, admin, token)
    assert [e["message"] for e in again["errors"]] == [shown["viewerAcceptRefusal"]]
