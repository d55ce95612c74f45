"""Issue 11 item 4, as the attacks: outputs aimed at the live database, restores of unusable or foreign files,
offices sharing one backup folder, and a backup whose audit entry cannot be written.

Every refusal must come before anything is written: the database file's bytes are compared before and after.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from danvan_desktop.services.backup import (
    OtherOffice,
    auto_backup,
    backup,
    backup_now,
    list_backups,
    restore,
)
from danvan_desktop.services.errors import Refused
from danvan_desktop.services.records import add_record, list_records
from danvan_desktop.services.settings import save_settings
from danvan_desktop.services.setup import UnitSpec, init_office
from danvan_desktop.store.database import open_database
from danvan_desktop.store.errors import DatabaseUnavailable
from tests.conftest import ADMIN, PASSWORD
from tests.integration.test_cli import danvan
from tests.integration.test_package_support import record_state
from tests.stores import place

pytestmark = pytest.mark.sqlite_only  # backups of the SQLite file (server backups: test_server_backup.py)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _meeting(db, title="Hội nghị đã lưu"):
    return add_record(db, ADMIN, "meeting", {"kind": "khac", "title": title, "date": "01/02/2025"})


@pytest.fixture
def office_file(commune):
    """Xã Bản Bo's database file with one record, closed so commands open it like a person would."""
    _meeting(commune)
    backup_now(commune, ADMIN)  # a backup in the default folder "sao-luu" beside the file
    commune.close()
    return commune.path


@pytest.mark.parametrize("target", ["{db}", "{db}-wal", "{db}-shm", "{db}-nhatky", "{folder}/{backup}"])
@pytest.mark.parametrize("command", [
    ["export", "--period", "2025", "--format", "xlsx"],
    ["export", "--period", "2025", "--format", "pdf"],
    ["template"],
    ["backup"],
])
def test_outputs_aimed_at_the_database_its_companions_or_a_backup_are_refused_before_writing(
        office_file, command, target):
    folder = office_file.parent / "sao-luu"
    existing_backup = next(folder.glob("*.db"))
    out = Path(target.format(db=office_file, folder=folder, backup=existing_backup.name))
    companion = not out.exists()
    if companion:
        out.write_bytes(b"")  # the companion exists while the program runs (SQLite removes it on closing)
    # The database changes by the sign-in's own audit entry, so its records are compared, not its bytes.
    records, before = record_state(office_file), {existing_backup: _digest(existing_backup)}
    user = [] if command == ["template"] else ["--user", "admin"]
    r = danvan("--db", str(office_file), *user, *command, "--out", str(out))
    assert r.returncode != 0, r.stdout
    assert "Không ghi" in r.stderr, r.stderr
    assert {p: _digest(p) for p in before} == before and record_state(office_file) == records
    if companion and out.exists():  # SQLite's own content, or nothing: never a package, report or backup
        head = out.read_bytes()[:16]
        assert not head.startswith((b"PK\x03\x04", b"%PDF", b"SQLite format"))
    db = open_database(office_file)
    assert list_records(db, ADMIN, "meeting").total == 1
    db.close()


def test_an_output_over_another_sqlite_database_is_refused(commune, district, tmp_path):
    with pytest.raises(Refused, match="là một cơ sở dữ liệu"):
        backup(commune, ADMIN, district.path)


def test_a_newer_schema_backup_is_refused_before_anything_is_replaced(commune, tmp_path):
    _meeting(commune)
    newer = backup(commune, ADMIN, tmp_path / "usb" / "moi.db").path
    with sqlite3.connect(newer) as c:
        c.execute("UPDATE alembic_version SET version_num = '9999'")
    c.close()
    before = _digest(commune.path)
    folder = commune.path.parent / "sao-luu"
    backups_before = sorted(folder.glob("*.db")) if folder.is_dir() else []
    with pytest.raises(Refused, match="phiên bản Dân vận mới hơn"):
        restore(commune, ADMIN, newer)
    assert _digest(commune.path) == before
    assert (sorted(folder.glob("*.db")) if folder.is_dir() else []) == backups_before  # not even a safety copy
    assert list_records(commune, ADMIN, "meeting").total == 1


