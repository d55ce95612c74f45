"""Bulk inserts into record tables, with the derived data (search indexes, kept figures) kept set-based
where the store knows how; the dialect-specific forms live in store/sqlite.py (and store/postgres.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def bulk_inserts(conn: Any, table: str) -> Iterator[None]:
    """A block of INSERTs into one record table, in the caller's transaction, whose search indexes and kept
    figures are brought up to date at its end (SQLite: store/sqlite.py bulk_insert_upkeep); elsewhere the
    per-row triggers keep them and this does nothing."""
    if conn.dialect.name == "sqlite":
        from danvan_desktop.store.sqlite import bulk_insert_upkeep

        with bulk_insert_upkeep(conn, table):
            yield
    else:
        yield
