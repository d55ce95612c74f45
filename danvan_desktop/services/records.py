"""Create, read, update, delete and list records of every kind: one transaction per call, audited."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from danvan_desktop.domain.fields import FieldType, RecordKind
from danvan_desktop.domain.kinds import kind as get_kind
from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.text import fold, sort_string
from danvan_desktop.domain.validation import FieldError, ValidationError, Value, check_notes, check_record
from danvan_desktop.domain.vocab import ROLE
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import write_audit
from danvan_desktop.services.changes import Changes
from danvan_desktop.services.errors import NotFound, PermissionDenied, Refused, StaleRecord
from danvan_desktop.services.overdue import overdue_condition
from danvan_desktop.services.units import home, in_subtree, own_units, resolve_unit
from danvan_desktop.store.database import Database
from danvan_desktop.store.dialects import (
    RowKey,
    first_column,
    key_chunk,
    row_key,
    search_conditions,
    short_word_stats,
    tie_breakers,
)
from danvan_desktop.store.schema import RECORD_TABLES, Unit, utcnow

ENVELOPE_SORTS = {"unit", "updated_at", "created_at", "revision"}


@dataclass(frozen=True)
class Record:
    """A record with its envelope, as every service hands it out."""

    kind: str
    id: str
    unit_code: str
    unit_name: str
    created_at: dt.datetime
    updated_at: dt.datetime
    created_by: str
    updated_by: str
    revision: int
    deleted: bool
    notes: str
    values: Mapping[str, Value]
    unit_uid: str = ""  # the unit's global identity: its code alone may repeat (SPEC §2)

    @property
    def title(self) -> str:
        """The text naming this record in lists and messages."""
        return str(self.values.get(get_kind(self.kind).title_field) or "")

    @property
    def changes(self) -> Changes:
        """What writing this record changed (the write services return the stored Record beside it)."""
        return Changes.records(self.kind, self.id)


@dataclass(frozen=True)
class RecordQuery:
    """What a list shows: scope, period, search words, order, window."""

    unit_code: str | None = None  # subtree root; None = the whole office
    period: Period | None = None
    search: str = ""
    sort: str | None = None  # a field key or one of ENVELOPE_SORTS; None = newest event first
    descending: bool = False
    offset: int = 0
    limit: int | None = 200
    include_deleted: bool = False
    filters: Mapping[str, Any] = field(default_factory=dict)  # field key -> stored value, or a set of them
    overdue_at: dt.date | None = None  # petitions only: just those overdue at that day (SPEC §4)


@dataclass(frozen=True)
class RecordPage:
    """One window of a list and the number of records in the whole list."""

    rows: list[Record]
    total: int


def to_db(kind: RecordKind, values: Mapping[str, Value]) -> dict[str, Any]:
    """Field values in their stored form (a list of unit codes becomes 'a;b')."""
    out: dict[str, Any] = {}
    for f in kind.fields:
        v = values.get(f.key)
        if f.type is FieldType.UNITS:
            v = ";".join(v) if isinstance(v, tuple) else (v or None)
        elif f.type in (FieldType.TEXT, FieldType.LONGTEXT, FieldType.REF) and v == "":
            v = None
        out[f.key] = v
    return out


def from_db(kind: RecordKind, row: Mapping[str, Any]) -> dict[str, Value]:
    """Stored column values back to field values."""
    out: dict[str, Value] = {}
    for f in kind.fields:
        v = row[f.key]
        if f.type is FieldType.UNITS:
            v = tuple(x for x in (v or "").split(";") if x)
        elif f.type is FieldType.BOOL:
            v = bool(v)
        out[f.key] = v
    return out


def search_text(kind: RecordKind, values: Mapping[str, Value], notes: str, unit_name: str = "") -> str:
    """The folded text a search looks in: searchable fields, notes and the unit's name."""
    parts = [str(values.get(f.key) or "") for f in kind.fields if f.searchable]
    return fold(" ".join([*parts, notes, unit_name]))


def stored_columns(kind: RecordKind, values: Mapping[str, Value], notes: str, unit_name: str) -> dict[str, Any]:
    """Every stored column derived from a record's values: the fields, its search text and sort key."""
    return {**to_db(kind, values), "search_text": search_text(kind, values, notes, unit_name),
            "sort_key": sort_string(str(values.get(kind.title_field) or ""))}


def _select(kind: RecordKind) -> Select[Any]:
    t = RECORD_TABLES[kind.key]
    return (select(t, Unit.code.label("unit_code"), Unit.name.label("unit_name"), Unit.uid.label("unit_uid"))
            .join(Unit, Unit.id == t.c.unit_id))