def test_a_foreign_sqlite_file_is_refused_before_anything_is_replaced(commune, tmp_path):
    foreign = place(tmp_path, "khac.db")
    with sqlite3.connect(foreign) as c:
        c.execute("CREATE TABLE setting (key TEXT, value TEXT)")
        c.execute("INSERT INTO setting VALUES ('home_unit', '\"03424\"')")
    c.close()
    before = _digest(commune.path)
    with pytest.raises(Refused, match="không phải bản sao lưu của Dân vận"):
        restore(commune, ADMIN, foreign)
    assert _digest(commune.path) == before


def test_another_offices_backup_needs_a_confirmation_and_then_restores(commune, district, tmp_path):
    _meeting(district, "Của huyện")
    theirs = backup(district, ADMIN, tmp_path / "usb" / "huyen.db").path
    with pytest.raises(OtherOffice) as e:
        restore(commune, ADMIN, theirs)
    assert e.value.unit_name == "Huyện Tam Đường" and "không phải của cơ quan này" in str(e.value)
    db, _ = restore(commune, ADMIN, theirs, other_office_confirmed=True)
    assert [r.title for r in list_records(db, ADMIN, "meeting").rows] == ["Của huyện"]
    db.close()


def test_two_offices_sharing_a_backup_folder_keep_each_others_backups(tmp_path):
    shared = tmp_path / "usb-chung"
    offices = []
    for code, name in (("03424", "Xã Bản Bo"), ("03427", "Xã Bình Lư")):
        (tmp_path / code).mkdir()
        db = init_office(tmp_path / code / "danvan.db", UnitSpec(code, name, "xa", "2025"), [], "admin", PASSWORD)
        save_settings(db, ADMIN, {"backup_dir": str(shared), "backup_keep": 2})
        offices.append(db)
    for _ in range(4):
        for db in offices:
            auto_backup(db, "hang-ngay")
    for db in offices:
        mine = list_backups(db)
        assert len(mine) == 2
        code = "03424" if db is offices[0] else "03427"
        assert all(b.path.name.startswith(f"tu-dong-{code}-") for b in mine)
        db.close()
    assert len(list(shared.glob("*.db"))) == 4


def test_restoring_the_oldest_backup_does_not_rotate_it_away_first(commune):
    save_settings(commune, ADMIN, {"backup_keep": 2})
    _meeting(commune, "Bản cũ nhất")
    oldest = auto_backup(commune, "hang-ngay")
    _meeting(commune, "Sau đó")
    auto_backup(commune, "hang-ngay")
    db, safety = restore(commune, ADMIN, oldest.path)  # its safety copy makes three: the oldest must stay
    assert [r.title for r in list_records(db, ADMIN, "meeting").rows] == ["Bản cũ nhất"]
    db.close()


def test_a_backup_whose_audit_entry_cannot_be_written_still_reports_the_good_copy(commune, tmp_path,
                                                                                 monkeypatch):
    import danvan_desktop.services.backup as b

    def locked(*_a, **_k):  # what a long merge holding the write lock does to the audit transaction
        raise DatabaseUnavailable("Tệp dữ liệu “banbo.db” đang bị chương trình khác khóa.")

    monkeypatch.setattr(b, "write_audit", locked)
    info = backup(commune, ADMIN, tmp_path / "usb" / "banbo.db")
    assert info.path.is_file() and b.check_backup_file(info.path) == "03424"
    assert "đã ghi xong" in info.note and "khóa" in info.note


def test_backups_named_the_old_way_are_listed_only_for_their_own_office(commune, district, tmp_path):
    shared = tmp_path / "usb-chung"
    for db in (commune, district):
        save_settings(db, ADMIN, {"backup_dir": str(shared)})
    ours = auto_backup(commune, "hang-ngay").path
    theirs = auto_backup(district, "hang-ngay").path
    # As version 0003 named them: after the database file, the same for every office.
    old_ours = ours.rename(shared / f"tu-dong-{commune.path.stem}-20250101-080000-000001-hang-ngay.db")
    theirs.rename(shared / f"tu-dong-{commune.path.stem}-20250102-080000-000001-hang-ngay.db")
    assert [b.path for b in list_backups(commune)] == [old_ours]
    assert list_backups(district) == []  # its file has another name stem ("tamduong"), and is not the commune's
