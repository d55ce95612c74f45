"""`danvan --db SRC copy-to DEST`: an office moved between an SQLite file and a PostgreSQL server, both ways.

Each test runs on both stores (tests/integration/conftest.py): on the server run the office starts on the
server, goes to a file and comes back to another server database; on the SQLite run, file to file.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import verify_chain
from danvan_desktop.services.errors import PermissionDenied, Refused
from danvan_desktop.services.figures_check import check_figures
from danvan_desktop.services.moving import copy_office, office_held
from danvan_desktop.services.records import RecordQuery, add_record, list_records, update_record
from danvan_desktop.services.summary import summarize
from danvan_desktop.store import copy as store_copy
from danvan_desktop.store.database import open_database
from danvan_desktop.store.schema import AuditEntry
from tests.conftest import ADMIN, PASSWORD
from tests.integration.test_package_support import commune, seed
from tests.stores import place


def danvan(*args, data_dir):
    env = dict(os.environ, DANVAN_PASSWORD=PASSWORD, PYTHONIOENCODING="utf-8", DANVAN_DATA_DIR=str(data_dir))
    return subprocess.run([sys.executable, "-m", "danvan_desktop", *args], capture_output=True, text=True,
                          env=env, stdin=subprocess.DEVNULL, timeout=300)


def state(db):
    """What a person sees: every record of every kind (title or id, revision, deleted) and the year's summary."""
    from danvan_desktop.domain.kinds import KINDS
    from danvan_desktop.domain.periods import parse_period

    every = RecordQuery(limit=None, include_deleted=True)
    rows = {k.key: sorted((r.id, r.revision, r.deleted) for r in list_records(db, ADMIN, k.key, every).rows)
            for k in KINDS}
    # Search reads the destination's own index (SQLite's FTS tables are rebuilt by their triggers, not copied).
    found = [sorted(r.id for r in list_records(db, ADMIN, "meeting", RecordQuery(search=words, limit=None)).rows)
             for words in ("dat dai", "ve")]  # a trigram search and a short-word one
    assert all(found)
    return rows, found, summarize(db, ADMIN, parse_period("2025"), today=dt.date(2025, 12, 31)).as_json()


@pytest.fixture
def source(tmp_path):
    x1 = commune(tmp_path, "X1")
    seeded = seed(x1, "X1", scale=3)
    update_record(x1, ADMIN, "meeting", seeded["meeting0"].id, {"participants": 333},
                expected_revision=seeded["meeting0"].revision)
    yield x1
    x1.close()


def test_an_office_goes_to_a_file_and_back_whole(source, tmp_path):
    before = state(source)
    src = source.url.render_as_string(hide_password=False) if source.is_server else str(source.path)
    file = tmp_path / "chuyen" / "van-phong.db"
    back = str(place(tmp_path, "tro-lai.db"))
    source.close()

    out = danvan("--db", src, "--user", "admin", "copy-to", str(file), data_dir=tmp_path / "data")
    assert out.returncode == 0, out.stderr
    assert "Đã kiểm tra: số dòng từng bảng bằng nhau" in out.stdout and "100%" in out.stderr
    out = danvan("--db", str(file), "--user", "admin", "copy-to", back, data_dir=tmp_path / "data")
    assert out.returncode == 0, out.stderr

    for target in (file, back):
        db = open_database(target)
        try:
            assert state(db) == before
            assert check_figures(db, ADMIN).ok
            with db.reader() as s:
                assert verify_chain(s) == []
                actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(2)))
            assert "copy_to" in actions  # (the file then saw the second copy's sign-in)
            # New rows after the copy take new ids (the server's sequences were set past the copied ones).
            add_record(db, ADMIN, "meeting", {"kind": "khac", "title": "Sau khi chuyển", "date": dt.date(2025, 5, 1),
                                              "participants": 9})
            # The search indexes' and count tables' triggers are back on: the new record is found and counted.
            assert [r.title for r in list_records(db, ADMIN, "meeting", RecordQuery(search="sau khi chuyen")).rows] \
                == ["Sau khi chuyển"]
            with db.reader() as s:
                assert verify_chain(s) == []
                n = s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
                assert s.execute(select(func.max(AuditEntry.id))).scalar_one() == n
            assert check_figures(db, ADMIN).ok
        finally:
            db.close()


def test_a_destination_holding_an_office_is_refused_and_left_alone(source, tmp_path):
    other = commune(tmp_path, "Y1")
    seed(other, "Y1")
    theirs = state(other)
    with pytest.raises(Refused, match="đã có dữ liệu của đơn vị “Xã .*” \\(mã “Y1”\\); không chép đè"):
        copy_office(source, other, ADMIN)
    assert state(other) == theirs
    with pytest.raises(Refused, match="chính là cơ sở dữ liệu đang chép"):
        copy_office(source, source, ADMIN)
    other.close()


def test_the_command_line_refuses_a_taken_destination_in_vietnamese(source, tmp_path):
    src = source.url.render_as_string(hide_password=False) if source.is_server else str(source.path)
    other = commune(tmp_path, "Y1")
    dest = other.url.render_as_string(hide_password=False) if other.is_server else str(other.path)
    other.close()
    out = danvan("--db", src, "--user", "admin", "copy-to", dest, data_dir=tmp_path / "data")
    assert out.returncode == 1
    assert "đã có dữ liệu của đơn vị" in out.stderr and "Y1" in out.stderr


def test_only_an_administrator_copies(source, tmp_path):
    dest = open_database(place(tmp_path, "dich.db"))
    with pytest.raises(PermissionDenied):
        copy_office(source, dest, Actor("th", "tong_hop"))
    assert office_held(dest) is None
    dest.close()


def test_a_copy_failing_half_way_leaves_the_destination_empty(source, tmp_path, monkeypatch):
    monkeypatch.setattr(store_copy, "CHUNK", 5)  # many chunks: the failure falls inside one table's copy
    dest = open_database(place(tmp_path, "dich.db"))
    seen = []

    def progress(table, done, total):
        seen.append(table)
        if table == "meeting" and seen.count("meeting") == 2:
            raise OSError("mất điện giữa chừng")

    with pytest.raises(OSError):
        copy_office(source, dest, ADMIN, progress)
    assert seen.count("meeting") == 2 and "unit" in seen  # it failed after units and some meetings went in
    assert office_held(dest) is None
    with dest.reader() as s:
        counts = store_copy.row_counts(s.connection())
    assert {t: n for t, n in counts.items() if n} == {"setting": 1}  # only the office id its migration wrote
    # The same destination then takes the whole copy.
    report = copy_office(source, dest, ADMIN)
    assert report.ok, report.problems
    assert state(dest) == state(source)
    dest.close()


def test_copy_checks_name_a_difference(source, tmp_path, monkeypatch):
    """The checks after the copy are real: a kept figure changed on the way is reported, not passed."""
    dest = open_database(place(tmp_path, "dich.db"))
    real = store_copy.copy_tables

    def tampered(src, conn, progress=None):
        copied = real(src, conn, progress)
        conn.exec_driver_sql("UPDATE fig_meeting SET n = n + 1")
        return copied

    monkeypatch.setattr("danvan_desktop.services.moving.copy_tables", tampered)
    report = copy_office(source, dest, ADMIN)
    assert not report.ok
    assert any("Số liệu tổng hợp nơi chép đến" in p for p in report.problems)
    dest.close()