def _record(kind: RecordKind, row: Any) -> Record:
    m = row._mapping
    return Record(kind.key, m["id"], m["unit_code"], m["unit_name"], m["created_at"], m["updated_at"],
                  m["created_by"], m["updated_by"], m["revision"], bool(m["deleted"]), m["notes"] or "",
                  from_db(kind, m), m["unit_uid"] or "")


def _check_view(actor: Actor, kind: RecordKind) -> None:
    actor.require(Action.VIEW)
    if kind.sensitive:
        actor.require(Action.RELIGION)


def _check_edit(s: Session, actor: Actor, kind: RecordKind, unit: Unit) -> None:
    _check_view(actor, kind)
    root = home(s)
    if not in_subtree(unit, root):
        raise Refused(f"Đơn vị “{unit.name}” không thuộc phạm vi của “{root.name}”.")
    if actor.can(Action.EDIT_SUBTREE):
        return
    actor.require(Action.EDIT_OWN)
    if unit.id not in own_units(s, root):
        raise PermissionDenied(f"Tài khoản “{actor.username}” ({ROLE.label(actor.role)}) chỉ được nhập, sửa dữ liệu "
                               f"của “{root.name}” và các thôn, bản trực thuộc; dữ liệu của “{unit.name}” "
                               "do đơn vị đó gửi lên.")


def _check_links(s: Session, kind: RecordKind, values: dict[str, Value], root: Unit) -> list[FieldError]:
    errors: list[FieldError] = []
    for f in kind.fields:
        v = values.get(f.key)
        if f.type is FieldType.REF and v:
            t = RECORD_TABLES[f.ref_kind or ""]
            ok = s.scalar(select(t.c.id).join(Unit, Unit.id == t.c.unit_id)
                          .where(t.c.id == v, t.c.deleted.is_(False), Unit.path.like(root.path + "%")))
            if ok is None:
                errors.append(FieldError(f.key, f"{f.label}: không tìm thấy bản ghi “{v}”"))
        if f.type is FieldType.UNITS and isinstance(v, tuple):
            codes = []
            for code in v:
                try:
                    codes.append(resolve_unit(s, root, code).code)
                except Refused as e:
                    errors.append(FieldError(f.key, f"{f.label}: {e}"))
            values[f.key] = tuple(codes)
    return errors


def _apply_defaults(s: Session, kind: RecordKind, raw: dict[str, Any]) -> None:
    # A petition raised at a meeting is received on the meeting's date unless told otherwise.
    if kind.key == "petition" and raw.get("meeting_id") and not raw.get("received_date"):
        t = RECORD_TABLES["meeting"]
        raw["received_date"] = s.scalar(select(t.c.date).where(t.c.id == raw["meeting_id"]))


def prepare_values(s: Session, kind: RecordKind, raw: Mapping[str, Any], root: Unit) -> dict[str, Value]:
    """Type, check and link-check a record's values (ValidationError with every problem)."""
    data = dict(raw)
    _apply_defaults(s, kind, data)
    try:
        values = check_record(kind, data)
        errors: list[FieldError] = []
    except ValidationError as e:
        values, errors = {}, list(e.errors)
    if values:
        errors += _check_links(s, kind, values, root)
    if errors:
        raise ValidationError(errors)
    return values


def insert_new(s: Session, actor: Actor, kind: RecordKind, raw: Mapping[str, Any], *, unit: str | None = None,
               notes: str = "", audit: bool = True) -> str:
    """Check and insert one new record inside the caller's transaction; returns its id."""
    root = home(s)
    u = resolve_unit(s, root, unit) if unit else root
    _check_edit(s, actor, kind, u)
    values = prepare_values(s, kind, raw, root)
    note = check_notes(notes)
    now = utcnow()
    rid = str(uuid.uuid4())
    row = {"id": rid, "unit_id": u.id, "created_at": now, "updated_at": now, "created_by": actor.username,
           "updated_by": actor.username, "revision": 1, "deleted": False, "notes": note,
           **stored_columns(kind, values, note, u.name)}
    s.execute(RECORD_TABLES[kind.key].insert().values(**row))
    if audit:
        write_audit(s, actor.username, "create", kind.key, rid, {"after": plain(kind, values)})
    return rid


def plain(kind: RecordKind, values: Mapping[str, Value]) -> dict[str, Any]:
    """Values as JSON-friendly text and numbers (for the audit log and packages)."""
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, dt.date):
            v = v.isoformat()
        elif isinstance(v, tuple):
            v = ";".join(v)
        out[k] = v
    return out


