"""Tortoise's asyncpg backend, without a server round trip each time a connection goes back to the pool.

Tortoise borrows a pooled connection for every statement outside a transaction, and asyncpg
resets a connection on its return by sending ``SELECT pg_advisory_unlock_all(); CLOSE ALL;
UNLISTEN *; RESET ALL``: a second round trip for each of the dashboard's statements. Patron
keeps no session state on a connection (no advisory locks, LISTEN, cursors outside transactions
or session-wide SET; insight's settings are SET LOCAL), so there is nothing to reset; asyncpg
still rolls back a transaction left open and drops listeners on return.
"""

from __future__ import annotations

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient


class PooledConnection(asyncpg.connection.Connection):
    def get_reset_query(self) -> str:
        return ""


class PatronAsyncpgClient(AsyncpgDBClient):
    connection_class = PooledConnection


client_class = PatronAsyncpgClient
