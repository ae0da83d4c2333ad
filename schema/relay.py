"""Relay's `Node` interface: an object with a global ID that `node(id:)` fetches again.

A type implements it by subclassing `Node` and registering its by-id query in
`schema/node.py`; `tests/test_node.py` fails when the two disagree.
"""

from __future__ import annotations

import strawberry


@strawberry.interface(
    description="An object with a global ID, which `node(id:)` fetches again for a viewer who "
    "may see it."
)
class Node:
    id: strawberry.ID = strawberry.field(description="The object's global ID: opaque, stable.")
