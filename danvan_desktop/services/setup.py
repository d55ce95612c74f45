"""Creating an office database: the home unit with its ancestry and the first admin account."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from danvan_desktop.services.accounts import insert_account
from danvan_desktop.services.audit import write_audit
from danvan_desktop.services.errors import Refused
from danvan_desktop.services.settings import get_setting, put_setting
from danvan_desktop.services.signing import ensure_key
from danvan_desktop.services.units import create_unit
from danvan_desktop.store.database import Database, open_database
from danvan_desktop.store.schema import Unit


@dataclass(frozen=True)
class UnitSpec:
    """A unit to create: code, name, level, scheme ("2025", "legacy" or "local")."""

    code: str
    name: str
    level: str
    scheme: str = "local"


def init_office(path: Path | str, home: UnitSpec, ancestors: list[UnitSpec], admin_user: str,
                admin_password: str, admin_name: str = "") -> Database:
    """Create the database (or refuse if it already holds an office): ancestors nearest first, then home."""
    db = open_database(path)
    try:
        with db.transaction() as s:
            if get_setting(s, "home_unit"):
                raise Refused(f"Cơ sở dữ liệu “{db.label}” đã được khởi tạo cho một đơn vị; không khởi tạo lại.")
            parent: Unit | None = None
            for spec in reversed(ancestors):
                existing = s.scalar(select(Unit).where(Unit.code == spec.code, Unit.parent_id.is_(None)
                                                       if parent is None else Unit.parent_id == parent.id))
                parent = existing or create_unit(s, spec.code, spec.name, spec.level, parent, spec.scheme)
            u = create_unit(s, home.code, home.name, home.level, parent, home.scheme)
            put_setting(s, "home_unit", u.code)
            put_setting(s, "home_unit_uid", u.uid)
            insert_account(s, admin_user, admin_password, "admin", admin_name, religion_access=True)
            ensure_key(s)  # the office's package-signing key pair
            write_audit(s, admin_user, "init", "unit", u.code, {"name": u.name, "ancestors": [a.code for a in
                                                                                           ancestors]})
    except Exception:
        db.close()
        raise
    return db
