"""Everything SQLite-specific in one place: pragmas, collation, transactions, the online backup API."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from danvan_desktop.domain.text import sql_collate

# How long a writer waits for another writer's lock before giving up (a big merge holds it a while).
BUSY_TIMEOUT_S = 120
WRITE = {"danvan_write": True}
"""Execution options of a connection that will write: its transaction starts with BEGIN IMMEDIATE (on a server,
store/postgres.py takes the writers' lock instead)."""


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
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("danvan_write") else "BEGIN")

    return engine


@contextmanager
def foreign_keys_off(conn: Any) -> Iterator[None]:
    """Foreign keys off on this connection while migrations rebuild tables others point at (SQLite's own
    procedure for schema changes); checked whole afterwards, then on again."""
    raw = conn.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        bad = raw.execute("PRAGMA foreign_key_check").fetchall()
        if bad:
            raise sqlite3.IntegrityError(f"FOREIGN KEY constraint failed after migration: {bad[:3]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def online_backup(src: Path, dest: Path) -> None:
    """Copy a live database consistently with SQLite's backup API (safe while it is open)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(str(src)) as s, sqlite3.connect(str(dest)) as d:
        s.backup(d)
    d.close()
    s.close()


AUDIT_HEAD_SUFFIX = "-nhatky"  # beside "-wal" and "-shm": a companion of the database file


def database_file(bind: Any) -> Path | None:
    """The file of an engine or connection on SQLite (None for other stores or in-memory databases)."""
    url = getattr(bind, "url", None) or getattr(getattr(bind, "engine", None), "url", None)
    if url is None or not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def companions(db_file: Path) -> list[Path]:
    """The files SQLite and this program keep beside a database file (-wal, -shm, -journal, the audit head)."""
    return [Path(str(db_file) + s) for s in ("-wal", "-shm", "-journal", AUDIT_HEAD_SUFFIX)]


def audit_head_file(bind: Any) -> Path | None:
    """The small file beside the database holding the audit chain's head (None when there is no file)."""
    db_file = database_file(bind)
    return None if db_file is None else Path(str(db_file) + AUDIT_HEAD_SUFFIX)


def write_audit_head(path: Path, entry_id: int, entry_hash: str) -> None:
    """Replace the head file atomically; a failure to write it must not undo a committed save."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps({"id": entry_id, "hash": entry_hash}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # read-only folder: the setting-table copy of the head still guards the log


def read_audit_head(path: Path) -> tuple[int, str] | None:
    """(id, hash) from the head file, or None when it is absent or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return int(data["id"]), str(data["hash"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


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


def _positions(x: str) -> str:
    """json_each over a JSON array as long as text x: its `key` runs 0..length-1 (no CTE inside triggers)."""
    return f"json_each('[' || substr(replace(hex(zeroblob(length({x}))), '00', ',0'), 2) || ']')"


def short_grams_sql(x: str) -> str:
    """SQL giving the one- and two-character pieces of text x without a space, each as the hex of its UTF-8
    bytes, space-separated (NULL for an empty text).

    Hex makes every piece one plain token to FTS5 whatever it holds ('%', '_', punctuation, any script). One
    pass over the positions: at each character that is not a space, the character and, unless a space or the
    end follows, the pair it starts. A piece may repeat; FTS5 keeps a row once per token (detail=none).
    """
    c1, c2 = f"substr({x}, j.key + 1, 1)", f"substr({x}, j.key + 1, 2)"
    return (f"(SELECT group_concat(CASE WHEN substr({x}, j.key + 2, 1) IN ('', ' ') THEN hex({c1}) "
            f"ELSE hex({c1}) || ' ' || hex({c2}) END, ' ') FROM {_positions(x)} j WHERE {c1} <> ' ')")


def short_index_install(table: str, fill: bool = True) -> list[str]:
    """Statements creating the index of short pieces of one record table's search text, its triggers and
    (if asked) its filling.

    A word of one or two letters occurs in a text exactly when it is one of the text's one- or two-character
    pieces, so a match on this index gives the same rows as LIKE '%word%' without reading every text. The
    table is a contentless FTS5 table holding only row keys (detail=none): about one varint per piece.
    """
    fts = f"{table}_fts_short"
    new, old = short_grams_sql("new.search_text"), short_grams_sql("old.search_text")
    out = [*short_index_drop(table),
           f"CREATE VIRTUAL TABLE {fts} USING fts5(g, content='', detail='none')",
           f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
           f"INSERT INTO {fts}(rowid, g) VALUES (new.rowid, {new}); END",
           f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
           f"INSERT INTO {fts}({fts}, rowid, g) VALUES ('delete', old.rowid, {old}); END",
           f"CREATE TRIGGER {fts}_au AFTER UPDATE OF search_text ON {table} BEGIN "
           f"INSERT INTO {fts}({fts}, rowid, g) VALUES ('delete', old.rowid, {old}); "
           f"INSERT INTO {fts}(rowid, g) VALUES (new.rowid, {new}); END"]
    if fill:
        out.append(f"INSERT INTO {fts}(rowid, g) SELECT r.rowid, {short_grams_sql('r.search_text')} FROM {table} r")
    return out


def short_index_drop(table: str) -> list[str]:
    """Statements removing one record table's index of short pieces and its triggers."""
    fts = f"{table}_fts_short"
    return [*(f"DROP TRIGGER IF EXISTS {fts}_{s}" for s in ("ai", "ad", "au")), f"DROP TABLE IF EXISTS {fts}"]


# Rowids this far up leave SQLite free to pick new ones at random (below the others): no bulk upkeep then.
_ROWID_BULK_LIMIT = 1 << 62


def _insert_triggers(conn: Any, table: str) -> list[tuple[str, str, str]]:
    """(name, CREATE statement, bulk statement) of each AFTER INSERT trigger of a record table that has a
    set-based equivalent: the trigram and short-piece indexes, the kept figures."""
    from danvan_desktop.store.aggregates import sqlite_add_new_rows
    from danvan_desktop.store.schema import TALLIES

    bulk = {f"{table}_fts_ai": f"INSERT INTO {table}_fts(rowid, search_text) "
                               f"SELECT rowid, search_text FROM {table} WHERE rowid >= :first",
            f"{table}_fts_short_ai": f"INSERT INTO {table}_fts_short(rowid, g) "
                                     f"SELECT r.rowid, {short_grams_sql('r.search_text')} FROM {table} r "
                                     f"WHERE r.rowid >= :first",
            **{f"{t.table}_ai": sqlite_add_new_rows(t) for t in TALLIES if t.kind == table}}
    rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                                (table,)).fetchall()
    return [(name, sql, bulk[name]) for name, sql in rows if name in bulk]


@contextmanager
def bulk_insert_upkeep(conn: Any, table: str) -> Iterator[None]:
    """Inside the caller's transaction, keep the search indexes and kept figures of the rows inserted into a
    record table in the block with one set-based statement each instead of a trigger per row.

    A merge inserts thousands of rows at once; per row, the triggers cost 2–3× the insert itself, the same
    work done once per batch about a third of that. The AFTER INSERT triggers are dropped for the block and
    created again after it, verbatim, in the same transaction: other connections never see them missing, and
    a failure rolls the whole back. Only INSERTs into `table` may run in the block.
    """
    first = conn.exec_driver_sql(f"SELECT coalesce(max(rowid), 0) + 1 FROM {table}").scalar()
    triggers = _insert_triggers(conn, table) if first < _ROWID_BULK_LIMIT else []
    for name, _sql, _bulk in triggers:
        conn.exec_driver_sql(f"DROP TRIGGER {name}")
    try:
        yield
    except BaseException:
        # Rolling the transaction back brings the triggers back; this is for a caller that would go on.
        with suppress(Exception):
            for _name, sql, _bulk in triggers:
                conn.exec_driver_sql(sql)
        raise
    for _name, sql, _bulk in triggers:
        conn.exec_driver_sql(sql)
    for _name, _sql, bulk in triggers:
        conn.exec_driver_sql(bulk, {"first": first})


def _match_rowids(table: Any, fts_name: str, query: str) -> Any:
    from sqlalchemy import literal_column, select, text
    from sqlalchemy import table as sql_table

    matches: Any = select(literal_column("rowid")).select_from(sql_table(fts_name)).where(
        text(f"{fts_name} MATCH :{fts_name}_q").bindparams(**{f"{fts_name}_q": query}))  # one name per index
    return literal_column(f"{table.name}.rowid").in_(matches)


def fts_condition(table: Any, words: list[str]) -> Any:
    """rowid IN the trigram index's matches for every word of 3+ characters (None if there is none).

    Shorter words cannot use a trigram index; short_condition answers them.
    """
    long_words = [w for w in words if len(w) >= 3]
    if not long_words:
        return None
    query = " AND ".join('"' + w.replace('"', '""') + '"' for w in long_words)
    return _match_rowids(table, f"{table.name}_fts", query)


def _short_query(words: list[str]) -> str | None:
    short = sorted({w for w in words if 0 < len(w) < 3})
    return " AND ".join('"' + w.encode("utf-8").hex().upper() + '"' for w in short) if short else None


def short_condition(table: Any, words: list[str]) -> Any:
    """rowid IN the short-piece index's matches for every word of one or two characters (None if there is
    none): the same rows as search_text LIKE '%word%' for each of them."""
    query = _short_query(words)
    return None if query is None else _match_rowids(table, f"{table.name}_fts_short", query)


def short_match_count(table: Any, words: list[str]) -> Any:
    """A scalar SELECT: how many rows, live or deleted, hold every word of one or two characters, counted in
    the short-piece index alone (None if there is no such word). It walks the matches' row keys only, never
    the rows: the measure of how common a short word is, and most of a search's total."""
    from sqlalchemy import func, select, text
    from sqlalchemy import table as sql_table

    query = _short_query(words)
    if query is None:
        return None
    fts = f"{table.name}_fts_short"
    return (select(func.count()).select_from(sql_table(fts))
            .where(text(f"{fts} MATCH :{fts}_n").bindparams(**{f"{fts}_n": query})).scalar_subquery())


def table_size(table: Any) -> Any:
    """A scalar SELECT: about how many rows the table has ever held (its largest row key: one index look-up)."""
    from sqlalchemy import func, literal_column, select

    return select(func.coalesce(func.max(literal_column(f"{table.name}.rowid")), 0)).select_from(table) \
        .scalar_subquery()


def sqlite3_version() -> str:
    """The SQLite library's version (for reports on performance)."""
    return sqlite3.sqlite_version


def rebuild_search_indexes(conn: Any) -> None:
    """Fill every full-text index (FTS5) again from its record table, in bulk (after a copy made with the
    triggers that keep them switched off): the trigram index by its own 'rebuild', the short-piece index
    emptied and filled as migration 0008 fills it."""
    names = [r[0] for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")]
    for fts in names:
        if fts.endswith("_fts"):
            conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
        elif fts.endswith("_fts_short"):
            table = fts[: -len("_fts_short")]
            conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('delete-all')")
            conn.exec_driver_sql(f"INSERT INTO {fts}(rowid, g) SELECT r.rowid, {short_grams_sql('r.search_text')} "
                                 f"FROM {table} r")
