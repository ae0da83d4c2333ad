"""What a query asks for below a field: a page's resolver reads it to load, before its rows
resolve, only the relations the query will read."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from strawberry.types.nodes import SelectedField, Selection

from schema.context import Info


def _selects(selections: Iterable[Selection], path: tuple[str, ...]) -> bool:
    if not path:
        return True
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == path[0] and _selects(selection.selections, path[1:]):
                return True
        elif _selects(selection.selections, path):  # a fragment: its fields are the parent's
            return True
    return False


def asks_for(info: Info) -> Callable[..., bool]:
    """Whether the query reads a path (GraphQL field names, as clients write them) below the
    field being resolved, through fragments too: `asks_for(info)("edges", "node", "name")`."""
    fields = info.selected_fields
    return lambda *path: any(_selects(field.selections, path) for field in fields)
