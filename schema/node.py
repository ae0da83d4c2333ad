"""Relay's object identification: the `Node` interface and `node(id:)`.

A global ID names its type (`models/foundation/ids.py`); `node(id:)` hands the ID to that
type's own by-id query (`relationship(id:)`, `invitation(id:)`...) and answers what it
answers. It decides nothing itself: a viewer reaches through `node` exactly what the by-id
query shows them, checked and loaded the same way, and a change to who may see a type is
made in one place. A door that checked anything by itself could drift from the by-id query
and show what that query hides.

A type implements `Node` (`schema/relay.py`) and is registered here with its by-id query,
so every `Node` can be fetched again by `node(id:)`, as Relay clients expect of it. Types
whose IDs no by-id query reads keep their `id` without the interface.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, cast

import strawberry
from graphql import GraphQLError
from strawberry.types.base import StrawberryOptional, get_object_definition
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from models.foundation.ids import decode_id
from schema.access.queries import AccessQueries
from schema.bulk.queries import BulkQueries
from schema.context import Info
from schema.customers.queries import CustomerQueries
from schema.directory.queries import DirectoryQueries
from schema.invitations.queries import InvitationQueries
from schema.leads.queries import LeadQueries
from schema.relationships.queries import RelationshipQueries
from schema.relay import Node
from schema.webhook_endpoints.queries import WebhookQueries


@dataclass(frozen=True, slots=True)
class ByIdQuery:
    """A type's own by-id query: the field of Query that reads one object by its `id`."""

    name: str
    node_type: type
    resolver: Callable[..., Awaitable[object | None]]


def _by_id_query(queries: type, name: str) -> ByIdQuery:
    """The by-id query `name` of an area's Query class, checked to be one that `node` may
    call as it is: one `id` argument, an optional object type, and no permission classes
    or field extensions, which calling its resolver directly would skip."""
    definition = get_object_definition(queries, strict=True)
    field: StrawberryField | None = definition.get_field(name)
    if field is None or field.base_resolver is None:
        raise TypeError(f"{queries.__name__} has no resolver {name}")
    if [argument.python_name for argument in field.arguments] != ["id"]:
        raise TypeError(f"{name} must take exactly one argument, id")
    if field.permission_classes or field.extensions:
        raise TypeError(f"{name} declares checks that node(id:) would not run")
    returned = field.type
    node_type = returned.of_type if isinstance(returned, StrawberryOptional) else None
    if not (isinstance(node_type, type) and hasattr(node_type, "__strawberry_definition__")):
        raise TypeError(f"{name} must return an object type or null")
    resolver = field.base_resolver.wrapped_func
    if not inspect.iscoroutinefunction(resolver):
        raise TypeError(f"{name} must be an async resolver")
    return ByIdQuery(
        to_camel_case(name), node_type, cast(Callable[..., Awaitable[object | None]], resolver)
    )


# The type name inside a global ID, and the by-id queries that read it, in the order they
# are asked. An organization's ID is both its customer data (`customer(id:)`, for its own
# admins and its partners' agents) and its directory listing (`partner(id:)`, for anyone
# once published): node answers the first of the two that shows the viewer something.
NODE_QUERIES: dict[str, tuple[ByIdQuery, ...]] = {
    "Relationship": (_by_id_query(RelationshipQueries, "relationship"),),
    "DelegatedAdminRelationship": (
        _by_id_query(RelationshipQueries, "delegated_admin_relationship"),
    ),
    "Invitation": (_by_id_query(InvitationQueries, "invitation"),),
    "Lead": (_by_id_query(LeadQueries, "lead"),),
    # A SecurityGroup ID is a partner's security group (its agents) or a group of a customer's
    # directory (its identity provider's): each has its own by-id query and readers.
    "SecurityGroup": (
        _by_id_query(AccessQueries, "security_group"),
        _by_id_query(CustomerQueries, "directory_group"),
    ),
    "WebhookEndpoint": (_by_id_query(WebhookQueries, "webhook_endpoint"),),
    "BulkOperation": (_by_id_query(BulkQueries, "bulk_operation"),),
    "Organization": (
        _by_id_query(CustomerQueries, "customer"),
        _by_id_query(DirectoryQueries, "partner"),
    ),
}
for _queries in NODE_QUERIES.values():
    for _query in _queries:
        if not issubclass(_query.node_type, Node):
            raise TypeError(f"{_query.node_type.__name__} must implement Node")


def node_queries(id_: str) -> tuple[ByIdQuery, ...]:
    """The by-id queries for the type that the global ID `id_` names; none when it names
    none (a malformed ID, or one of a type no by-id query reads)."""
    for type_name, queries in NODE_QUERIES.items():
        if decode_id(type_name, id_) is not None:
            return queries
    return ()


_BY_ID_QUERIES = ", ".join(
    f"`{query.name}(id:)`" for queries in NODE_QUERIES.values() for query in queries
)


@strawberry.type
class NodeQueries:
    @strawberry.field(
        description="The object with this global ID, as its type's own by-id query answers "
        f"({_BY_ID_QUERIES}): null, or an error, where that query gives one. Null for a "
        "malformed ID, or one of a type that is not a Node."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The global ID of any Node.")],
    ) -> Node | None:
        info.context.optional_actor()  # a bad token is UNAUTHENTICATED, as everywhere
        refused: GraphQLError | None = None
        for query in node_queries(id):
            try:
                found: Any = await query.resolver(self, info, id)
            except GraphQLError as error:
                refused = refused or error
                continue
            if found is not None:
                return cast(Node, found)
        # Nothing shown: the first query's refusal, as that query alone would have answered.
        if refused is not None:
            raise refused
        return None
