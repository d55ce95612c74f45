"""Record seals: a hash of every stored record, renewed by the program's own writes and carried in the audit chain.

Why this shape: the program has several writers (forms, template import, merge, undo), so sealing must not
depend on each remembering to do it. Every UPDATE of a record table issued through a Session clears the
row's seal (a statement rewrite in `do_orm_execute`), new rows start without one, and the transaction seals
every unsealed row before it commits: inside `write_audit`, so the digest of the seals it set is part of that
entry's hash, or just before commit for writes no entry follows. A record edited by hand with an SQLite tool
keeps its old seal and no longer matches it; the audit check reports it.

What it does not stop: someone who reads this code can recompute a seal (or blank it so the next save
re-seals the row). It catches the careless or casual edit; the chain head kept outside the table
(services/audit.py) catches a rewritten or shortened log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import bindparam, event, select, text
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import Update

from danvan_desktop.domain.kinds import KIND_BY_KEY
from danvan_desktop.store.schema import RECORD_TABLES

SEAL_COLUMN = "row_hash"
# Derived from the values (search and sort helpers): recomputed by migrations, not part of what a person wrote.
_UNSEALED_COLUMNS = frozenset({SEAL_COLUMN, "search_text", "sort_key"})
_TABLE_BY_NAME = {t.name: t for t in RECORD_TABLES.values()}
_TOUCHED = "danvan_touched_record_tables"
_PRESEALED = "danvan_presealed_rows"  # the seals set so far in this transaction (_HeldSeals)
_BATCH = 500
_SPILL = 20_000
_SEALS = "danvan_seals"
# Ids in code-point order on both stores (the digest's order); a temporary table lives for the connection only.
_SEALS_TABLE = {
    "sqlite": f"CREATE TEMP TABLE IF NOT EXISTS {_SEALS} (tbl TEXT NOT NULL, id TEXT NOT NULL, seal TEXT NOT NULL, "
              "PRIMARY KEY (tbl, id)) WITHOUT ROWID",
    "postgresql": f"CREATE TEMP TABLE IF NOT EXISTS {_SEALS} (tbl text NOT NULL, id text COLLATE \"C\" NOT NULL, "
                  "seal text NOT NULL, PRIMARY KEY (tbl, id))",
}


def _plain(v: Any) -> Any:
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return v


def row_seal(row: Mapping[Any, Any]) -> str:
    """The seal of one stored record row: SHA-256 of its non-empty columns (a new empty column changes nothing)."""
    items = sorted((k, _plain(v)) for k, v in row.items() if k not in _UNSEALED_COLUMNS and v is not None)
    payload = json.dumps(items, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def with_seals(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for a bulk INSERT with their seals already set (for writers that insert through a raw connection,
    like the scale-data generator; also saves the program's own writers the second write of each row).

    Every column must be present in its stored Python type (dates as dates), as `stored_columns` gives them.
    """
    return [{**r, SEAL_COLUMN: row_seal(r)} for r in rows]


