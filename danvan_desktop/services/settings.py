"""Office settings (home unit, report header, backup folder…) kept as JSON in the setting table."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from danvan_desktop.domain.roles import Action
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import write_audit
from danvan_desktop.services.changes import Changes
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import Setting


def get_setting(s: Session, key: str, default: Any = None) -> Any:
    """A setting's value, or default."""
    row = s.get(Setting, key)
    return json.loads(row.value) if row else default


def put_setting(s: Session, key: str, value: Any) -> None:
    """Store a setting inside the caller's transaction."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    row = s.get(Setting, key)
    if row is None:
        s.add(Setting(key=key, value=text))
    else:
        row.value = text


def read_setting(db: Database, key: str, default: Any = None) -> Any:
    """Read one setting in its own short session."""
    with db.reader() as s:
        return get_setting(s, key, default)


def save_settings(db: Database, actor: Actor, values: dict[str, Any]) -> Changes:
    """An admin changes settings (one transaction, audited); returns what changed."""
    actor.require(Action.ADMIN)
    with db.transaction() as s:
        for k, v in values.items():
            put_setting(s, k, v)
        write_audit(s, actor.username, "settings", "", "", {"keys": sorted(values)})
    return Changes(settings=True)
