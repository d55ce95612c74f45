"""Merging packages from units below (SPEC §6): preview, apply (one transaction each), conflicts, ledger, undo.

Matching is by record id. New: added. Higher revision: replaces. Same content: unchanged. Otherwise (same
revision with other content, or the local copy newer) a conflict is kept for a person and the local copy
stays — except for an incoming version already decided in an earlier conflict, or when this very file was
applied before: neither is news, so the same package twice changes nothing. Deletions arrive as tombstones
and replace like any newer version. A preview runs the same classification without writing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from danvan_desktop.domain.fields import FieldType, RecordKind
from danvan_desktop.domain.kinds import KINDS
from danvan_desktop.domain.kinds import kind as get_kind
from danvan_desktop.domain.merge_rule import Copy, Outcome, decide
from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.validation import Value
from danvan_desktop.domain.vocab import BOOLEAN, ROLE
from danvan_desktop.exchange import package_report
from danvan_desktop.exchange.package_format import (
    BAD_SIGNATURE,
    UNSIGNED,
    IncomingRecord,
    PackageMeta,
    PackageReader,
    PackageRefused,
    UnitRow,
    file_sha256,
)
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import write_audit
from danvan_desktop.services.changes import NOTHING, Changes
from danvan_desktop.services.errors import NotFound, PermissionDenied, Refused
from danvan_desktop.services.merge_trust import KEY_CHANGED, OUTSIDE, OWN, UnitPlan, by_uid, check_key
from danvan_desktop.services.records import from_db, plain, stored_columns
from danvan_desktop.services.reports import store_child_texts
from danvan_desktop.services.seals import mark_touched, sealed_inserts
from danvan_desktop.services.signing import KeyCheck, fingerprint, key_holder, pin
from danvan_desktop.services.units import home
from danvan_desktop.store.bulk import bulk_inserts
from danvan_desktop.store.database import Database
from danvan_desktop.store.dialects import bulk_insert, is_server
from danvan_desktop.store.schema import (
    RECORD_TABLES,
    SCHEMA_VERSION,
    ImportAdded,
    ImportDelivered,
    ImportLog,
    ImportReplaced,
    MergeConflict,
    PackageImport,
    Unit,
    Withdrawn,
    utcnow,
)

__all__ = [
    "MergeCounts", "FieldDiff", "ConflictInfo", "PackagePreview", "ImportResult", "ImportInfo",
    "find_packages", "preview_package", "preview_packages", "apply_package", "apply_packages",
    "resolve_conflict", "list_conflicts", "undo_import", "list_imports", "REFUSAL_TITLES", "RefusedRecord",
    "accept_new_key", "package_signer", "SignerInfo",
]

Progress = Callable[[int, int], None]

# Reasons a package is refused (SPEC §6), with the short Vietnamese title a screen shows beside the message.
RECORD_OUTSIDE, CHANGED = "record_outside", "changed_since_preview"
REFUSAL_TITLES = {
    "not_package": "Không phải gói dữ liệu",
    "damaged": "Gói bị hỏng",
    "edited": "Gói đã bị sửa sau khi xuất",
    "newer_schema": "Gói của phiên bản mới hơn",
    OUTSIDE: "Đơn vị gửi không thuộc phạm vi",
    RECORD_OUTSIDE: "Có bản ghi của đơn vị ngoài phạm vi đơn vị gửi",
    OWN: "Gói của chính đơn vị này",
    CHANGED: "Tệp đã thay đổi sau khi xem trước",
    UNSIGNED: "Gói không có chữ ký số",
    BAD_SIGNATURE: "Chữ ký số không khớp",
    KEY_CHANGED: "Đơn vị gửi đổi khóa ký",
}
_BATCH = 500


# ---- results -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MergeCounts:
    """How many records a package adds, replaces, leaves, and puts in conflict."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    conflicts: int = 0
    refused: int = 0  # records whose local copy belongs outside the sending unit's subtree: left untouched

    @property
    def total(self) -> int:
        """Records in the package."""
        return self.added + self.replaced + self.unchanged + self.conflicts + self.refused

    def as_dict(self) -> dict[str, int]:
        """For the ledger's JSON."""
        return {"added": self.added, "replaced": self.replaced, "unchanged": self.unchanged,
                "conflicts": self.conflicts, "refused": self.refused}

    def describe(self) -> str:
        """The counts as a Vietnamese line."""
        return (f"Thêm mới {self.added} · Thay thế {self.replaced} · Không đổi {self.unchanged} · "
                f"Xung đột {self.conflicts}" + (f" · Từ chối {self.refused}" if self.refused else ""))


@dataclass(frozen=True)
class FieldDiff:
    """One field where the local copy and the incoming one differ, as a person reads them."""

    key: str
    label: str
    local: str
    incoming: str


@dataclass(frozen=True)
class ConflictInfo:
    """A conflict: which record, the two revisions, and the fields that differ."""

    id: int | None
    kind: str
    record_id: str
    title: str
    unit_code: str
    reason: str  # "same_revision" or "local_newer"
    local_revision: int
    incoming_revision: int
    fields: tuple[FieldDiff, ...]
    status: str = "open"
    import_id: int | None = None
    created_at: dt.datetime | None = None
    changes: Changes = field(default=NOTHING, compare=False, repr=False)  # set by resolve_conflict

    @property
    def kind_label(self) -> str:
        """The record kind's Vietnamese name."""
        return get_kind(self.kind).label

    @property
    def reason_label(self) -> str:
        """Why it is a conflict, in Vietnamese."""
        if self.reason == "same_revision":
            return f"hai bên cùng lần sửa {self.local_revision} nhưng nội dung khác nhau"
        return f"bản tại chỗ mới hơn (lần sửa {self.local_revision}, bản nhận vào lần sửa {self.incoming_revision})"