def sealed_inserts(s: Session, table: str, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows about to be inserted into a record table, sealed now rather than written twice (insert, then the
    seal): the transaction's digest (seal_pending) counts them exactly as if they had been sealed after.

    Each row must hold every column it will be stored with, in its stored Python type, as `stored_columns`
    gives them; a column left out must be one stored as NULL.
    """
    out = with_seals(rows)
    held = _held(s)
    held.add(s, table, ((r["id"], r[SEAL_COLUMN]) for r in out))
    return out


class _HeldSeals:
    """The seals one transaction set, by table, until its digest is taken: in memory, and past _SPILL of them
    in a temporary table of the same connection, so a merge of 500,000 records does not hold 500,000 seals
    (≈ 200 bytes each) in Python."""

    def __init__(self) -> None:
        self.mem: dict[str, dict[str, str]] = {}
        self.spilled: set[str] = set()

    def add(self, s: Session, table: str, seals: Iterable[tuple[str, str]]) -> None:
        """Hold these (record id, seal) pairs; a later seal of the same row replaces the earlier one."""
        self.mem.setdefault(table, {}).update(seals)
        if sum(map(len, self.mem.values())) > _SPILL:
            for name in list(self.mem):
                self._spill(s, name)

    def _spill(self, s: Session, table: str) -> None:
        mine = self.mem.pop(table, {})
        if not mine:
            return
        conn = s.connection()
        if not self.spilled:
            conn.exec_driver_sql(_SEALS_TABLE[conn.dialect.name])
        self.spilled.add(table)
        stmt = text(f"INSERT INTO {_SEALS} (tbl, id, seal) VALUES (:tbl, :id, :seal) "
                    "ON CONFLICT (tbl, id) DO UPDATE SET seal = excluded.seal")
        items = [{"tbl": table, "id": rid, "seal": seal} for rid, seal in mine.items()]
        for i in range(0, len(items), _BATCH):
            conn.execute(stmt, items[i:i + _BATCH])

    def ordered(self, s: Session, table: str) -> Iterator[tuple[str, str]]:
        """The table's (id, seal) pairs in id order (code-point order, as Python sorts them), then forgotten."""
        if table not in self.spilled:
            yield from sorted(self.mem.pop(table, {}).items())
            return
        self._spill(s, table)
        conn = s.connection()
        yield from conn.execute(text(f"SELECT id, seal FROM {_SEALS} WHERE tbl = :tbl ORDER BY id"),
                                {"tbl": table})
        conn.execute(text(f"DELETE FROM {_SEALS} WHERE tbl = :tbl"), {"tbl": table})
        self.spilled.discard(table)


def _held(s: Session) -> _HeldSeals:
    held = s.info.get(_PRESEALED)
    if held is None:
        held = s.info[_PRESEALED] = _HeldSeals()
    return held  # type: ignore[no-any-return]


def seal_pending(s: Session, tables: Iterable[str] | None = None) -> str:
    """Seal every unsealed record row (in the tables this transaction touched); the digest of the seals this
    transaction set, those of rows inserted already sealed (sealed_inserts) included.

    '' when nothing needed a seal.
    """
    held = _held(s)  # the rows sealed below join it; it is taken away at the end
    names = sorted((s.info.pop(_TOUCHED, set()) if tables is None else set(tables))
                   | set(held.mem) | held.spilled)
    digest = hashlib.sha256()
    sealed = 0
    try:
        for name in names:
            t = _TABLE_BY_NAME[name]
            stmt = t.update().where(t.c.id == bindparam("_rid")).values({SEAL_COLUMN: bindparam("_seal")})
            last = ""
            while True:  # in batches along the unsealed-rows index: a server merge's 500,000 rows are not held
                rows = [dict(r._mapping) for r in s.execute(
                    select(t).where(t.c[SEAL_COLUMN].is_(None), t.c.id > last).order_by(t.c.id).limit(_BATCH))]
                if not rows:
                    break
                last = rows[-1]["id"]
                params = [{"_rid": row["id"], "_seal": row_seal(row)} for row in rows]
                s.connection().execute(stmt, params)  # the connection: no seal-clearing rewrite
                # A row changed again after its sealed insert is sealed anew: its seal wins.
                held.add(s, name, ((p["_rid"], p["_seal"]) for p in params))
            for rid, seal in held.ordered(s, name):
                digest.update(f"{name}:{rid}:{seal};".encode())
                sealed += 1
    finally:
        s.info.pop(_PRESEALED, None)
    return digest.hexdigest() if sealed else ""


def broken_seals(s: Session, limit: int = 20) -> tuple[list[str], int]:
    """Vietnamese lines for records whose content no longer matches their seal (edited outside the program).

    Returns up to `limit` lines and the total count.
    """
    lines: list[str] = []
    total = 0
    for key, t in RECORD_TABLES.items():
        k = KIND_BY_KEY[key]
        for r in s.execute(select(t).execution_options(yield_per=2000)):  # bounded memory at 500,000 rows
            row = dict(r._mapping)
            stored = row[SEAL_COLUMN]
            if stored is not None and stored == row_seal(row):
                continue
            total += 1
            if len(lines) < limit:
                title = str(row[k.title_field] or "")[:60]
                how = "không có dấu niêm phong (được thêm ngoài chương trình)" if stored is None else \
                    "đã bị sửa ngoài chương trình (không khớp dấu niêm phong)"
                lines.append(f"{k.label} “{title}” (mã {row['id']}) {how}")
    return lines, total


def _clear_seal_on_update(state: ORMExecuteState) -> None:
    """Any UPDATE of a record table made through a Session clears the seal of the rows it changes."""
    stmt = state.statement
    if isinstance(stmt, Update):
        table = getattr(stmt, "table", None)
        name = getattr(table, "name", None)
        if name in _TABLE_BY_NAME:
            state.session.info.setdefault(_TOUCHED, set()).add(name)
            state.statement = stmt.values({SEAL_COLUMN: None})
    elif state.is_insert:
        name = getattr(getattr(stmt, "table", None), "name", None)
        if name in _TABLE_BY_NAME:
            state.session.info.setdefault(_TOUCHED, set()).add(name)


def mark_touched(s: Session, table_name: str) -> None:
    """Rows went into a record table by a path the statement hook does not see (COPY on a server,
    store/dialects.py bulk_insert): seal that table's new rows before commit like any insert's."""
    s.info.setdefault(_TOUCHED, set()).add(table_name)


def _seal_before_commit(s: Session) -> None:
    """Writes no audit entry followed still get their seals (the audit entry normally takes them first)."""
    if s.info.get(_TOUCHED):
        seal_pending(s)


def install() -> None:
    """Hook sealing into every Session once (idempotent)."""
    if not event.contains(Session, "do_orm_execute", _clear_seal_on_update):
        event.listen(Session, "do_orm_execute", _clear_seal_on_update)
        event.listen(Session, "before_commit", _seal_before_commit)


install()
