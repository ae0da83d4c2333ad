"""The collector of a long-running process after start-up (`api/heap.py`), in a process of its
own: freezing the test process's heap would keep its garbage cycles for the rest of the run."""

from __future__ import annotations

import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent(
    """
    import gc, weakref
    from api.app import create_app
    from api.heap import YOUNG_GENERATION_THRESHOLD, settle_after_start_up

    app = create_app()  # what start-up builds: the schema, the routes, the models
    settle_after_start_up()
    assert gc.get_freeze_count() > 50_000, gc.get_freeze_count()
    assert gc.get_threshold()[0] == YOUNG_GENERATION_THRESHOLD

    class Node:
        pass

    # A cycle made afterwards (a request's garbage) is still collected
    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None
    print("settled")
    """
)


def test_after_start_up_what_lives_is_frozen_and_later_garbage_is_still_collected() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "settled"
