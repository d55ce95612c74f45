"""The append-only audit log: every create, update, delete, import and export, chained by SHA-256.

Three things make a hand edit visible to the audit check (issue 11 item 8):
- each entry's hash covers the previous entry's hash (an edited or removed entry breaks the chain);
- each entry carries the digest of the record seals its transaction set (services/seals.py), and every
  record's seal is checked against its content (a record edited with an SQLite tool no longer matches);
- the chain head (id and hash of the newest entry) is kept outside the table, twice: in the setting table
  "audit_head", written in the same transaction (a deleted last entry leaves it pointing past the end), and
  in a small file beside the database (store/sqlite.py `audit_head_file`), written after each commit (someone
  who also edits the setting row still leaves the file ahead). The file may lag after a crash or when two
  windows commit at once, so a file head that matches an existing entry is accepted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from danvan_desktop.services.seals import broken_seals, seal_pending
from danvan_desktop.store.database import OWN_MARKS
from danvan_desktop.store.schema import AuditEntry, Setting, utcnow
from danvan_desktop.store.sqlite import audit_head_file, read_audit_head, write_audit_head

HEAD_SETTING = "audit_head"
_PENDING_HEAD = "danvan_audit_head"


def _json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


def entry_hash(prev_hash: str, at: dt.datetime, username: str, action: str, kind: str, record_id: str,
               detail: str, seal: str = "") -> str:
    """The hash that chains one entry to the previous one (an edit or a gap breaks the chain)."""
    fields = [prev_hash, at.isoformat(), username, action, kind, record_id, detail]
    if seal:  # entries written before seals existed keep their hash
        fields.append(seal)
    return hashlib.sha256(_json(fields).encode("utf-8")).hexdigest()


def _put_head(s: Session, entry_id: int, entry_hash_: str) -> None:
    text = _json({"id": entry_id, "hash": entry_hash_})
    row = s.get(Setting, HEAD_SETTING)
    if row is None:
        s.add(Setting(key=HEAD_SETTING, value=text))
    else:
        row.value = text
    s.info[_PENDING_HEAD] = (entry_id, entry_hash_)


def write_audit(s: Session, username: str, action: str, kind: str = "", record_id: str = "",
                detail: dict[str, Any] | None = None) -> None:
    """Append one entry inside the caller's transaction (so it commits or rolls back with the change).

    Records written so far in the transaction are sealed first, and the digest of those seals is chained.
    """
    seal = seal_pending(s)
    last = s.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    prev = last.hash if last else ""
    at = utcnow()
    text = _json(detail or {})
    h = entry_hash(prev, at, username, action, kind, record_id, text, seal)
    entry = AuditEntry(at=at, username=username, action=action, kind=kind, record_id=record_id, detail=text,
                       prev_hash=prev, hash=h, seal=seal)
    s.add(entry)
    s.flush()
    s.info.setdefault(OWN_MARKS, []).append(entry.id)  # this window's own change (store/database.py)
    _put_head(s, entry.id, h)


def _write_head_file(s: Session) -> None:
    """After a commit: the newest entry's id and hash go to the file beside the database."""
    head = s.info.pop(_PENDING_HEAD, None)
    if head is None:
        return
    path = audit_head_file(s.get_bind())
    if path is not None:
        write_audit_head(path, *head)


def _forget_head(s: Session) -> None:
    s.info.pop(_PENDING_HEAD, None)


if not event.contains(Session, "after_commit", _write_head_file):
    event.listen(Session, "after_commit", _write_head_file)
    event.listen(Session, "after_rollback", _forget_head)


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as the screens show it."""

    id: int
    at: dt.datetime
    username: str
    action: str
    kind: str
    record_id: str
    detail: dict[str, Any]


def verify_chain(s: Session) -> list[str]:
    """Vietnamese descriptions of every broken link, missing last entry and hand-edited record; [] if intact."""
    problems: list[str] = []
    prev = ""
    prev_id = 0
    hashes: dict[int, str] = {}
    for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        if e.id != prev_id + 1:
            problems.append(f"Thiếu mục nhật ký số {prev_id + 1}–{e.id - 1}")
        if e.prev_hash != prev:
            problems.append(f"Mục nhật ký số {e.id} không nối tiếp mục trước")
        if e.hash != entry_hash(e.prev_hash, e.at, e.username, e.action, e.kind, e.record_id, e.detail,
                                e.seal or ""):
            problems.append(f"Mục nhật ký số {e.id} đã bị sửa")
        prev, prev_id = e.hash, e.id
        hashes[e.id] = e.hash
    problems += _head_problems(s, prev_id, hashes)
    lines, total = broken_seals(s)
    problems += lines
    if total > len(lines):
        problems.append(f"… và {total - len(lines)} bản ghi khác bị sửa hoặc thêm ngoài chương trình")
    return problems


def _head_problems(s: Session, last_id: int, hashes: dict[int, str]) -> list[str]:
    """The newest entry against the head kept in the setting table and in the file beside the database."""
    out: list[str] = []
    row = s.get(Setting, HEAD_SETTING)
    if row is not None:
        head = json.loads(row.value)
        hid, hh = int(head.get("id", 0)), str(head.get("hash", ""))
        if hid > last_id:
            out.append(f"Mất các mục nhật ký cuối cùng: số {last_id + 1}–{hid} đã bị xóa")
        elif hid < last_id or hashes.get(hid) != hh:
            out.append(f"Mục nhật ký cuối cùng (số {last_id}) không khớp dấu đầu chuỗi đã lưu: nhật ký đã bị sửa")
    path = audit_head_file(s.get_bind())
    kept = read_audit_head(path) if path is not None else None
    if kept is not None:
        fid, fh = kept
        if fid > last_id:
            out.append(f"Tệp dấu đầu chuỗi “{path.name if path else ''}” ghi mục nhật ký số {fid}, nhưng nhật ký "
                       f"chỉ còn đến số {last_id}: các mục cuối đã bị xóa")
        elif hashes.get(fid) != fh:
            out.append(f"Mục nhật ký số {fid} không khớp tệp dấu đầu chuỗi: nhật ký đã bị sửa")
    return list(dict.fromkeys(out))