def _record_unit(s: Session, kind: RecordKind, record_id: str) -> Unit:
    """The unit a stored record belongs to, by its row (local codes may repeat across communes, SPEC §2)."""
    t = RECORD_TABLES[kind.key]
    u = s.get(Unit, s.scalar(select(t.c.unit_id).where(t.c.id == record_id)))
    if u is None:
        raise NotFound(f"Không tìm thấy đơn vị của bản ghi “{record_id}”.")
    return u


def _load(s: Session, kind: RecordKind, record_id: str) -> Record:
    row = s.execute(_select(kind).where(RECORD_TABLES[kind.key].c.id == record_id)).first()
    if row is None:
        raise NotFound(f"Không tìm thấy {kind.label.lower()} có mã “{record_id}”.")
    return _record(kind, row)


def add_record(db: Database, actor: Actor, kind_key: str, values: Mapping[str, Any], *, unit: str | None = None,
               notes: str = "") -> Record:
    """Add one record (unit by code or name; default the home unit)."""
    k = get_kind(kind_key)
    with db.transaction() as s:
        rid = insert_new(s, actor, k, values, unit=unit, notes=notes)
        return _load(s, k, rid)


def get_record(db: Database, actor: Actor, kind_key: str, record_id: str) -> Record:
    """One record by id (deleted ones too, marked as such)."""
    k = get_kind(kind_key)
    _check_view(actor, k)
    with db.reader() as s:
        return _load(s, k, record_id)


def update_record(db: Database, actor: Actor, kind_key: str, record_id: str, values: Mapping[str, Any], *,
                  unit: str | None = None, notes: str | None = None,
                  expected_revision: int | None = None) -> Record:
    """Change some fields of a record; unchanged input changes nothing (no new revision)."""
    k = get_kind(kind_key)
    t = RECORD_TABLES[k.key]
    with db.transaction() as s:
        cur = _load(s, k, record_id)
        if cur.deleted:
            raise Refused(f"{k.label} “{cur.title}” đã bị xóa, không sửa được.")
        if expected_revision is not None and expected_revision != cur.revision:
            raise StaleRecord(f"{k.label} “{cur.title}” vừa được “{cur.updated_by}” sửa (lần {cur.revision}). "
                              "Hãy mở lại để xem bản mới nhất.")
        old_unit = _record_unit(s, k, record_id)
        _check_edit(s, actor, k, old_unit)
        root = home(s)
        new_unit = resolve_unit(s, root, unit) if unit else old_unit
        if new_unit.id != old_unit.id:
            _check_edit(s, actor, k, new_unit)
        merged = {**plain(k, cur.values), **values}
        new_values = prepare_values(s, k, merged, root)
        note = cur.notes if notes is None else check_notes(notes)
        before, after = plain(k, cur.values), plain(k, new_values)
        diff = {key: [before.get(key), after.get(key)] for key in after if before.get(key) != after.get(key)}
        if note != cur.notes:
            diff["notes"] = [cur.notes, note]
        if new_unit.id != old_unit.id:
            diff["unit"] = [old_unit.code, new_unit.code]
        if not diff:
            return cur
        s.execute(t.update().where(t.c.id == record_id).values(
            unit_id=new_unit.id, updated_at=utcnow(), updated_by=actor.username, revision=cur.revision + 1,
            notes=note, **stored_columns(k, new_values, note, new_unit.name)))
        write_audit(s, actor.username, "update", k.key, record_id, {"changes": diff})
        return _load(s, k, record_id)


def delete_record(db: Database, actor: Actor, kind_key: str, record_id: str) -> Record:
    """Delete a record: it stays as a tombstone so the deletion travels through merges."""
    k = get_kind(kind_key)
    t = RECORD_TABLES[k.key]
    with db.transaction() as s:
        cur = _load(s, k, record_id)
        if cur.deleted:
            return cur
        _check_edit(s, actor, k, _record_unit(s, k, record_id))
        s.execute(t.update().where(t.c.id == record_id).values(
            deleted=True, revision=cur.revision + 1, updated_at=utcnow(), updated_by=actor.username))
        write_audit(s, actor.username, "delete", k.key, record_id, {"before": plain(k, cur.values)})
        return _load(s, k, record_id)


def restore_deleted(db: Database, actor: Actor, kind_key: str, record_id: str) -> Record:
    """Bring a deleted record back (undo of a delete): a new revision, so the return travels upward too."""
    k = get_kind(kind_key)
    t = RECORD_TABLES[k.key]
    with db.transaction() as s:
        cur = _load(s, k, record_id)
        if not cur.deleted:
            return cur
        _check_edit(s, actor, k, _record_unit(s, k, record_id))
        s.execute(t.update().where(t.c.id == record_id).values(
            deleted=False, revision=cur.revision + 1, updated_at=utcnow(), updated_by=actor.username))
        write_audit(s, actor.username, "undelete", k.key, record_id, {"after": plain(k, cur.values)})
        return _load(s, k, record_id)