@dataclass(frozen=True)
class RefusedRecord:
    """A record of the package that was refused and left untouched (SPEC §6: not the sender's to change)."""

    kind: str
    record_id: str
    title: str
    unit_code: str  # the unit the package gives it
    local_unit_code: str  # the unit it belongs to here
    reason: str  # code, domain/merge_rule.py
    reason_text: str
    row: int

    def describe(self) -> str:
        """One Vietnamese line for the list of refused records."""
        return (f"{get_kind(self.kind).label} “{self.title}” (dòng {self.row}, thuộc đơn vị mã "
                f"{self.local_unit_code}): {self.reason_text}")


@dataclass(frozen=True)
class PackagePreview:
    """What applying one package would do, or why it is refused."""

    path: Path
    file_hash: str
    ok: bool
    reason: str = ""  # refusal code ("" when ok), see REFUSAL_TITLES
    message: str = ""  # the Vietnamese refusal
    unit_code: str = ""
    unit_name: str = ""
    period: str = ""
    period_label: str = ""
    exported_at: dt.datetime | None = None
    exported_by: str = ""
    counts: MergeCounts = MergeCounts()
    by_kind: Mapping[str, MergeCounts] = field(default_factory=dict)
    conflicts: tuple[ConflictInfo, ...] = ()
    new_units: tuple[str, ...] = ()  # names of units the office does not know yet
    applied_before: dt.datetime | None = None  # this very file was applied at this time (UTC)
    refused_records: tuple[RefusedRecord, ...] = ()
    key_status: str = ""  # "new" (first package signed by this key) or "pinned"
    key_fingerprint: str = ""
    details: str = ""  # a refusal's technical words (the file reader's, in English) for the person who helps

    @property
    def file_name(self) -> str:
        """The file's name."""
        return self.path.name


@dataclass(frozen=True)
class ImportResult(PackagePreview):
    """What applying a package did (import_id is None when it was refused), and what it changed."""

    import_id: int | None = None
    changes: Changes = NOTHING


@dataclass(frozen=True)
class ImportInfo:
    """One line of the import ledger."""

    id: int
    at: dt.datetime
    username: str
    file_name: str
    file_hash: str
    unit_code: str
    unit_name: str
    period: str
    period_start: dt.date | None
    period_end: dt.date | None
    counts: MergeCounts
    status: str  # "applied" or "undone"
    exported_at: dt.datetime | None
    undone_at: dt.datetime | None
    undone_by: str
    can_undo: bool
    changes: Changes = NOTHING  # set by undo_import


# ---- files -------------------------------------------------------------------------------------------------

