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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from danvan_desktop.domain.fields import FieldType, RecordKind
from danvan_desktop.domain.kinds import KINDS
from danvan_desktop.domain.kinds import kind as get_kind
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
from danvan_desktop.services.errors import NotFound, PermissionDenied, Refused
from danvan_desktop.services.records import from_db, plain, stored_columns
from danvan_desktop.services.reports import store_child_texts
from danvan_desktop.services.signing import check_sender, fingerprint, pin
from danvan_desktop.services.units import create_unit, home, in_subtree
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import (
    RECORD_TABLES,
    SCHEMA_VERSION,
    ImportAdded,
    ImportLog,
    ImportReplaced,
    MergeConflict,
    PackageImport,
    Unit,
    utcnow,
)

__all__ = [
    "MergeCounts", "FieldDiff", "ConflictInfo", "PackagePreview", "ImportResult", "ImportInfo",
    "find_packages", "preview_package", "preview_packages", "apply_package", "apply_packages",
    "resolve_conflict", "list_conflicts", "undo_import", "list_imports", "REFUSAL_TITLES",
]

Progress = Callable[[int, int], None]

# Reasons a package is refused (SPEC §6), with the short Vietnamese title a screen shows beside the message.
OUTSIDE, RECORD_OUTSIDE, OWN, CHANGED = "outside", "record_outside", "own_unit", "changed_since_preview"
KEY_CHANGED = "key_changed"
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

    @property
    def total(self) -> int:
        """Records in the package."""
        return self.added + self.replaced + self.unchanged + self.conflicts

    def as_dict(self) -> dict[str, int]:
        """For the ledger's JSON."""
        return {"added": self.added, "replaced": self.replaced, "unchanged": self.unchanged,
                "conflicts": self.conflicts}

    def describe(self) -> str:
        """The counts as a Vietnamese line."""
        return (f"Thêm mới {self.added} · Thay thế {self.replaced} · Không đổi {self.unchanged} · "
                f"Xung đột {self.conflicts}")


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

    @property
    def file_name(self) -> str:
        """The file's name."""
        return self.path.name


@dataclass(frozen=True)
class ImportResult(PackagePreview):
    """What applying a package did (import_id is None when it was refused)."""

    import_id: int | None = None


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


# ---- units -------------------------------------------------------------------------------------------------

