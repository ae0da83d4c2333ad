"""The garbage collector of a long-running process (`partnerhub web`, `partnerhub worker`).

What start-up builds (modules, the GraphQL schema, the ORM's models, templates) lives as long
as the process, about 200,000 objects, and CPython's collector went through all of them at
every full collection: 2.2 to 2.7 ms of a relationships page's CPU time, against 0.5 to 0.9
ms once settled (`python -m benchmarks.heap`). Once start-up is done,
`settle_after_start_up` moves what is alive into the permanent generation, which no
collection walks (`gc.freeze`), and collects the youngest generation less often. A
request's own garbage is collected as before; only cycles among the objects frozen here,
were they to become garbage, would stay until exit.
"""

from __future__ import annotations

import gc

# Allocations between two collections of the youngest generation (CPython's default: 700).
# A request allocates tens of thousands of objects, nearly all freed by reference counting.
YOUNG_GENERATION_THRESHOLD = 7_000


def settle_after_start_up() -> None:
    """Collect once, freeze what is left, and collect the young generation less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
