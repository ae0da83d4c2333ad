"""A page of relationships loads the relations its query reads before its rows resolve.

Each relation still costs one query for the whole page (the request's loaders batch the
page's keys, as the fields' own loads would), but once loaded, the rows' fields resolve at
once (`schema.batches.loaded`): without it, every row's customer, partner, types, agreement
and grants were an awaitable each, and graphql-core gathers a list's awaitable rows through
a task apiece, most of a 50-row page's time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from typing import Any

from schema.context import Info
from schema.relationships.types import Relationship
from schema.selections import asks_for

NODE = ("edges", "node")


async def preload_page(info: Info, page: Sequence[Relationship]) -> None:
    """Loads what the query reads of `page`'s relationships (a connection's nodes)."""
    if not page:
        return
    asks = asks_for(info)
    loaders = info.context.loaders
    loads: list[Awaitable[Any]] = []
    sides = [r._customer_id for r in page] if asks(*NODE, "customer") else []
    sides += [r._partner_id for r in page] if asks(*NODE, "partner") else []
    if sides:
        loads.append(loaders.organization.load_many(sides))
    if asks(*NODE, "types"):
        loads.append(loaders.relationship_types.load_many([r._id for r in page]))
    if asks(*NODE, "roleGrants"):
        loads.append(loaders.role_grants.load_many([r._id for r in page]))
    agreements = asks(*NODE, "agreement")
    if agreements:
        loads.append(loaders.agreement.load_many(list({r._customer_id for r in page})))
    await asyncio.gather(*loads)
    if agreements and asks(*NODE, "agreement", "acceptedBy"):
        acceptances = await loaders.agreement.load_many(list({r._customer_id for r in page}))
        admins = [a.accepted_by_id for a in acceptances if a and a.accepted_by_id]
        users = await loaders.user.load_many(admins)
        if asks(*NODE, "agreement", "acceptedBy", "organization"):
            await loaders.organization.load_many([u.organization_id for u in users if u])