class _UnitPlan:
    """The sender's place in the office's tree, and the units the package adds (checked before any record)."""

    def __init__(self, s: Session, root: Unit, meta: PackageMeta) -> None:
        self.s = s
        self.sender_code = meta.unit.code
        name = f"“{meta.unit.name}” (mã {meta.unit.code})"
        chain = [meta.unit, *meta.ancestry]
        codes = [u.code for u in chain]
        local = s.scalar(select(Unit).where(Unit.code == meta.unit.code))
        if meta.unit.code == root.code or (local is not None and local.id == root.id):
            raise PackageRefused(OWN, f"Gói dữ liệu này là của chính {root.name} (mã {root.code}); chỉ tổng hợp "
                                      "gói của các đơn vị cấp dưới.")
        outside = PackageRefused(OUTSIDE, f"Gói dữ liệu của {name} không thuộc phạm vi của {root.name} "
                                          f"(mã {root.code}): đơn vị này không trực thuộc {root.name}.")
        if root.code not in codes or (local is not None and not in_subtree(local, root)):
            raise outside
        # Units between the office and the sender, top down, then the sender: known ones must sit inside.
        self.new: list[UnitRow] = []
        self.local: dict[str, Unit] = {}
        self.inside: set[str] = set()  # codes in the sender's subtree
        below = list(reversed(chain[:codes.index(root.code)]))
        for u in below:
            existing = s.scalar(select(Unit).where(Unit.code == u.code))
            if existing is not None:
                if not in_subtree(existing, root):
                    raise outside
                self.local[u.code] = existing
            else:
                self.new.append(u)
        self.sender = self.local.get(meta.unit.code)
        self.inside.add(meta.unit.code)
        self.problems: list[str] = []
        self._cache: dict[str, bool] = {meta.unit.code: True}

    def add_units(self, rows: list[UnitRow]) -> None:
        """The package's units sheet: units below the sender, parents first (any order is sorted out)."""
        pending = [r for r in rows if r.code != self.sender_code]
        while pending:
            left: list[UnitRow] = []
            for r in pending:
                existing = self.s.scalar(select(Unit).where(Unit.code == r.code))
                if existing is not None:
                    if self.sender is not None and in_subtree(existing, self.sender):
                        self.local[r.code] = existing
                        self.inside.add(r.code)
                    else:
                        self.problems.append(f"đơn vị “{existing.name}” (mã {r.code}) đã có ở nơi khác trong "
                                             "cây đơn vị, không thuộc đơn vị gửi")
                        self._cache[r.code] = False
                elif r.parent_code in self.inside:
                    self.new.append(r)
                    self.inside.add(r.code)
                else:
                    left.append(r)
            if len(left) == len(pending):
                for r in left:
                    self.problems.append(f"đơn vị “{r.name}” (mã {r.code}) không nằm dưới đơn vị gửi")
                    self._cache[r.code] = False
                break
            pending = left

    def in_sender(self, code: str) -> bool:
        """Whether a record's unit lies in the sender's subtree."""
        hit = self._cache.get(code)
        if hit is None:
            if code in self.inside:
                hit = True
            else:
                u = self.s.scalar(select(Unit).where(Unit.code == code))
                hit = u is not None and self.sender is not None and in_subtree(u, self.sender)
                if hit:
                    assert u is not None
                    self.local[code] = u
            self._cache[code] = hit
        return hit

    def create(self) -> dict[str, Unit]:
        """Add the new units (parents first); returns code → unit for every unit the records may name."""
        for r in self.new:
            parent = self.local.get(r.parent_code or "") or self.s.scalar(select(Unit).where(
                Unit.code == r.parent_code))
            try:
                self.local[r.code] = create_unit(self.s, r.code, r.name, r.level, parent, r.scheme)
            except Refused as e:
                raise PackageRefused("damaged", f"Gói dữ liệu có đơn vị không hợp lệ: {e}") from e
        return self.local

    def unit(self, code: str) -> Unit:
        """The local unit of a code (after create())."""
        u = self.local.get(code)
        if u is None:
            u = self.s.scalar(select(Unit).where(Unit.code == code))
            assert u is not None
            self.local[code] = u
        return u


# ---- comparing ---------------------------------------------------------------------------------------------

