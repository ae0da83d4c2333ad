"""What the emails say and where they lead, read from the messages the real SMTP test server
received: each type named with its own article, each notification linking to the page it is
about, that link also shown as plain text to copy."""

from __future__ import annotations

import re
from typing import Any

from api.pages import CONSOLE_PATHS
from models.foundation.settings import Settings
from models.reference.catalog import RELATIONSHIP_TYPES
from models.reference.enums import PartnerRole, RelationshipType
from tests import factories as f
from tests import flows
from tests.graphql import GraphQLClient
from tests.jobs import html_of, run_jobs, text_of
from tests.servers import ReceivedMail, SmtpServer

TYPES = "query { relationshipTypes { type name indefiniteArticle } }"
DECLINE = """
mutation($input: InvitationTokenInput!) {
  declineInvitation(input: $input) { invitation { status } errors { code } }
}
"""
LEAD_IDS = "query { leads { edges { node { id } } } }"
# "a" before a vowel sound, as in "a Advisor", "a OEM", "a Independent software vendor"
WRONG_ARTICLE = re.compile(r"\b[Aa] (?=[AEIOU])")
# The roles each type's invitation asks for.
ROLES = {
    RelationshipType.GDAP_PARTNER: ["USER_ADMINISTRATOR"],
    RelationshipType.PARTNER: ["USER_ADMINISTRATOR"],
}


def _subject(mail: ReceivedMail) -> str:
    return " ".join(str(mail.message["Subject"]).split())


def _words(mail: ReceivedMail) -> str:
    """Everything a reader sees of an email: its subject, text and HTML."""
    return "\n".join([_subject(mail), text_of(mail), html_of(mail)])


def _links(mail: ReceivedMail, public_url: str) -> tuple[set[str], set[str], set[str]]:
    """The email's links under `public_url`: in the text, as the HTML's anchors, and as
    addresses the HTML shows as plain text to copy."""
    text, html = text_of(mail), html_of(mail)
    address = re.escape(public_url) + r"/[^\s\"<>]*"
    return (
        set(re.findall(address, text)),
        set(re.findall(r'href="(' + address + ')"', html)),
        set(re.findall(r">(" + address + r")</a>", html)),
    )


def _by_recipient(mails: list[ReceivedMail]) -> dict[str, ReceivedMail]:
    return {mail.rcpt_tos[0]: mail for mail in mails}


def _is_console_page(url: str, public_url: str) -> bool:
    """Whether `url` is a page the console draws (a route of `api/console/routes.js`)."""
    path = url.removeprefix(public_url).split("?")[0]
    patterns = [re.sub(r"\{[a-z]+\}", "[^/]+", route) for route in CONSOLE_PATHS]
    return any(re.fullmatch(pattern, path) for pattern in patterns)


async def test_each_type_carries_its_own_article(api: GraphQLClient, db: Settings) -> None:
    # When a client reads the relationship types
    data = await api.query(TYPES)

    # Then each says which article goes before its name, as the type's data has it
    articles = {t["type"]: (t["indefiniteArticle"], t["name"]) for t in data["relationshipTypes"]}
    assert articles == {
        str(type_): (rule.indefinite_article, rule.name)
        for type_, rule in RELATIONSHIP_TYPES.items()
    }
    assert {type_: article for type_, (article, _) in articles.items()} == {
        "ADVISOR": "an",
        "ISV": "an",
        "INDIRECT_RESELLER": "an",
        "LOB_PARTNER": "a",
        "MPSA_PARTNER": "an",
        "OEM": "an",
        "PARTNER": "a",
        "GDAP_PARTNER": "a",
        "RESELLER": "a",
    }


async def test_every_invitation_email_names_its_type_with_the_right_article(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a partner's agent
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)

    # When it invites a customer to each type of relationship, and the worker runs
    for type_ in RelationshipType:
        sent = await f.send(
            api,
            agent,
            customerEmail=f"{type_.lower()}@contoso.example.com",
            type=type_,
            roles=ROLES.get(type_),
            durationDays=90 if type_ is RelationshipType.GDAP_PARTNER else None,
        )
        assert sent["errors"] == [], type_
    await run_jobs(db)

    # Then each email's subject and both of its parts name the type after its own article
    mails = _by_recipient(smtp_server.wait_for(len(RelationshipType)))
    for type_, rule in RELATIONSHIP_TYPES.items():
        mail = mails[f"{type_.lower()}@contoso.example.com"]
        named = f"{rule.indefinite_article} {rule.name} relationship"
        assert _subject(mail) == f"Fabrikam invites you to {named}"
        assert f"invites your organization to {named}." in text_of(mail)
        assert f"invites you to {named}</h1>" in html_of(mail)
        assert not WRONG_ARTICLE.findall(_words(mail)), type_
    assert _subject(mails["advisor@contoso.example.com"]) == (
        "Fabrikam invites you to an Advisor relationship"
    )
    assert _subject(mails["oem@contoso.example.com"]) == (
        "Fabrikam invites you to an OEM relationship"
    )


