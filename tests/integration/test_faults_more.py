"""More faults (issue 6): SIGKILL during package exports, a read-only database, a full disk.

- An export killed at random moments leaves the destination absent or a whole package that verifies, never a
  half file; the database passes integrity_check and its records are unchanged.
- A read-only file (and folder) and a full disk give a plain Vietnamese message, exit 1 on the command line
  (no traceback), and lose nothing that was saved: the same work succeeds once the cause is gone.

Root ignores permission bits; the read-only case then runs the program without the capabilities that let root
write anyway (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) and skips if that is not possible or not enforced.
The full disk is simulated inside a process: SQLite's `PRAGMA max_page_count`, and RLIMIT_FSIZE for a
command-line run (a loop-mounted tiny filesystem is not available here).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from danvan_desktop.exchange.package import export_package
from danvan_desktop.exchange.package_format import PackageReader
from danvan_desktop.exchange.template import import_template, write_template
from danvan_desktop.services.records import add_record, count_by_kind, list_records
from danvan_desktop.store.database import open_database
from danvan_desktop.store.errors import DatabaseUnavailable
from danvan_desktop.store.schema import SCHEMA_VERSION
from danvan_desktop.store.sqlite import integrity_ok
from tests.conftest import ADMIN, PASSWORD
from tests.integration.test_package_support import Q1, bulk_meetings, commune, record_state, seed

# sqlite_only: file faults: read-only folders, full disks, damaged files
pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL, chmod and rlimits are POSIX"),
    pytest.mark.sqlite_only,
]

# ---- SIGKILL during exports ------------------------------------------------------------------------------------

EXPORTER = """
import sys
from pathlib import Path
from danvan_desktop.domain.periods import parse_period
from danvan_desktop.exchange.package import export_package
from danvan_desktop.services.actor import Actor
from danvan_desktop.store.database import open_database
db = open_database(sys.argv[1])
out, tag = Path(sys.argv[2]), sys.argv[3]
a = Actor("admin", "admin", religion_access=True)
q1 = parse_period("2025-Q1")
print("san-sang", flush=True)
i = 0
while True:
    print("bat-dau", i, flush=True)
    export_package(db, a, q1, out / f"goi-{tag}-{i}.xlsx")
    print("xong", i, flush=True)
    i += 1
"""


def verify_package(path: Path) -> int:
    """Read a package whole and check its checksum and signature; returns its number of records."""
    n = 0
    with PackageReader(path, newest_schema=SCHEMA_VERSION) as pkg:
        pkg.read_units()
        for _kind, batch in pkg.records():
            n += len(batch)
        pkg.verify()
    return n


def test_kills_during_exports_leave_no_half_package(tmp_path):
    x1 = commune(tmp_path, "X1")
    seed(x1, "X1")
    bulk_meetings(x1, "X1-01", 1500)  # an export takes a few tenths of a second
    reference = tmp_path / "mau-goi.xlsx"
    started_at = time.perf_counter()
    export_package(x1, ADMIN, Q1, reference)  # what every whole export must hold
    # Kills land anywhere from the start to past the end of one export, however fast this machine is, so
    # some land mid-export and some after a whole one.
    one_export = time.perf_counter() - started_at
    expected = verify_package(reference)
    db_path = x1.path
    x1.close()
    before = record_state(db_path)
    out = tmp_path / "goi"
    out.mkdir()
    rng = random.Random(2024)
    kills, mid_export, whole = 10, 0, 0
    for k in range(kills):
        p = subprocess.Popen([sys.executable, "-c", EXPORTER, str(db_path), str(out), str(k)],
                             stdout=subprocess.PIPE, text=True)
        assert p.stdout is not None and p.stdout.readline().strip() == "san-sang"
        time.sleep(rng.uniform(0.02, 2.5 * one_export))
        p.send_signal(signal.SIGKILL)
        p.wait()
        lines = p.stdout.read().split("\n")
        p.stdout.close()
        started = [int(s.split()[1]) for s in lines if s.startswith("bat-dau")]
        finished = {int(s.split()[1]) for s in lines if s.startswith("xong")}
        assert integrity_ok(db_path)
        for i in started:
            dest = out / f"goi-{k}-{i}.xlsx"
            if i in finished:
                assert dest.is_file()
            if dest.exists():  # finished, or killed after the rename: whole and signed
                assert verify_package(dest) == expected
                whole += 1
            else:
                mid_export += 1
    # Only the kind of names a finished export carries: a half-written file never takes the destination's name.
    assert all(f.name.startswith(".") or f.name.startswith("goi-") for f in out.iterdir())
    assert mid_export >= kills // 2, "too few kills landed in the middle of an export"
    assert whole >= 1
    assert record_state(db_path) == before
    db = open_database(db_path)
    assert len(list_records(db, ADMIN, "meeting", None).rows) > 0
    db.close()


# ---- read-only database ----------------------------------------------------------------------------------------

DROP_WRITE_OVERRIDE = """
import ctypes, os, sys
if os.geteuid() == 0:
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH: root then obeys permission bits
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            sys.exit(77)
os.execv(sys.argv[1], sys.argv[1:])
"""

ADD_ONE = """
import sys
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.records import add_record
from danvan_desktop.store.database import open_database
from danvan_desktop.store.errors import StoreError
try:
    db = open_database(sys.argv[1])
    add_record(db, Actor("admin", "admin", religion_access=True), "meeting",
               {"kind": "khac", "title": "Không lưu được", "date": "01/03/2025"})
