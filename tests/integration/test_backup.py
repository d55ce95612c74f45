"""Backups verified and rotated; restore keeps a copy of the current state and refuses foreign files."""

from __future__ import annotations

import pytest

from danvan_desktop.services.actor import Actor
from danvan_desktop.services.backup import auto_backup, backup, list_backups, restore
from danvan_desktop.services.errors import PermissionDenied, Refused
from danvan_desktop.services.records import add_record, list_records
from danvan_desktop.services.settings import save_settings
from tests.conftest import ADMIN
from tests.stores import place

pytestmark = pytest.mark.sqlite_only  # backups of the SQLite file (server backups: test_server_backup.py)


def meeting(db, title):
    return add_record(db, ADMIN, "meeting", {"kind": "khac", "title": title, "date": "01/02/2023"})


def test_backup_then_restore_brings_back_the_saved_state(commune, tmp_path):
    meeting(commune, "Trước sao lưu")
    copy = backup(commune, ADMIN, tmp_path / "usb" / "banbo.db").path
    meeting(commune, "Sau sao lưu")
    db, safety = restore(commune, ADMIN, copy)
    assert [r.title for r in list_records(db, ADMIN, "meeting").rows] == ["Trước sao lưu"]
    assert safety.path.exists() and safety.reason == "truoc-khoi-phuc"
    db.close()


def test_automatic_backups_rotate(commune, tmp_path):
    save_settings(commune, ADMIN, {"backup_keep": 3, "backup_dir": str(tmp_path / "sao-luu")})
    for _ in range(5):
        auto_backup(commune, "hang-ngay")
    kept = list_backups(commune)
    assert len(kept) == 3 and all(b.reason == "hang-ngay" for b in kept)


def test_restore_refuses_other_offices_and_garbage(commune, district, tmp_path):
    other = backup(district, ADMIN, place(tmp_path, "huyen.db")).path
    with pytest.raises(Refused, match="không phải của cơ quan này"):
        restore(commune, ADMIN, other)
    junk = place(tmp_path, "rac.db")
    junk.write_bytes(b"xin chao" * 100)
    with pytest.raises(Refused, match="không phải bản sao lưu của Dân vận"):
        restore(commune, ADMIN, junk)


def test_only_allowed_roles_back_up_or_restore(commune, tmp_path):
    with pytest.raises(PermissionDenied):
        backup(commune, Actor("vt", "van_thu"), place(tmp_path, "x.db"))
    with pytest.raises(PermissionDenied):
        restore(commune, Actor("th", "tong_hop"), place(tmp_path, "x.db"))


def test_a_damaged_file_is_moved_aside_and_replaced_by_a_backup(commune, tmp_path):
    from danvan_desktop.services.backup import replace_damaged
    from danvan_desktop.store.database import open_database

    meeting(commune, "Đã sao lưu")
    copy = backup(commune, ADMIN, tmp_path / "sao-luu" / "ban.db").path
    path = commune.path
    commune.close()
    path.write_bytes(b"hong" * 5000)
    aside = replace_damaged(path, copy)
    assert aside.name.startswith("banbo.hong-") and aside.suffix == ".db"
    assert aside.read_bytes() == b"hong" * 5000  # kept, not deleted
    assert not list(path.parent.glob("*dang-khoi-phuc*"))  # no temporary file left behind
    db = open_database(path)
    assert [r.title for r in list_records(db, ADMIN, "meeting").rows] == ["Đã sao lưu"]
    db.close()


def test_replacing_refuses_a_bad_backup_and_keeps_the_file(tmp_path):
    from danvan_desktop.services.backup import replace_damaged

    damaged = place(tmp_path, "x.db")
    damaged.write_bytes(b"hong" * 100)
    junk = place(tmp_path, "rac.db")
    junk.write_bytes(b"rac" * 100)
    with pytest.raises(Refused):
        replace_damaged(damaged, junk)
    assert damaged.read_bytes() == b"hong" * 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rac.db", "x.db"]


def test_backups_leave_no_side_files_and_manual_ones_are_audited(commune, tmp_path):
    from danvan_desktop.services.backup import backup_now, check_backup_file
    from danvan_desktop.services.history import list_audit

    save_settings(commune, ADMIN, {"backup_dir": str(tmp_path / "sl")})
    info = backup_now(commune, ADMIN)
    check_backup_file(info.path)
    assert sorted(p.name for p in (tmp_path / "sl").iterdir()) == [info.path.name]
    assert list_audit(commune, ADMIN, kind="")[0].action == "backup"
    with pytest.raises(PermissionDenied):
        backup_now(commune, Actor("vt", "van_thu"))
