"""Undo of the last change to a record (Ctrl+Z in the window), read from the record's history in the audit log.

An edit is undone by writing back the values it replaced, a delete by bringing the record back, a creation by
deleting it (a tombstone, so the undo travels upward like any change). Nothing is undone if the record was
changed again since: the person is told who changed it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from danvan_desktop.domain.kinds import kind as get_kind
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.errors import Refused
from danvan_desktop.services.records import (
    Record,
    delete_record,
    get_record,
    plain,
    restore_deleted,
    update_record,
)
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import AuditEntry

UNDOABLE = ("create", "update", "delete", "undelete")


@dataclass(frozen=True)
class LastChange:
    """The newest history entry of a record that can be undone."""

    action: str  # create | update | delete | undelete
    username: str
    changes: dict[str, list[Any]]  # for an update: field key -> [before, after]


def last_change(db: Database, kind_key: str, record_id: str) -> LastChange | None:
    """The record's newest create/update/delete entry (None if there is none)."""
    with db.reader() as s:
        e = s.scalars(select(AuditEntry).where(AuditEntry.record_id == record_id, AuditEntry.kind == kind_key)
                      .order_by(AuditEntry.id.desc()).limit(1)).first()
    if e is None or e.action not in UNDOABLE:
        return None
    detail = json.loads(e.detail or "{}")
    changes = detail.get("changes") if isinstance(detail.get("changes"), dict) else {}
    return LastChange(e.action, e.username, changes)


def undo_last_change(db: Database, actor: Actor, kind_key: str, record_id: str) -> Record:
    """Undo the record's newest change, if the actor made it; returns the record as it now stands."""
    k = get_kind(kind_key)
    rec = get_record(db, actor, kind_key, record_id)
    last = last_change(db, kind_key, record_id)
    if last is None:
        raise Refused(f"{k.label} “{rec.title}” không có thay đổi nào để hoàn tác.")
    if last.username != actor.username:
        raise Refused(f"Thay đổi mới nhất của {k.label.lower()} “{rec.title}” là của “{last.username}”; chỉ hoàn "
                      "tác được thay đổi của chính mình.")
    match last.action:
        case "create":
            return delete_record(db, actor, kind_key, record_id)
        case "delete":
            return restore_deleted(db, actor, kind_key, record_id)
        case "undelete":
            return delete_record(db, actor, kind_key, record_id)
    now = {**plain(k, rec.values), "notes": rec.notes, "unit": rec.unit_code}
    if any(now.get(key) != after for key, (_before, after) in last.changes.items()):
        raise Refused(f"{k.label} “{rec.title}” đã thay đổi sau lần sửa đó, không hoàn tác được.")
    values = {key: before for key, (before, _after) in last.changes.items() if key in k.keys}
    unit = last.changes["unit"][0] if "unit" in last.changes else None
    notes = last.changes["notes"][0] if "notes" in last.changes else None
    return update_record(db, actor, kind_key, record_id, values, unit=unit, notes=notes,
                         expected_revision=rec.revision)
