"""Count the SQL statements Tortoise sends, to prove a query's cost does not grow with list sizes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

_SQL_STARTS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = str(record.msg % record.args if record.args else record.msg).lstrip()
        if text.upper().startswith(_SQL_STARTS):
            self.statements.append(text)


@contextmanager
def count_sql() -> Iterator[list[str]]:
    """Collect every SQL statement sent inside the block (the list fills as they run)."""
    logger = logging.getLogger("tortoise.db_client")
    collector = _Collector()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(collector)
    try:
        yield collector.statements
    finally:
        logger.removeHandler(collector)
        logger.setLevel(previous)
