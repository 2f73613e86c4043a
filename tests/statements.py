"""The SQL statements a block of code sends: for tests that count queries or look for one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, event


@contextmanager
def statements_sent(connection: Connection | Engine) -> Iterator[list[str]]:
    """Every statement sent on ``connection`` (or any of an engine's) while the block runs."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)
