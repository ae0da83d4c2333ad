"""CSV exports of relationships, invitations and activity: authenticated as the API is,
refused to roles that may not open the list, holding the rows that list shows and nothing of
another organization, streamed in batches whatever the size."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from models.foundation.clock import utcnow
from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole, RelationshipType
from models.tables.invitations import Invitation
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.sessions import sign_in


async def _csv(api: GraphQLClient, name: str, **headers: str) -> tuple[int, list[dict[str, str]]]:
    response = await api.http.get(f"/export/{name}.csv", headers=headers)
    if response.status_code != 200:
        return response.status_code, []
    assert response.headers["content-type"].startswith("text/csv")
    return 200, list(csv.DictReader(io.StringIO(response.text)))


def _bearer(person: f.Person) -> dict[str, str]:
    return {"Authorization": f"Bearer {person.token}"}


async def test_each_side_exports_its_relationships_invitations_and_activity_only(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner serving a customer, and another partner with its own customer
    fabrikam = await f.partner("Fabrikam")
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    admin = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
    relationship = await f.granted(agent, admin, ["USER_ADMINISTRATOR"])
    other = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    theirs = await f.person(await f.customer("Tailspin"), AdminRole.GLOBAL_ADMINISTRATOR)
    await f.granted(other, theirs, [], RelationshipType.RESELLER)

    # When the partner's admin agent exports its relationships, invitations and activity
    status, relationships = await _csv(api, "relationships", **_bearer(agent))
    _, invitations = await _csv(api, "invitations", **_bearer(agent))
    _, activity = await _csv(api, "activity", **_bearer(agent))

    # Then each file holds its own rows, and none of the other partner's
    assert status == 200
    assert [(r["id"], r["customerName"], r["status"], r["types"]) for r in relationships] == [
        (str(encode_id("Relationship", relationship.id)), "Contoso", "ACTIVE", "GDAP_PARTNER")
    ]
    assert [(i["customerEmail"], i["status"], i["roles"]) for i in invitations] == [
        ("admin@example.com", "ACCEPTED", "USER_ADMINISTRATOR")
    ]
    actions = [a["action"] for a in activity]
    assert "invitation.sent" in actions
    assert "roles.granted" in actions
    assert all("Tailspin" not in a["changes"] for a in activity)
    # And the customer's admin exports the same relationship, from its side
    _, seen = await _csv(api, "relationships", **_bearer(admin))
    assert [r["partnerName"] for r in seen] == ["Fabrikam"]


async def test_an_export_is_refused_without_credentials_or_to_roles_that_may_not_list_it(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner's helpdesk agent, and someone with no credentials at all
    helpdesk = await f.person(await f.partner("Fabrikam"), PartnerRole.HELPDESK_AGENT)

    # When they ask for exports
    # Then a visitor must sign in, and the helpdesk agent may not read invitations or activity
    assert (await _csv(api, "invitations"))[0] == 401
    assert (await _csv(api, "invitations", Authorization="Bearer not-a-token"))[0] == 401
    assert (await _csv(api, "invitations", **_bearer(helpdesk)))[0] == 403
    assert (await _csv(api, "activity", **_bearer(helpdesk)))[0] == 403
    # And an export that does not exist is not found
    assert (await _csv(api, "people", **_bearer(helpdesk)))[0] == 404


async def test_a_browser_session_exports_and_a_large_list_arrives_whole_in_order(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a customer's billing administrator signed in with a password, and more invitations
    # addressed to the customer than one batch holds, plus a cell a spreadsheet would run
    contoso = await f.customer("Contoso")
    billing = await f.with_password(await f.person(contoso, AdminRole.BILLING_ADMINISTRATOR))
    partner = await f.partner("Fabrikam")
    start = utcnow()
    await Invitation.bulk_create(
        [
            Invitation(
                partner_id=partner.id,
                customer_id=contoso.id,
                addressed=True,
                customer_email=f"=cmd{n}@contoso.com" if n == 0 else f"it{n}@contoso.com",
                type=RelationshipType.RESELLER,
                roles=[],
                open_days=90,
                token_hash=f"{n:064d}",
                created_at=start + timedelta(milliseconds=n),
                expires_at=start + timedelta(days=90),
            )
            for n in range(1234)
        ]
    )
    _, browser = await sign_in(api, billing.email, f.PASSWORD)
    assert browser is not None

    # When the browser exports the invitations with its session cookie
    status, rows = await _csv(api, "invitations", **browser.headers(csrf=False, origin=None))

    # Then every one arrives once, oldest first, and the formula-like cell is text
    assert status == 200
    assert len(rows) == 1234
    assert rows[0]["customerEmail"] == "'=cmd0@contoso.com"
    assert [r["customerEmail"] for r in rows[1:]] == [f"it{n}@contoso.com" for n in range(1, 1234)]
    assert len({r["id"] for r in rows}) == 1234
