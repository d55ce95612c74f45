"""A merge killed (SIGKILL) part-way leaves the database exactly as before: one transaction per package."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

import pytest

from danvan_desktop.exchange.package import export_package
from danvan_desktop.services.merge import apply_package, list_imports
from danvan_desktop.store.database import open_database
from danvan_desktop.store.sqlite import integrity_ok
from tests.integration.test_package_support import (
    ADMIN,
    DISTRICT,
    PROVINCE,
    Q1,
    bulk_meetings,
    commune,
    office,
    record_state,
    seed,
)

# sqlite_only: kills a merge and checks the SQLite file's integrity
pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX"),
    pytest.mark.sqlite_only,
]

MERGER = """
import sys, time
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.merge import apply_package
from danvan_desktop.store.database import open_database
db = open_database(sys.argv[1])
pause = sys.argv[3] == "pause"
print("san-sang", flush=True)

def progress(done, total):
    if pause and done < total:
        print("giua-chung", done, total, flush=True)  # records written, transaction still open
        time.sleep(120)

r = apply_package(db, Actor("admin", "admin", religion_access=True), sys.argv[2], progress)
print("xong", r.ok, flush=True)
"""


@pytest.fixture
def big(tmp_path):
    """A district that already merged one package, and a second package of 3,000 records to merge."""
    x1 = commune(tmp_path, "X1")
    seed(x1, "X1")
    first = tmp_path / "X1.xlsx"
    export_package(x1, ADMIN, Q1, first)
    x2 = commune(tmp_path, "X2")
    bulk_meetings(x2, "X2-01", 3000)
    second = tmp_path / "X2.xlsx"
    export_package(x2, ADMIN, Q1, second)
    district = office(tmp_path / "huyen.db", DISTRICT, [PROVINCE])
    assert apply_package(district, ADMIN, first).ok
    for db in (x1, x2, district):
        db.close()
    return tmp_path / "huyen.db", second


def _run(db_path, package, mode: str) -> subprocess.Popen[str]:
    p = subprocess.Popen([sys.executable, "-c", MERGER, str(db_path), str(package), mode], stdout=subprocess.PIPE,
                         text=True)
    assert p.stdout is not None and p.stdout.readline().strip() == "san-sang"
    return p


def test_a_merge_killed_in_the_middle_leaves_the_database_as_before(big):
    db_path, package = big
    before = record_state(db_path)
    p = _run(db_path, package, "pause")
    assert p.stdout is not None
    line = p.stdout.readline().split()
    assert line[0] == "giua-chung" and 0 < int(line[1]) < int(line[2]) == 3000
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert integrity_ok(db_path)
    assert record_state(db_path) == before
    db = open_database(db_path)
    assert len(list_imports(db, ADMIN)) == 1
    r = apply_package(db, ADMIN, package)  # and the package merges whole afterwards
    assert r.ok and r.counts.added == 3000
    db.close()


def test_merges_killed_at_random_moments_leave_all_or_nothing(big):
    db_path, package = big
    before = record_state(db_path)
    rng = random.Random(11)
    outcomes = set()
    for _ in range(4):
        p = _run(db_path, package, "run")
        time.sleep(rng.uniform(0.05, 2.0))
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert integrity_ok(db_path)
        now = record_state(db_path)
        if now == before:
            outcomes.add("before")
        else:
            assert len(now["meeting"]) == len(before["meeting"]) + 3000
            outcomes.add("after")
            break
    assert outcomes
