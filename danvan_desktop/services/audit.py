"""The append-only audit log: every create, update, delete, import and export, chained by SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from danvan_desktop.store.schema import AuditEntry, utcnow


def _json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


def entry_hash(prev_hash: str, at: dt.datetime, username: str, action: str, kind: str, record_id: str,
               detail: str) -> str:
    """The hash that chains one entry to the previous one (an edit or a gap breaks the chain)."""
    payload = _json([prev_hash, at.isoformat(), username, action, kind, record_id, detail])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def write_audit(s: Session, username: str, action: str, kind: str = "", record_id: str = "",
                detail: dict[str, Any] | None = None) -> None:
    """Append one entry inside the caller's transaction (so it commits or rolls back with the change)."""
    prev = s.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)) or ""
    at = utcnow()
    text = _json(detail or {})
    s.add(AuditEntry(at=at, username=username, action=action, kind=kind, record_id=record_id, detail=text,
                     prev_hash=prev, hash=entry_hash(prev, at, username, action, kind, record_id, text)))


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as the screens show it."""

    id: int
    at: dt.datetime
    username: str
    action: str
    kind: str
    record_id: str
    detail: dict[str, Any]


def verify_chain(s: Session) -> list[str]:
    """Vietnamese descriptions of every broken link (an edited entry or a removed one); [] if intact."""
    problems: list[str] = []
    prev = ""
    prev_id = 0
    for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        if e.id != prev_id + 1:
            problems.append(f"Thiếu mục nhật ký số {prev_id + 1}–{e.id - 1}")
        if e.prev_hash != prev:
            problems.append(f"Mục nhật ký số {e.id} không nối tiếp mục trước")
        if e.hash != entry_hash(e.prev_hash, e.at, e.username, e.action, e.kind, e.record_id, e.detail):
            problems.append(f"Mục nhật ký số {e.id} đã bị sửa")
        prev, prev_id = e.hash, e.id
    return problems
