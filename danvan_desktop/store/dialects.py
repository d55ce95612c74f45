"""The few SQL specifics the services need, behind one small interface: store/sqlite.py or store/postgres.py,
chosen by the dialect of the session's connection (ARCHITECTURE.md, "SQL dialects live in store/").

- search_conditions: the folded search's words as index-backed conditions, the same rows as LIKE '%word%';
- row_key: a key of a record row for long lists (SQLite's rowid, the tail of every index; the primary key on
  a server, where rows have no stable physical key);
- key_chunk: how many keys one IN (…) may carry.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, literal_column, select
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


def search_conditions(s: Session, table: Any, words: list[str], *, short_by_text: bool = False) -> list[Any]:
    """Conditions on one record table giving exactly the rows whose search_text contains every (folded) word,
    through the dialect's indexes: trigrams for words of 3+ characters, short pieces for the others.

    `short_by_text`: words of one or two letters tested on each row's text instead (a first page that walks the
    list order, services/records.py _common_short_words).
    """
    if is_server(s):
        # A piece in most rows ("a", "ha"): testing each row's text is far cheaper than the index, whose
        # bitmap turns lossy and re-computes every row's pieces (250,000 petitions: 3.9 s against ~0.1 s).
        common = [w for w in words if w in postgres.common_pieces(s, table)]
        rare = [w for w in words if w not in common]
        return [c for c in (postgres.fts_condition(table, words), _contains_each(table, common),
                            postgres.short_condition(table, rare)) if c is not None]
    short = _contains_each(table, words) if short_by_text else sqlite.short_condition(table, words)
    return [c for c in (sqlite.fts_condition(table, words), short) if c is not None]


def _contains_each(table: Any, words: list[str]) -> Any:
    """search_text LIKE '%word%' for each word of one or two characters (None if there is none)."""
    short = sorted({w for w in words if 0 < len(w) < 3})
    return and_(*(table.c.search_text.contains(w, autoescape=True) for w in short)) if short else None


def short_word_stats(s: Session, table: Any, words: list[str]) -> tuple[int, int] | None:
    """(rows holding every short word, about how many rows the table has held), read from the short-piece index
    alone; None where the store has no such cheap count (a server)."""
    if is_server(s):
        return None
    found, size = s.execute(select(sqlite.short_match_count(table, words), sqlite.table_size(table))).one()
    return int(found or 0), int(size or 0)


def row_key(s: Session, table: Any) -> ColumnElement[Any]:
    """The column used as a row key of a record table (and as the list order's tie breaker)."""
    if is_server(s):
        return table.c.id  # type: ignore[no-any-return]
    return literal_column(f"{table.name}.rowid")


def first_column(s: Session, stmt: Any) -> list[Any]:
    """The first column of every row of a statement whose column needs no type conversion (row keys), fetched
    from the driver's cursor: SQLAlchemy's row objects cost ≈ 0.3 µs a row, half of 250,000 row keys' time."""
    result = s.connection().execute(stmt)
    try:
        return [r[0] for r in result.cursor.fetchall()]
    finally:
        result.close()


def tie_breakers(s: Session, table: Any) -> list[ColumnElement[Any]]:
    """The columns that order records a list's sort leaves tied: insertion order on SQLite (the rowid), creation
    time then id on a server (so records entered one after another keep their order there too)."""
    if is_server(s):
        return [table.c.created_at, table.c.id]
    return [literal_column(f"{table.name}.rowid")]


def key_chunk(s: Session) -> int:
    """How many bound keys one statement takes at a time (SQLite's bound-parameter limit is the small one)."""
    return 10_000 if is_server(s) else 500


COPY_FROM = 20
"""From how many rows a bulk insert on a server goes through COPY. An executemany is one INSERT a row on a server,
each firing the kept figures' statement trigger; COPY is one statement (scripts/bench_pg_copy.py: 20,000
records by COPY 9.5 s, by executemany 27 s)."""


def bulk_insert(conn: Any, table: Any, rows: list[dict[str, Any]], *, copy_from: int | None = None) -> None:
    """Insert many rows (all with the same keys) in the current transaction: SQLite's executemany, or COPY on a
    server from copy_from (default COPY_FROM) rows on. conn: a Session (flushed first) or a Connection."""
    if not rows:
        return
    copy_from = COPY_FROM if copy_from is None else copy_from
    if isinstance(conn, Session):
        if is_server(conn) and len(rows) >= copy_from:
            conn.flush()
            postgres.copy_rows(conn.connection(), table, rows)
        else:
            conn.execute(table.insert(), rows)
    elif conn.dialect.name == "postgresql" and len(rows) >= copy_from:
        postgres.copy_rows(conn, table, rows)
    else:
        conn.execute(table.insert(), rows)
