"""Deciding a merge conflict field by field: take these fields from the incoming copy, keep the others.

Beside services/merge.py's whole-copy choices (keep_local / take_incoming). The combined record must still
keep the kind's rules (e.g. "Trong đó nữ" ≤ "Số người tham dự"); it gets a revision above both copies, so it
wins upward and travels in the next package like any change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from danvan_desktop.domain.fields import FieldType
from danvan_desktop.domain.kinds import kind as get_kind
from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.validation import check_record
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import write_audit
from danvan_desktop.services.changes import Changes
from danvan_desktop.services.errors import NotFound, Refused
from danvan_desktop.services.merge import ConflictInfo, FieldDiff, open_conflict
from danvan_desktop.services.records import from_db, plain, stored_columns
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import RECORD_TABLES, MergeConflict, Unit, utcnow

ENVELOPE = {"unit": "Đơn vị", "notes": "Ghi chú", "deleted": "Đã xóa"}
CHOICE = "fields"  # the conflict's status once decided this way


def _label(kind_key: str, key: str) -> str:
    k = get_kind(kind_key)
    return ENVELOPE.get(key) or (k.field(key).label if key in k.keys else key)


def _info(c: MergeConflict) -> ConflictInfo:
    fields = tuple(FieldDiff(k, _label(c.kind, k), a, b) for k, a, b in json.loads(c.fields or "[]"))
    return ConflictInfo(c.id, c.kind, c.record_id, c.title, c.unit_code, c.reason, c.local_revision,
                        c.incoming_revision, fields, c.status, c.import_id, c.created_at)


def resolve_conflict_fields(db: Database, actor: Actor, conflict_id: int,
                            take: Iterable[str]) -> tuple[ConflictInfo, Changes]:
    """Take the named fields (field keys, or unit / notes / deleted) from the incoming copy; keep the rest."""
    actor.require(Action.MERGE)
    chosen = set(take)
    if not chosen:
        raise Refused("Chưa chọn trường nào để lấy từ bản nhận vào.")
    with db.transaction() as s:
        c, kind = open_conflict(s, actor, conflict_id)
        unknown = chosen - set(kind.keys) - set(ENVELOPE)
        if unknown:
            raise Refused(f"{kind.label} không có trường “{', '.join(sorted(unknown))}”.")
        t = RECORD_TABLES[kind.key]
        row = s.execute(select(t, Unit.code.label("unit_code_")).join(Unit, Unit.id == t.c.unit_id)
                        .where(t.c.id == c.record_id)).first()
        if row is None:
            raise NotFound(f"Không còn bản ghi “{c.title}” để xử lý xung đột.")
        m: Any = row._mapping
        if m["revision"] != c.local_revision:
            raise Refused(f"{kind.label} “{c.title}” đã thay đổi tại chỗ sau khi xung đột được ghi nhận "
                          f"(nay là lần sửa {m['revision']}); hãy tổng hợp lại gói để so sánh bản mới nhất.")
        inc = json.loads(c.incoming)
        local = plain(kind, from_db(kind, m))
        combined = {**local, **{k: inc["values"].get(k) for k in chosen if k in kind.keys}}
        for f in kind.fields:  # plain() joins unit lists with ';'; the converter reads them back
            if f.type is FieldType.UNITS and isinstance(combined.get(f.key), str):
                combined[f.key] = tuple(x for x in combined[f.key].split(";") if x)
        values = check_record(kind, combined)  # a mix that breaks a rule is refused, naming the rule
        unit_id, unit_name = m["unit_id"], None
        if "unit" in chosen:
            unit = s.scalar(select(Unit).where(Unit.code == inc["unit"]))
            if unit is None:
                raise NotFound(f"Không có đơn vị mã “{inc['unit']}”.")
            unit_id, unit_name = unit.id, unit.name
        if unit_name is None:
            unit_name = s.scalar(select(Unit.name).where(Unit.id == unit_id)) or ""
        notes = inc["notes"] if "notes" in chosen else (m["notes"] or "")
        deleted = bool(inc["deleted"]) if "deleted" in chosen else bool(m["deleted"])
        now = utcnow()
        s.execute(t.update().where(t.c.id == c.record_id).values(
            unit_id=unit_id, updated_at=now, updated_by=actor.username, deleted=deleted, notes=notes,
            revision=max(m["revision"], c.incoming_revision) + 1,
            **stored_columns(kind, values, notes, unit_name)))
        c.status, c.resolved_at, c.resolved_by = CHOICE, now, actor.username
        write_audit(s, actor.username, "conflict", kind.key, c.record_id,
                    {"conflict_id": c.id, "choice": CHOICE, "fields": sorted(chosen), "before": local})
        return _info(c), Changes(kinds=frozenset({kind.key}), record_ids=frozenset({c.record_id}), imports=True)
