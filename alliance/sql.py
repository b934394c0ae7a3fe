"""Small helpers for the few hot paths written in SQL (forwarding a seller order runs a hundred
times a second; the ORM spends more time building its statements than the database running
them). The SQL they help write runs on both PostgreSQL and the embedded SQLite."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection

# PostgreSQL takes at most 65,535 parameters in a statement, SQLite 32,766.
MAX_PARAMETERS = 30_000


def placeholders(values: Sequence[Any]) -> str:
    """`%s, %s, …` for an IN list; `NULL` for an empty one (IN (NULL) matches nothing)."""
    return ", ".join(["%s"] * len(values)) or "NULL"


def for_update(*, skip_locked: bool = False) -> str:
    """The row-locking clause where the database has one (SQLite locks the whole file)."""
    if not connection.features.has_select_for_update:
        return ""
    if skip_locked and connection.features.has_select_for_update_skip_locked:
        return " FOR UPDATE SKIP LOCKED"
    return " FOR UPDATE"


def db_datetime(value: datetime | None) -> Any:
    """An aware datetime as the database takes it as a parameter."""
    return connection.ops.adapt_datetimefield_value(value)


def insert_rows(
    table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, suffix: str = ""
) -> None:
    """INSERTs the rows with multi-row VALUES, as many statements as the parameter limit needs.

    `suffix` ends each statement (for example `ON CONFLICT DO NOTHING`).
    """
    rows = list(rows)
    per_statement = max(1, MAX_PARAMETERS // len(columns))
    row_marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(table)} ({names}) "  # noqa: S608 (names and placeholders only)
                f"VALUES {', '.join([row_marks] * len(chunk))} {suffix}",
                [value for row in chunk for value in row],
            )
