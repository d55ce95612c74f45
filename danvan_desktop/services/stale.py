"""A save refused because someone else saved the record since the form opened: what they changed, who, when.

update_record's `expected_revision` is the version check (the revision is the version); this module gathers
what the person must see to decide: the stored copy, the audit entry of the last save (who, when), and the
fields where the stored copy and the form differ, with what the form held when it opened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from danvan_desktop.domain.kinds import kind as get_kind
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.records import Record, get_record, plain
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import Account, AuditEntry


@dataclass(frozen=True)
class FieldDiff:
    """One field where the stored copy and the form differ: values as stored (plain: text, numbers, iso dates)."""

    key: str  # field key, "unit" or "notes"
    theirs: Any
    yours: Any
    opened: Any  # what the form held when it opened
    they_changed: bool  # their save changed it (stored differs from the opened copy)
    you_changed: bool  # the person changed it in the form


@dataclass(frozen=True)
class StaleEdit:
    """The stored copy that won, who saved it and when (UTC, as stored), and what differs from the form."""

    current: Record
    saved_by: str
    saved_by_name: str  # the account's full name ('' if none)
    saved_at: dt.datetime
    action: str  # the audit action of the last save: update, delete, conflict…
    diffs: tuple[FieldDiff, ...]

    @property
    def overlapping(self) -> tuple[FieldDiff, ...]:
        """Fields both people changed, to different values."""
        return tuple(d for d in self.diffs if d.they_changed and d.you_changed)


def _norm(v: Any) -> Any:
    """One spelling per value: None and "" alike, dates as iso text, several units joined by ';'."""
    if v is None or v == "":
        return None
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, tuple | list):
        return ";".join(str(x) for x in v) or None
    return v


def comparable(kind_key: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """A form's values (field keys, "unit", "notes") in one comparable spelling; a unit by its code (a form
    names a unit whose code repeats elsewhere "PARENT/CODE")."""
    k = get_kind(kind_key)
    raw = plain(k, {f.key: values.get(f.key) for f in k.fields})
    out = {key: _norm(v) for key, v in raw.items()}
    unit = values.get("unit")
    out["unit"] = _norm(str(unit).split("/")[-1] if unit else None)
    out["notes"] = _norm(values.get("notes"))
    return out


def of_record(rec: Record) -> dict[str, Any]:
    """A stored record in the comparable spelling."""
    return comparable(rec.kind, {**rec.values, "unit": rec.unit_code, "notes": rec.notes})


def stale_edit(db: Database, actor: Actor, kind_key: str, record_id: str, opened: Mapping[str, Any],
               yours: Mapping[str, Any]) -> StaleEdit:
    """What the person must see when their save is refused: `opened` is what the form held when it opened,
    `yours` what it holds now (field keys, "unit", "notes")."""
    current = get_record(db, actor, kind_key, record_id)
    with db.reader() as s:
        last = s.execute(select(AuditEntry.username, AuditEntry.at, AuditEntry.action)
                         .where(AuditEntry.kind == kind_key, AuditEntry.record_id == record_id)
                         .order_by(AuditEntry.id.desc()).limit(1)).first()
        who = last.username if last else current.updated_by
        name = s.scalar(select(Account.full_name).where(Account.username == who)) or ""
    theirs, before, mine = of_record(current), comparable(kind_key, opened), comparable(kind_key, yours)
    diffs = tuple(FieldDiff(key, theirs[key], mine[key], before[key], theirs[key] != before[key],
                            mine[key] != before[key])
                  for key in theirs if theirs[key] != mine[key])
    return StaleEdit(current, who, name, last.at if last else current.updated_at,
                     last.action if last else "update", diffs)
