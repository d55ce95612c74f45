"""Copying an office's whole content from one store to another (SQLite ↔ PostgreSQL), table by table.

Used by `copy-to` (moving an office between a file and a server), by a server office's backup (the server's
content into a fresh SQLite file of the same schema) and by its restore (a backup file's content onto the server).

- Every table of the schema (store/schema.py, the kept-figure count tables included) is copied in foreign-key
  order, in chunks of CHUNK rows read from a streaming cursor: memory stays bounded at province scale.
- The destination is written in the caller's ONE transaction: a copy that fails half-way leaves it as it was.
  Its tables are emptied first (a fresh database holds only the settings its migrations wrote).
- The triggers that keep the count tables are switched off during the copy and the count tables are copied as
  they are (the copy's own check then recounts them from the records). SQLite's search indexes (FTS5) are not
  tables of the schema and are never copied: their triggers are off too and they are rebuilt in bulk after
  the rows are in (scripts/bench_copy.py has the figures).
- On PostgreSQL the id sequences are set past the copied ids afterwards (the next audit entry must not reuse one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Integer, Table, func, select

from danvan_desktop.store.schema import TALLIES, metadata

CHUNK = 2000
Progress = Callable[[str, int, int], None]
"""progress(table, rows copied so far, rows in all) after each chunk."""


def copied_tables() -> list[Table]:
    """The tables an office's content lives in, parents before children (alembic_version is the migrations')."""
    return list(metadata.sorted_tables)


def row_counts(conn: Connection) -> dict[str, int]:
    """Rows per copied table, as this connection's transaction sees them."""
    return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in copied_tables()}


def _ordered(t: Table) -> Any:
    """All rows of t in a stable order; units parents first (a unit's parent must exist before it is inserted)."""
    q = select(t)
    if t.name == "unit":
        return q.order_by(func.length(t.c.path), t.c.id)
    return q.order_by(*t.primary_key.columns)


def _tally_trigger(name: str) -> bool:
    return name.startswith(tuple(t.table for t in TALLIES))


@contextmanager
def _triggers_off(conn: Connection) -> Iterator[None]:
    """The destination's triggers off while rows are copied, on again afterwards (in the same transaction).

    SQLite: every trigger (count tables and search indexes), the search indexes rebuilt in bulk afterwards
    (measured: per-row index triggers were two thirds of a copy's time). PostgreSQL: the count tables' triggers.
    """
    if conn.dialect.name == "sqlite":
        from danvan_desktop.store.sqlite import rebuild_search_indexes

        # SQLite cannot disable a trigger: drop it and create it again from its own stored definition.
        found = list(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
        for name, _sql in found:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        yield
        rebuild_search_indexes(conn)
        for _name, sql in found:
            conn.exec_driver_sql(sql)
    else:
        from danvan_desktop.store.postgres import tally_triggers

        kept = [(n, t) for n, t in tally_triggers(conn) if _tally_trigger(n)]
        for name, table in kept:
            conn.exec_driver_sql(f'ALTER TABLE "{table}" DISABLE TRIGGER "{name}"')
        yield
        for name, table in kept:
            conn.exec_driver_sql(f'ALTER TABLE "{table}" ENABLE TRIGGER "{name}"')


def _empty(conn: Connection, tables: list[Table]) -> None:
    """Delete every row of the destination's tables (children first)."""
    if conn.dialect.name == "postgresql":
        from danvan_desktop.store.postgres import truncate

        truncate(conn, [t.name for t in tables])
        return
    for t in reversed(tables):
        conn.execute(t.delete())


def _insert_rows(dest: Connection) -> Callable[[Table, Any], None]:
    """How rows go into the destination: COPY on a server, executemany INSERTs into SQLite."""
    if dest.dialect.name == "postgresql":
        from danvan_desktop.store.postgres import copy_rows

        return lambda t, rows: copy_rows(dest, t, rows)

    def insert(t: Table, rows: Any) -> None:
        dest.execute(t.insert(), [dict(r) for r in rows])

    return insert


def copy_tables(src: Connection, dest: Connection, progress: Progress | None = None) -> dict[str, int]:
    """Copy every table's rows from src (read in one snapshot) into dest (inside the caller's transaction).

    The destination's tables are emptied first. Returns the rows copied per table.
    """
    tables = copied_tables()
    total_rows = row_counts(src)
    grand_total = sum(total_rows.values())
    done = 0
    copied: dict[str, int] = {}
    insert = _insert_rows(dest)
    with _triggers_off(dest):
        _empty(dest, tables)
        for t in tables:
            n = 0
            result = src.execution_options(stream_results=True, yield_per=CHUNK).execute(_ordered(t))
            for chunk in result.mappings().partitions(CHUNK):
                insert(t, chunk)
                n += len(chunk)
                done += len(chunk)
                if progress:
                    progress(t.name, done, grand_total)
            copied[t.name] = n
    if dest.dialect.name == "postgresql":
        from danvan_desktop.store.postgres import reset_sequences

        reset_sequences(dest, [(t.name, next(iter(t.primary_key.columns)).name) for t in tables
                               if len(t.primary_key.columns) == 1
                               and isinstance(next(iter(t.primary_key.columns)).type, Integer)])
        # Statistics now, not when autovacuum gets to it: without them the first summaries on the server
        # took ~10× longer (500,000 records: 301 ms against 34 ms) and short words could not be judged common.
        dest.exec_driver_sql("ANALYZE")
    return copied


def snapshot(conn: Connection) -> Connection:
    """A connection whose reads all see one moment (the source of a copy while others may be writing)."""
    if conn.dialect.name == "postgresql":
        return conn.execution_options(isolation_level="REPEATABLE READ")
    return conn  # SQLite in WAL: one read transaction is one snapshot

