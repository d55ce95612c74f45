"""Backups of a server office: an SQLite file of the same schema that restore and any office opens; restore
onto the server in one transaction; automatic backups into the local folder standing for the server.

Every test runs on both stores (tests/integration/conftest.py); on the SQLite run they hold for a file office.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys

import pytest
from sqlalchemy import select

from danvan_desktop.services import backup as backup_service
from danvan_desktop.services.audit import verify_chain
from danvan_desktop.services.backup import (
    OtherOffice,
    auto_backup,
    backup,
    backup_due,
    backup_facts,
    daily_backup_due,
    list_backups,
    restore,
)
from danvan_desktop.services.figures_check import check_figures
from danvan_desktop.services.records import RecordQuery, add_record, list_records
from danvan_desktop.services.settings import save_settings
from danvan_desktop.store.database import SQLITE_MAGIC, open_database
from danvan_desktop.store.schema import AuditEntry
from tests.conftest import ADMIN, PASSWORD


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """The user's data folder (where a server office's local backup folder sits) inside the test's folder."""
    monkeypatch.setenv("DANVAN_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def danvan(*args, data_dir):
    env = dict(os.environ, DANVAN_PASSWORD=PASSWORD, PYTHONIOENCODING="utf-8", DANVAN_DATA_DIR=str(data_dir))
    return subprocess.run([sys.executable, "-m", "danvan_desktop", *args], capture_output=True, text=True,
                          env=env, stdin=subprocess.DEVNULL, timeout=300)


def target(db):
    """What --db names for this office."""
    return db.url.render_as_string(hide_password=False) if db.is_server else str(db.path)


def titles(db):
    """The meeting titles a person sees in the list."""
    return sorted(r.title for r in list_records(db, ADMIN, "meeting", RecordQuery(limit=None)).rows)


def meeting(db, title, participants=10):
    return add_record(db, ADMIN, "meeting", {"kind": "khac", "title": title, "date": dt.date(2025, 2, 1),
                                             "participants": participants}, unit="03424-01")


def test_a_server_office_backup_is_an_sqlite_office_the_program_reads(commune, tmp_path, data_dir):
    for i in range(3):
        meeting(commune, f"Họp dân bản Nà Khum lần {i + 1}", 20 + i)
    out = danvan("--db", target(commune), "--user", "admin", "backup", "--out", str(tmp_path / "usb" / "bb.db"),
                 data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    copy = tmp_path / "usb" / "bb.db"
    assert copy.read_bytes()[:16] == SQLITE_MAGIC
    assert not list((tmp_path / "usb").glob("*dang-ghi*")) and not list((tmp_path / "usb").glob("*-wal"))
    assert backup_facts(copy).unit_code == "03424"

    # Another PC opens the file as its own office and reads the same figures.
    office = tmp_path / "may-khac" / "banbo.db"
    office.parent.mkdir()
    shutil.copyfile(copy, office)
    server = danvan("--db", target(commune), "--user", "admin", "summary", "--period", "2025", "--as-of",
                    "2025-12-31", "--json", data_dir=data_dir)
    local = danvan("--db", str(office), "--user", "admin", "summary", "--period", "2025", "--as-of", "2025-12-31",
                   "--json", data_dir=data_dir)
    assert server.returncode == local.returncode == 0, local.stderr
    assert json.loads(local.stdout) == json.loads(server.stdout)
    assert json.loads(local.stdout)["indicators"]["meetings.total"] == 3
    db = open_database(office)
    try:
        assert titles(db) == titles(commune)
        assert check_figures(db, ADMIN).ok
        with db.reader() as s:
            assert verify_chain(s) == []
    finally:
        db.close()


def test_restore_onto_a_server_office_brings_back_the_saved_state(commune, tmp_path):
    meeting(commune, "Trước sao lưu")
    copy = backup(commune, ADMIN, tmp_path / "usb" / "banbo.db").path
    meeting(commune, "Sau sao lưu")
    db, safety = restore(commune, ADMIN, copy)
    try:
        assert titles(db) == ["Trước sao lưu"]
        assert safety.reason == "truoc-khoi-phuc" and safety.path.read_bytes()[:16] == SQLITE_MAGIC
        assert backup_facts(safety.path).unit_code == "03424"
        with db.reader() as s:
            assert verify_chain(s) == []
            assert s.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc())).first() == "restore"
        # Work goes on: new ids after the restored ones, the chain and the figures whole.
        meeting(db, "Sau khôi phục")
        assert titles(db) == ["Sau khôi phục", "Trước sao lưu"]
        with db.reader() as s:
            assert verify_chain(s) == []
        assert check_figures(db, ADMIN).ok
        # The safety copy holds what the restore replaced.
        look = tmp_path / "xem.db"
        shutil.copyfile(safety.path, look)
        before = open_database(look)
        assert titles(before) == ["Sau sao lưu", "Trước sao lưu"]
        before.close()
    finally:
        db.close()