def find_packages(paths: Iterable[Path | str]) -> list[Path]:
    """The .xlsx files named, and those directly inside the folders named (Excel's ~$ lock files skipped)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.suffix.lower() == ".xlsx" and f.is_file()
                          and not f.name.startswith(("~$", ".")))
        else:
            out.append(p)
    seen: set[Path] = set()
    unique = []
    for p in out:
        if p.resolve() not in seen:
            seen.add(p.resolve())
            unique.append(p)
    return unique


# ---- comparing ---------------------------------------------------------------------------------------------

def content_hash(kind: RecordKind, unit_uid: str, deleted: bool, notes: str, values: Mapping[str, Value]) -> str:
    """SHA-256 of what a record says (not its envelope): unit (identity), deletion, notes, field values."""
    text = json.dumps([unit_uid, bool(deleted), notes or "", plain(kind, values)], ensure_ascii=False,
                      sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _shown(kind: RecordKind, key: str, v: Any) -> str:
    """A value as a person reads it in a conflict list."""
    if v is None or v == "" or v == ():
        return "(trống)"
    if key == "deleted" or (key in kind.keys and kind.field(key).type is FieldType.BOOL):
        return BOOLEAN.label("co" if v else "khong")
    if key in kind.keys:
        f = kind.field(key)
        if f.vocab is not None:
            return f.vocab.label(str(v))
        if f.type is FieldType.DATE and isinstance(v, dt.date):
            return v.strftime("%d/%m/%Y")
        if isinstance(v, tuple):
            return "; ".join(v)
    return str(v)


def _empty(v: Any) -> Any:
    return None if v is None or v == "" or v == () else v


def _diff(kind: RecordKind, local: dict[str, Any], incoming: dict[str, Any]) -> tuple[FieldDiff, ...]:
    out = []
    for key in ("unit", *kind.keys, "notes", "deleted"):
        a, b = _empty(local.get(key)), _empty(incoming.get(key))
        if a != b or type(a) is not type(b):
            out.append(FieldDiff(key, _label(kind.key, key), _shown(kind, key, a), _shown(kind, key, b)))
    return tuple(out)


def _envelope(rec: IncomingRecord) -> dict[str, Any]:
    return {"unit": rec.unit_code, "unit_uid": rec.unit_uid, "created_at": rec.created_at.isoformat(),
            "updated_at": rec.updated_at.isoformat(),
            "created_by": rec.created_by, "updated_by": rec.updated_by, "revision": rec.revision,
            "deleted": rec.deleted, "notes": rec.notes}


def _row_snapshot(kind: RecordKind, m: Mapping[str, Any], unit_code: str, unit_uid: str) -> dict[str, Any]:
    """A stored record as JSON-friendly data (for undo and conflicts)."""
    return {"unit": unit_code, "unit_uid": unit_uid, "created_at": m["created_at"].isoformat(),
            "updated_at": m["updated_at"].isoformat(),
            "created_by": m["created_by"], "updated_by": m["updated_by"], "revision": m["revision"],
            "deleted": bool(m["deleted"]), "notes": m["notes"] or "", "values": plain(kind, from_db(kind, m))}


def _values_from_plain(kind: RecordKind, data: Mapping[str, Any]) -> dict[str, Value]:
    """plain() back to field values (dates, unit lists)."""
    out: dict[str, Value] = {}
    for f in kind.fields:
        v = data.get(f.key)
        if v is not None and f.type is FieldType.DATE:
            v = dt.date.fromisoformat(v)
        elif f.type is FieldType.UNITS:
            v = tuple(x for x in (v or "").split(";") if x)
        elif f.type is FieldType.BOOL:
            v = bool(v)
        out[f.key] = v
    return out


# ---- the classification, shared by preview and apply -------------------------------------------------------

@dataclass
class _Tally:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    conflicts: int = 0
    refused: int = 0

    def frozen(self) -> MergeCounts:
        return MergeCounts(self.added, self.replaced, self.unchanged, self.conflicts, self.refused)


@dataclass
class _Outcome:
    meta: PackageMeta
    file_hash: str
    by_kind: dict[str, _Tally]
    conflicts: list[ConflictInfo]
    new_units: list[str]
    applied_before: dt.datetime | None
    import_id: int | None = None
    refused: list[RefusedRecord] = field(default_factory=list)
    key: KeyCheck | None = None
    kinds_written: set[str] = field(default_factory=set)
    written_ids: set[str] = field(default_factory=set)  # every record added or replaced (Changes names them)

    def total(self) -> MergeCounts:
        t = _Tally()
        for k in self.by_kind.values():
            t.added += k.added
            t.replaced += k.replaced
            t.unchanged += k.unchanged
            t.conflicts += k.conflicts
            t.refused += k.refused
        return t.frozen()

    def changes(self) -> Changes:
        return Changes(kinds=frozenset(self.kinds_written), record_ids=frozenset(self.written_ids),
                       units=bool(self.new_units), imports=True)


def _check_permissions(actor: Actor, meta: PackageMeta) -> None:
    sensitive = sum(meta.counts.get(k.key, 0) for k in KINDS if k.sensitive)
    if sensitive and not actor.can(Action.RELIGION):
        raise PermissionDenied(f"Gói dữ liệu của “{meta.unit.name}” có {sensitive} bản ghi về tôn giáo; tài khoản "
                               f"“{actor.username}” ({ROLE.label(actor.role)}) không có quyền xem dữ liệu tôn giáo "
                               "nên không tổng hợp được.")


def _run(s: Session, actor: Actor, path: Path, *, write: bool, expected_hash: str | None = None,
         progress: Progress | None = None) -> _Outcome:
    """Read, check and classify one package; with write=True also apply it (inside the caller's transaction)."""
    root = home(s)
    with PackageReader(path, newest_schema=SCHEMA_VERSION) as pkg:
        if expected_hash is not None and pkg.file_hash != expected_hash:
            raise PackageRefused(CHANGED, f"Tệp “{path.name}” đã thay đổi sau khi xem trước; hãy xem trước lại "
                                          "trước khi tổng hợp.")
        meta = pkg.meta
        _check_permissions(actor, meta)
        plan = UnitPlan(s, root, meta)
        plan.add_units(pkg.read_units())
        new_units = [u.name for u in plan.new]
        applied_before = s.scalar(
            select(ImportLog.at).join(PackageImport, PackageImport.id == ImportLog.id)
            .where(ImportLog.file_hash == pkg.file_hash, PackageImport.status == "applied")
            .order_by(ImportLog.at.desc()).limit(1))
        import_id: int | None = None
        if write:
            plan.create()
            log = ImportLog(username=actor.username, source="package", file_name=path.name[:400],
                            file_hash=pkg.file_hash, unit_code=meta.unit.code, unit_uid=meta.unit.uid,
                            period=meta.period.code, period_start=meta.period.start, period_end=meta.period.end,
                            counts="{}")
            s.add(log)
            s.flush()
            import_id = log.id
        outcome = _Outcome(meta, pkg.file_hash, {k.key: _Tally() for k in KINDS}, [], new_units, applied_before,
                           import_id)
        outside: list[str] = []
        total = sum(meta.counts.get(k.key, 0) for k in KINDS)
        done = 0
        for kind_key, batch in pkg.records(_BATCH, check=False):
            kind = get_kind(kind_key)
            _classify(s, actor, pkg, plan, kind, batch, outcome, outside, write)
            done += len(batch)
            if progress is not None:
                progress(done, total)
        report_texts = package_report.read_texts(pkg)  # hashed last, before verify()
        pkg.verify()  # edited (checksum), unsigned, forged or damaged: raises; the transaction rolls back
        problems = plan.problems + outside
        if problems:
            shown = "; ".join(problems[:5]) + (f"; và {len(problems) - 5} trường hợp khác" if len(problems) > 5 else "")
            raise PackageRefused(RECORD_OUTSIDE, f"Gói dữ liệu của “{meta.unit.name}” có dữ liệu của đơn vị không "
                                                 f"thuộc đơn vị gửi: {shown}.")
        outcome.key = check_key(s, plan, meta, write)
        if write:
            assert import_id is not None
            _write_ledger(s, actor, path, outcome)
            sender = by_uid(s, meta.unit.uid)
            if report_texts and sender is not None:  # the sender's report text, beside this office's own
                store_child_texts(s, sender, meta.period.code, report_texts, import_id)
    return outcome


def _local_rows(s: Session, kind: RecordKind, ids: list[str]) -> dict[str, Any]:
    t = RECORD_TABLES[kind.key]
    stmt = (select(t, Unit.code.label("unit_code_"), Unit.uid.label("unit_uid_"),
                   Withdrawn.revision.label("withdrawn_"))
            .select_from(t).join(Unit, Unit.id == t.c.unit_id).outerjoin(Withdrawn, Withdrawn.record_id == t.c.id)
            .where(t.c.id.in_(ids)))
    return {row._mapping["id"]: row._mapping for row in s.execute(stmt)}


def _classify(s: Session, actor: Actor, pkg: PackageReader, plan: UnitPlan, kind: RecordKind,
              batch: list[IncomingRecord], out: _Outcome, outside: list[str], write: bool) -> None:
    t = RECORD_TABLES[kind.key]
    tally = out.by_kind[kind.key]
    local = _local_rows(s, kind, [r.id for r in batch])
    decided_rows = {(r.record_id, r.incoming_revision, r.incoming_hash) for r in s.execute(
        select(MergeConflict.record_id, MergeConflict.incoming_revision, MergeConflict.incoming_hash)
        .where(MergeConflict.record_id.in_([r.id for r in batch if r.id in local])))} if local else set()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    snapshots: list[dict[str, Any]] = []
    marks: list[dict[str, Any]] = []
    unmark: list[str] = []
    candidates: list[tuple[IncomingRecord, Mapping[str, Any], dict[str, Value], str, str]] = []
    # The import ledger's [id, revision] lists, written per batch (a 500,000-record package is not held).
    added_ids: list[list[Any]] = []
    delivered: list[list[Any]] = []
    now = utcnow()
    for rec in batch:
        if not plan.in_sender(rec.unit_uid) or plan.code_of(rec.unit_uid) != rec.unit_code:
            if len(outside) < 50:
                outside.append(f"{kind.label} dòng {rec.row} thuộc đơn vị mã “{rec.unit_code}”")
            continue
        m = local.get(rec.id)
        lcopy: Copy | None = None
        lvals: dict[str, Value] = {}
        checked: IncomingRecord | None = None
        if m is not None:
            lvals = from_db(kind, m)
            lcopy = Copy(m["unit_uid_"], m["revision"], content_hash(kind, m["unit_uid_"], bool(m["deleted"]),
                                                                     m["notes"] or "", lvals), m["withdrawn_"])
            if (rec.revision <= m["revision"] and rec.unit_uid == m["unit_uid_"] and rec.deleted == bool(m["deleted"])
                    and rec.notes == (m["notes"] or "") and rec.values == lvals):
                inc_hash = lcopy.content  # equal to what we hold, which passed the rules when stored
                checked = rec
        if checked is None:
            checked = pkg.check(rec)
            if checked is None:
                continue  # the reader noted the problem; verify() refuses the package
            inc_hash = content_hash(kind, checked.unit_uid, checked.deleted, checked.notes, checked.values)
        inc = Copy(checked.unit_uid, checked.revision, inc_hash)
        d = decide(lcopy, inc, plan, replayed=out.applied_before is not None)
        if d.outcome is Outcome.CONFLICT and (rec.id, rec.revision, inc_hash) in decided_rows:
            d = decide(lcopy, inc, plan, decided=True, replayed=out.applied_before is not None)
        if d.outcome is Outcome.REFUSED:
            tally.refused += 1
            title = str(lvals.get(kind.title_field) or checked.values.get(kind.title_field) or "")
            out.refused.append(RefusedRecord(kind.key, rec.id, title, rec.unit_code,
                                             m["unit_code_"] if m is not None else rec.unit_code, d.reason,
                                             d.reason_text, rec.row))
            continue
        if d.outcome is Outcome.CONFLICT:
            assert m is not None
            candidates.append((checked, m, lvals, inc_hash, d.reason))
            continue
        if write:
            delivered.append([rec.id, rec.revision])
        if d.outcome is Outcome.UNCHANGED:
            tally.unchanged += 1
        elif d.outcome is Outcome.ADDED:
            tally.added += 1
            if write:
                inserts.append({**_stored_row(kind, checked, plan.unit(checked.unit_uid)), "stored_at": now})
                added_ids.append([checked.id, checked.revision])
                if checked.withdrawn is not None:
                    marks.append({"record_id": checked.id, "kind": kind.key, "revision": checked.withdrawn,
                                  "at": now})
        else:
            tally.replaced += 1
            if write:
                assert m is not None
                updates.append({"_rid": checked.id, **_stored_row(kind, checked, plan.unit(checked.unit_uid)),
                                "stored_at": now})
                snapshots.append({"import_id": out.import_id, "kind": kind.key, "record_id": checked.id,
                                  "revision_after": checked.revision,
                                  "before": json.dumps(_row_snapshot(kind, m, m["unit_code_"], m["unit_uid_"]),
                                                       ensure_ascii=False)})
                if m["withdrawn_"] is not None:
                    unmark.append(checked.id)
                if checked.withdrawn is not None:
                    marks.append({"record_id": checked.id, "kind": kind.key, "revision": checked.withdrawn,
                                  "at": now})
    if candidates:
        _conflicts(s, kind, candidates, out, tally, write)
    if write:
        if inserts or updates:
            out.kinds_written.add(kind.key)
        if inserts:
            if is_server(s):
                bulk_insert(s, t, inserts)  # COPY on a server for a big package (store/dialects.py)
                mark_touched(s, t.name)  # COPY passes no statement the seal hook sees
            else:
                with bulk_inserts(s.connection(), t.name):  # indexes and figures kept per batch, not per row
                    s.execute(t.insert(), sealed_inserts(s, t.name, inserts))
            out.written_ids.update(r["id"] for r in inserts)
        if updates:
            s.execute(t.update().where(t.c.id == bindparam("_rid")), updates)
            out.written_ids.update(u["_rid"] for u in updates)
            # A newer version settles what an older incoming one disputed.
            s.execute(update(MergeConflict).where(MergeConflict.record_id.in_([u["_rid"] for u in updates]),
                                                  MergeConflict.status == "open")
                      .values(status="superseded", resolved_at=utcnow(), resolved_by=actor.username))
            s.execute(insert(ImportReplaced), snapshots)
        if unmark:
            s.execute(delete(Withdrawn).where(Withdrawn.record_id.in_(unmark)))
        if marks:
            s.execute(insert(Withdrawn), marks)
        if added_ids:
            s.execute(insert(ImportAdded), [{"import_id": out.import_id, "kind": kind.key,
                                             "records": json.dumps(added_ids)}])
        if delivered:
            s.execute(insert(ImportDelivered), [{"import_id": out.import_id, "kind": kind.key,
                                                 "records": json.dumps(delivered)}])


def _conflicts(s: Session, kind: RecordKind, candidates: list[tuple[IncomingRecord, Mapping[str, Any],
                                                                    dict[str, Value], str, str]],
               out: _Outcome, tally: Any, write: bool) -> None:
    rows = []
    for rec, m, lvals, h, reason in candidates:
        tally.conflicts += 1
        local_view = {"unit": m["unit_code_"], "notes": m["notes"] or "", "deleted": bool(m["deleted"]), **lvals}
        incoming_view = {"unit": rec.unit_code, "notes": rec.notes, "deleted": rec.deleted, **rec.values}
        diffs = _diff(kind, local_view, incoming_view)
        title = str(rec.values.get(kind.title_field) or lvals.get(kind.title_field) or "")
        info = ConflictInfo(None, kind.key, rec.id, title, rec.unit_code, reason, m["revision"], rec.revision, diffs,
                            import_id=out.import_id)
        if write:
            rows.append({"import_id": out.import_id, "kind": kind.key, "record_id": rec.id,
                         "unit_code": rec.unit_code, "title": title[:2000], "reason": reason,
                         "local_revision": m["revision"], "incoming_revision": rec.revision, "incoming_hash": h,
                         "incoming": json.dumps({**_envelope(rec), "values": plain(kind, rec.values)},
                                                ensure_ascii=False),
                         "fields": json.dumps([[d.key, d.local, d.incoming] for d in diffs], ensure_ascii=False),
                         "status": "open", "created_at": utcnow(), "resolved_by": ""})
        else:
            out.conflicts.append(info)
    if rows:
        for r in rows:
            c = MergeConflict(**r)
            s.add(c)
            s.flush()
            out.conflicts.append(_conflict_info(c))


def _stored_row(kind: RecordKind, rec: IncomingRecord, unit: Unit) -> dict[str, Any]:
    return {"id": rec.id, "unit_id": unit.id, "created_at": rec.created_at, "updated_at": rec.updated_at,
            "created_by": rec.created_by, "updated_by": rec.updated_by, "revision": rec.revision,
            "deleted": rec.deleted, "notes": rec.notes, **stored_columns(kind, rec.values, rec.notes, unit.name)}


def _write_ledger(s: Session, actor: Actor, path: Path, out: _Outcome) -> None:
    """The import's entry (its ids added and delivered went in batch by batch, in _classify)."""
    meta = out.meta
    counts = out.total()
    log = s.get(ImportLog, out.import_id)
    assert log is not None
    log.counts = json.dumps({**counts.as_dict(), "by_kind": {k: v.frozen().as_dict() for k, v in out.by_kind.items()}},
                            ensure_ascii=False)
    s.add(PackageImport(id=out.import_id, unit_name=meta.unit.name[:200], exported_at=meta.exported_at,
                        exported_by=meta.exported_by[:64], checksum=meta.checksum, status="applied",
                        undone_by=""))
    write_audit(s, actor.username, "import", "package", "", {
        "import_id": out.import_id, "file": path.name, "file_hash": out.file_hash, "unit": meta.unit.code,
        "unit_uid": meta.unit.uid, "period": meta.period.code, "counts": counts.as_dict(),
        "new_units": out.new_units, "refused": [[r.kind, r.record_id, r.reason] for r in out.refused[:200]]})


# ---- public verbs ------------------------------------------------------------------------------------------

def _preview_of(path: Path, out: _Outcome, cls: type[PackagePreview] = PackagePreview, **extra: Any) -> Any:
    meta = out.meta
    return cls(path, out.file_hash, True, "", "", meta.unit.code, meta.unit.name, meta.period.code,
               meta.period.label_vi, meta.exported_at, meta.exported_by, out.total(),
               {k: v.frozen() for k, v in out.by_kind.items()}, tuple(out.conflicts), tuple(out.new_units),
               out.applied_before, refused_records=tuple(out.refused),
               key_status=out.key.status if out.key else "", key_fingerprint=out.key.fingerprint if out.key else "",
               **extra)


def _refused(path: Path, e: PackageRefused, cls: type[PackagePreview] = PackagePreview) -> Any:
    try:
        h = file_sha256(path)
    except OSError:
        h = ""
    return cls(path, h, False, e.reason, str(e), details=e.details)


def preview_package(db: Database, actor: Actor, path: Path | str, progress: Progress | None = None) -> PackagePreview:
    """What merging one package would do (nothing is written), or why it is refused."""
    actor.require(Action.MERGE)
    path = Path(path)
    try:
        with db.reader() as s:
            out = _run(s, actor, path, write=False, progress=progress)
    except PackageRefused as e:
        return _refused(path, e)  # type: ignore[no-any-return]
    return _preview_of(path, out)  # type: ignore[no-any-return]


def preview_packages(db: Database, actor: Actor, paths: Iterable[Path | str],
                     progress: Progress | None = None) -> list[PackagePreview]:
    """Previews of several packages (files, or folders of .xlsx files); progress counts files."""
    files = find_packages(paths)
    out = []
    for i, p in enumerate(files):
        out.append(preview_package(db, actor, p))
        if progress is not None:
            progress(i + 1, len(files))
    return out


def _backup(db: Database) -> None:
    # The backup feature (services/backup.py) verifies and rotates the copies.
    from danvan_desktop.services.backup import auto_backup, backup_due

    if backup_due(db, "truoc-tong-hop"):  # every merge on a file; once a day on a server (see backup_due)
        auto_backup(db, "truoc-tong-hop")


def apply_package(db: Database, actor: Actor, source: PackagePreview | Path | str, progress: Progress | None = None,
                  *, backup: bool = True) -> ImportResult:
    """Merge one package in one transaction (backup first); a refused package changes nothing."""
    actor.require(Action.MERGE)
    if isinstance(source, PackagePreview):
        path, expected = source.path, source.file_hash if source.ok else None
    else:
        path, expected = Path(source), None
    if backup:
        _backup(db)
    try:
        with db.transaction() as s:
            out = _run(s, actor, path, write=True, expected_hash=expected, progress=progress)
    except PackageRefused as e:
        return _refused(path, e, ImportResult)  # type: ignore[no-any-return]
    return _preview_of(path, out, ImportResult, import_id=out.import_id,  # type: ignore[no-any-return]
                       changes=out.changes())


def apply_packages(db: Database, actor: Actor, sources: Sequence[PackagePreview | Path | str],
                   progress: Callable[[int, int, int, int], None] | None = None) -> list[ImportResult]:
    """Merge several packages, each in its own transaction, after one backup; progress(file, files, done, total)."""
    actor.require(Action.MERGE)
    items: list[PackagePreview | Path] = []
    for src in sources:
        if isinstance(src, PackagePreview):
            items.append(src)
        else:
            items += find_packages([src])
    if items:
        _backup(db)
    results = []
    for i, src in enumerate(items):
        cb = (lambda d, t, i=i: progress(i + 1, len(items), d, t)) if progress is not None else None
        results.append(apply_package(db, actor, src, cb, backup=False))
    return results


# ---- conflicts ---------------------------------------------------------------------------------------------

def _conflict_info(c: MergeConflict) -> ConflictInfo:
    fields = tuple(FieldDiff(k, _label(c.kind, k), a, b) for k, a, b in json.loads(c.fields or "[]"))
    return ConflictInfo(c.id, c.kind, c.record_id, c.title, c.unit_code, c.reason, c.local_revision,
                        c.incoming_revision, fields, c.status, c.import_id, c.created_at)


def _label(kind_key: str, key: str) -> str:
    fixed = {"unit": "Đơn vị", "deleted": "Đã xóa", "notes": "Ghi chú"}
    if key in fixed:
        return fixed[key]
    k = get_kind(kind_key)
    return k.field(key).label if key in k.keys else key


def list_conflicts(db: Database, actor: Actor, status: str | None = "open") -> list[ConflictInfo]:
    """Conflicts (by default those waiting for a decision), oldest first."""
    actor.require(Action.MERGE)
    with db.reader() as s:
        stmt = select(MergeConflict).order_by(MergeConflict.id)
        if status is not None:
            stmt = stmt.where(MergeConflict.status == status)
        return [_conflict_info(c) for c in s.scalars(stmt)]


def open_conflict(s: Session, actor: Actor, conflict_id: int) -> tuple[MergeConflict, RecordKind]:
    """A conflict still waiting for a decision, and its record kind (the religion right checked for it)."""
    c = s.get(MergeConflict, conflict_id)
    if c is None:
        raise NotFound(f"Không có xung đột số {conflict_id}.")
    if c.status != "open":
        raise Refused(f"Xung đột số {conflict_id} đã được xử lý ({c.status}).")
    kind = get_kind(c.kind)
    if kind.sensitive:
        actor.require(Action.RELIGION)
    return c, kind


def resolve_conflict(db: Database, actor: Actor, conflict_id: int, choice: str) -> ConflictInfo:
    """Decide a conflict: "keep_local" (the office's copy stays and becomes the newer one) or "take_incoming".

    The result's `changes` names the record when its row was written, and the conflicts (imports) always.
    """
    actor.require(Action.MERGE)
    if choice not in ("keep_local", "take_incoming"):
        raise Refused(f"Lựa chọn “{choice}” không hợp lệ (keep_local: giữ bản tại chỗ; take_incoming: lấy bản "
                      "nhận vào).")
    with db.transaction() as s:
        c, kind = open_conflict(s, actor, conflict_id)
        t = RECORD_TABLES[kind.key]
        row = s.execute(select(t, Unit.code.label("unit_code_"), Unit.uid.label("unit_uid_"))
                        .join(Unit, Unit.id == t.c.unit_id).where(t.c.id == c.record_id)).first()
        if row is None:
            raise NotFound(f"Không còn bản ghi “{c.title}” để xử lý xung đột.")
        m: Any = row._mapping
        now = utcnow()
        before = _row_snapshot(kind, m, m["unit_code_"], m["unit_uid_"])
        written = choice == "take_incoming" or m["revision"] <= c.incoming_revision
        if choice == "keep_local":
            if m["revision"] <= c.incoming_revision:
                # The office's copy becomes the newest version, so it wins upward and a later edit at the
                # sender (same revision number) shows up as a conflict again instead of silently replacing it.
                s.execute(t.update().where(t.c.id == c.record_id).values(
                    revision=c.incoming_revision + 1, updated_at=now, updated_by=actor.username, stored_at=now))
        else:
            if m["revision"] != c.local_revision:
                raise Refused(f"{kind.label} “{c.title}” đã thay đổi tại chỗ sau khi xung đột được ghi nhận "
                              f"(nay là lần sửa {m['revision']}); hãy tổng hợp lại gói để so sánh bản mới nhất.")
            inc = json.loads(c.incoming)
            unit = _snapshot_unit(s, inc)
            values = _values_from_plain(kind, inc["values"])
            s.execute(t.update().where(t.c.id == c.record_id).values(
                unit_id=unit.id, created_at=dt.datetime.fromisoformat(inc["created_at"]),
                updated_at=dt.datetime.fromisoformat(inc["updated_at"]), created_by=inc["created_by"],
                updated_by=inc["updated_by"], revision=inc["revision"], deleted=inc["deleted"], notes=inc["notes"],
                stored_at=now,
                **stored_columns(kind, values, inc["notes"], unit.name)))
        c.status, c.resolved_at, c.resolved_by = choice, now, actor.username
        write_audit(s, actor.username, "conflict", kind.key, c.record_id,
                    {"conflict_id": c.id, "choice": choice, "before": before})
        changes = (Changes.records(kind.key, c.record_id) if written else Changes()) | Changes(imports=True)
        return replace(_conflict_info(c), changes=changes)


# ---- ledger and undo ---------------------------------------------------------------------------------------

def _latest_applied(rows: list[tuple[ImportLog, PackageImport]]) -> set[int]:
    latest: dict[tuple[str, str], int] = {}
    for log, pi in rows:
        if pi.status == "applied":
            key = (log.unit_code, log.period)
            latest[key] = max(latest.get(key, 0), log.id)
    return set(latest.values())


def _import_info(log: ImportLog, pi: PackageImport, can_undo: bool) -> ImportInfo:
    c = json.loads(log.counts or "{}")
    counts = MergeCounts(c.get("added", 0), c.get("replaced", 0), c.get("unchanged", 0), c.get("conflicts", 0))
    return ImportInfo(log.id, log.at, log.username, log.file_name, log.file_hash, log.unit_code, pi.unit_name,
                      log.period, log.period_start, log.period_end, counts, pi.status, pi.exported_at, pi.undone_at,
                      pi.undone_by, can_undo)


def list_imports(db: Database, actor: Actor) -> list[ImportInfo]:
    """The package ledger, newest first; can_undo marks the last applied import of each unit and period."""
    actor.require(Action.VIEW)
    with db.reader() as s:
        rows = [(log, pi) for log, pi in s.execute(
            select(ImportLog, PackageImport).join(PackageImport, PackageImport.id == ImportLog.id)
            .order_by(ImportLog.id.desc()))]
        latest = _latest_applied(rows)
        return [_import_info(log, pi, log.id in latest) for log, pi in rows]


def _delivered_elsewhere(s: Session, import_id: int, kind: str, versions: set[tuple[str, int]]) -> set[str]:
    """Of these record versions (id, revision), the ids whose version another still-applied import delivered."""
    out: set[str] = set()
    rows = s.execute(select(ImportDelivered.records).join(PackageImport, PackageImport.id == ImportDelivered.import_id)
                     .where(ImportDelivered.kind == kind, ImportDelivered.import_id != import_id,
                            PackageImport.status == "applied"))
    for (records,) in rows:
        out.update(rid for rid, rev in json.loads(records) if (rid, rev) in versions)
    return out


def undo_import(db: Database, actor: Actor, import_id: int) -> ImportInfo:
    """Undo the last import of a package: what it added or replaced is withdrawn, and the withdrawal travels.

    A record it added becomes a tombstone, a record it replaced comes back as it stood; either way the
    revision goes up by one and the version withdrawn is remembered, so the level above learns of the undo
    and the sender delivering that version again brings it back (domain/merge_rule.py). A record another
    still-applied import also delivered stays. Refused if any record it touched has changed since.
    """
    actor.require(Action.MERGE)
    _backup(db)
    with db.transaction() as s:
        log = s.get(ImportLog, import_id)
        pi = s.get(PackageImport, import_id)
        if log is None or pi is None:
            raise NotFound(f"Không có lần tổng hợp số {import_id}.")
        if pi.status != "applied":
            raise Refused(f"Lần tổng hợp số {import_id} (“{log.file_name}”) đã được hoàn tác.")
        same_sender = ImportLog.unit_uid == log.unit_uid if log.unit_uid else ImportLog.unit_code == log.unit_code
        later = s.scalar(select(ImportLog.id).join(PackageImport, PackageImport.id == ImportLog.id).where(
            same_sender, ImportLog.period == log.period, ImportLog.id > log.id,
            PackageImport.status == "applied").limit(1))
        if later is not None:
            raise Refused(f"Chỉ hoàn tác được lần tổng hợp mới nhất của gói này; hãy hoàn tác lần số {later} trước.")
        changed: list[str] = []
        # (kind, record id, revision withdrawn, current revision, None to withdraw | snapshot to bring back)
        plans: list[tuple[str, str, int, int, Any]] = []

        def current(t: Any, ids: list[str]) -> dict[str, int]:
            """Current revisions; a record as a later undo left it counts as the version it went back to."""
            now = {i: r for i, r in s.execute(select(t.c.id, t.c.revision).where(t.c.id.in_(ids)))}
            back = {i: r for i, r in s.execute(select(Withdrawn.record_id, Withdrawn.revision)
                                               .where(Withdrawn.record_id.in_(ids)))}
            return {i: r for i, r in now.items()} | {f"back:{i}": back[i] for i in back if i in now}

        def unchanged_since(cur: dict[str, int], rid: str, rev: int) -> bool:
            back = cur.get(f"back:{rid}")
            return cur[rid] == rev or (back is not None and back > rev and cur[rid] == back + 1)

        for a in s.scalars(select(ImportAdded).where(ImportAdded.import_id == import_id)):
            t = RECORD_TABLES[a.kind]
            pairs = json.loads(a.records)
            for chunk in range(0, len(pairs), _BATCH):
                part = dict((rid, rev) for rid, rev in pairs[chunk:chunk + _BATCH])
                cur = current(t, list(part))
                for rid, rev in part.items():
                    if rid in cur and not unchanged_since(cur, rid, rev):
                        changed.append(rid)
                    elif rid in cur:
                        plans.append((a.kind, rid, rev, cur[rid], None))
        for r in s.scalars(select(ImportReplaced).where(ImportReplaced.import_id == import_id)):
            t = RECORD_TABLES[r.kind]
            cur = current(t, [r.record_id])
            if r.record_id not in cur or not unchanged_since(cur, r.record_id, r.revision_after):
                changed.append(r.record_id)
            else:
                plans.append((r.kind, r.record_id, r.revision_after, cur[r.record_id], json.loads(r.before)))
        if changed:
            raise Refused(f"Không hoàn tác được lần tổng hợp số {import_id}: {len(changed)} bản ghi đã thay đổi sau "
                          "lần tổng hợp này (được sửa, xử lý xung đột hoặc tổng hợp gói khác).")
        kept: set[str] = set()
        for kind_key in {p[0] for p in plans}:
            kept |= _delivered_elsewhere(s, import_id, kind_key, {(p[1], p[2]) for p in plans if p[0] == kind_key})
        kept -= {p[1] for p in plans if p[2] != p[3]}  # already withdrawn by a later undo: no import holds it
        removed = restored = 0
        stamp = utcnow()
        touched: dict[str, set[str]] = {}
        for kind_key, rid, rev, cur_rev, snap in plans:
            if rid in kept:
                continue  # another import still applied delivered it too: not this undo's to withdraw
            kind = get_kind(kind_key)
            t = RECORD_TABLES[kind_key]
            touched.setdefault(kind_key, set()).add(rid)
            common = {"revision": cur_rev + 1, "updated_at": stamp, "updated_by": actor.username, "stored_at": stamp}
            if snap is None:
                s.execute(t.update().where(t.c.id == rid).values(deleted=True, **common))
                removed += 1
            else:
                unit = _snapshot_unit(s, snap)
                values = _values_from_plain(kind, snap["values"])
                s.execute(t.update().where(t.c.id == rid).values(
                    unit_id=unit.id, created_at=dt.datetime.fromisoformat(snap["created_at"]),
                    created_by=snap["created_by"], deleted=snap["deleted"], notes=snap["notes"],
                    **stored_columns(kind, values, snap["notes"], unit.name), **common))
                restored += 1
            s.execute(delete(Withdrawn).where(Withdrawn.record_id == rid))
            s.add(Withdrawn(record_id=rid, kind=kind_key, revision=rev, at=stamp))
        s.execute(update(MergeConflict).where(MergeConflict.import_id == import_id, MergeConflict.status == "open")
                  .values(status="undone", resolved_at=utcnow(), resolved_by=actor.username))
        pi.status, pi.undone_at, pi.undone_by = "undone", utcnow(), actor.username
        write_audit(s, actor.username, "undo_import", "package", "", {
            "import_id": import_id, "file": log.file_name, "removed": removed, "restored": restored,
            "kept": len(kept)})
        changes = Changes(kinds=frozenset(touched), record_ids=frozenset(i for v in touched.values() for i in v),
                          imports=True)
        return replace(_import_info(log, pi, False), changes=changes)


def _snapshot_unit(s: Session, snap: Mapping[str, Any]) -> Unit:
    """The unit a stored snapshot names: by identity, or by code for snapshots taken before identities."""
    unit = by_uid(s, snap.get("unit_uid")) or s.scalar(select(Unit).where(Unit.code == snap["unit"]))
    if unit is None:
        raise NotFound(f"Không có đơn vị mã “{snap['unit']}”.")
    return unit


@dataclass(frozen=True)
class SignerInfo:
    """Who signed a package, with which key, and what this office holds for that unit (for an admin to compare)."""

    unit_code: str
    unit_name: str
    unit_uid: str
    fingerprint: str
    status: str  # "new", "pinned" or "changed" (domain of services.signing.key_holder)
    pinned_fingerprint: str


def _read_signed(path: Path) -> PackageMeta:
    try:
        with PackageReader(path, newest_schema=SCHEMA_VERSION) as pkg:
            meta = pkg.meta
            pkg.read_units()
            for _kind, _batch in pkg.records(_BATCH, check=False):
                pass
            pkg.verify()  # only a whole, correctly signed package can introduce a key
    except PackageRefused as e:
        raise Refused(str(e)) from e
    return meta


def _signer(meta: PackageMeta) -> UnitRow:
    return next((u for u in (meta.unit, *meta.ancestry) if u.uid == meta.signer_uid), meta.unit)


def package_signer(db: Database, actor: Actor, path: Path | str) -> SignerInfo:
    """The office that signed a package and its key's fingerprint, beside the one this office holds."""
    actor.require(Action.ADMIN)
    meta = _read_signed(Path(path))
    signer = _signer(meta)
    with db.reader() as s:
        check = key_holder(s, [signer.uid], meta.public_key)
    return SignerInfo(signer.code, signer.name, signer.uid, check.fingerprint, check.status, check.pinned_fingerprint)


def accept_new_key(db: Database, actor: Actor, path: Path | str) -> tuple[str, Changes]:
    """An admin accepts the signing key of the office that signed this package; returns its fingerprint and
    what changed (the keys held, which belong with the imports).

    Done after the fingerprint was compared by phone: the next package signed with it is accepted.
    """
    actor.require(Action.ADMIN)
    path = Path(path)
    meta = _read_signed(path)
    signer = _signer(meta)
    with db.transaction() as s:
        root = home(s)
        if signer.uid == root.uid or root.uid not in [u.uid for u in (meta.unit, *meta.ancestry)]:
            raise Refused(f"Gói dữ liệu “{path.name}” không phải của một đơn vị cấp dưới của {root.name}.")
        old = key_holder(s, [signer.uid], meta.public_key)
        pin(s, signer.uid, meta.public_key, signer.code, signer.name)
        write_audit(s, actor.username, "accept_key", "unit", signer.code,
                    {"unit_uid": signer.uid, "old": old.pinned_fingerprint, "new": old.fingerprint,
                     "file": path.name})
    return fingerprint(meta.public_key), Changes(imports=True)
