"""The GraphQL schema: each area's queries and mutations, joined here."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.types import ExecutionContext

from schema import enums as _enums  # noqa: F401  (registers the domain enums)
from schema.access.mutations import AccessMutations
from schema.access.queries import AccessQueries
from schema.activity.queries import ActivityQueries
from schema.catalog.queries import CatalogQueries
from schema.customers.mutations import CustomerMutations
from schema.customers.queries import CustomerQueries
from schema.devices.mutations import DeviceMutations
from schema.devices.queries import DeviceQueries
from schema.directory.mutations import DirectoryMutations
from schema.directory.queries import DirectoryQueries
from schema.invitations.mutations import InvitationMutations
from schema.invitations.queries import InvitationQueries
from schema.leads.mutations import LeadMutations
from schema.leads.queries import LeadQueries
from schema.lob_apps.mutations import LobAppMutations
from schema.lob_apps.queries import LobAppQueries
from schema.mpsa.mutations import MpsaMutations
from schema.mpsa.queries import MpsaQueries
from schema.node import NodeQueries
from schema.orders.mutations import OrderMutations
from schema.orders.queries import OrderQueries
from schema.organizations.queries import OrganizationQueries
from schema.relationships.mutations import RelationshipMutations
from schema.relationships.queries import RelationshipQueries
from schema.sign_in.mutations import SignInMutations
from schema.sign_in.password_change import PasswordChangeRequired
from schema.webhook_endpoints.mutations import WebhookMutations
from schema.webhook_endpoints.queries import WebhookQueries

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2000


@strawberry.type(description="What clients can read.")
class Query(
    NodeQueries,
    OrganizationQueries,
    CatalogQueries,
    InvitationQueries,
    RelationshipQueries,
    CustomerQueries,
    AccessQueries,
    ActivityQueries,
    WebhookQueries,
    DirectoryQueries,
    LeadQueries,
    OrderQueries,
    MpsaQueries,
    DeviceQueries,
    LobAppQueries,
):
    pass


@strawberry.type(description="What clients can change. Every mutation takes one `input`.")
class Mutation(
    InvitationMutations,
    RelationshipMutations,
    CustomerMutations,
    AccessMutations,
    WebhookMutations,
    DirectoryMutations,
    LeadMutations,
    OrderMutations,
    MpsaMutations,
    DeviceMutations,
    LobAppMutations,
    SignInMutations,
):
    pass


def _is_unexpected(error: GraphQLError) -> bool:
    """Mask errors that carry no code of ours: their text may reveal internals."""
    return not (error.extensions or {}).get("code") and error.original_error is not None


class Schema(strawberry.Schema):
    """Logs only unexpected errors: refusals with a code of ours are answers, not faults."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        super().process_errors([e for e in errors if _is_unexpected(e)], execution_context)


def build_schema(*, production: bool) -> strawberry.Schema:
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        PasswordChangeRequired,
    ]
    if production:
        extensions.append(lambda: MaskErrors(should_mask_error=_is_unexpected))
    return Schema(query=Query, mutation=Mutation, extensions=extensions)
