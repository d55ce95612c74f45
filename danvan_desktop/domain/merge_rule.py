"""The merge rule of SPEC §6 for one record, as a pure function: what an incoming copy does to the local one.

services/merge.py fetches the two copies and what the ledger knows, calls decide(), and writes what it says.
Units are named by their global identity (SPEC §2), never by a bare code.
"""

from __future__ import annotations

import uuid
from collections.abc import Container
from dataclasses import dataclass
from enum import StrEnum

from danvan_desktop.domain.fields import MAX_REVISION  # one bound, declared with the fields

# A revision is a count of edits; beyond a 32-bit integer it can only be a forged or broken value.


class Outcome(StrEnum):
    """What the incoming copy does."""

    ADDED = "added"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    REFUSED = "refused"


# Why: stable codes (tests and the ledger read them); REASON_TEXT gives the Vietnamese.
NEW, NEWER, SAME, DECIDED, REPLAYED_OLDER, RESTORED = "new", "newer", "same", "decided", "replayed_older", "restored"
SAME_REVISION, LOCAL_NEWER = "same_revision", "local_newer"
LOCAL_OUTSIDE, INCOMING_OUTSIDE, REVISION_BOUND = "local_outside", "incoming_outside", "revision_bound"

REASON_TEXT = {
    NEW: "bản ghi mới",
    NEWER: "bản nhận vào có lần sửa cao hơn",
    SAME: "hai bản giống nhau",
    DECIDED: "phiên bản này đã được xử lý trong một xung đột trước",
    REPLAYED_OLDER: "bản cũ hơn trong một gói đã tổng hợp trước đây",
    RESTORED: "bản ghi đã bị hoàn tác tại đây nay được đơn vị gửi lại",
    SAME_REVISION: "hai bên cùng lần sửa nhưng nội dung khác nhau",
    LOCAL_NEWER: "bản tại chỗ mới hơn",
    LOCAL_OUTSIDE: "bản tại chỗ thuộc đơn vị ngoài phạm vi đơn vị gửi; gói không được thay, xóa hay chuyển bản ghi này",
    INCOMING_OUTSIDE: "bản nhận vào thuộc đơn vị ngoài phạm vi đơn vị gửi",
    REVISION_BOUND: f"lần sửa vượt quá giới hạn {MAX_REVISION}",
}


@dataclass(frozen=True)
class Copy:
    """One copy of a record as the rule sees it: owner unit (identity), revision, and a hash of its content.

    `withdrawn` is set on a local tombstone left by undoing an import: the revision it withdrew.
    """

    unit: str
    revision: int
    content: str
    withdrawn: int | None = None


@dataclass(frozen=True)
class Decision:
    """The outcome and its reason code."""

    outcome: Outcome
    reason: str

    @property
    def reason_text(self) -> str:
        """The reason in Vietnamese."""
        return REASON_TEXT[self.reason]


def canonical_id(raw: str) -> str | None:
    """A record id in its canonical lower-case form, or None if it is no UUID."""
    if not isinstance(raw, str) or len(raw.strip()) != 36:
        return None
    try:
        return str(uuid.UUID(raw.strip()))
    except ValueError:
        return None


def decide(local: Copy | None, incoming: Copy, sender_units: Container[str], *, decided: bool = False,
           replayed: bool = False) -> Decision:
    """SPEC §6 for one record.

    sender_units: identities of the units in the sending unit's subtree. decided: this very incoming version
    was already put to a person in a conflict. replayed: this very file was applied before.
    """
    if not 1 <= incoming.revision <= MAX_REVISION:
        return Decision(Outcome.REFUSED, REVISION_BOUND)
    if incoming.unit not in sender_units:
        return Decision(Outcome.REFUSED, INCOMING_OUTSIDE)
    if local is None:
        return Decision(Outcome.ADDED, NEW)
    # Ownership before revision: a package speaks only for its sender's subtree, whatever revision it claims.
    if local.unit not in sender_units:
        return Decision(Outcome.REFUSED, LOCAL_OUTSIDE)
    if local.withdrawn is not None and incoming.revision >= local.withdrawn:
        # Undo here only withdrew what the sender said; the sender saying it again brings it back.
        if incoming.content == local.content and incoming.revision == local.revision:
            return Decision(Outcome.UNCHANGED, SAME)
        return Decision(Outcome.REPLACED, RESTORED)
    if incoming.revision > local.revision:
        return Decision(Outcome.REPLACED, NEWER)
    if incoming.content == local.content:
        return Decision(Outcome.UNCHANGED, SAME)
    if decided:
        return Decision(Outcome.UNCHANGED, DECIDED)
    if incoming.revision < local.revision:
        if replayed:
            return Decision(Outcome.UNCHANGED, REPLAYED_OLDER)
        return Decision(Outcome.CONFLICT, LOCAL_NEWER)
    return Decision(Outcome.CONFLICT, SAME_REVISION)
