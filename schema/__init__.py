"""The GraphQL schema: each area's queries and mutations, joined here."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import strawberry
from graphql import DocumentNode, GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES, StreamResult
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.aio import aclosing

from schema import enums as _enums  # noqa: F401  (registers the domain enums)
from schema.access.mutations import AccessMutations
from schema.access.queries import AccessQueries
from schema.activity.queries import ActivityQueries
from schema.api_clients.mutations import ApiClientMutations
from schema.bulk.mutations import BulkMutations
from schema.bulk.queries import BulkQueries
from schema.catalog.queries import CatalogQueries
from schema.customers.mutations import CustomerMutations
from schema.customers.queries import CustomerQueries
from schema.devices.mutations import DeviceMutations
from schema.devices.queries import DeviceQueries
from schema.directory.mutations import DirectoryMutations
from schema.directory.queries import DirectoryQueries
from schema.errors import RequestErrorCode, RequestErrorCodeType, code_of, with_code
from schema.execution import PlainFieldsExecution, direct_resolvers
from schema.invitations.mutations import InvitationMutations
from schema.invitations.queries import InvitationQueries
from schema.leads.mutations import LeadMutations
from schema.leads.queries import LeadQueries
from schema.live.subscriptions import Subscription
from schema.lob_apps.mutations import LobAppMutations
from schema.lob_apps.queries import LobAppQueries
from schema.mpsa.mutations import MpsaMutations
from schema.mpsa.queries import MpsaQueries
from schema.node import NodeQueries
from schema.orders.mutations import OrderMutations
from schema.orders.queries import OrderQueries
from schema.organizations.queries import OrganizationQueries
from schema.people.mutations import PeopleMutations
from schema.relationships.mutations import RelationshipMutations
from schema.relationships.queries import RelationshipQueries
from schema.scim.mutations import ScimMutations
from schema.scim.queries import ScimQueries
from schema.sign_in.mfa_enrollment import MfaEnrollmentRequired
from schema.sign_in.mfa_mutations import MfaMutations
from schema.sign_in.mutations import SignInMutations
from schema.sign_in.password_change import PasswordChangeRequired
from schema.single_sign_on.mutations import SingleSignOnMutations
from schema.single_sign_on.queries import SingleSignOnQueries
from schema.templates.mutations import TemplateMutations
from schema.templates.queries import TemplateQueries
from schema.webhook_endpoints.mutations import WebhookMutations
from schema.webhook_endpoints.queries import WebhookQueries

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2000
# Valid documents kept, by query text: the console and other clients send a few dozen texts
# again and again; one that sends ever new ones only pushes the least used out.
DOCUMENT_CACHE_SIZE = 256


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
    SingleSignOnQueries,
    TemplateQueries,
    BulkQueries,
    ScimQueries,
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
    SingleSignOnMutations,
    PeopleMutations,
    MfaMutations,
    TemplateMutations,
    BulkMutations,
    ApiClientMutations,
    ScimMutations,
):
    pass


def _is_unexpected(error: GraphQLError) -> bool:
    """Mask errors that carry no code of ours: their text may reveal internals."""
    return code_of(error) is None and error.original_error is not None


class ErrorCodes(SchemaExtension):
    """Codes for the errors that GraphQL itself reports, by the step that found them: a
    document that does not parse, one that does not fit the schema, and variables or an
    operation name that do not fit the document (the execution's errors with no field path).
    """

    def _code_all(self, code: RequestErrorCode) -> None:
        for error in self.execution_context.pre_execution_errors or []:
            with_code(error, code)

    def on_parse(self) -> Iterator[None]:
        yield
        self._code_all(RequestErrorCode.GRAPHQL_PARSE_FAILED)

    def on_validate(self) -> Iterator[None]:
        yield
        self._code_all(RequestErrorCode.GRAPHQL_VALIDATION_FAILED)

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in getattr(result, "errors", None) or []:
            if error.path is None:
                with_code(error, RequestErrorCode.BAD_USER_INPUT)


class ValidDocuments:
    """Documents that parsed and passed validation, by query text, the most recently used
    `size` of them. Parsing and validating a query is most of what a small one costs
    (Strawberry does both on every request); a text seen before needs neither again. Only
    valid documents are kept, so no error object is ever shared between two answers."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._documents: OrderedDict[tuple[str, int | None], DocumentNode] = OrderedDict()

    def get(self, key: tuple[str, int | None]) -> DocumentNode | None:
        document = self._documents.get(key)
        if document is not None:
            self._documents.move_to_end(key)
        return document

    def keep(self, key: tuple[str, int | None], document: DocumentNode) -> None:
        self._documents[key] = document
        if len(self._documents) > self.size:
            self._documents.popitem(last=False)


class CachedDocuments(SchemaExtension):
    """Hands Strawberry a document it parsed and validated before, so it does neither again;
    keeps each new one that validates. The cache is the schema's (its rules decide what is
    valid); the key holds the token limit the document was parsed under."""

    def __init__(self, documents: ValidDocuments) -> None:
        self.documents = documents
        self.key: tuple[str, int | None] | None = None
        self.hit = False

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query:
            self.key = (context.query, context.parse_options.get("max_tokens"))
            document = self.documents.get(self.key)
            if document is not None:
                context.graphql_document, self.hit = document, True
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if self.hit:
            context.pre_execution_errors = []  # Strawberry validates only when this is None
        yield
        document = context.graphql_document
        if not self.hit and self.key and document and context.pre_execution_errors == []:
            self.documents.keep(self.key, document)


def _without_suggestion(error: GraphQLError) -> None:
    """The error without graphql-core's "Did you mean ...?", which always ends a message: where
    introspection is off, suggestions would spell out the schema it keeps to itself."""
    error.message = error.message.partition(" Did you mean ")[0]


class Schema(strawberry.Schema):
    """Logs only unexpected errors: refusals with a code of ours are answers, not faults.
    With `suggestions` off, no error suggests a name of the schema."""

    def __init__(self, *args: Any, suggestions: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suggestions = suggestions

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        super().process_errors([e for e in errors if _is_unexpected(e)], execution_context)

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """The answer to a query or a mutation (subscriptions run over WebSocket, through
        `stream`: over HTTP they are refused), every error of it with a code."""
        allowed = kwargs.get("allowed_operation_types") or DEFAULT_ALLOWED_OPERATION_TYPES
        kwargs["allowed_operation_types"] = set(allowed) - {OperationType.SUBSCRIPTION}
        result = await super().execute(*args, **kwargs)
        self._coded(result)
        return result

    async def stream(self, *args: Any, **kwargs: Any) -> StreamResult:
        """A subscription's results, every error of each with a code. Only subscriptions run
        over WebSocket: each checks the connection's sign-in again before it reads anything
        (`schema/live/stream.py`), where a query or a mutation would act on the sign-in as it
        was when the connection opened. They go over HTTP."""
        kwargs["allowed_operation_types"] = {OperationType.SUBSCRIPTION}
        return self._coded_stream(await super().stream(*args, **kwargs))

    async def _coded_stream(self, results: StreamResult) -> StreamResult:
        async with aclosing(results):
            async for result in results:
                if isinstance(result, ExecutionResult):
                    self._coded(result)
                yield result

    def _coded(self, result: ExecutionResult) -> None:
        """What no step coded is a fault of ours (already logged, and masked in production)."""
        for error in result.errors or []:
            with_code(error, RequestErrorCode.INTERNAL_SERVER_ERROR)
            if not self.suggestions:
                _without_suggestion(error)


def build_schema(*, production: bool, introspection: bool | None = None) -> strawberry.Schema:
    """The schema, with production's masked errors; `introspection` (by default: outside
    production) lets clients read the schema and get "Did you mean ...?" in errors."""
    if introspection is None:
        introspection = not production
    # The rules, made once: each limiter makes a new rule class when it is made, and a
    # document is checked against the same rules every time.
    rules = [
        *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    ]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    documents = ValidDocuments(DOCUMENT_CACHE_SIZE)
    extensions: list[Callable[[], SchemaExtension]] = [
        ErrorCodes,
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: CachedDocuments(documents),
        PasswordChangeRequired,
        MfaEnrollmentRequired,
    ]
    if production:
        extensions.append(lambda: MaskErrors(should_mask_error=_is_unexpected))
    schema = Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        types=[RequestErrorCodeType],
        suggestions=introspection,
        execution_context_class=PlainFieldsExecution,
    )
    direct_resolvers(schema)
    return schema
