"""The isolation matrix, generated from the schema: every query, mutation and nested list,
found by introspection, asked by every kind of principal of one world (a partner serving a
customer) with the IDs of another world's objects. No answer may hold the other world's
data, and no mutation may change it.

A new query, mutation or subscription fails `test_every_query_and_mutation_has_its_case`
until it gets its case below (which of its arguments take which kind of the other world's
IDs, and what else it needs to be a valid request); a new nested list is reached by the generated
selections, or the coverage test names it. `tests/test_isolation.py` holds the hand-written
stories beside this matrix.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    build_client_schema,
    get_introspection_query,
    is_leaf_type,
)

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from schema import MAX_DEPTH
from tests.graphql import GraphQLClient
from tests.live import live
from tests.served import served
from tests.worlds import World, private_texts, rows_of, typed_ids, uuid_models, world

# Object hops a generated selection takes below a query's own type: deep enough that every
# nested list is reached from every query that leads to it.
HOPS = 3
# Every principal (four people and an API client) asks every generated document: on a busy
# machine that takes longer than the suite's default guard against a hung test.
LONG = pytest.mark.timeout(900)
ALL = "*"  # an argument that takes every kind of the other world's IDs (node)


@dataclass(frozen=True)
class Case:
    """How to ask a query or a mutation with the other world's IDs.

    `ids` maps each ID argument (a query's, or a mutation input's field) to the type of the
    other world's object it gets (`ALL`: each of them); `args` are the other arguments or
    input fields, as GraphQL literals, that make the request valid otherwise. `reaches`
    names what of the other world the operation may rightly show or write: the customer an
    invitation is addressed to, a listed partner's lead from a visitor.
    """

    ids: dict[str, str] = field(default_factory=dict)
    args: dict[str, str] = field(default_factory=dict)
    reaches: frozenset[str] = frozenset()


ADDRESSED_CUSTOMER = "the customer an invitation is addressed to, by its ID"
LISTED_PARTNER = "a listed partner a visitor writes to"
# The directory lists published partners to anyone, by their organization's ID.
PUBLIC_LISTING = "a published partner's directory listing"
# Whether an address's domain signs in through its organization's provider, and its name.
SSO_PROVIDER = "the single sign-on provider of an address's domain"
CUSTOMER = {"customerId": "Organization"}
NONE = Case()

QUERY_CASES: dict[str, Case] = {
    "node": Case(ids={"id": ALL}, reaches=frozenset({PUBLIC_LISTING})),
    "viewer": NONE,
    "roleDefinitions": NONE,
    "relationshipTypes": NONE,
    "apiScopes": NONE,
    "invitations": NONE,
    "invitation": Case(ids={"id": "Invitation"}),
    "invitationByToken": Case(args={"token": '"not-their-token"'}),
    "relationships": NONE,
    "relationship": Case(ids={"id": "Relationship"}),
    "delegatedAdminRelationship": Case(ids={"id": "DelegatedAdminRelationship"}),
    "customer": Case(ids={"id": "Organization"}),
    "customers": NONE,
    "billingPages": Case(ids=CUSTOMER),
    "securityGroups": NONE,
    "securityGroup": Case(ids={"id": "SecurityGroup"}),
    "directoryGroup": Case(ids={"id": "DirectoryGroup"}),
    "activity": NONE,
    "webhookEndpoints": NONE,
    "webhookEndpoint": Case(ids={"id": "WebhookEndpoint"}),
    "webhookEventTypes": NONE,
    "directoryVocabularies": NONE,
    "partners": Case(reaches=frozenset({PUBLIC_LISTING})),
    "partner": Case(ids={"id": "Partner"}, reaches=frozenset({PUBLIC_LISTING})),
    "leads": NONE,
    "lead": Case(ids={"id": "Lead"}),
    "offers": NONE,
    "mpsaPurchases": Case(ids=CUSTOMER),
    "customerSettings": NONE,
    "devices": Case(ids=CUSTOMER),
    "lobApps": Case(ids=CUSTOMER),
    "singleSignOn": NONE,
    "scimTokens": NONE,
    # Anyone may ask which provider signs in an address's domain: its name, and an address
    # to start at that holds the address asked about.
    "invitationTemplates": NONE,
    "bulkOperations": NONE,
    "bulkOperation": Case(ids={"id": "BulkOperation"}),
    "singleSignOnProvider": Case(
        args={"email": '"ga@Zqalpha-c.example.com"'}, reaches=frozenset({SSO_PROVIDER})
    ),
}

GROUP = {"groupId": "SecurityGroup"}
MUTATION_CASES: dict[str, Case] = {
    "sendInvitation": Case(
        ids=CUSTOMER,
        args={"customerEmail": '"it@matrix.example.com"', "type": "ADVISOR"},
        reaches=frozenset({ADDRESSED_CUSTOMER}),
    ),
    "resendInvitation": Case(ids={"id": "Invitation"}),
    "cancelInvitation": Case(ids={"id": "Invitation"}),
    "declineInvitation": Case(args={"token": "$TOKEN"}),
    "acceptInvitation": Case(args={"token": "$TOKEN", "acceptAgreement": "true"}),
    "removeRoles": Case(
        ids={
            "relationshipId": "Relationship",
            "delegatedAdminRelationshipId": "DelegatedAdminRelationship",
        }
    ),
    "endDelegatedAdminRelationship": Case(ids={"id": "DelegatedAdminRelationship"}),
    "endRelationship": Case(ids={"relationshipId": "Relationship"}),
    "acceptAgreement": Case(args={"acceptAgreement": "true"}),
    "resetUserPassword": Case(ids={**CUSTOMER, "userId": "User"}),
    "createSupportIncident": Case(
        ids=CUSTOMER, args={"title": '"Help"', "description": '"Please"', "severity": "LOW"}
    ),
    "assignLicense": Case(ids={**CUSTOMER, "subscriptionId": "Subscription", "userId": "User"}),
    "unassignLicense": Case(ids={**CUSTOMER, "subscriptionId": "Subscription", "userId": "User"}),
    "purchaseDomainSubscription": Case(
        ids=CUSTOMER, args={"domainName": '"matrix-example.shop"', "years": "1"}
    ),
    "createSecurityGroup": Case(args={"name": '"Matrix group"'}),
    "renameSecurityGroup": Case(ids=GROUP, args={"name": '"Taken"'}),
    "deleteSecurityGroup": Case(ids=GROUP),
    "addSecurityGroupMember": Case(ids={**GROUP, "userId": "User"}),
    "removeSecurityGroupMember": Case(ids={**GROUP, "userId": "User"}),
    "assignRoleToGroup": Case(
        ids={**GROUP, "relationshipId": "Relationship"}, args={"role": "USER_ADMINISTRATOR"}
    ),
    "removeRoleFromGroup": Case(
        ids={**GROUP, "relationshipId": "Relationship"}, args={"role": "USER_ADMINISTRATOR"}
    ),
    "createWebhookEndpoint": Case(
        args={"url": '"https://8.8.4.4/matrix"', "eventTypes": '["invitation.sent"]'}
    ),
    "updateWebhookEndpoint": Case(
        ids={"id": "WebhookEndpoint"}, args={"description": '"Taken"', "enabled": "false"}
    ),
    "rotateWebhookSecret": Case(ids={"id": "WebhookEndpoint"}),
    "deleteWebhookEndpoint": Case(ids={"id": "WebhookEndpoint"}),
    "redeliverWebhook": Case(ids={"deliveryId": "WebhookDelivery"}),
    "updatePartnerProfile": Case(args={"description": '"Matrix words"'}),
    "contactPartner": Case(
        ids={"partnerId": "Partner"},
        args={
            "contactName": '"Matrix Visitor"',
            "email": '"visitor@matrix.example.com"',
            "location": '"US"',
            "organizationName": '"Matrix Visitors"',
            "organizationSize": '"SIZE_50_249"',
            "industry": '"RETAIL"',
            "businessNeeds": '"Mail."',
        },
        reaches=frozenset({LISTED_PARTNER, PUBLIC_LISTING}),
    ),
    "updateLeadStatus": Case(ids={"id": "Lead"}, args={"status": "CLOSED"}),
    # Signing in: another organization's person's address, session and token.
    "signIn": Case(args={"email": '"$OTHER_EMAIL"', "password": '"not their password"'}),
    "signOut": Case(ids={"sessionId": "Session"}),
    "setPassword": Case(args={"token": '"not-their-link"', "password": '"a long new password"'}),
    "requestPasswordReset": Case(args={"email": '"$OTHER_EMAIL"'}),
    "changePassword": Case(
        args={"currentPassword": '"not my password"', "newPassword": '"a long new password"'}
    ),
    "createApiToken": Case(args={"name": '"Matrix token"'}),
    "revokeApiToken": Case(ids={"id": "ApiToken"}),
    # API clients: another organization's client, to revoke or to take a new secret for.
    "createApiClient": Case(args={"name": '"Matrix client"', "scopes": "[RELATIONSHIPS_READ]"}),
    "revokeApiClient": Case(ids={"id": "ApiClient"}),
    "rotateApiClientSecret": Case(ids={"id": "ApiClient"}),
    # SCIM: the viewer's own customer's tokens only.
    "createScimToken": Case(args={"name": '"Matrix provisioning"'}),
    "revokeScimToken": Case(ids={"id": "ScimToken"}),
    # Multi-factor authentication: the viewer's own authenticator, and own organization.
    "startTotpEnrollment": Case(args={"label": '"Matrix phone"'}),
    "confirmTotpEnrollment": Case(args={"code": '"123456"'}),
    "regenerateRecoveryCodes": Case(args={"code": '"123456"'}),
    "disableTotp": Case(args={"code": '"123456"'}),
    "setMfaRequirement": Case(args={"required": "true"}),
    "sendInvitationFromLead": Case(ids={"leadId": "Lead"}, args={"type": "RESELLER"}),
    "placeOrder": Case(ids=CUSTOMER, args={"sku": '"O365-E3"', "quantity": "1"}),
    "changeSubscription": Case(ids={"subscriptionId": "Subscription"}, args={"action": "SUSPEND"}),
    "updateCustomerSettings": Case(args={"shareMpsaPurchases": "true"}),
    "registerDevice": Case(
        ids=CUSTOMER,
        args={"serialNumber": '"SN-M"', "hardwareHash": '"HASH-M"', "model": '"Surface"'},
    ),
    "submitLobApp": Case(
        ids=CUSTOMER,
        args={"name": '"App M"', "version": '"1"', "packageUrl": '"https://apps.example.com/m"'},
    ),
    "updateLobApp": Case(ids={"appId": "LobApp"}, args={"name": '"Taken"'}),
    # Claiming the other world's domain for one's own single sign-on.
    "configureSingleSignOn": Case(
        args={
            "displayName": '"Matrix ID"',
            "issuer": '"https://8.8.8.8/matrix"',
            "clientId": '"matrix"',
            "clientSecret": '"matrix secret"',
            "domains": '["Zqalpha-c.example.com"]',
            "enabled": "false",
        }
    ),
    # Managing people: another organization's person, and another's address to invite.
    "inviteUser": Case(args={"email": '"$OTHER_EMAIL"', "roles": "[]"}),
    "updateUserRoles": Case(ids={"userId": "User"}, args={"roles": '["GLOBAL_ADMINISTRATOR"]'}),
    "disableUser": Case(ids={"userId": "User"}),
    "enableUser": Case(ids={"userId": "User"}),
    "removeUser": Case(ids={"userId": "User"}),
    "resetUserMfa": Case(ids={"userId": "User"}),
    "resendUserInvitation": Case(ids={"userId": "User"}),
    "cancelUserInvitation": Case(ids={"userId": "User"}),
    # Templates and bulk sends: another partner's template, to change or to send from.
    "createInvitationTemplate": Case(args={"name": '"Matrix template"', "type": "ADVISOR"}),
    "updateInvitationTemplate": Case(
        ids={"id": "InvitationTemplate"}, args={"name": '"Taken"', "type": "ADVISOR"}
    ),
    "deleteInvitationTemplate": Case(ids={"id": "InvitationTemplate"}),
    "sendInvitations": Case(
        ids={"templateId": "InvitationTemplate"},
        args={"customers": '[{customerEmail: "it@matrix.example.com"}]'},
    ),
    # Bulk access and endings: another partner's group (refused whole), another world's
    # customers and delegated admin relationships (items that fail, naming nothing of theirs).
    "assignAccessInBulk": Case(
        ids={"securityGroupId": "SecurityGroup", "customerIds": "Organization"},
        args={"roles": "[USER_ADMINISTRATOR]"},
    ),
    "endDelegatedAdminRelationshipsInBulk": Case(ids={"ids": "DelegatedAdminRelationship"}),
}

# Subscriptions, asked over a WebSocket to the served app (`tests/live.py`).
SUBSCRIPTION_CASES: dict[str, Case] = {
    "invitationChanged": Case(ids={"id": "Invitation"}),
    "relationshipChanged": Case(ids={"id": "Relationship"}),
    "bulkOperationChanged": Case(ids={"id": "BulkOperation"}),
}

# New rows that name the other world may come only of what a case `reaches`: the addressed
# invitation (with its activity, events and outbox messages), the visitor's lead, and the
# set-password link that anyone may ask for an address (mailed to its owner only; the answer
# is the same whether the address has an account or not).
REACHED_MODELS = {
    "PasswordLink",
    "Invitation",
    "Lead",
    "ActivityEntry",
    "OutboxMessage",
    "WebhookEvent",
    "WebhookDelivery",
}


# --------------------------------------------------------------------------- the schema


async def _schema(api: GraphQLClient) -> GraphQLSchema:
    """The schema as a client discovers it: by introspection over the API."""
    body = await api.raw(get_introspection_query())
    return build_client_schema(body["data"])


def _unwrap(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _is_connection(type_: Any) -> bool:
    return (
        isinstance(type_, GraphQLObjectType)
        and type_.name.endswith("Connection")
        and "edges" in type_.fields
    )


def _item(type_: GraphQLOutputType) -> GraphQLNamedType:
    """The type of what a field holds: a connection's node, a list's item, or the type."""
    named = _unwrap(type_)
    if _is_connection(named):
        edge = _unwrap(named.fields["edges"].type)
        return _unwrap(edge.fields["node"].type)  # type: ignore[no-any-return]
    return named  # type: ignore[no-any-return]


def _is_list(type_: GraphQLOutputType) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList) or _is_connection(_unwrap(type_))


def nested_lists(schema: GraphQLSchema) -> set[str]:
    """Every list of rows below the root types: `Type.field` for each field holding a list or
    a connection of objects (a payload's list of UserErrors holds no rows)."""
    found = set()
    roots = {schema.query_type, schema.mutation_type}
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_ in roots:
            continue
        if type_.name.startswith("__") or _is_connection(type_) or type_.name.endswith("Edge"):
            continue
        for name, definition in type_.fields.items():
            item = _item(definition.type)
            if _is_list(definition.type) and not is_leaf_type(item) and item.name != "UserError":
                found.add(f"{type_.name}.{name}")
    return found


def _takes_required(definition: Any) -> bool:
    return any(isinstance(arg.type, GraphQLNonNull) for arg in definition.args.values())


def _scalars(type_: GraphQLObjectType) -> str:
    return " ".join(
        name
        for name, definition in type_.fields.items()
        if is_leaf_type(_unwrap(definition.type)) and not _takes_required(definition)
    )


def selections(
    schema: GraphQLSchema, type_: Any, hops: int, seen: frozenset[str] = frozenset()
) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Selections on `type_`: its own scalars, and one more per path to an object below it
    (`hops` at most, each type once on a path), with the lists the path goes through."""
    if is_leaf_type(type_):
        yield "", ()
        return
    if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
        yield "{ __typename }", ()
        for possible in schema.get_possible_types(type_):
            for sub, lists in selections(schema, possible, hops, seen | {possible.name}):
                yield f"{{ ... on {possible.name} {sub} }}", lists
        return
    yield "{ " + _scalars(type_) + " }", ()
    if hops == 0:
        return
    for name, definition in type_.fields.items():
        item = _item(definition.type)
        if _takes_required(definition) or is_leaf_type(item) or item.name in seen:
            continue
        here = (f"{type_.name}.{name}",) if _is_list(definition.type) else ()
        for sub, lists in selections(schema, item, hops - 1, seen | {item.name}):
            inner = (
                f"{{ totalCount edges {{ node {sub} }} }}"
                if _is_connection(_unwrap(definition.type))
                else sub
            )
            yield f"{{ {name} {inner} }}", here + lists


def _depth(document: str) -> int:
    deepest = level = 0
    for char in document:
        level += {"{": 1, "}": -1}.get(char, 0)
        deepest = max(deepest, level)
    return deepest


def _literal(type_: GraphQLInputType) -> str:
    """Any valid literal of `type_` (a request's other parts come from its case)."""
    if isinstance(type_, GraphQLNonNull):
        return _literal(type_.of_type)
    if isinstance(type_, GraphQLList):
        return "[]"
    if isinstance(type_, GraphQLEnumType):
        return str(next(iter(type_.values)))
    if isinstance(type_, GraphQLInputObjectType):
        return _object_literal(type_, {})
    return {"Int": "1", "Boolean": "true", "Float": "1.0"}.get(getattr(type_, "name", ""), '"x"')


def _object_literal(type_: GraphQLInputObjectType, given: dict[str, str]) -> str:
    fields = dict(given)
    for name, definition in type_.fields.items():
        if name not in fields and isinstance(definition.type, GraphQLNonNull):
            fields[name] = _literal(definition.type)
    return "{" + ", ".join(f"{name}: {value}" for name, value in fields.items()) + "}"


# --------------------------------------------------------------------------- the worlds


@dataclass
class Other:
    """The world whose data must not show: its typed IDs, and the texts and IDs to look for."""

    world: World
    ids: dict[str, str]
    markers: dict[str, str]

    def leaked(self, answer: Any, reaches: frozenset[str] = frozenset()) -> list[str]:
        text = json.dumps(answer)
        allowed = set()
        if ADDRESSED_CUSTOMER in reaches:  # the invitation shows whom it is addressed to
            allowed |= {self.world.customer.name, str(encode_id("Organization", self.customer))}
        if PUBLIC_LISTING in reaches:  # a published profile is the directory's, for anyone
            allowed |= {str(encode_id("Organization", self.world.partner.id))}
        if SSO_PROVIDER in reaches:  # the provider's name, and the address asked about
            allowed |= {f"{self.world.label} Sign-in", f"{self.world.label}-c.example.com"}
        for shown in allowed:
            text = text.replace(shown, "")
        return [name for name, marker in self.markers.items() if marker in text]

    @property
    def customer(self) -> UUID:
        return self.world.customer.id


async def _other(victim: World) -> Other:
    markers = {f"text {text!r}": text for text in private_texts(victim)}
    for model in uuid_models():
        for row in await model.filter(pk__in=list(victim.ids)):
            key = row.pk
            markers[f"{model.__name__} {key}"] = str(key)
            markers[f"{model.__name__} ID {key}"] = str(encode_id(model.__name__, key))
    return Other(victim, await typed_ids(victim), markers)


async def _snapshot(ids: set[UUID]) -> dict[str, dict[str, Any]]:
    """Every row among `ids`, as it is now, by model and key."""
    rows: dict[str, dict[str, Any]] = {}
    for model in uuid_models():
        for row in await model.filter(pk__in=list(ids)).values():
            rows[f"{model.__name__} {row[model._meta.pk_attr]}"] = row
    return rows


@pytest.fixture
async def worlds(api: GraphQLClient, db: Settings) -> tuple[World, Other]:
    """Zqbeta, whose principals ask, and Zqalpha, whose data they must not get."""
    alpha = await world("Zqalpha")
    beta = await world("Zqbeta")
    return beta, await _other(alpha)


# --------------------------------------------------------------------------- the tests


async def test_every_query_and_mutation_has_its_case(api: GraphQLClient, db: Settings) -> None:
    # Given the schema, by introspection
    schema = await _schema(api)
    assert schema.query_type is not None
    assert schema.mutation_type is not None

    # Then every query and every mutation has its case, and no case is left over
    assert set(QUERY_CASES) ^ set(schema.query_type.fields) == set(), (
        "each query needs its case in QUERY_CASES of tests/test_isolation_matrix.py"
    )
    assert set(MUTATION_CASES) ^ set(schema.mutation_type.fields) == set(), (
        "each mutation needs its case in MUTATION_CASES of tests/test_isolation_matrix.py"
    )
    assert schema.subscription_type is not None
    assert set(SUBSCRIPTION_CASES) ^ set(schema.subscription_type.fields) == set(), (
        "each subscription needs its case in SUBSCRIPTION_CASES of tests/test_isolation_matrix.py"
    )
    # And every nested list is reached by the generated selections of some query
    reached = {
        name
        for query in schema.query_type.fields.values()
        for _, lists in selections(schema, _item(query.type), HOPS)
        for name in lists
    }
    assert nested_lists(schema) - reached == set()


@LONG
async def test_no_query_shows_another_organizations_data(
    api: GraphQLClient, worlds: tuple[World, Other]
) -> None:
    # Given two worlds, and every query's generated documents asking for the other's IDs
    own, other = worlds
    schema = await _schema(api)
    assert schema.query_type is not None
    documents = list(_query_documents(schema, other))
    filled: dict[str, set[str]] = {}

    for who, person in own.principals.items():
        for query, document, lists in documents:
            # When a principal of the one world asks it
            body = await api.raw(document, token=person.token)
            # Then the answer is an answer (refusals carry a code), with nothing of the other
            # world in it
            unexplained = [e for e in body.get("errors", []) if not e.get("extensions")]
            assert unexplained == [], (who, document, unexplained)
            reaches = QUERY_CASES[query].reaches
            assert other.leaked(body.get("data"), reaches) == [], (who, query, document)
            if lists and _filled(body.get("data"), lists[-1].split(".")[1]):
                filled.setdefault(lists[-1], set()).add(who)

    # And every nested list held rows of the asking world for one of its principals, so that
    # the checks above read real lists
    assert nested_lists(schema) - set(filled) == set()


@LONG
async def test_no_mutation_touches_another_organizations_data(
    api: GraphQLClient, worlds: tuple[World, Other]
) -> None:
    # Given two worlds, and the other's rows as they are
    own, other = worlds
    schema = await _schema(api)
    assert schema.mutation_type is not None
    before = await _snapshot(other.world.ids)
    organizations = (other.world.partner.id, other.world.customer.id)

    for who, person in own.principals.items():
        for mutation, case in MUTATION_CASES.items():
            # When a principal of the one world calls it with the other world's IDs
            document = _mutation_document(schema, mutation, case, other)
            body = await api.raw(document, token=person.token)
            # Then the answer holds nothing of the other world, beyond what the case reaches
            unexplained = [e for e in body.get("errors", []) if not e.get("extensions")]
            assert unexplained == [], (who, document, unexplained)
            assert other.leaked(body.get("data"), case.reaches) == [], (who, document, body)

    # And none of the other world's rows changed
    after = await _snapshot(other.world.ids)
    changed = sorted(key for key in before if before[key] != after.get(key))
    assert changed == []
    # And no new row names it, but for what the cases reach
    new = await rows_of(*organizations) - other.world.ids
    models = {
        model.__name__ for model in uuid_models() if await model.filter(pk__in=list(new)).exists()
    }
    assert models <= REACHED_MODELS


async def test_no_subscription_shows_another_organizations_data(
    api: GraphQLClient, db: Settings, worlds: tuple[World, Other]
) -> None:
    # Given two worlds, the app served with its WebSockets, and every subscription's
    # generated documents asking for the other world's IDs
    own, other = worlds
    schema = await _schema(api)
    assert schema.subscription_type is not None
    async with served(db) as server:
        for who, person in own.principals.items():
            async with live(server.graphql_ws) as client:
                await client.init({"authorization": f"Bearer {person.token}"})
                for name, definition in schema.subscription_type.fields.items():
                    case = SUBSCRIPTION_CASES[name]
                    for sub, _ in selections(schema, _item(definition.type), HOPS):
                        ((_, arguments),) = _calls(case, other)
                        document = f"subscription {{ {name}{arguments} {sub} }}"
                        if _depth(document) > MAX_DEPTH:
                            continue
                        # When a principal of the one world subscribes
                        operation = await client.subscribe(document, {})
                        # Then the subscription ends with NOT_FOUND (the other world's
                        # objects are not told to exist), holding nothing of the other world
                        message = await client.receive()
                        assert other.leaked(message, case.reaches) == [], (who, document)
                        assert message["type"] == "next", (who, document, message)
                        assert message["payload"]["data"] is None, (who, document)
                        codes = [e["extensions"]["code"] for e in message["payload"]["errors"]]
                        assert codes == ["NOT_FOUND"], (who, document, message)
                        assert await client.receive() == {"id": operation, "type": "complete"}


def _query_documents(
    schema: GraphQLSchema, other: Other
) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(query, document, lists on its path) for every query and every generated selection,
    each ID argument holding the other world's ID of its case's type (several, aliased, for
    `ALL`)."""
    assert schema.query_type is not None
    for name, definition in schema.query_type.fields.items():
        case = QUERY_CASES[name]
        calls = _calls(case, other)
        here = (f"Query.{name}",) if _is_list(definition.type) else ()
        for sub, lists in selections(schema, _item(definition.type), HOPS):
            if _is_connection(_unwrap(definition.type)):
                sub = f"{{ totalCount edges {{ node {sub} }} }}"
            document = (
                "query { "
                + " ".join(f"{alias}: {name}{arguments} {sub}" for alias, arguments in calls)
                + " }"
            )
            if _depth(document) <= MAX_DEPTH:
                yield name, document, here + lists


def _calls(case: Case, other: Other) -> list[tuple[str, str]]:
    """(alias, arguments) for each call of a query: one per ID of the other world for `ALL`."""
    choices = [dict(case.args)]
    for argument, type_name in case.ids.items():
        ids = list(other.ids.values()) if type_name == ALL else [other.ids[type_name]]
        choices = [given | {argument: json.dumps(an_id)} for given in choices for an_id in ids]
    return [
        (f"q{n}", "(" + ", ".join(f"{k}: {v}" for k, v in given.items()) + ")" if given else "")
        for n, given in enumerate(choices)
    ]


def _mutation_document(schema: GraphQLSchema, mutation: str, case: Case, other: Other) -> str:
    assert schema.mutation_type is not None
    definition = schema.mutation_type.fields[mutation]
    input_type = _unwrap(definition.args["input"].type)
    given = {
        name: value.replace("$TOKEN", json.dumps(other.world.pending_token)).replace(
            '"$OTHER_EMAIL"', json.dumps(other.world.partner_admin.email)
        )
        for name, value in case.args.items()
    }
    given |= {name: json.dumps(other.ids[type_name]) for name, type_name in case.ids.items()}
    payload = _unwrap(definition.type)
    parts = []
    for name, field_definition in payload.fields.items():
        item = _item(field_definition.type)
        if is_leaf_type(item):
            parts.append(name)
        elif isinstance(item, GraphQLObjectType):
            parts.append(f"{name} {{ {_scalars(item)} }}")
    return (
        f"mutation {{ {mutation}(input: {_object_literal(input_type, given)}) "
        f"{{ {' '.join(parts)} }} }}"
    )


def _filled(data: Any, name: str) -> bool:
    """Whether the answer holds a non-empty list (or connection) under the key `name`."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == name and (
                (isinstance(value, list) and value)
                or (isinstance(value, dict) and value.get("totalCount"))
            ):
                return True
            if _filled(value, name):
                return True
    if isinstance(data, list):
        return any(_filled(item, name) for item in data)
    return False