def _conditions(s: Session, kind: RecordKind, q: RecordQuery, *, short_by_text: bool = False) -> list[Any]:
    """WHERE conditions on the record table alone (no join), so counting stays on its indexes.

    `short_by_text`: words of one or two letters tested on each row's text instead of gathered from their
    index (see _common_short_words).
    """
    t = RECORD_TABLES[kind.key]
    conds: list[Any] = []
    if not q.include_deleted:
        conds.append(t.c.deleted.is_(False))
    if q.unit_code:
        root = home(s)
        scope = resolve_unit(s, root, q.unit_code)
        if scope.id != root.id:  # every record of the file is in the home subtree
            conds.append(t.c.unit_id.in_(select(Unit.id).where(Unit.path.like(scope.path + "%"))))
    if q.period is not None and kind.event_field:
        col = t.c[kind.event_field]
        conds += [col >= q.period.start, col <= q.period.end]
    words = fold(q.search).split()
    # Folded shadow column: "dang uy ban bo" finds "Đảng ủy xã Bản Bo" (LIKE is ASCII-only otherwise);
    # words of 3+ letters go through its trigram index, shorter ones through the index of its one- and
    # two-character pieces; both give exactly the rows of search_text LIKE '%word%'.
    conds += search_conditions(s, t, words, short_by_text=short_by_text)
    if q.overdue_at is not None and kind.key == "petition":
        conds.append(overdue_condition(t, q.overdue_at))
    for key, value in q.filters.items():
        is_set = isinstance(value, set | frozenset | list | tuple)
        conds.append(t.c[key].in_(sorted(value)) if is_set else t.c[key] == value)
    return conds


def _order(s: Session, kind: RecordKind, q: RecordQuery) -> list[Any]:
    t = RECORD_TABLES[kind.key]
    if q.sort in ENVELOPE_SORTS:
        col: Any = (select(Unit.name).where(Unit.id == t.c.unit_id).correlate(t).scalar_subquery().collate("vi")
                    if q.sort == "unit" else t.c[q.sort])
    elif q.sort == kind.title_field:
        col = t.c.sort_key  # indexed Vietnamese order
    elif q.sort:
        f = kind.field(q.sort)
        col = t.c[q.sort].collate("vi") if f.type in (FieldType.TEXT, FieldType.LONGTEXT) else t.c[q.sort]
    else:
        col = t.c[kind.event_field] if kind.event_field else t.c.sort_key
    desc = q.descending if q.sort else bool(kind.event_field)
    # Insertion order breaks ties (SQLite's rowid is the tail of every index: the whole ORDER BY follows one index).
    ties: list[Any] = tie_breakers(s, t)
    return [c.desc() for c in (col, *ties)] if desc else [c.asc() for c in (col, *ties)]


def _check_list(actor: Actor, kind_key: str) -> RecordKind:
    k = get_kind(kind_key)
    _check_view(actor, k)
    return k


# A first page walks the list's order and tests each row's text when the rows walked (page end ÷ share of
# rows holding the word) stay under 1/WALK_FACTOR of the matches the index would gather: "a" or "ha" (in
# most rows) then read a few hundred rows in order instead of 150,000–250,000 row keys (issue 14).
WALK_FACTOR = 8


def _common_short_words(s: Session, kind: RecordKind, q: RecordQuery) -> tuple[bool, int | None]:
    """Whether the query is one or two short words alone, common enough that its first page should walk the
    list order; and then its total (index matches less the deleted rows holding them), else None.

    Only a plain search of the whole list in an indexed order qualifies: with a unit, a period, filters or a
    longer word, walking could read far more rows than it keeps, and the gathered matches stay the plan.
    """
    words = fold(q.search).split()
    indexed_order = not q.sort or q.sort in (kind.title_field, kind.event_field)
    plain = not (q.unit_code or q.period or q.filters or q.overdue_at or q.offset)
    if (q.limit is None or not words or any(len(w) > 2 for w in words) or not indexed_order or not plain):
        return False, None
    t = RECORD_TABLES[kind.key]
    stats = short_word_stats(s, t, words)
    if stats is None:  # this store has no cheap count of a short word's rows: its index gathers them
        return False, None
    found, size = stats
    if not found:
        return False, 0  # held nowhere: no list to walk or gather
    if found * found < WALK_FACTOR * q.limit * max(size, 1):  # walked rows = limit × size / found
        return False, None
    if q.include_deleted:
        return True, int(found)
    deleted = s.scalar(select(func.count()).select_from(t).where(t.c.deleted.is_(True),
                                                                  *search_conditions(s, t, words, short_by_text=True)))
    return True, int(found) - int(deleted or 0)


