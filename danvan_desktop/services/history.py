"""A record's history and the audit screen's queries, read from the hash-chained audit log."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from danvan_desktop.domain.kinds import ENVELOPE_LABELS, KIND_BY_KEY
from danvan_desktop.domain.roles import Action
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import AuditRow, verify_chain
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import AuditEntry

ACTION_LABELS = {"create": "Tạo mới", "update": "Sửa", "delete": "Xóa", "import": "Nhập dữ liệu",
                 "export": "Xuất dữ liệu", "merge": "Tổng hợp", "backup": "Sao lưu", "restore": "Khôi phục",
                 "init": "Khởi tạo", "settings": "Đổi cài đặt", "conflict": "Xử lý xung đột",
                 "undo_import": "Hoàn tác tổng hợp", "accept_key": "Chấp nhận khóa ký mới",
                 "sign_in": "Đăng nhập", "sign_in_failed": "Đăng nhập sai",
                 "undelete": "Hoàn tác xóa"}


@dataclass(frozen=True)
class Change:
    """One field's change in one event of a record's history."""

    at: dt.datetime
    username: str
    action: str
    field: str  # Vietnamese label ("" for whole-record events)
    before: Any
    after: Any


def _label(kind_key: str, key: str) -> str:
    k = KIND_BY_KEY.get(kind_key)
    if k is not None and key in k.keys:
        return k.field(key).label
    return ENVELOPE_LABELS.get(key, key)


def record_history(db: Database, actor: Actor, kind_key: str, record_id: str) -> list[Change]:
    """Who changed what and when, field by field, oldest first."""
    actor.require(Action.VIEW)
    if KIND_BY_KEY[kind_key].sensitive:
        actor.require(Action.RELIGION)
    out: list[Change] = []
    with db.reader() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.record_id == record_id, AuditEntry.kind == kind_key)
                         .order_by(AuditEntry.id)).all()
    for e in rows:
        detail = json.loads(e.detail or "{}")
        changes = detail.get("changes")
        if e.action == "update" and isinstance(changes, dict):
            order = KIND_BY_KEY[kind_key].keys
            # The log stores keys sorted (canonical JSON); show them in the form's order.
            for key in sorted(changes, key=lambda k: order.index(k) if k in order else len(order)):
                before, after = changes[key]
                out.append(Change(e.at, e.username, e.action, _label(kind_key, key), before, after))
        else:
            out.append(Change(e.at, e.username, e.action, "", None, None))
    return out


def list_audit(db: Database, actor: Actor, *, username: str | None = None, kind: str | None = None,
               date_from: dt.date | None = None, date_to: dt.date | None = None, limit: int = 1000) -> list[AuditRow]:
    """Audit entries, newest first, filtered by user, kind and date (inclusive)."""
    actor.require(Action.AUDIT)
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if username:
        stmt = stmt.where(AuditEntry.username == username)
    if kind:
        stmt = stmt.where(AuditEntry.kind == kind)
    if date_from:
        stmt = stmt.where(AuditEntry.at >= dt.datetime.combine(date_from, dt.time.min))
    if date_to:
        stmt = stmt.where(AuditEntry.at < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
    with db.reader() as s:
        return [AuditRow(e.id, e.at, e.username, e.action, e.kind, e.record_id, json.loads(e.detail or "{}"))
                for e in s.scalars(stmt)]


def check_audit(db: Database, actor: Actor) -> list[str]:
    """Problems in the audit chain (edited or missing entries), in Vietnamese; [] when intact."""
    actor.require(Action.AUDIT)
    with db.reader() as s:
        return verify_chain(s)