async def test_a_refusal_names_the_type_with_its_article(api: GraphQLClient, db: Settings) -> None:
    # Given a partner's agent
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)

    # When it asks for roles in invitations whose types take none of their choosing
    refusals = {
        type_: (await f.send(api, agent, type=type_, durationDays=None))["errors"]
        for type_ in ("ADVISOR", "INDIRECT_RESELLER", "RESELLER")
    }

    # Then each refusal names the type with its own article
    assert {type_: errors[0]["message"] for type_, errors in refusals.items()} == {
        "ADVISOR": "An Advisor relationship takes no requested roles.",
        "INDIRECT_RESELLER": "An Indirect reseller relationship takes no requested roles.",
        "RESELLER": "A Reseller relationship takes no requested roles.",
    }


async def test_an_acceptance_links_the_partner_to_its_page_of_the_customer(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an Advisor invitation from Fabrikam's admin agent to Contoso
    fabrikam, contoso = await f.partner("Fabrikam"), await f.customer("Contoso")
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    admin = await f.person(contoso, "GLOBAL_ADMINISTRATOR")
    _, token = await flows.invite(
        api, db, smtp_server, agent, type="ADVISOR", roles=None, durationDays=None
    )
    smtp_server.clear()

    # When Contoso's admin accepts it and the worker runs
    accepted = await f.accept(api, admin, token)
    assert accepted["errors"] == []
    await run_jobs(db)

    # Then the partner's email names the type with its article
    [mail] = smtp_server.wait_for(1)
    assert "accepted your invitation to an Advisor relationship." in text_of(mail)
    assert not WRONG_ARTICLE.findall(_words(mail))
    # And it links to the partner's page of that relationship, in the text and the HTML,
    # where the address also shows as plain text to copy
    page = f"{db.public_url}/customers/{accepted['relationship']['id']}"
    assert _links(mail, db.public_url) == ({page}, {page}, {page})
    assert _is_console_page(page, db.public_url)


async def test_each_side_is_linked_to_its_own_page_of_the_relationship(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Fabrikam's relationship with Contoso, granting two roles
    fabrikam, contoso = await f.partner("Fabrikam"), await f.customer("Contoso")
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    admin = await f.person(contoso, "GLOBAL_ADMINISTRATOR")
    relationship = await flows.accepted(
        api, db, smtp_server, agent, admin, roles=["USER_ADMINISTRATOR", "SECURITY_READER"]
    )
    relationship_id = relationship["id"]

    # When Contoso removes a role, and later Fabrikam ends the relationship
    for document, variables, who in (
        (f.REMOVE_ROLES, {"relationshipId": relationship_id, "roles": ["SECURITY_READER"]}, admin),
        (f.END, {"relationshipId": relationship_id}, agent),
    ):
        data = await api.query(document, {"input": variables}, who.token)
        [payload] = data.values()
        assert payload["errors"] == []
        await run_jobs(db)

    # Then each email links its reader to their own side's page of the relationship: the
    # partner's page of its customer, the customer's page of its partner
    # (roles removed, twice, and the relationship ended: to each side)
    mails = smtp_server.wait_for(6)
    pages = {
        agent.email: f"{db.public_url}/customers/{relationship_id}",
        admin.email: f"{db.public_url}/partners/{relationship_id}",
    }
    assert sorted(mail.rcpt_tos[0] for mail in mails) == sorted([*pages, *pages, *pages])
    for mail in mails:
        page = pages[mail.rcpt_tos[0]]
        assert _links(mail, db.public_url) == ({page}, {page}, {page}), _subject(mail)
        assert _is_console_page(page, db.public_url)


async def test_a_declined_invitation_and_a_lead_link_to_their_pages(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Fabrikam, listed in the directory, with an invitation out to Contoso
    fabrikam, admin_agent = await f.listed_partner("Fabrikam")
    contoso_admin = await f.person(await f.customer("Contoso"), "GLOBAL_ADMINISTRATOR")
    _, token = await flows.invite(api, db, smtp_server, admin_agent)
    smtp_server.clear()

    # When Contoso declines it, and a visitor sends Contact me
    declined = await api.query(DECLINE, {"input": {"token": token}}, contoso_admin.token)
    assert declined["declineInvitation"]["errors"] == []
    assert (await f.contact(api, fabrikam))["errors"] == []
    await run_jobs(db)

    # Then the decline links to the partner's declined invitations, and the lead to itself
    [lead] = (await api.query(LEAD_IDS, token=admin_agent.token))["leads"]["edges"]
    expected: dict[str, Any] = {
        "declined your": f"{db.public_url}/invitations?status=DECLINED",
        "New lead": f"{db.public_url}/leads/{lead['node']['id']}",
    }
    mails = smtp_server.wait_for(2)
    for mail in mails:
        [page] = [url for words, url in expected.items() if words in _subject(mail)]
        assert _links(mail, db.public_url) == ({page}, {page}, {page}), _subject(mail)
        assert _is_console_page(page, db.public_url)
