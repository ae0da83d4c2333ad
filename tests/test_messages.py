"""What refusals say: things named in words a person uses, with the right articles, and a
value left out reported as missing rather than as malformed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from models.foundation.ids import NOUNS, encode_id, noun
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from tests import factories as f
from tests.graphql import GraphQLClient

ROOT = Path(__file__).parent.parent

RESET = """
mutation($input: ResetUserPasswordInput!) {
  resetUserPassword(input: $input) { temporaryPassword errors { field message code } }
}
"""


def _messages(payload: dict[str, Any]) -> dict[str, str]:
    """Each refusal's message, by the input field it names."""
    return {error["field"][1]: error["message"] for error in payload["errors"]}


def test_every_kind_of_id_has_a_name_in_words() -> None:
    # Given every type name that the code puts in IDs or reads out of them
    named = re.compile(
        r"(?:encode_id|decode_id|require_id|_api_id)\([^\"]*?\"([A-Z]\w+)\"|"
        r"record\(\s*[^,()]+,\s*\"([A-Z]\w+)\""
    )
    used: set[str] = set()
    for folder in ("api", "models", "schema", "workers"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= {a or b for a, b in named.findall(path.read_text(encoding="utf-8"))}
    assert {"User", "Invitation", "Lead", "Partner"} <= used

    # Then each has a noun, with its article, for messages to say
    assert used - set(NOUNS) == set()
    assert noun("SecurityGroup") == "security group"
    assert noun("Invitation", article=True) == "an invitation"


async def test_an_id_of_the_wrong_kind_is_named_in_words(api: GraphQLClient, db: Settings) -> None:
    # Given a customer's global admin
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)

    # When it resets the password of a user named by an ID that is not a person's
    data = await api.query(
        RESET,
        {
            "input": {
                "customerId": str(encode_id("Organization", contoso.id)),
                "userId": str(encode_id("Organization", contoso.id)),
            }
        },
        admin.token,
    )

    # Then the refusal names the user in words
    assert data["resetUserPassword"]["errors"] == [
        {"field": ["input", "userId"], "message": "No such user.", "code": "NOT_FOUND"}
    ]


async def test_contact_me_reports_each_unchosen_list_and_a_blank_email_as_missing(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a listed partner
    fabrikam, _ = await f.listed_partner("Fabrikam")

    # When a visitor leaves every list unchosen and the email blank
    blank = await f.contact(api, fabrikam, location="", organizationSize="", industry="", email="")

    # Then each is reported as missing, naming what to choose, with its article
    assert _messages(blank) == {
        "location": "Choose a location.",
        "organizationSize": "Choose an organization size.",
        "industry": "Choose an industry.",
        "email": "Enter an email address.",
    }
    assert {error["code"] for error in blank["errors"]} == {"INVALID_INPUT"}

    # When it sends values that are not in the directory
    wrong = await f.contact(api, fabrikam, organizationSize="HUGE", industry="ALCHEMY")

    # Then each says so in words, with its article
    assert _messages(wrong) == {
        "organizationSize": "HUGE is not an organization size of the directory.",
        "industry": "ALCHEMY is not an industry of the directory.",
    }


async def test_an_invitation_to_a_blank_address_is_missing_not_malformed(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner's agent
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)

    # When it sends an invitation to a blank address, or to one without a domain
    blank = await f.send(api, agent, customerEmail="  ")
    malformed = await f.send(api, agent, customerEmail="dana@")

    # Then the blank one is reported as missing, and only the other as malformed
    assert _messages(blank) == {"customerEmail": "Enter an email address."}
    assert _messages(malformed)["customerEmail"].startswith("Enter a valid email address:")
