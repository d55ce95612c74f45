"""The unit tree: the office's home unit, the units below it, lookups by code or name, ancestry."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.text import clean_text, fold, sort_key
from danvan_desktop.domain.unit_identity import unit_identity
from danvan_desktop.domain.vocab import UNIT_LEVEL
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import write_audit
from danvan_desktop.services.changes import NOTHING, Changes
from danvan_desktop.services.errors import NotFound, Refused
from danvan_desktop.services.fits import check_fits
from danvan_desktop.services.settings import get_setting
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import Unit

LEVEL_RANK = {"tw": -1, "tinh": 0, "huyen": 1, "xa": 2, "thon": 3}
SCHEMES = {"2025": "Mã chính thức (từ 01/7/2025)", "legacy": "Mã chính thức (trước 01/7/2025)",
           "local": "Mã do đơn vị tự đặt"}


@dataclass(frozen=True)
class UnitInfo:
    """A unit as services hand it out."""

    code: str
    name: str
    level: str
    parent_code: str | None
    scheme: str
    depth: int = 0
    uid: str = ""  # global identity (SPEC §2)
    changes: Changes = field(default=NOTHING, compare=False, repr=False)  # set by the write that returned it
    # How the window names the unit to services: the code, or "PARENT/CODE" when another unit of the office
    # shares the code (two communes may both have a village "01", SPEC §2). Set by list_units.
    ref: str = ""
    parent_ref: str | None = None

    @property
    def key(self) -> str:
        """The unit's unambiguous name within the office (its code unless another unit shares it)."""
        return self.ref or self.code

    @property
    def parent_key(self) -> str | None:
        """The parent's key (see key)."""
        return self.parent_ref or self.parent_code

    @property
    def level_label(self) -> str:
        """Vietnamese name of the level."""
        return UNIT_LEVEL.label(self.level)


def _info(u: Unit, parent_code: str | None, home_depth: int = 0) -> UnitInfo:
    return UnitInfo(u.code, u.name, u.level, parent_code, u.scheme, u.path.count("/") - 2 - home_depth, u.uid)


def unit_by_code(s: Session, code: str) -> Unit:
    """The unit with this code, or NotFound; "PARENT/CODE" names one of several units sharing a local code."""
    parent_code, sep, own = code.rpartition("/")
    stmt = select(Unit).where(Unit.code == (own if sep else code))
    found = [u for u in s.scalars(stmt)
             if not sep or (u.parent_id is not None and s.get(Unit, u.parent_id).code == parent_code)]  # type: ignore[union-attr]
    if not found:
        raise NotFound(f"Không có đơn vị mã “{code}”.")
    if len(found) > 1:
        names = "; ".join(f"“{u.name}”" for u in found[:5])
        raise Refused(f"Có {len(found)} đơn vị cùng mã “{code}” ({names}); hãy ghi kèm mã đơn vị cấp trên, "
                      f"ví dụ “MÃCẤPTRÊN/{code}”.")
    return found[0]


def unit_by_uid(s: Session, uid: str) -> Unit | None:
    """The unit with this global identity, if the office knows it."""
    return s.scalar(select(Unit).where(Unit.uid == uid))


def home(s: Session) -> Unit:
    """The office's own unit."""
    uid = get_setting(s, "home_unit_uid")
    if uid:
        u = unit_by_uid(s, uid)
        if u is not None:
            return u
    code = get_setting(s, "home_unit")
    if not code:
        raise NotFound("Cơ sở dữ liệu chưa được khởi tạo (chưa có đơn vị của cơ quan).")
    return unit_by_code(s, code)


def in_subtree(u: Unit, root: Unit) -> bool:
    """Whether u is root or below it."""
    return u.path.startswith(root.path)


def create_unit(s: Session, code: str, name: str, level: str, parent: Unit | None, scheme: str = "local",
                uid: str | None = None) -> Unit:
    """Insert a unit under parent (no permission check: callers decide); uid: its identity from a package."""
    code, name = clean_text(code), clean_text(name)
    if not code:
        raise Refused("Mã đơn vị không được để trống.")
    if not name:
        raise Refused(f"Tên đơn vị (mã “{code}”) không được để trống.")
    check_fits(code, Unit.__table__.c.code, "Mã đơn vị")
    check_fits(name, Unit.__table__.c.name, "Tên đơn vị")
    if level not in LEVEL_RANK:
        raise Refused(f"Cấp đơn vị “{level}” không hợp lệ (chọn: {', '.join(UNIT_LEVEL.labels)}).")
    if scheme not in SCHEMES:
        raise Refused(f"Loại mã “{scheme}” không hợp lệ.")
    if parent is not None and LEVEL_RANK[level] <= LEVEL_RANK[parent.level]:
        raise Refused(f"Đơn vị “{name}” ({UNIT_LEVEL.label(level)}) không thể trực thuộc "
                      f"“{parent.name}” ({UNIT_LEVEL.label(parent.level)}).")
    parent_id = parent.id if parent else None
    if s.scalar(select(Unit.id).where(Unit.code == code, Unit.parent_id.is_(None) if parent_id is None
                                      else Unit.parent_id == parent_id)) is not None:
        raise Refused(f"Mã đơn vị “{code}” đã được dùng cho một đơn vị khác cùng cấp trên.")
    uid = uid or unit_identity(scheme, code, parent.uid if parent else None)
    other = unit_by_uid(s, uid)
    if other is not None:
        raise Refused(f"Đơn vị “{name}” (mã {code}) trùng định danh với đơn vị “{other.name}” đã có.")
    u = Unit(code=code, name=name, level=level, parent_id=parent_id, scheme=scheme, uid=uid,
             name_folded=fold(name), path="")
    s.add(u)
    s.flush()  # need the id for the path
    u.path = f"{parent.path if parent else '/'}{u.id}/"
    return u


