"""Tortoise's SQLite backend, with write transactions that take the write lock up front.

A plain ``BEGIN`` starts as a reader and upgrades on its first write; when another process
holds the lock by then, SQLite fails at once with "database is locked" instead of waiting.
``BEGIN IMMEDIATE`` takes the lock at the start, so the busy timeout applies and two server
workers sharing one file simply queue.
"""

from __future__ import annotations

import sqlite3

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            # The connection autocommits (isolation_level=None), so normally nothing is open; each
            # call here is a trip to aiosqlite's thread, paid while every other writer waits.
            if self._connection.in_transaction:
                await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient
