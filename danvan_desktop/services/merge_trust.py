"""Who may speak for which units in a merge (SPEC §2, §6): the sender's place in the office's tree by unit
identity, the units a package adds, and the key that must have signed it.

services/merge.py reads a package, asks UnitPlan whether each record's unit lies in the sending subtree and
check_key() whether the signing key holds those units, then applies the merge rule (domain/merge_rule.py).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from danvan_desktop.exchange.package_format import PackageMeta, PackageRefused, UnitRow
from danvan_desktop.services.errors import Refused
from danvan_desktop.services.signing import KeyCheck, key_holder, pin
from danvan_desktop.services.units import create_unit, in_subtree
from danvan_desktop.store.schema import Unit

__all__ = ["UnitPlan", "by_uid", "check_key", "OUTSIDE", "OWN", "KEY_CHANGED"]

# Refusal reasons decided here (services/merge.py REFUSAL_TITLES gives their titles).
OUTSIDE, OWN, KEY_CHANGED = "outside", "own_unit", "key_changed"


def by_uid(s: Session, uid: str | None) -> Unit | None:
    """The unit of a global identity, if the office knows it."""
    return None if not uid else s.scalar(select(Unit).where(Unit.uid == uid))


class UnitPlan:
    """The sender's place in the office's tree, and the units the package adds (checked before any record).

    Units are matched by global identity (SPEC §2), never by code: a village "01" of one commune is never
    another commune's "01".
    """

    def __init__(self, s: Session, root: Unit, meta: PackageMeta) -> None:
        self.s = s
        self.sender_uid = meta.unit.uid
        name = f"“{meta.unit.name}” (mã {meta.unit.code})"
        chain = [meta.unit, *meta.ancestry]
        uids = [u.uid for u in chain]
        local = by_uid(s, meta.unit.uid)
        if meta.unit.uid == root.uid or (local is not None and local.id == root.id):
            raise PackageRefused(OWN, f"Gói dữ liệu này là của chính {root.name} (mã {root.code}); chỉ tổng hợp "
                                      "gói của các đơn vị cấp dưới.")
        outside = PackageRefused(OUTSIDE, f"Gói dữ liệu của {name} không thuộc phạm vi của {root.name} "
                                          f"(mã {root.code}): đơn vị này không trực thuộc {root.name}.")
        if root.uid not in uids or (local is not None and not in_subtree(local, root)):
            raise outside
        # Units between the office and the sender, top down, then the sender: known ones must sit inside.
        self.new: list[UnitRow] = []
        self.local: dict[str, Unit] = {root.uid: root}
        self.between: list[str] = list(reversed(uids[:uids.index(root.uid)]))  # top down, sender last
        for u in reversed(chain[:uids.index(root.uid)]):
            existing = by_uid(s, u.uid)
            if existing is not None:
                if not in_subtree(existing, root):
                    raise outside
                self.local[u.uid] = existing
            else:
                self.new.append(u)
        self.sender = self.local.get(meta.unit.uid)
        self.codes: dict[str, str] = {u.uid: u.code for u in chain}  # identity → code, as the package says
        self.inside: set[str] = {meta.unit.uid}  # identities in the sender's subtree
        self.problems: list[str] = []
        self._cache: dict[str, bool] = {meta.unit.uid: True}

    def add_units(self, rows: list[UnitRow]) -> None:
        """The package's units sheet: units below the sender, parents first (any order is sorted out)."""
        pending = [r for r in rows if r.uid != self.sender_uid]
        self.codes.update((r.uid, r.code) for r in rows)
        while pending:
            left: list[UnitRow] = []
            for r in pending:
                existing = by_uid(self.s, r.uid)
                if existing is not None:
                    if self.sender is not None and in_subtree(existing, self.sender):
                        self.local[r.uid] = existing
                        self.inside.add(r.uid)
                    else:
                        self.problems.append(f"đơn vị “{existing.name}” (mã {r.code}) đã có ở nơi khác trong "
                                             "cây đơn vị, không thuộc đơn vị gửi")
                        self._cache[r.uid] = False
                elif r.parent_uid in self.inside:
                    self.new.append(r)
                    self.inside.add(r.uid)
                else:
                    left.append(r)
            if len(left) == len(pending):
                for r in left:
                    self.problems.append(f"đơn vị “{r.name}” (mã {r.code}) không nằm dưới đơn vị gửi")
                    self._cache[r.uid] = False
                break
            pending = left

    def in_sender(self, uid: str) -> bool:
        """Whether a unit (by identity) lies in the sender's subtree."""
        hit = self._cache.get(uid)
        if hit is None:
            if uid in self.inside:
                hit = True
            else:
                u = by_uid(self.s, uid)
                hit = u is not None and self.sender is not None and in_subtree(u, self.sender)
                if hit:
                    assert u is not None
                    self.local[uid] = u
            self._cache[uid] = hit
        return hit

    def create(self) -> dict[str, Unit]:
        """Add the new units (parents first); returns identity → unit for every unit the records may name."""
        for r in self.new:
            parent = self.local.get(r.parent_uid or "") or by_uid(self.s, r.parent_uid)
            try:
                self.local[r.uid] = create_unit(self.s, r.code, r.name, r.level, parent, r.scheme, uid=r.uid)
            except Refused as e:
                raise PackageRefused("damaged", f"Gói dữ liệu có đơn vị không hợp lệ: {e}") from e
        return self.local

    def unit(self, uid: str) -> Unit:
        """The local unit of an identity (after create())."""
        u = self.local.get(uid)
        if u is None:
            u = by_uid(self.s, uid)
            assert u is not None
            self.local[uid] = u
        return u

    def code_of(self, uid: str) -> str | None:
        """The code of a unit by identity: the package's word for it, else the office's."""
        code = self.codes.get(uid)
        if code is None:
            u = self.local.get(uid) or by_uid(self.s, uid)
            code = self.codes[uid] = u.code if u is not None else ""
        return code

    def __contains__(self, uid: object) -> bool:
        """The sending subtree as the merge rule asks for it (domain/merge_rule.py)."""
        return isinstance(uid, str) and self.in_sender(uid)

    def known_below(self) -> list[Unit]:
        """The office's units the package speaks for (those already known, the sender's subtree)."""
        return [u for uid, u in self.local.items() if uid in self.inside]


def check_key(s: Session, plan: UnitPlan, meta: PackageMeta, write: bool) -> KeyCheck:
    """SPEC §6: a unit's records only under the key of the office that first delivered them, or of an ancestor
    office relaying them; a new key may not take over units another key holds; the signer's key is pinned,
    never the key of the unit it exported for."""
    names = {u.uid: u for u in (meta.unit, *meta.ancestry)}
    signer = meta.signer_uid
    if signer not in plan.between:
        raise PackageRefused(KEY_CHANGED, f"Gói dữ liệu của “{meta.unit.name}” ghi cơ quan ký không phải đơn vị "
                                          "gửi hay đơn vị cấp trên của nó trong phạm vi tổng hợp; gói có thể bị "
                                          "giả mạo.")
    up = list(reversed(plan.between[:plan.between.index(signer) + 1]))  # the signer, then its ancestors
    key = key_holder(s, up, meta.public_key)
    signer_row = names[signer]
    if key.status == "changed":
        held = names.get(key.holder_uid)
        if key.holder_uid == signer:
            why = (f"được ký bằng một khóa khác (dấu vân tay {key.fingerprint}) với khóa đã ghi nhận cho "
                   f"“{signer_row.name}” (dấu vân tay {key.pinned_fingerprint})")
        else:
            why = (f"được ký bằng khóa (dấu vân tay {key.fingerprint}) chưa được ghi nhận, trong khi dữ liệu của "
                   f"“{signer_row.name}” do “{held.name if held else key.holder_uid}” gửi lên bằng khóa có dấu "
                   f"vân tay {key.pinned_fingerprint}")
        raise PackageRefused(KEY_CHANGED, (
            f"Gói dữ liệu của “{meta.unit.name}” {why}. Nếu đơn vị đã cài lại chương trình hoặc nay gửi trực "
            "tiếp, hãy gọi điện đối chiếu dấu vân tay rồi để quản trị viên chấp nhận khóa mới; nếu không, gói "
            "này có thể bị giả mạo."))
    if key.status == "new":
        below = [plan.local[uid] for uid in plan.between[plan.between.index(signer) + 1:] if uid in plan.local]
        held_units = [u for u in {x.id: x for x in below + plan.known_below()}.values()
                      if key_holder(s, [u.uid], meta.public_key).status == "changed"]
        if held_units:
            shown = ", ".join(f"“{u.name}”" for u in held_units[:3])
            raise PackageRefused(KEY_CHANGED, (
                f"Gói dữ liệu của “{meta.unit.name}” được ký bằng một khóa mới (dấu vân tay {key.fingerprint}) "
                f"nhưng có dữ liệu của {shown}, vốn được gửi lên bằng khóa khác. Khóa mới phải được quản trị "
                "viên chấp nhận sau khi đối chiếu dấu vân tay."))
        if write:
            pin(s, signer, meta.public_key, signer_row.code, signer_row.name)
    return key
