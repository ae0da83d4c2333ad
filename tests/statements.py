"""The SQL statements Tortoise sends: what the query-count tests count."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


class _Log(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(("Created connection", "Closed connection")):
            self.statements.append(message)


@contextmanager
def logged_statements() -> Iterator[list[str]]:
    """The SQL statements Tortoise sends inside the block (BEGIN and COMMIT are not logged)."""
    logger = logging.getLogger("tortoise.db_client")
    handler = _Log()
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False  # keep the statements out of the test report's captured log
    try:
        yield handler.statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