def content_hash(kind: RecordKind, unit_code: str, deleted: bool, notes: str, values: Mapping[str, Value]) -> str:
    """SHA-256 of what a record says (not its envelope): unit, deletion, notes, field values."""
    text = json.dumps([unit_code, bool(deleted), notes or "", plain(kind, values)], ensure_ascii=False,
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
    return {"unit": rec.unit_code, "created_at": rec.created_at.isoformat(), "updated_at": rec.updated_at.isoformat(),
            "created_by": rec.created_by, "updated_by": rec.updated_by, "revision": rec.revision,
            "deleted": rec.deleted, "notes": rec.notes}


def _row_snapshot(kind: RecordKind, m: Mapping[str, Any], unit_code: str) -> dict[str, Any]:
    """A stored record as JSON-friendly data (for undo and conflicts)."""
    return {"unit": unit_code, "created_at": m["created_at"].isoformat(), "updated_at": m["updated_at"].isoformat(),
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

    def frozen(self) -> MergeCounts:
        return MergeCounts(self.added, self.replaced, self.unchanged, self.conflicts)


@dataclass
class _Outcome:
    meta: PackageMeta
    file_hash: str
    by_kind: dict[str, _Tally]
    conflicts: list[ConflictInfo]
    new_units: list[str]
    applied_before: dt.datetime | None
    import_id: int | None = None

    def total(self) -> MergeCounts:
        t = _Tally()
        for k in self.by_kind.values():
            t.added += k.added
            t.replaced += k.replaced
            t.unchanged += k.unchanged
            t.conflicts += k.conflicts
        return t.frozen()


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
        plan = _UnitPlan(s, root, meta)
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
                            file_hash=pkg.file_hash, unit_code=meta.unit.code, period=meta.period.code,
                            period_start=meta.period.start, period_end=meta.period.end, counts="{}")
            s.add(log)
            s.flush()
            import_id = log.id
        outcome = _Outcome(meta, pkg.file_hash, {k.key: _Tally() for k in KINDS}, [], new_units, applied_before,
                           import_id)
        added: dict[str, list[list[Any]]] = {k.key: [] for k in KINDS}
        outside: list[str] = []
        total = sum(meta.counts.get(k.key, 0) for k in KINDS)
        done = 0
        for kind_key, batch in pkg.records(_BATCH, check=False):
            kind = get_kind(kind_key)
            _classify(s, actor, pkg, plan, kind, batch, outcome, added[kind_key], outside, write)
            done += len(batch)
            if progress is not None:
                progress(done, total)
        report_texts = package_report.read_texts(pkg)  # hashed last, before verify()
        pkg.verify()  # edited (checksum), unsigned, forged or damaged: raises; the transaction rolls back
        key = check_sender(s, meta.unit.code, meta.public_key)
        if key.status == "changed":
            raise PackageRefused(KEY_CHANGED, (
                f"Gói dữ liệu của “{meta.unit.name}” được ký bằng một khóa khác (dấu vân tay {key.fingerprint}) "
                f"với khóa đã ghi nhận cho đơn vị này (dấu vân tay {key.pinned_fingerprint}). Nếu đơn vị đã cài "
                "lại chương trình, hãy gọi điện đối chiếu dấu vân tay rồi để quản trị viên chấp nhận khóa mới; "
                "nếu không, gói này có thể bị giả mạo."))
        if key.status == "new" and write:
            pin(s, meta.unit.code, meta.public_key)  # first package from this unit: remember its key
        problems = plan.problems + outside
        if problems:
            shown = "; ".join(problems[:5]) + (f"; và {len(problems) - 5} trường hợp khác" if len(problems) > 5 else "")
            raise PackageRefused(RECORD_OUTSIDE, f"Gói dữ liệu của “{meta.unit.name}” có dữ liệu của đơn vị không "
                                                 f"thuộc đơn vị gửi: {shown}.")
        if write:
            assert import_id is not None
            _write_ledger(s, actor, path, outcome, added)
            if report_texts:  # the sender's report text, for the composer beside this office's own
                store_child_texts(s, plan.unit(meta.unit.code), meta.period.code, report_texts, import_id)
    return outcome


def _classify(s: Session, actor: Actor, pkg: PackageReader, plan: _UnitPlan, kind: RecordKind,
              batch: list[IncomingRecord], out: _Outcome, added_ids: list[list[Any]], outside: list[str],
              write: bool) -> None:
    t = RECORD_TABLES[kind.key]
    tally = out.by_kind[kind.key]
    ids = [r.id for r in batch]
    local: dict[str, Any] = {row._mapping["id"]: row._mapping for row in s.execute(
        select(t, Unit.code.label("unit_code_")).join(Unit, Unit.id == t.c.unit_id).where(t.c.id.in_(ids)))}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    snapshots: list[dict[str, Any]] = []
    candidates: list[tuple[IncomingRecord, Mapping[str, Any], dict[str, Value], str]] = []
    for rec in batch:
        if not plan.in_sender(rec.unit_code):
            if len(outside) < 50:
                outside.append(f"{kind.label} dòng {rec.row} thuộc đơn vị mã “{rec.unit_code}”")
            continue
        m = local.get(rec.id)
        if m is not None:
            lvals = from_db(kind, m)
            if (rec.revision <= m["revision"] and rec.unit_code == m["unit_code_"] and rec.deleted == bool(m["deleted"])
                    and rec.notes == (m["notes"] or "") and rec.values == lvals):
                tally.unchanged += 1  # equal to what we hold, which passed the rules when stored
                continue
        checked = pkg.check(rec)
        if checked is None:
            continue  # the reader noted the problem; verify() refuses the package
        if m is None:
            tally.added += 1
            if write:
                inserts.append(_stored_row(kind, checked, plan.unit(checked.unit_code)))
                added_ids.append([checked.id, checked.revision])
            continue
        same = (checked.unit_code == m["unit_code_"] and checked.deleted == bool(m["deleted"])
                and checked.notes == (m["notes"] or "") and checked.values == lvals)
        if checked.revision > m["revision"]:
            tally.replaced += 1
            if write:
                updates.append({"_rid": checked.id, **_stored_row(kind, checked, plan.unit(checked.unit_code))})
                snapshots.append({"import_id": out.import_id, "kind": kind.key, "record_id": checked.id,
                                  "revision_after": checked.revision,
                                  "before": json.dumps(_row_snapshot(kind, m, m["unit_code_"]), ensure_ascii=False)})
        elif same:
            tally.unchanged += 1
        else:
            candidates.append((checked, m, lvals, content_hash(kind, checked.unit_code, checked.deleted,
                                                               checked.notes, checked.values)))
    if candidates:
        _conflicts(s, kind, candidates, out, tally, write)
    if write:
        if inserts:
            s.execute(t.insert(), inserts)
        if updates:
            s.execute(t.update().where(t.c.id == bindparam("_rid")), updates)
            # A newer version settles what an older incoming one disputed.
            s.execute(update(MergeConflict).where(MergeConflict.record_id.in_([u["_rid"] for u in updates]),
                                                  MergeConflict.status == "open")
                      .values(status="superseded", resolved_at=utcnow(), resolved_by=actor.username))
            s.execute(insert(ImportReplaced), snapshots)


def _conflicts(s: Session, kind: RecordKind, candidates: list[tuple[IncomingRecord, Mapping[str, Any],
                                                                    dict[str, Value], str]],
               out: _Outcome, tally: Any, write: bool) -> None:
    ids = [c[0].id for c in candidates]
    decided = {(r.record_id, r.incoming_revision, r.incoming_hash) for r in s.execute(
        select(MergeConflict.record_id, MergeConflict.incoming_revision, MergeConflict.incoming_hash)
        .where(MergeConflict.record_id.in_(ids)))}
    rows = []
    for rec, m, lvals, h in candidates:
        local_newer = rec.revision < m["revision"]
        # Not news: an incoming version a person already decided about (or that waits for it), or an older
        # version inside a file applied before (the office has moved on since).
        if (rec.id, rec.revision, h) in decided or (local_newer and out.applied_before is not None):
            tally.unchanged += 1
            continue
        tally.conflicts += 1
        local_view = {"unit": m["unit_code_"], "notes": m["notes"] or "", "deleted": bool(m["deleted"]), **lvals}
        incoming_view = {"unit": rec.unit_code, "notes": rec.notes, "deleted": rec.deleted, **rec.values}
        diffs = _diff(kind, local_view, incoming_view)
        title = str(rec.values.get(kind.title_field) or lvals.get(kind.title_field) or "")
        reason = "local_newer" if local_newer else "same_revision"
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


def _write_ledger(s: Session, actor: Actor, path: Path, out: _Outcome, added: dict[str, list[list[Any]]]) -> None:
    meta = out.meta
    counts = out.total()
    log = s.get(ImportLog, out.import_id)
    assert log is not None
    log.counts = json.dumps({**counts.as_dict(), "by_kind": {k: v.frozen().as_dict() for k, v in out.by_kind.items()}},
                            ensure_ascii=False)
    s.add(PackageImport(id=out.import_id, unit_name=meta.unit.name[:200], exported_at=meta.exported_at,
                        exported_by=meta.exported_by[:64], checksum=meta.checksum, status="applied",
                        undone_by=""))
    for k, ids in added.items():
        if ids:
            s.add(ImportAdded(import_id=out.import_id, kind=k, records=json.dumps(ids)))
    write_audit(s, actor.username, "import", "package", "", {
        "import_id": out.import_id, "file": path.name, "file_hash": out.file_hash, "unit": meta.unit.code,
        "period": meta.period.code, "counts": counts.as_dict(), "new_units": out.new_units})


# ---- public verbs ------------------------------------------------------------------------------------------

def _preview_of(path: Path, out: _Outcome, cls: type[PackagePreview] = PackagePreview, **extra: Any) -> Any:
    meta = out.meta
    return cls(path, out.file_hash, True, "", "", meta.unit.code, meta.unit.name, meta.period.code,
               meta.period.label_vi, meta.exported_at, meta.exported_by, out.total(),
               {k: v.frozen() for k, v in out.by_kind.items()}, tuple(out.conflicts), tuple(out.new_units),
               out.applied_before, **extra)


def _refused(path: Path, e: PackageRefused, cls: type[PackagePreview] = PackagePreview) -> Any:
    try:
        h = file_sha256(path)
    except OSError:
        h = ""
    return cls(path, h, False, e.reason, str(e))


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
    from danvan_desktop.services.backup import auto_backup

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
    return _preview_of(path, out, ImportResult, import_id=out.import_id)  # type: ignore[no-any-return]


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


def resolve_conflict(db: Database, actor: Actor, conflict_id: int, choice: str) -> ConflictInfo:
    """Decide a conflict: "keep_local" (the office's copy stays and becomes the newer one) or "take_incoming"."""
    actor.require(Action.MERGE)
    if choice not in ("keep_local", "take_incoming"):
        raise Refused(f"Lựa chọn “{choice}” không hợp lệ (keep_local: giữ bản tại chỗ; take_incoming: lấy bản "
                      "nhận vào).")
    with db.transaction() as s:
        c = s.get(MergeConflict, conflict_id)
        if c is None:
            raise NotFound(f"Không có xung đột số {conflict_id}.")
        if c.status != "open":
            raise Refused(f"Xung đột số {conflict_id} đã được xử lý ({c.status}).")
        kind = get_kind(c.kind)
        if kind.sensitive:
            actor.require(Action.RELIGION)
        t = RECORD_TABLES[kind.key]
        row = s.execute(select(t, Unit.code.label("unit_code_")).join(Unit, Unit.id == t.c.unit_id)
                        .where(t.c.id == c.record_id)).first()
        if row is None:
            raise NotFound(f"Không còn bản ghi “{c.title}” để xử lý xung đột.")
        m: Any = row._mapping
        now = utcnow()
        before = _row_snapshot(kind, m, m["unit_code_"])
        if choice == "keep_local":
            if m["revision"] <= c.incoming_revision:
                # The office's copy becomes the newest version, so it wins upward and a later edit at the
                # sender (same revision number) shows up as a conflict again instead of silently replacing it.
                s.execute(t.update().where(t.c.id == c.record_id).values(
                    revision=c.incoming_revision + 1, updated_at=now, updated_by=actor.username))
        else:
            if m["revision"] != c.local_revision:
                raise Refused(f"{kind.label} “{c.title}” đã thay đổi tại chỗ sau khi xung đột được ghi nhận "
                              f"(nay là lần sửa {m['revision']}); hãy tổng hợp lại gói để so sánh bản mới nhất.")
            inc = json.loads(c.incoming)
            unit = s.scalar(select(Unit).where(Unit.code == inc["unit"]))
            if unit is None:
                raise NotFound(f"Không có đơn vị mã “{inc['unit']}”.")
            values = _values_from_plain(kind, inc["values"])
            s.execute(t.update().where(t.c.id == c.record_id).values(
                unit_id=unit.id, created_at=dt.datetime.fromisoformat(inc["created_at"]),
                updated_at=dt.datetime.fromisoformat(inc["updated_at"]), created_by=inc["created_by"],
                updated_by=inc["updated_by"], revision=inc["revision"], deleted=inc["deleted"], notes=inc["notes"],
                **stored_columns(kind, values, inc["notes"], unit.name)))
        c.status, c.resolved_at, c.resolved_by = choice, now, actor.username
        write_audit(s, actor.username, "conflict", kind.key, c.record_id,
                    {"conflict_id": c.id, "choice": choice, "before": before})
        return _conflict_info(c)


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


def undo_import(db: Database, actor: Actor, import_id: int) -> ImportInfo:
    """Undo the last import of a package: its added records go, the versions it replaced come back.

    Refused if any record it touched has changed since (a later import, an edit or a decided conflict).
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
        later = s.scalar(select(ImportLog.id).join(PackageImport, PackageImport.id == ImportLog.id).where(
            ImportLog.unit_code == log.unit_code, ImportLog.period == log.period, ImportLog.id > log.id,
            PackageImport.status == "applied").limit(1))
        if later is not None:
            raise Refused(f"Chỉ hoàn tác được lần tổng hợp mới nhất của gói này; hãy hoàn tác lần số {later} trước.")
        changed: list[str] = []
        plans: list[tuple[str, str, Any]] = []  # (kind, record id, None to delete | snapshot to restore)
        for a in s.scalars(select(ImportAdded).where(ImportAdded.import_id == import_id)):
            t = RECORD_TABLES[a.kind]
            pairs = json.loads(a.records)
            for chunk in range(0, len(pairs), _BATCH):
                part = dict((rid, rev) for rid, rev in pairs[chunk:chunk + _BATCH])
                now = {i: r for i, r in s.execute(select(t.c.id, t.c.revision).where(t.c.id.in_(list(part))))}
                for rid, rev in part.items():
                    if rid in now and now[rid] != rev:
                        changed.append(rid)
                    elif rid in now:
                        plans.append((a.kind, rid, None))
        for r in s.scalars(select(ImportReplaced).where(ImportReplaced.import_id == import_id)):
            t = RECORD_TABLES[r.kind]
            rev = s.scalar(select(t.c.revision).where(t.c.id == r.record_id))
            if rev != r.revision_after:
                changed.append(r.record_id)
            else:
                plans.append((r.kind, r.record_id, json.loads(r.before)))
        if changed:
            raise Refused(f"Không hoàn tác được lần tổng hợp số {import_id}: {len(changed)} bản ghi đã thay đổi sau "
                          "lần tổng hợp này (được sửa, xử lý xung đột hoặc tổng hợp gói khác).")
        removed = restored = 0
        for kind_key, rid, snap in plans:
            kind = get_kind(kind_key)
            t = RECORD_TABLES[kind_key]
            if snap is None:
                s.execute(delete(t).where(t.c.id == rid))
                removed += 1
                continue
            unit = s.scalar(select(Unit).where(Unit.code == snap["unit"]))
            assert unit is not None
            values = _values_from_plain(kind, snap["values"])
            s.execute(t.update().where(t.c.id == rid).values(
                unit_id=unit.id, created_at=dt.datetime.fromisoformat(snap["created_at"]),
                updated_at=dt.datetime.fromisoformat(snap["updated_at"]), created_by=snap["created_by"],
                updated_by=snap["updated_by"], revision=snap["revision"], deleted=snap["deleted"],
                notes=snap["notes"], **stored_columns(kind, values, snap["notes"], unit.name)))
            restored += 1
        s.execute(update(MergeConflict).where(MergeConflict.import_id == import_id, MergeConflict.status == "open")
                  .values(status="undone", resolved_at=utcnow(), resolved_by=actor.username))
        pi.status, pi.undone_at, pi.undone_by = "undone", utcnow(), actor.username
        write_audit(s, actor.username, "undo_import", "package", "", {
            "import_id": import_id, "file": log.file_name, "removed": removed, "restored": restored})
        return _import_info(log, pi, False)



def accept_new_key(db: Database, actor: Actor, path: Path | str) -> str:
    """An admin accepts the new signing key of the unit that sent this package; returns its fingerprint.

    Done after the sender's fingerprint was checked by phone: the next package signed with it is accepted.
    """
    actor.require(Action.ADMIN)
    path = Path(path)
    with PackageReader(path, newest_schema=SCHEMA_VERSION) as pkg:
        meta = pkg.meta
        pkg.read_units()
        for _kind, _batch in pkg.records(_BATCH, check=False):
            pass
        pkg.verify()  # only a whole, correctly signed package can introduce a key
    with db.transaction() as s:
        old = check_sender(s, meta.unit.code, meta.public_key)
        pin(s, meta.unit.code, meta.public_key)
        write_audit(s, actor.username, "accept_key", "unit", meta.unit.code,
                    {"old": old.pinned_fingerprint, "new": old.fingerprint, "file": path.name})
    return fingerprint(meta.public_key)
