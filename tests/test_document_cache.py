"""A query text seen before is neither parsed nor validated again; a refused one always is."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse
from strawberry.schema import schema as strawberry_schema

from schema import ValidDocuments, build_schema

INTROSPECTION = "{ __schema { queryType { name } } }"


class _Calls:
    """Counts the calls of one of Strawberry's steps, and still makes them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        self.count = 0
        step = getattr(strawberry_schema, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return step(*args, **kwargs)

        monkeypatch.setattr(strawberry_schema, name, counted)


async def test_a_query_sent_again_is_neither_parsed_nor_validated_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a schema, and Strawberry's parse and validation steps counted
    schema = build_schema(production=True)
    parsed = _Calls(monkeypatch, "parse")
    validated = _Calls(monkeypatch, "validate_document")

    # When the same query comes three times
    results = [await schema.execute("{ __typename }") for _ in range(3)]

    # Then each answer is the same, and the text was parsed and validated once
    assert [r.data for r in results] == [{"__typename": "Query"}] * 3
    assert [r.errors for r in results] == [None] * 3
    assert (parsed.count, validated.count) == (1, 1)


async def test_a_refused_query_is_refused_every_time_with_its_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a schema, and its validation step counted
    schema = build_schema(production=True)
    validated = _Calls(monkeypatch, "validate_document")

    # When a query asking for a field that does not exist comes twice
    results = [await schema.execute("{ noSuchField }") for _ in range(2)]

    # Then both are refused with the validation code, each after its own validation
    for result in results:
        [error] = result.errors or []
        assert (error.extensions or {})["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert validated.count == 2


async def test_a_document_valid_for_one_schema_is_not_taken_as_valid_by_another() -> None:
    # Given a schema that answers introspection, which has seen an introspection query
    open_schema = build_schema(production=False)
    answered = await open_schema.execute(INTROSPECTION)
    assert answered.errors is None

    # When production's schema, which refuses introspection, gets the same text
    refused = await build_schema(production=True).execute(INTROSPECTION)

    # Then it refuses it: each schema keeps its own documents, checked by its own rules
    assert refused.data is None
    assert refused.errors


def test_the_cache_keeps_the_most_recently_used_documents() -> None:
    # Given a cache of two documents, holding a and b, and a asked for since
    documents = ValidDocuments(2)
    for text in ("{ a }", "{ b }"):
        documents.keep((text, None), parse(text))
    assert documents.get(("{ a }", None)) is not None

    # When a third is kept
    documents.keep(("{ c }", None), parse("{ c }"))

    # Then the least recently used one, b, is gone
    assert documents.get(("{ b }", None)) is None
    assert documents.get(("{ a }", None)) is not None
    assert documents.get(("{ c }", None)) is not None
