"""Timing of moving an office between stores and of a server office's backup (issue 15, task pgops).

    python scripts/bench_copy.py OFFICE.db postgresql://user@host:port/EMPTY_DB [postgresql://…/EMPTY_DB2]

OFFICE.db: an SQLite office (scripts/scale_data.py build_province(path, communes=20) ≈ 100,000 records).
Measures: copy-to SQLite → server (count tables copied with their triggers off, as the program does); the
same with the triggers left on to recount every record (the alternative, when a second empty database is
given); the server office's backup to an SQLite file (what a safety copy before each merge costs); SQLite's
own backup of the file for comparison.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
from pathlib import Path

from danvan_desktop.services.actor import SYSTEM
from danvan_desktop.services.backup import backup_to
from danvan_desktop.services.moving import copy_office
from danvan_desktop.store import copy as store_copy
from danvan_desktop.store.database import open_database
from danvan_desktop.store.schema import TALLIES


def _timed(label: str, fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    print(f"{label}: {time.perf_counter() - t:.1f} s")
    return out


def main(office: Path, server: str, server2: str | None) -> None:
    """Run the measurements and print one line each."""
    src = open_database(office)
    dest = open_database(server)
    start, copied_at = time.perf_counter(), [0.0]

    def progress(_table: str, done: int, total: int) -> None:
        if done == total:
            copied_at[0] = time.perf_counter() - start

    report = _timed("copy-to SQLite → máy chủ (bảng tổng hợp chép, trigger tắt), kể cả kiểm tra",
                    lambda: copy_office(src, dest, SYSTEM, progress))
    print(f"  trong đó chép xong sau {copied_at[0]:.1f} s (phần còn lại: ghi nhật ký, cam kết, kiểm tra)")
    print(f"  {report.total} dòng; kiểm tra: {'đạt' if report.ok else report.problems[:3]}")
    if server2:
        tallies = {t.table for t in TALLIES}
        real = store_copy.copied_tables
        store_copy.copied_tables = lambda: [t for t in real() if t.name not in tallies]  # type: ignore[assignment]
        store_copy._triggers_off = lambda _c: contextlib.nullcontext()  # type: ignore[assignment]
        dest2 = open_database(server2)
        with dest2.engine.begin() as c:  # the recount needs the copy's rows: time the copy alone
            with src.engine.connect() as s:
                _timed("chép với trigger bật (đếm lại từng hồ sơ), không kể kiểm tra",
                       lambda: store_copy.copy_tables(s, c))
        store_copy.copied_tables = real  # type: ignore[assignment]
        dest2.close()
    with tempfile.TemporaryDirectory() as d:
        info = _timed("sao lưu văn phòng máy chủ ra tệp SQLite (bản an toàn trước khi tổng hợp)",
                      lambda: backup_to(dest, Path(d) / "may-chu.db"))
        print(f"  {info.size // 1024 // 1024} MB")
        _timed("sao lưu tệp SQLite bằng API sao lưu của SQLite (so sánh)", lambda: backup_to(src, Path(d) / "tep.db"))
    src.close()
    dest.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
