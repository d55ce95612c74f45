"""Two people at once (SPEC §7, issue 15), on both stores: two processes enter records while a third merges a
commune's package. No save fails (writers wait their turn), every record is there, the audit chain is whole
and the figures are right; then a save over a record another process changed is refused with its revision.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from danvan_desktop.services.errors import StaleRecord
from danvan_desktop.services.history import check_audit
from danvan_desktop.services.records import RecordQuery, add_record, get_record, list_records, update_record
from danvan_desktop.store.schema import AuditEntry
from tests.integration.test_package_support import ADMIN, PASSWORD, Q1

N = 10  # records each writer enters at least; it goes on until the merge has ended


def count_records(db, q: RecordQuery) -> int:  # noqa: ANN001
    """How many meetings the list shows for a query."""
    return list_records(db, ADMIN, "meeting", q).total


WRITER = r"""
import datetime as dt, pathlib, sys
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.records import add_record
from danvan_desktop.store.database import open_database

target, tag, n, stop = sys.argv[1], sys.argv[2], int(sys.argv[3]), pathlib.Path(sys.argv[4])
db = open_database(target, create=False)
actor = Actor("admin", "admin", "Quản trị", religion_access=True)
i = 0
while i < n or not stop.exists():  # at least n, and on until the merge beside it has ended
    add_record(db, actor, "meeting", {"kind": "tiep_xuc_cu_tri", "title": f"{tag} số {i}",
                                      "date": dt.date(2025, 2, 1 + i % 20), "participants": 10})
    i += 1
db.close()
print(i)
"""


def _env() -> dict[str, str]:
    return dict(os.environ, DANVAN_PASSWORD=PASSWORD, PYTHONIOENCODING="utf-8", PYTHONPATH=os.pathsep.join(sys.path))


def _target(db) -> str:  # noqa: ANN001
    return str(db.url.render_as_string(hide_password=False)).replace("+psycopg", "") if db.is_server else str(db.path)


def danvan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "danvan_desktop", *args], capture_output=True, text=True,
                          env=_env(), stdin=subprocess.DEVNULL, timeout=300)


def test_two_writers_and_a_merge_at_once_lose_nothing(setup, tmp_path):  # noqa: ANN001
    x1, package, district = setup
    target, stop = _target(district), tmp_path / "dung"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, target, tag, str(N), str(stop)], env=_env(),
                                text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for tag in ("Máy chị Hồng: tiếp xúc cử tri", "Máy anh Quang: tiếp xúc cử tri")]
    merge = danvan("--db", target, "--user", "admin", "merge", str(package))
    stop.touch()  # the writers stop once the merge has ended
    outs = [p.communicate(timeout=600) for p in writers]
    assert merge.returncode == 0, merge.stderr[-3000:]
    for p, (_out, err) in zip(writers, outs, strict=True):
        assert p.returncode == 0, err[-3000:]
    written = [int(out.strip()) for out, _err in outs]
    assert min(written) >= N

    # Every record of both writers, and every record of the package.
    for tag, n in zip(("Hồng", "Quang"), written, strict=True):
        assert count_records(district, RecordQuery(search=tag, limit=1)) == n
    # The merge really ran between the writers' saves (the log's order is the commit order).
    with district.reader() as s:
        rows = s.execute(select(AuditEntry.id, AuditEntry.action, AuditEntry.kind)).all()
    merged_at = [r.id for r in rows if r.action == "import" and r.kind == "package"]
    created = [r.id for r in rows if r.action == "create" and r.kind == "meeting"]
    assert len(merged_at) == 1 and min(created) < merged_at[0] < max(created)
    x1_meetings = count_records(x1, RecordQuery(period=Q1))  # the package carries the quarter
    assert count_records(district, RecordQuery(unit_code="X1")) == x1_meetings
    # The audit chain is whole: one writer at a time appended to it.
    assert check_audit(district, ADMIN) == []
    # The figures: the summary equals the records, and the kept figures match a recount.
    r = danvan("--db", target, "--user", "admin", "summary", "--period", Q1.code, "--json")
    assert r.returncode == 0, r.stderr
    figures = json.loads(r.stdout)["indicators"]
    r = danvan("--db", _target(x1), "--user", "admin", "summary", "--period", Q1.code, "--json")
    assert r.returncode == 0, r.stderr
    x1_figures = json.loads(r.stdout)["indicators"]
    assert figures["meetings.total"] == sum(written) + x1_figures["meetings.total"]
    assert figures["meetings.participants"] == 10 * sum(written) + x1_figures["meetings.participants"]
    r = danvan("--db", target, "--user", "admin", "check-figures")
    assert r.returncode == 0, r.stdout + r.stderr


COLLEAGUE = r"""
import sys
from danvan_desktop.services.actor import Actor
from danvan_desktop.store.schema import AuditEntry
from danvan_desktop.services.records import update_record
from danvan_desktop.store.database import open_database

db = open_database(sys.argv[1], create=False)
update_record(db, Actor("admin", "admin", "Quản trị", religion_access=True), "meeting", sys.argv[2],
              {"participants": 77}, expected_revision=1)
db.close()
"""


def test_a_save_over_another_process_change_is_refused_and_overwrites_nothing(setup):  # noqa: ANN001
    _x1, _package, district = setup
    rec = add_record(district, ADMIN, "meeting", {"kind": "doi_thoai", "title": "Đối thoại về đất đai",
                                                  "date": dt.date(2025, 2, 3), "participants": 40})
    r = subprocess.run([sys.executable, "-c", COLLEAGUE, _target(district), rec.id], env=_env(), text=True,
                       capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr
    with pytest.raises(StaleRecord, match="vừa được “admin” sửa \\(lần 2\\)"):
        update_record(district, ADMIN, "meeting", rec.id, {"participants": 41}, expected_revision=rec.revision)
    stored = get_record(district, ADMIN, "meeting", rec.id)
    assert (stored.revision, stored.values["participants"]) == (2, 77)
