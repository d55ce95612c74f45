"""Autosaved drafts of forms being filled, so a crash or power cut does not lose what was typed.

One small JSON file per open form, in a folder beside the database ("<tên tệp>.nhap-do"), written atomically
(a temporary file, then a rename). A draft is removed when its form is saved or deliberately abandoned.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Draft:
    """What one form held: the account, the record kind, the record being edited (None: new), the values."""

    key: str
    username: str
    kind: str
    record_id: str | None
    unit_code: str | None
    values: dict[str, Any]
    saved_at: dt.datetime


def drafts_dir(db_path: Path) -> Path:
    """The drafts folder of a database file."""
    return db_path.with_name(f"{db_path.stem}.nhap-do")


def _plain(v: Any) -> Any:
    if isinstance(v, dt.date):
        return {"date": v.isoformat()}
    if isinstance(v, tuple):
        return list(v)
    return v


def _typed(v: Any) -> Any:
    if isinstance(v, dict) and set(v) == {"date"}:
        return dt.date.fromisoformat(v["date"])
    if isinstance(v, list):
        return tuple(v)
    return v


class DraftStore:
    """The drafts of one database."""

    def __init__(self, db_path: Path) -> None:
        self.folder = drafts_dir(db_path)

    @staticmethod
    def new_key() -> str:
        """A key for a form opened now."""
        return uuid.uuid4().hex

    def save(self, key: str, username: str, kind: str, record_id: str | None, unit_code: str | None,
             values: dict[str, Any]) -> None:
        """Write (or overwrite) one form's draft; a failure to write is not the person's problem: ignored."""
        data = {"username": username, "kind": kind, "record_id": record_id, "unit_code": unit_code,
                "values": {k: _plain(v) for k, v in values.items()}, "saved_at": dt.datetime.now().isoformat()}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{key}.tmp"
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.folder / f"{key}.json")
        except OSError:
            pass  # a full or read-only disk: the form itself still works, only the safety net is missing

    def discard(self, key: str) -> None:
        """Remove a draft (its form was saved or abandoned)."""
        try:
            (self.folder / f"{key}.json").unlink(missing_ok=True)
        except OSError:
            pass

    def load(self, username: str) -> list[Draft]:
        """The account's drafts left by a program that did not close normally, oldest first."""
        out: list[Draft] = []
        if not self.folder.is_dir():
            return out
        for p in sorted(self.folder.glob("*.json")):
            try:
                d = json.loads(p.read_text(encoding="utf-8"))
                if d.get("username") != username:
                    continue
                out.append(Draft(p.stem, d["username"], d["kind"], d.get("record_id"), d.get("unit_code"),
                                 {k: _typed(v) for k, v in d["values"].items()},
                                 dt.datetime.fromisoformat(d["saved_at"])))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # a half-written or foreign file is skipped, never fatal
        return sorted(out, key=lambda d: d.saved_at)
