"""Everything SQLite-specific in one place: pragmas, collation, transactions, the online backup API."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from danvan_desktop.domain.text import sql_collate

# How long a writer waits for another writer's lock before giving up (a big merge holds it a while).
BUSY_TIMEOUT_S = 120
WRITE = {"sqlite_write": True}
"""Execution options of a connection that will write: its transaction starts with BEGIN IMMEDIATE."""


def make_engine(path: Path | str) -> Engine:
    """An engine on one SQLite file: WAL, foreign keys, full sync, Vietnamese collation 'vi'.

    Transactions of connections carrying WRITE start with BEGIN IMMEDIATE: the write lock is taken (and
    waited for, up to BUSY_TIMEOUT_S) at the start, so two writers queue instead of one failing on its first
    write ("database is locked" cannot be retried inside a deferred transaction that has read). Readers stay
    deferred and, under WAL, never wait.
    """
    engine = create_engine(f"sqlite:///{path}",
                           connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _rec: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (SQLAlchemy docs, "Serializable
        # isolation / Savepoints / Transactional DDL" for pysqlite).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        # FULL: a committed record survives a power cut, which matters more here than write speed.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cur.close()
        dbapi_conn.create_collation("vi", sql_collate)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("sqlite_write") else "BEGIN")

    return engine


def online_backup(src: Path, dest: Path) -> None:
    """Copy a live database consistently with SQLite's backup API (safe while it is open)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(str(src)) as s, sqlite3.connect(str(dest)) as d:
        s.backup(d)
    d.close()
    s.close()


def integrity_ok(path: Path) -> bool:
    """True when PRAGMA integrity_check says 'ok'."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
            row = c.execute("PRAGMA integrity_check").fetchone()
        c.close()
        return bool(row) and row[0] == "ok"
    except sqlite3.DatabaseError:
        return False


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """For Alembic's comparisons: the FTS5 shadow tables are SQLite's own, not models."""
    return not (type_ == "table" and name is not None and "_fts" in name)


def fts_condition(table: Any, words: list[str]) -> Any:
    """rowid IN the trigram index's matches for every word of 3+ characters (None if there is none).

    Shorter words cannot use a trigram index; the caller keeps a LIKE for them.
    """
    from sqlalchemy import literal_column, select, text
    from sqlalchemy import table as sql_table

    long_words = [w for w in words if len(w) >= 3]
    if not long_words:
        return None
    query = " AND ".join('"' + w.replace('"', '""') + '"' for w in long_words)
    fts = sql_table(f"{table.name}_fts")
    matches: Any = select(literal_column("rowid")).select_from(fts).where(
        text(f"{table.name}_fts MATCH :q").bindparams(q=query))
    return literal_column(f"{table.name}.rowid").in_(matches)


def sqlite3_version() -> str:
    """The SQLite library's version (for reports on performance)."""
    return sqlite3.sqlite_version
