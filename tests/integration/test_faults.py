"""The process killed (SIGKILL) at random moments while saving or backing up: nothing half-written."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from danvan_desktop.services.backup import check_backup_file
from danvan_desktop.store.sqlite import integrity_ok

# sqlite_only: file faults: read-only folders, full disks, damaged files
pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX"),
    pytest.mark.sqlite_only,
]

SAVER = """
import sys
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.records import add_record, update_record
from danvan_desktop.store.database import open_database
db = open_database(sys.argv[1])
a = Actor("admin", "admin", religion_access=True)
print("san-sang", flush=True)
i = 0
while True:
    r = add_record(db, a, "meeting", {"kind": "khac", "title": f"Hội nghị {i}", "date": "01/02/2023",
                                      "participants": 10, "women": 5})
    update_record(db, a, "meeting", r.id, {"participants": 20})
    i += 1
"""

BACKER = """
import sys
from danvan_desktop.services.backup import backup_to
from danvan_desktop.store.database import open_database
from pathlib import Path
db = open_database(sys.argv[1])
print("san-sang", flush=True)
i = 0
while True:
    backup_to(db, Path(sys.argv[2]) / f"b{i}.db")
    i += 1
"""


def _kill_after(script, args, delay):
    p = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "san-sang"
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.wait()


def test_kills_during_saves_leave_whole_records_only(commune):
    path = str(commune.path)
    commune.close()
    rng = random.Random(7)
    for _ in range(12):
        _kill_after(SAVER, [path], rng.uniform(0.05, 0.6))
        assert integrity_ok(commune.path)
        with sqlite3.connect(path) as c:
            meetings = c.execute("SELECT count(*) FROM meeting").fetchone()[0]
            creates = c.execute("SELECT count(*) FROM audit_log WHERE action='create' AND kind='meeting'")\
                .fetchone()[0]
            updates = c.execute("SELECT count(*) FROM audit_log WHERE action='update' AND kind='meeting'")\
                .fetchone()[0]
            by_rev = dict(c.execute("SELECT revision, count(*) FROM meeting GROUP BY revision").fetchall())
            half = c.execute("SELECT count(*) FROM meeting WHERE women > participants").fetchone()[0]
        c.close()
        # Each record and its audit line commit together; each edit bumps the revision with its audit line.
        assert meetings == creates and by_rev.get(2, 0) == updates and half == 0
    assert meetings > 0


def test_kills_during_backups_never_leave_a_bad_backup_under_its_name(commune, tmp_path):
    path = str(commune.path)
    commune.close()
    out = tmp_path / "sao-luu"
    out.mkdir()
    rng = random.Random(11)
    for _ in range(8):
        _kill_after(BACKER, [path, str(out)], rng.uniform(0.05, 0.4))
    finished = list(out.glob("*.db"))
    assert finished, "no backup finished in the time given"
    for f in finished:
        assert check_backup_file(f) == "03424"
    assert integrity_ok(commune.path)
