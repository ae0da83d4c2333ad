"""Tortoise's SQLite backend, with write locks taken when a transaction begins.

Tortoise opens SQLite transactions with a plain `BEGIN`, which takes no lock until the first
write. When two processes share the file (the web app and the worker), a transaction that
read first and then writes fails at once with "database is locked" if the other process
wrote in between: SQLite cannot wait for a lock on a snapshot that is already stale.
`BEGIN IMMEDIATE` takes the write lock up front, so a second writer waits for the first
(up to the connection's busy timeout) instead of failing. Reads outside transactions are
unaffected, and WAL mode still lets them run beside a writer.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tortoise.backends.base.client import NestedTransactionContext, TransactionContext
from tortoise.backends.sqlite import client
from tortoise.exceptions import TransactionManagementError


class ImmediateTransactionWrapper(client.SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc

    def _in_transaction(self) -> TransactionContext:
        return NestedTransactionContext(ImmediateTransactionWrapper(self))


class SqliteClient(client.SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return client.SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = SqliteClient


def get_client_class(db_info: dict[str, Any]) -> type[SqliteClient]:
    return SqliteClient
