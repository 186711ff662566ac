"""Hand-written SQL for the hot read paths, on the connection Tortoise already holds.

The ORM builds every query's SQL again on each call and parses each date-time with a
pure-Python parser; for the few statements every member page runs, that was most of a request's
time. A :class:`Statement` is written once, in SQLite's ``?`` style, and translated to
PostgreSQL's ``$n`` once per process; both drivers then keep it prepared (sqlite3's statement
cache, asyncpg's per-connection cache), because the text never changes. Rows come back as the
driver's tuples and are decoded with the standard library (:func:`moment`, :func:`day`).

Statements run through ``Tortoise.get_connection``'s ``execute_query``: inside
``in_transaction()`` that is the transaction's connection (so a write path sees its own rows,
and SQLite's single connection is never asked twice), and the statements are logged like the
ORM's (``tests/sqlcount.py`` counts them).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

from tortoise.connection import get_connections
from tortoise.models import Model

M = TypeVar("M", bound=Model)


def _client() -> Any:
    return get_connections().get("default")


def is_sqlite() -> bool:
    """Whether the current connection is SQLite's (times are stored as ISO text there)."""
    return _client().capabilities.dialect == "sqlite"


class Statement:
    """One SQL statement with ``?`` placeholders, runnable on SQLite and PostgreSQL."""

    __slots__ = ("sqlite", "postgres")

    def __init__(self, sql: str, *, postgres_suffix: str = "") -> None:
        """``postgres_suffix`` is appended on PostgreSQL only (``FOR UPDATE``: SQLite locks the file instead)."""
        self.sqlite = " ".join(sql.split())
        parts = self.sqlite.split("?")
        numbered = parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))
        self.postgres = f"{numbered} {postgres_suffix}".rstrip()

    async def execute(self, *args: Any) -> int:
        """Run a write (UPDATE, DELETE, INSERT); returns the number of rows it changed."""
        client = _client()
        if client.capabilities.dialect == "sqlite":
            changed, _ = await client.execute_query(self.sqlite, [_sqlite(a) for a in args])
        else:
            changed, _ = await client.execute_query(self.postgres, list(args))
        return changed

    async def all(self, *args: Any) -> list[Any]:
        """Every row, as the driver returns it (index by position)."""
        client = _client()
        if client.capabilities.dialect == "sqlite":
            _, rows = await client.execute_query(self.sqlite, [_sqlite(a) for a in args])
        else:
            _, rows = await client.execute_query(self.postgres, list(args))
        return list(rows)

    async def one(self, *args: Any) -> Any | None:
        rows = await self.all(*args)
        return rows[0] if rows else None


def _sqlite(value: Any) -> Any:
    """Parameters as Tortoise writes them on SQLite, so text comparisons of times stay correct."""
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def moment(value: Any) -> datetime | None:
    """A stored date-time: asyncpg gives a datetime, SQLite the ISO text Tortoise wrote."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def hydrate(model: type[M], values: dict[str, Any]) -> M:
    """A model instance from already-decoded column values (every column), as if the ORM had loaded it.

    It behaves like a fetched row (``save(update_fields=…)`` works), without the ORM's per-field
    conversion: callers decode times with :func:`moment` and enums themselves.
    """
    self = model.__new__(model)
    meta = model._meta
    setter = object.__setattr__
    setter(self, "_partial", False)
    setter(self, "_saved_in_db", True)
    setter(self, "_custom_generated_pk", meta.db_pk_column not in meta.generated_db_fields)
    setter(self, "_await_when_save", {})
    for name, value in values.items():
        setter(self, name, value)
    return self


def _decoder(field: Any) -> Any:
    """How to turn one stored column into the model's Python value, fast for the common types."""
    from tortoise import fields

    if isinstance(field, fields.DatetimeField):
        return moment
    if isinstance(field, fields.DateField):
        return day
    if isinstance(field, fields.BooleanField):
        return lambda v: None if v is None else bool(v)
    if isinstance(field, fields.data.CharEnumFieldInstance):
        enum = field.enum_type
        return lambda v: None if v is None else enum(v)
    if isinstance(field, (fields.IntField, fields.BigIntField, fields.SmallIntField, fields.CharField,
                          fields.TextField)) and not getattr(field, "enum_type", None):
        return None  # the driver's value is already the Python value
    return field.to_python_value


class Columns:
    """Every column of ``model`` for a SELECT (``alias.col, …``), and the decoder back to an instance."""

    def __init__(self, model: type[M], alias: str) -> None:
        meta = model._meta
        self.model = model
        self.names = [name for name in meta.db_fields]
        self.sql = ", ".join(f'{alias}."{meta.fields_db_projection[name]}"' for name in self.names)
        self._decoders = [_decoder(meta.fields_map[name]) for name in self.names]

    def load(self, row: Any, start: int = 0) -> Any:
        """The model instance from ``row[start:start + len(columns)]``."""
        values = {}
        for offset, (name, decode) in enumerate(zip(self.names, self._decoders, strict=True)):
            value = row[start + offset]
            values[name] = value if decode is None or value is None else decode(value)
        return hydrate(self.model, values)
