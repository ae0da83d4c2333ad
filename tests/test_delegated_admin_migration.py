"""Migration 0015's data step on SQLite and PostgreSQL: existing GDAP grants, which were
folded into one relationship per pair, each get the delegated admin relationship of the
invitation that created them, and pending GDAP invitations one awaiting approval.

The grants are made by the rules (as a database of the previous release holds them), the
delegated admin relationships the rules made beside them taken away, and the migration's
step then run on the database as `partnerhub migrate` runs it. `tests/test_migrations.py`
checks the step's schema.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from tortoise import connections

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole, RelationshipType
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.relationships import Relationship, RoleGrant
from tests import factories as f
from tests.flows import accepted, invite
from tests.graphql import GraphQLClient
from tests.servers import SmtpServer

MIGRATION = importlib.import_module("models.migrations.0015_delegated_admin_relationships")
LICENSE = AdminRole.LICENSE_ADMINISTRATOR
USERS = AdminRole.USER_ADMINISTRATOR
HELPDESK = AdminRole.HELPDESK_ADMINISTRATOR


@dataclass
class _Editor:
    """What the step reads of Tortoise's schema editor: the connection it migrates."""

    client: Any


async def _as_before_0015() -> None:
    await RoleGrant.all().update(delegated_admin_relationship_id=None)
    await DelegatedAdminRelationship.all().delete()


async def test_existing_gdap_grants_each_get_their_invitations_relationship(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Contoso holding two GDAP invitations' grants from Fabrikam, an Advisor's, and a
    # third GDAP invitation still pending; and Northwind, whose relationship Fabrikam ended
    partner = await f.partner("Fabrikam")
    agent = await f.person(partner, PartnerRole.ADMIN_AGENT)
    contoso = await f.person(await f.customer("Contoso"), "GLOBAL_ADMINISTRATOR")
    northwind = await f.person(
        await f.customer("Northwind"), "GLOBAL_ADMINISTRATOR", email="ga@nw.example"
    )
    first = await accepted(
        api, db, smtp_server, agent, contoso, roles=[LICENSE, USERS], durationDays=30
    )
    await accepted(api, db, smtp_server, agent, contoso, roles=[LICENSE, HELPDESK])
    await accepted(
        api, db, smtp_server, agent, contoso, type="ADVISOR", roles=None, durationDays=None
    )
    pending, _ = await invite(api, db, smtp_server, agent, customerEmail="it@contoso.example")
    ended = await accepted(api, db, smtp_server, agent, northwind, roles=[USERS])
    data = await api.query(f.END, {"input": {"relationshipId": ended["id"]}}, agent.token)
    assert data["endRelationship"]["errors"] == []
    grants = await RoleGrant.all()
    by_invitation: dict[UUID | None, set[str]] = defaultdict(set)
    for grant in grants:
        if grant.type is RelationshipType.GDAP_PARTNER:
            by_invitation[grant.invitation_id].add(grant.role)
    assert len(by_invitation) == 3
    # ... as the previous release kept them: no delegated admin relationship anywhere
    await _as_before_0015()

    # When the migration's data step runs
    await MIGRATION.group_grants(None, _Editor(connections.get("default")))

    # Then every GDAP grant belongs to the one made for its invitation, with its roles
    dars = {d.id: d for d in await DelegatedAdminRelationship.all()}
    grouped: dict[UUID, set[UUID | None]] = defaultdict(set)
    for grant in await RoleGrant.all():
        if grant.type is RelationshipType.GDAP_PARTNER:
            assert grant.delegated_admin_relationship_id is not None
            grouped[grant.delegated_admin_relationship_id].add(grant.invitation_id)
        else:
            assert grant.delegated_admin_relationship_id is None  # the Advisor's
    assert all(len(invitations) == 1 for invitations in grouped.values())
    for dar_id, (invitation_id,) in grouped.items():
        dar = dars[dar_id]
        assert dar.invitation_id == invitation_id
        assert set(dar.roles) == by_invitation[invitation_id]
    # Contoso's two are ACTIVE, named apart, ending with their grants
    relationship = await Relationship.get(customer__name="Contoso")
    active = [d for d in dars.values() if d.relationship_id == relationship.id]
    assert sorted(d.status for d in active) == ["ACTIVE", "ACTIVE"]
    assert len({d.display_name for d in active}) == 2
    assert len({d.name_key for d in active}) == 2
    for dar in active:
        ends = {g.expires_at for g in await RoleGrant.filter(delegated_admin_relationship=dar)}
        assert ends == {dar.ends_at}
    assert sorted(d.duration_days for d in active) == [30, 90]
    # Northwind's, whose relationship ended, is TERMINATED and holds no name
    (northwind_dar,) = [d for d in dars.values() if d.customer_id == northwind.user.organization_id]
    assert northwind_dar.status == "TERMINATED"
    assert northwind_dar.name_key is None
    assert northwind_dar.ended_at is not None
    # The pending invitation's awaits approval
    (waiting,) = [d for d in dars.values() if d.relationship_id is None]
    assert waiting.status == "APPROVAL_PENDING"
    assert str(encode_id("Invitation", waiting.invitation_id)) == pending["id"]  # type: ignore[arg-type]

    # And the API shows Contoso's two, as it shows those the rules make
    data = await api.query(
        "query($id: ID!) { relationship(id: $id) { delegatedAdminRelationships { "
        "displayName status roles } } }",
        {"id": first["id"]},
        contoso.token,
    )
    shown = data["relationship"]["delegatedAdminRelationships"]
    assert sorted(sorted(d["roles"]) for d in shown) == [[HELPDESK, LICENSE], [LICENSE, USERS]]