def test_restore_by_the_command_line_on_a_server_office(commune, tmp_path, data_dir):
    meeting(commune, "Trước sao lưu")
    copy = backup(commune, ADMIN, tmp_path / "usb" / "banbo.db").path
    meeting(commune, "Sau sao lưu")
    url = target(commune)
    commune.close()
    out = danvan("--db", url, "--user", "admin", "restore", str(copy), data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert "Đã khôi phục" in out.stdout
    db = open_database(url)
    assert titles(db) == ["Trước sao lưu"]
    db.close()


def test_a_restore_failing_half_way_leaves_the_server_as_it_was(commune, tmp_path, monkeypatch):
    meeting(commune, "Trước sao lưu")
    copy = backup(commune, ADMIN, tmp_path / "usb" / "banbo.db").path
    meeting(commune, "Sau sao lưu")
    real = backup_service.copy_tables
    calls = []

    def breaks(src, dest, progress=None):
        calls.append(1)
        copied = real(src, dest, progress)
        if dest.dialect.name == "postgresql":  # the safety copy (to a file) goes through; the restore breaks
            raise OSError("mạng nội bộ bị ngắt")
        return copied

    monkeypatch.setattr(backup_service, "copy_tables", breaks)
    if not commune.is_server:
        pytest.skip("an SQLite office is restored by SQLite's backup API (test_backup_safety.py)")
    with pytest.raises(OSError):
        restore(commune, ADMIN, copy)
    assert calls
    db = open_database(target(commune))
    assert titles(db) == ["Sau sao lưu", "Trước sao lưu"]
    with db.reader() as s:
        assert verify_chain(s) == []
    db.close()


def test_another_offices_backup_is_refused_on_a_server_too(commune, district, tmp_path):
    theirs = backup(district, ADMIN, tmp_path / "huyen.db").path
    meeting(commune, "Của xã")
    with pytest.raises(OtherOffice, match="không phải của cơ quan này"):
        restore(commune, ADMIN, theirs)
    assert titles(commune) == ["Của xã"]


def test_automatic_backups_of_a_server_office_go_to_its_local_folder(commune, tmp_path):
    save_settings(commune, ADMIN, {"backup_keep": 2})
    assert daily_backup_due(commune)
    made = [auto_backup(commune, "hang-ngay") for _ in range(3)]
    kept = list_backups(commune)
    assert [b.path for b in kept] == [m.path for m in reversed(made[1:])]
    assert kept[0].path.parent == commune.place.parent / "sao-luu"
    assert not daily_backup_due(commune)
    assert backup_facts(kept[0].path).unit_code == "03424"
    # The folder an administrator set is used instead.
    save_settings(commune, ADMIN, {"backup_dir": str(tmp_path / "o-usb")})
    assert auto_backup(commune, "truoc-tong-hop").path.parent == tmp_path / "o-usb"


def test_a_backup_never_goes_over_a_database(commune, district, tmp_path):
    """The output check holds on a server office: an existing office file is never replaced by a backup."""
    from danvan_desktop.services.errors import Refused

    other = tmp_path / "other.db"
    backup(district, ADMIN, other)
    with pytest.raises(Refused, match="là một cơ sở dữ liệu"):
        backup(commune, ADMIN, other)
    assert backup_facts(other).unit_code == "105"


def test_safety_copies_before_merges_every_time_on_a_file_once_a_day_on_a_server(setup, tmp_path):
    """A server office's copy costs ~45 s at 100,000 records (scripts/bench_copy.py): once a day there."""
    from danvan_desktop.exchange.package import export_package
    from danvan_desktop.services.merge import apply_package
    from tests.integration.test_package_support import Q1

    x1, package, district = setup
    assert backup_due(district, "truoc-tong-hop")
    apply_package(district, ADMIN, package)
    add_record(x1, ADMIN, "meeting", {"kind": "khac", "title": "Họp bổ sung", "date": dt.date(2025, 3, 20)})
    again = tmp_path / "X1-lan-2.xlsx"
    export_package(x1, ADMIN, Q1, again)
    apply_package(district, ADMIN, again)
    before_merges = [b for b in list_backups(district) if b.reason == "truoc-tong-hop"]
    assert len(before_merges) == (1 if district.is_server else 2)
    assert backup_due(district, "khi-dong") is (not district.is_server)