def add_unit(db: Database, actor: Actor, *, code: str, name: str, level: str, parent_code: str,
             scheme: str = "local") -> UnitInfo:
    """An admin adds a unit below one of the office's units; the result's `changes` says units changed."""
    actor.require(Action.ADMIN)
    with db.transaction() as s:
        parent = unit_by_code(s, parent_code)
        if not in_subtree(parent, home(s)):
            raise Refused(f"Đơn vị “{parent.name}” không thuộc phạm vi của cơ quan.")
        u = create_unit(s, code, name, level, parent, scheme)
        write_audit(s, actor.username, "create", "unit", u.code, {"name": u.name, "level": level})
        return replace(_info(u, parent.code), changes=Changes(units=True))


def rename_unit(db: Database, actor: Actor, code: str, new_name: str) -> UnitInfo:
    """An admin corrects a unit's name; the result's `changes` says whether units changed."""
    actor.require(Action.ADMIN)
    new_name = clean_text(new_name)
    if not new_name:
        raise Refused("Tên đơn vị không được để trống.")
    check_fits(new_name, Unit.__table__.c.name, "Tên đơn vị")
    with db.transaction() as s:
        u = unit_by_code(s, code)
        old = u.name
        u.name, u.name_folded = new_name, fold(new_name)
        parent = s.get(Unit, u.parent_id) if u.parent_id else None
        write_audit(s, actor.username, "update", "unit", u.code, {"name": [old, new_name]})
        return replace(_info(u, parent.code if parent else None), changes=Changes(units=old != new_name))


def list_units(db: Database) -> list[UnitInfo]:
    """The home unit and every unit below it, depth-first, siblings in Vietnamese order."""
    with db.reader() as s:
        root = home(s)
        rows = s.scalars(select(Unit).where(Unit.path.like(root.path + "%"))).all()
    by_id = {u.id: u for u in rows}
    children: dict[int | None, list[Unit]] = {}
    for u in rows:
        children.setdefault(u.parent_id, []).append(u)
    out: list[UnitInfo] = []
    base = root.path.count("/") - 2
    shared = {code for code, n in Counter(u.code for u in rows).items() if n > 1}

    def ref(u: Unit | None) -> str | None:
        if u is None:
            return None
        parent = by_id.get(u.parent_id) if u.parent_id else None
        return f"{parent.code}/{u.code}" if u.code in shared and parent is not None else u.code

    def walk(u: Unit) -> None:
        parent = by_id.get(u.parent_id) if u.parent_id else None
        out.append(replace(_info(u, parent.code if parent else None, base), ref=ref(u) or u.code,
                           parent_ref=ref(parent)))
        for c in sorted(children.get(u.id, []), key=lambda x: sort_key(x.name)):
            walk(c)

    walk(root)
    return out


def ancestry(s: Session, u: Unit) -> list[UnitInfo]:
    """The unit's ancestors, nearest first."""
    out: list[UnitInfo] = []
    cur = s.get(Unit, u.parent_id) if u.parent_id else None
    while cur is not None:
        parent = s.get(Unit, cur.parent_id) if cur.parent_id else None
        out.append(UnitInfo(cur.code, cur.name, cur.level, parent.code if parent else None, cur.scheme, 0, cur.uid))
        cur = parent
    return out


def resolve_unit(s: Session, root: Unit, text: str) -> Unit:
    """A unit of root's subtree given by code or by name (marks and case ignored); Refused if none or many."""
    t = clean_text(text)
    by_code = [x for x in s.scalars(select(Unit).where(Unit.code == t)) if in_subtree(x, root)]
    u = by_code[0] if len(by_code) == 1 else None
    if len(by_code) > 1:
        raise Refused(f"Có {len(by_code)} đơn vị cùng mã “{t}” trong phạm vi của “{root.name}”; hãy ghi tên đơn vị.")
    if u is None and "/" not in t:
        u = s.scalar(select(Unit).where(Unit.code == t))
    elif u is None:
        try:
            u = unit_by_code(s, t)
        except (NotFound, Refused):
            u = None
    if u is not None:
        if not in_subtree(u, root):
            raise Refused(f"Đơn vị “{u.name}” không thuộc phạm vi của “{root.name}”.")
        return u
    f = fold(t)
    matches = s.scalars(select(Unit).where(Unit.path.like(root.path + "%"), Unit.name_folded == f)).all()
    if not matches:
        # "Bản Bo" should find "Xã Bản Bo": accept a unique match ignoring the level word.
        matches = [m for m in s.scalars(select(Unit).where(Unit.path.like(root.path + "%"),
                                                          Unit.name_folded.like("% " + f))).all()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise Refused(f"Không tìm thấy đơn vị “{t}” trong phạm vi của “{root.name}”.")
    raise Refused(f"Có {len(matches)} đơn vị tên “{t}”; hãy ghi mã đơn vị.")


def own_units(s: Session, root: Unit) -> set[int]:
    """Ids of the units whose records this office enters itself: the home unit and its villages.

    Units of commune level or above below the home unit have their own offices; their records arrive by
    merge and only a merging account (tong_hop) may change them.
    """
    # Levels strictly descend, so a village sits directly under its commune.
    ids = {root.id}
    ids.update(s.scalars(select(Unit.id).where(Unit.parent_id == root.id, Unit.level == "thon")))
    return ids
