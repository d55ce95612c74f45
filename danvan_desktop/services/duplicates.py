"""Records that may already hold what is about to be saved (warned about before saving, never refused)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from danvan_desktop.domain.duplicates import similar_text
from danvan_desktop.domain.kinds import kind as get_kind
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.records import Record, RecordQuery, list_records
from danvan_desktop.store.database import Database


def possible_duplicates(db: Database, actor: Actor, kind_key: str, unit_code: str | None,
                        values: Mapping[str, Any], *, exclude_id: str | None = None) -> list[Record]:
    """Live records of the same kind and unit, on the same event day, whose title reads the same (folded)."""
    k = get_kind(kind_key)
    title = str(values.get(k.title_field) or "")
    if not title.strip():
        return []
    filters: dict[str, Any] = {}
    if k.event_field:
        day = values.get(k.event_field)
        if not isinstance(day, dt.date):
            return []
        filters[k.event_field] = day
    q = RecordQuery(unit_code=unit_code, filters=filters, limit=500)
    rows = list_records(db, actor, kind_key, q).rows
    return [r for r in rows if r.id != exclude_id and (unit_code is None or r.unit_code == unit_code)
            and similar_text(r.title, title)]
