"""Listing and reading relationships."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from models.foundation.ids import decode_id
from models.identity.actors import Actor
from models.policy import visible_delegated_admin_relationships, visible_relationships
from models.reference.enums import RelationshipStatus
from schema.context import Info
from schema.guards import opens_list
from schema.pagination import After, Connection, First, paginate
from schema.relationships.preload import preload_page
from schema.relationships.types import DelegatedAdminRelationship, Relationship


async def read_relationship(actor: Actor, relationship_id: UUID) -> Relationship | None:
    """The relationship, if the actor's organization is a side of it: `relationship(id:)`
    and `relationshipChanged` read it so."""
    found = await visible_relationships(actor).get_or_none(id=relationship_id)
    return Relationship.of(found) if found else None


async def read_delegated_admin_relationship(
    actor: Actor, dar_id: UUID
) -> DelegatedAdminRelationship | None:
    """The delegated admin relationship, if the actor sees it (`delegatedAdminRelationship(id:)`
    and `node(id:)` read it so)."""
    found = await visible_delegated_admin_relationships(actor).get_or_none(id=dar_id)
    return DelegatedAdminRelationship.of(found) if found else None


@strawberry.type
class RelationshipQueries:
    @strawberry.field(
        description="The viewer's organization's relationships (with partners for customers, "
        "with customers for partners), newest first: for a partner's agents and a customer's "
        "admins, and their API clients granted RELATIONSHIPS_READ; FORBIDDEN for anyone else.",
        extensions=opens_list("relationships"),
    )
    async def relationships(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        status: Annotated[
            RelationshipStatus | None,
            strawberry.argument(description="Only relationships in this status."),
        ] = None,
    ) -> Connection[Relationship]:
        queryset = visible_relationships(info.context.actor())
        if status is not None:
            queryset = queryset.filter(status=status)
        page = await paginate(queryset, first, after, Relationship.of)
        await preload_page(info, [edge.node for edge in page.edges])
        return page

    @strawberry.field(description="One relationship the viewer's organization is a side of.")
    async def relationship(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The relationship's ID.")],
    ) -> Relationship | None:
        actor = info.context.actor()
        relationship_id = decode_id("Relationship", id)
        return await read_relationship(actor, relationship_id) if relationship_id else None

    @strawberry.field(
        description="One delegated admin relationship of a relationship the viewer's "
        "organization is a side of (a partner's agents see theirs awaiting approval too): for "
        "those who read the relationship; null for anyone else."
    )
    async def delegated_admin_relationship(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The delegated admin relationship's ID."),
        ],
    ) -> DelegatedAdminRelationship | None:
        actor = info.context.actor()
        dar_id = decode_id("DelegatedAdminRelationship", id)
        return await read_delegated_admin_relationship(actor, dar_id) if dar_id else None