def list_records(db: Database, actor: Actor, kind_key: str, q: RecordQuery | None = None) -> RecordPage:
    """A window of the records of a kind matching the query, and how many match in all."""
    k = _check_list(actor, kind_key)
    q = q or RecordQuery()
    t = RECORD_TABLES[k.key]
    with db.reader() as s:
        walk, total = _common_short_words(s, k, q)
        if total == 0:
            return RecordPage([], 0)
        conds = _conditions(s, k, q, short_by_text=walk)
        if total is None:
            total = s.scalar(select(func.count()).select_from(t).where(*conds)) or 0
        stmt = _select(k).where(*conds).order_by(*_order(s, k, q))
        if q.limit is not None:
            stmt = stmt.limit(q.limit).offset(q.offset)
        rows = [_record(k, r) for r in s.execute(stmt)]
    return RecordPage(rows, total)


def list_keys(db: Database, actor: Actor, kind_key: str, q: RecordQuery | None = None) -> list[RowKey]:
    """Row keys of every matching record in list order, read from indexes only.

    A long list (500,000 rows) keeps these and fetches the rows it shows by block with get_by_keys. Keys are
    SQLite rowids (stable while the program runs: nothing here rewrites tables) or, on a server, record ids
    (store/dialects.py row_key).
    """
    k = _check_list(actor, kind_key)
    q = q or RecordQuery()
    t = RECORD_TABLES[k.key]
    with db.reader() as s:
        stmt: Any = select(row_key(s, t)).select_from(t).where(*_conditions(s, k, q))
        return first_column(s, stmt.order_by(*_order(s, k, q)))


def get_by_keys(db: Database, actor: Actor, kind_key: str, keys: list[RowKey]) -> list[Record]:
    """The records with these row keys, in the order given (missing ones left out)."""
    k = _check_list(actor, kind_key)
    t = RECORD_TABLES[k.key]
    found: dict[RowKey, Record] = {}
    with db.reader() as s:
        key, step = row_key(s, t), key_chunk(s)
        for i in range(0, len(keys), step):
            for r in s.execute(_select(k).add_columns(key.label("_key")).where(key.in_(keys[i:i + step]))):
                found[r._mapping["_key"]] = _record(k, r)
    return [found[key] for key in keys if key in found]


def overdue_petitions(db: Database, actor: Actor, as_of: dt.date, unit_code: str | None = None,
                      limit: int = 100) -> RecordPage:
    """Kiến nghị overdue at a day (the summary's definition), oldest deadline first."""
    k = _check_list(actor, "petition")
    t = RECORD_TABLES["petition"]
    with db.reader() as s:
        conds = _conditions(s, k, RecordQuery(unit_code=unit_code, overdue_at=as_of))
        total = s.scalar(select(func.count()).select_from(t).where(*conds)) or 0
        rows = [_record(k, r) for r in s.execute(_select(k).where(*conds).order_by(t.c.deadline, t.c.id)
                                                 .limit(limit))]
    return RecordPage(rows, total)


def models_waiting(db: Database, actor: Actor, unit_code: str | None = None, limit: int = 100) -> RecordPage:
    """Models registered or under way, not evaluated yet, oldest registration first."""
    k = _check_list(actor, "model")
    t = RECORD_TABLES["model"]
    with db.reader() as s:
        conds = [*_conditions(s, k, RecordQuery(unit_code=unit_code)),
                 t.c.status.in_(("dang_ky", "dang_thuc_hien"))]
        total = s.scalar(select(func.count()).select_from(t).where(*conds)) or 0
        rows = [_record(k, r) for r in s.execute(_select(k).where(*conds).order_by(t.c.registered_date, t.c.id)
                                                 .limit(limit))]
    return RecordPage(rows, total)


def count_by_kind(db: Database, actor: Actor) -> dict[str, int]:
    """How many live records of each kind the account may see (for the status bar and overview)."""
    out: dict[str, int] = {}
    with db.reader() as s:
        for key, t in RECORD_TABLES.items():
            if get_kind(key).sensitive and not actor.can(Action.RELIGION):
                continue
            out[key] = s.scalar(select(func.count()).select_from(t).where(t.c.deleted.is_(False))) or 0
    return out
