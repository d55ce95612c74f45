"""The few SQL specifics the services need, behind one small interface: store/sqlite.py or store/postgres.py,
chosen by the dialect of the session's connection (ARCHITECTURE.md, "SQL dialects live in store/").

- search_conditions: the folded search's words as index-backed conditions, the same rows as LIKE '%word%';
- row_key: a key of a record row for long lists (SQLite's rowid, the tail of every index; the primary key on
  a server, where rows have no stable physical key);
- key_chunk: how many keys one IN (…) may carry.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, literal_column
from sqlalchemy.orm import Session

from danvan_desktop.store import postgres, sqlite

RowKey = int | str
"""A row key as row_key gives it: an int (SQLite rowid) or a str (a record's id on a server)."""


def dialect_name(s: Session) -> str:
    """'sqlite' or 'postgresql': the dialect of the session's connection."""
    return s.get_bind().dialect.name


def is_server(s: Session) -> bool:
    """True when the session works on a PostgreSQL server."""
    return dialect_name(s) == "postgresql"


def search_conditions(s: Session, table: Any, words: list[str]) -> list[Any]:
    """Conditions on one record table giving exactly the rows whose search_text contains every (folded) word,
    through the dialect's indexes: trigrams for words of 3+ characters, short pieces for the others."""
    store: Any = postgres if is_server(s) else sqlite
    return [c for c in (store.fts_condition(table, words), store.short_condition(table, words)) if c is not None]


def row_key(s: Session, table: Any) -> ColumnElement[Any]:
    """The column used as a row key of a record table (and as the list order's tie breaker)."""
    if is_server(s):
        return table.c.id  # type: ignore[no-any-return]
    return literal_column(f"{table.name}.rowid")


def key_chunk(s: Session) -> int:
    """How many bound keys one statement takes at a time (SQLite's bound-parameter limit is the small one)."""
    return 10_000 if is_server(s) else 500
