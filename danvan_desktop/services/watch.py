"""What other PCs (or other programs on this one) changed in the database since this window last looked.

The audit log is the change counter: every write transaction appends at least one chained entry, and writers
take turns (BEGIN IMMEDIATE on SQLite, the writers' advisory lock on a server), so entry ids grow in commit
order on both stores. Looking costs one indexed `max(id)` while nothing changed; new entries then say what
changed (kind, record, action), and this window's own entries (Database.own_marks) are left out, since the
writer lane has already announced them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from danvan_desktop.domain.kinds import KINDS
from danvan_desktop.services.changes import Changes
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import AuditEntry

RECORD_KINDS = frozenset(k.key for k in KINDS)
MAX_ENTRIES = 2000  # more new entries than this at once: say "everything" rather than read them all


@dataclass(frozen=True)
class Seen:
    """The newest change mark looked at, and what changed elsewhere since the previous look (None: nothing)."""

    mark: int
    changes: Changes | None


def change_mark(db: Database) -> int:
    """The newest change mark (audit entry id) in the database; 0 for an empty log."""
    with db.reader() as s:
        return int(s.scalar(select(func.coalesce(func.max(AuditEntry.id), 0))) or 0)


def entry_changes(action: str, kind: str, record_id: str) -> Changes:
    """What one audit entry says was changed."""
    all_kinds = Changes(kinds=RECORD_KINDS)
    if kind in RECORD_KINDS:
        c = Changes.records(kind, record_id)
        return c | Changes(imports=True) if action == "conflict" else c
    if action in ("restore", "init"):
        return Changes.everything()
    if action in ("import", "undo_import"):  # a package or a filled template: records of any kind
        return all_kinds | Changes(imports=True)
    if kind == "unit":
        return Changes(units=True, imports=action == "accept_key")
    if kind == "account":
        return Changes(accounts=True)
    if kind == "report":
        return Changes(reports=True)
    if action == "settings":
        return Changes(settings=True)
    if kind == "package" and action == "export":  # the completeness ledger notes what was sent
        return Changes(imports=True)
    return Changes()  # a backup: only the audit log itself


def changes_since(db: Database, mark: int) -> Seen:
    """What changed since `mark` that this process did not write itself."""
    with db.reader() as s:
        newest = int(s.scalar(select(func.coalesce(func.max(AuditEntry.id), 0))) or 0)
        if newest < mark:  # the database was replaced (a restore elsewhere): its log starts over
            return Seen(newest, Changes.everything())
        if newest == mark:
            return Seen(mark, None)
        rows = s.execute(select(AuditEntry.id, AuditEntry.action, AuditEntry.kind, AuditEntry.record_id)
                         .where(AuditEntry.id > mark, AuditEntry.id <= newest).order_by(AuditEntry.id)
                         .limit(MAX_ENTRIES + 1)).all()
    mine = db.take_own_marks({r.id for r in rows})
    others = [r for r in rows if r.id not in mine]
    if not others:
        return Seen(newest, None)
    if len(rows) > MAX_ENTRIES:
        return Seen(newest, Changes.everything())
    out = Changes()
    for r in others:
        out = out | entry_changes(r.action, r.kind, r.record_id)
    return Seen(newest, out)