except StoreError as e:
    print(e)
    sys.exit(1)
"""


def _without_write_override(*cmd: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", DROP_WRITE_OVERRIDE, sys.executable, *cmd], capture_output=True,
                          text=True, env=env, stdin=subprocess.DEVNULL, timeout=120)


def _cli(*args: str) -> list[str]:
    return ["-m", "danvan_desktop", *args]


def _env() -> dict[str, str]:
    return dict(os.environ, DANVAN_PASSWORD=PASSWORD, PYTHONIOENCODING="utf-8")


@pytest.fixture
def saved(commune, tmp_path):
    """A commune office with records already saved (closed), and a filled template to import."""
    seed(commune, "03424")
    commune.close()
    tpl = tmp_path / "tep" / "mau.xlsx"  # beside, not in, the database's folder (made read-only below)
    tpl.parent.mkdir()
    write_template(tpl)
    wb = load_workbook(tpl)
    for col, v in enumerate(["", "khac", "Gặp mặt đầu xuân", "01/02/2025", "", "", "", 40, 20], start=1):
        wb["Hội nghị"].cell(3, col, v)
    wb.save(tpl)
    return commune.path, tpl


def _plain_refusal(r: subprocess.CompletedProcess[str], *words: str) -> None:
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    text = r.stderr + r.stdout
    assert "Traceback" not in text and "sqlite3" not in text and "OperationalError" not in text, text
    assert "Dữ liệu đã lưu trước đó không bị ảnh hưởng" in text, text
    for w in words:
        assert w in text, text


def test_a_read_only_file_and_folder_give_a_plain_message_and_lose_nothing(saved):
    db_path, tpl = saved
    folder = db_path.parent
    before = record_state(db_path)
    mode = folder.stat().st_mode
    try:
        db_path.chmod(0o444)
        probe = _without_write_override("-c", f"open({str(db_path)!r}, 'r+b')")
        if probe.returncode == 77:
            pytest.skip("cannot drop root's permission override here")
        if probe.returncode == 0:
            pytest.skip("file permissions are not enforced for this user")

        # The file alone read-only: reading works, every write is refused plainly.
        r = _without_write_override(*_cli("--db", str(db_path), "--user", "admin", "summary", "--period", "2025"),
                                    env=_env())
        assert r.returncode == 0 and "Xã Bản Bo" in r.stdout, r.stderr
        r = _without_write_override(*_cli("--db", str(db_path), "--user", "admin", "import", str(tpl)), env=_env())
        _plain_refusal(r, "chỉ đọc")
        r = _without_write_override("-c", ADD_ONE, str(db_path), env=_env())
        _plain_refusal(r, "chỉ đọc")

        # And its folder too (no journal can be made beside it).
        for side in folder.glob(db_path.name + "-*"):
            side.unlink()
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
        r = _without_write_override(*_cli("--db", str(db_path), "--user", "admin", "import", str(tpl)), env=_env())
        _plain_refusal(r, "chỉ đọc")
        assert "bị hỏng" not in r.stderr  # not mistaken for a damaged file (which offers to restore a backup)
    finally:
        folder.chmod(mode)
        db_path.chmod(0o644)
    assert integrity_ok(db_path)
    assert record_state(db_path) == before
    db = open_database(db_path)
    assert import_template(db, ADMIN, tpl).counts["meeting"] == 1  # writable again: works
    db.close()


# ---- full disk -------------------------------------------------------------------------------------------------

def _cap_pages(db, pages: int | None) -> None:
    """From now on the database may not grow past `pages` pages (None: no cap), as on a full disk."""
    for fn in list(getattr(db, "_caps", [])):
        event.remove(db.engine, "connect", fn)
    db._caps = []
    if pages is not None:
        def cap(dbapi_conn, _rec, n=pages):
            dbapi_conn.execute(f"PRAGMA max_page_count={n}")

        event.listen(db.engine, "connect", cap)
        db._caps.append(cap)
    db.engine.dispose()


def _page_count(path: Path) -> int:
    with sqlite3.connect(path) as c:
        n = c.execute("PRAGMA page_count").fetchone()[0]
    c.close()
    return n


def test_a_full_disk_refuses_plainly_keeps_every_saved_record_and_the_failed_one_whole(commune, tmp_path):
    seed(commune, "03424")
    saved_before = count_by_kind(commune, ADMIN)
    commune.close()
    db = open_database(commune.path)
    _cap_pages(db, _page_count(commune.path) + 2)
    added = 0
    with pytest.raises(DatabaseUnavailable) as e:
        for i in range(2000):
            add_record(db, ADMIN, "petition", {"type": "kien_nghi", "received_date": "02/03/2025",
                                               "content": f"Kiến nghị số {i}: " + "sửa đường liên bản " * 40,
                                               "field": "ha_tang", "status": "moi"})
            added += 1
    message = str(e.value)
    assert "đã đầy" in message and "Dữ liệu đã lưu trước đó không bị ảnh hưởng" in message, message
    assert "sqlite" not in message.lower()
    # A template import on the full disk: all rows or none.
    tpl = tmp_path / "mau.xlsx"
    write_template(tpl)
    wb = load_workbook(tpl)
    for row in range(3, 60):
        for col, v in enumerate(["", "khac", f"Hội nghị {row} " + "nội dung dài " * 30, "01/02/2025"], start=1):
            wb["Hội nghị"].cell(row, col, v)
    wb.save(tpl)
    with pytest.raises(DatabaseUnavailable, match="đã đầy"):
        import_template(db, ADMIN, tpl)
    _cap_pages(db, None)
    db.close()

    assert integrity_ok(commune.path)
    db = open_database(commune.path)
    counts = count_by_kind(db, ADMIN)
    assert counts["petition"] == saved_before["petition"] + added  # every saved one, none half-saved
    assert counts["meeting"] == saved_before["meeting"]  # nothing of the refused import
    with sqlite3.connect(commune.path) as c:
        audited = c.execute("SELECT count(*) FROM audit_log WHERE action='create' AND kind='petition'").fetchone()[0]
    c.close()
    assert audited == counts["petition"]
    assert import_template(db, ADMIN, tpl).counts["meeting"] == 57  # room again: the same import works
    db.close()


FSIZE_LIMITED = """
import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
os.execv(sys.argv[2], sys.argv[2:])
"""


def test_a_full_disk_on_the_command_line_is_a_plain_message(saved):
    db_path, tpl = saved
    before = record_state(db_path)
    refused = 0
    for limit in (40_000, 100_000):  # above SQLite's shared-memory index (32 KB), below the journal's growth
        r = subprocess.run([sys.executable, "-c", FSIZE_LIMITED, str(limit), sys.executable,
                            *_cli("--db", str(db_path), "--user", "admin", "import", str(tpl))],
                           capture_output=True, text=True, env=_env(), stdin=subprocess.DEVNULL, timeout=120)
        if r.returncode == 0:  # everything fitted under this limit: nothing to see
            continue
        _plain_refusal(r, "ổ đĩa")
        assert integrity_ok(db_path)
        assert record_state(db_path) == before
        refused += 1
    assert refused, "the file-size limit never stopped a write"
    r = subprocess.run([sys.executable, *_cli("--db", str(db_path), "--user", "admin", "import", str(tpl))],
                       capture_output=True, text=True, env=_env(), stdin=subprocess.DEVNULL, timeout=120)
    assert r.returncode == 0 and "Đã nhập 1 bản ghi" in r.stdout, r.stderr
