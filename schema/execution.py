"""GraphQL execution with a short way for plain fields.

A plain field is one Strawberry reads straight off its object (no resolver, no field
extension, no permission class) and whose type is a scalar or an enum, or a list of them:
`id`, `name`, `status`, `createdAt`... graphql-core still gives each of them the whole
treatment of a resolved field (a resolve info, Strawberry's resolver wrapper, the nested
completion of its type), which is most of what a long list costs: a page of 50
relationships has about 1,500 fields, three quarters of them plain. Here a plain field's
value is read and coerced directly. Anything unusual (a null in a non-null field, a value
its type refuses, an awaitable) takes graphql-core's own way, so errors and their paths
are exactly graphql-core's. Fields with a resolver, and with it every access check, are
untouched.

A field whose resolver needs nothing converted (no argument, no field extension or permission
class: at most the object and `info`) is called directly too (`direct_resolvers`), not through
Strawberry's wrapper, which builds each call's arguments and extension chain anew: on the
relationships page that is every relation (`customer`, `partner`, `agreement`...) of every row.

It also keeps a cancelled request quiet: graphql-core awaits a resolver's coroutine inside
a coroutine of its own, run as a task; a request cancelled before that task's first step (a
subscription completed while an event's fields resolve, a client gone) closes the outer
coroutine without ever running it, and Python then warns that the resolver's coroutine was
never awaited. Each such coroutine is handed over in a `Pending` that closes it if it is
dropped unawaited.
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from dataclasses import dataclass
from inspect import iscoroutine
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

if TYPE_CHECKING:
    from collections.abc import Callable

    import strawberry

PLAIN_FIELDS = "partnerhub-plain-fields"  # the key of an object type's plain fields
_SLOW = object()  # what a plain field's short way gives when graphql-core must decide


@dataclass(frozen=True, slots=True)
class PlainField:
    """How to read a plain field off its object and coerce it."""

    read: Any  # Strawberry's default resolver: (object, attribute name) -> value
    attribute: str
    leaf: GraphQLLeafType
    nullable: bool
    items_nullable: bool | None  # None: not a list

    def value(self, source: Any) -> Any:
        """The field's answer, or `_SLOW` when graphql-core must complete it."""
        value = self.read(source, self.attribute)
        if value is None:
            return None if self.nullable else _SLOW
        if self.items_nullable is None:
            return self._coerced(value)
        if isinstance(value, (str, bytes, dict)) or not isinstance(value, (list, tuple)):
            return _SLOW
        items: list[Any] = []
        for item in value:
            if item is None:
                if not self.items_nullable:
                    return _SLOW
                items.append(None)
                continue
            coerced = self._coerced(item)
            if coerced is _SLOW:
                return _SLOW
            items.append(coerced)
        return items

    def _coerced(self, value: Any) -> Any:
        if isinstance(value, Exception) or hasattr(value, "__await__"):
            return _SLOW
        try:
            coerced = self.leaf.coerce_output_value(value)
        except Exception:  # graphql-core's way reports it, with its path
            return _SLOW
        return _SLOW if coerced is None or coerced is Undefined else coerced


def plain_field(field: GraphQLField) -> PlainField | None:
    """How to read `field` the short way, or None if it is not plain."""
    if not getattr(field.resolve, "_is_default", False):
        return None
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return None
    kind: GraphQLOutputType = field.type
    nullable = not isinstance(kind, GraphQLNonNull)
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    items_nullable: bool | None = None
    if isinstance(kind, GraphQLList):
        item = kind.of_type
        items_nullable = not isinstance(item, GraphQLNonNull)
        kind = item.of_type if isinstance(item, GraphQLNonNull) else item
    if not is_leaf_type(kind):
        return None
    return PlainField(
        definition.default_resolver, definition.python_name, kind, nullable, items_nullable
    )


def plain_fields(parent_type: GraphQLObjectType) -> dict[str, PlainField | None]:
    """The object type's fields, each with its short way if it is plain: worked out on first
    use and kept on the type (a schema's types are made once)."""
    known: dict[str, PlainField | None] | None = parent_type.extensions.get(PLAIN_FIELDS)
    if known is None:
        known = {name: plain_field(field) for name, field in parent_type.fields.items()}
        parent_type.extensions = {**parent_type.extensions, PLAIN_FIELDS: known}
    return known


def direct_resolver(field: GraphQLField, info_class: type[Any]) -> Callable[..., Any] | None:
    """The field's resolver, called without Strawberry's wrapper, when it needs nothing of it:
    no argument to convert, no field extension (a permission class is one), no exception
    handler; only the object (as `self`, `root` or `parent`) and Strawberry's `info`. None
    for any other field."""
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.base_resolver is None:
        return None
    resolver = definition.base_resolver
    if definition.extensions or definition.arguments or field.args or definition.is_subscription:
        return None
    function = resolver.wrapped_func
    if not callable(function):  # Strawberry's own wrapper says why, when it is called
        return None
    as_self = resolver.self_parameter is not None
    by_name = [p.name for p in (resolver.root_parameter, resolver.parent_parameter) if p]
    info_name = resolver.info_parameter.name if resolver.info_parameter else None

    def resolve(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        kwargs = {name: source for name in by_name}
        if info_name is not None:
            kwargs[info_name] = info_class(_raw_info=info, _field=definition)
        return function(source, **kwargs) if as_self else function(**kwargs)

    return resolve


def direct_resolvers(schema: strawberry.Schema) -> None:
    """Each field `direct_resolver` may call directly is called so (the module says why).
    A schema with exception handlers keeps Strawberry's wrapper everywhere: it applies them."""
    if getattr(schema.schema_converter, "_exception_handler_specs", None):
        return
    for named in schema._schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for field in named.fields.values():
            direct = direct_resolver(field, schema.config.info_class)
            if direct is not None:
                field.resolve = direct


class Pending:
    """A resolver's coroutine on its way to be awaited: closed if it is dropped before."""

    __slots__ = ("_awaited", "_coroutine")

    def __init__(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        self._coroutine = coroutine
        self._awaited = False

    def __await__(self) -> Generator[Any, None, Any]:
        self._awaited = True
        return self._coroutine.__await__()

    def __del__(self) -> None:
        if not self._awaited:
            self._coroutine.close()


class PlainFieldsExecution(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution, with plain fields read directly (the module says why)."""

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        middleware = self.middleware_manager
        if middleware is None or not middleware.middlewares:
            plain = plain_fields(parent_type).get(field_details_list[0].node.name.value)
            if plain is not None:
                value = plain.value(source)
                if value is not _SLOW:
                    return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def complete_awaitable_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Coroutine[Any, Any, Any]:
        """graphql-core's own, with a resolver's coroutine handed over in a `Pending`."""
        return super().complete_awaitable_value(
            return_type,
            field_details_list,
            info,
            path,
            Pending(result) if iscoroutine(result) else result,
            position_context,
        )
