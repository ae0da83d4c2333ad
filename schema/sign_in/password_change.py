"""A temporary password must be changed first: until then the viewer may read `viewer`,
change the password and sign out, and nothing else.

Checked once per operation, on its root fields (through fragments too), before anything
runs; a refused operation is one top-level error with `extensions.code`
PASSWORD_CHANGE_REQUIRED and runs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    SelectionSetNode,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from schema.errors import RequestErrorCode

ALLOWED_FIELDS = frozenset(
    {"viewer", "changePassword", "signOut", "__typename", "__schema", "__type"}
)
CODE = RequestErrorCode.PASSWORD_CHANGE_REQUIRED.value


def root_fields(document: DocumentNode, operation_name: str | None) -> set[str]:
    """The names of the fields an operation asks for at its root."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return set()
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    return set(_names(operation.selection_set, fragments, set()))


def _names(
    selections: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], seen: set[str]
) -> Iterator[str]:
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from _names(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:  # a cycle is the validator's to refuse
                seen.add(name)
                yield from _names(fragments[name].selection_set, fragments, seen)


class PasswordChangeRequired(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        viewer = getattr(execution.context, "viewer", None)
        document = execution.graphql_document
        must_change = (
            viewer is not None and viewer.user is not None and viewer.user.must_change_password
        )
        if (
            must_change
            and document is not None
            and root_fields(document, execution.operation_name) - ALLOWED_FIELDS
        ):
            error = GraphQLError(
                "Change your temporary password first (changePassword).",
                extensions={"code": CODE},
            )
            if execution.operation_type is OperationType.SUBSCRIPTION:
                raise error  # a result does not stop a subscription's stream: an error does
            execution.result = ExecutionResult(data=None, errors=[error])
        yield
