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
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import Update

from danvan_desktop.domain.kinds import KIND_BY_KEY
from danvan_desktop.store.schema import RECORD_TABLES

SEAL_COLUMN = "row_hash"
# Derived from the values (search and sort helpers): recomputed by migrations, not part of what a person wrote.
_UNSEALED_COLUMNS = frozenset({SEAL_COLUMN, "search_text", "sort_key"})
_TABLE_BY_NAME = {t.name: t for t in RECORD_TABLES.values()}
_TOUCHED = "danvan_touched_record_tables"
_PRESEALED = "danvan_presealed_rows"  # table name → {record id: seal} of rows inserted already sealed
_BATCH = 500


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
    pre = s.info.setdefault(_PRESEALED, {}).setdefault(table, {})
    for r in out:
        pre[r["id"]] = r[SEAL_COLUMN]
    return out


def seal_pending(s: Session, tables: Iterable[str] | None = None) -> str:
    """Seal every unsealed record row (in the tables this transaction touched); the digest of the seals this
    transaction set, those of rows inserted already sealed (sealed_inserts) included.

    '' when nothing needed a seal.
    """
    presealed: dict[str, dict[str, str]] = s.info.pop(_PRESEALED, {})
    names = sorted((s.info.pop(_TOUCHED, set()) if tables is None else set(tables)) | set(presealed))
    digest = hashlib.sha256()
    sealed = 0
    for name in names:
        t = _TABLE_BY_NAME[name]
        rows = [dict(r._mapping) for r in s.execute(select(t).where(t.c[SEAL_COLUMN].is_(None)))]
        seals = dict(presealed.get(name, {}))
        params = []
        for row in rows:  # a row changed again after its sealed insert is sealed anew: its seal wins
            seals[row["id"]] = h = row_seal(row)
            params.append({"_rid": row["id"], "_seal": h})
        for rid in sorted(seals):
            digest.update(f"{name}:{rid}:{seals[rid]};".encode())
        stmt = t.update().where(t.c.id == bindparam("_rid")).values({SEAL_COLUMN: bindparam("_seal")})
        for i in range(0, len(params), _BATCH):
            s.connection().execute(stmt, params[i:i + _BATCH])  # the connection: no seal-clearing rewrite
        sealed += len(seals)
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
