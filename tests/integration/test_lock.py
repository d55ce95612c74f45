"""A second program on the same database file is refused with a plain message; a dead one frees the file."""

from __future__ import annotations

import subprocess
import sys

import pytest

from danvan_desktop.store.errors import DatabaseUnavailable
from danvan_desktop.store.lock import DatabaseLock

pytestmark = pytest.mark.sqlite_only  # the one-window lock is a file beside the SQLite database

HOLD = """
import sys, time
from danvan_desktop.store.lock import DatabaseLock
held = DatabaseLock(sys.argv[1])
held.acquire()
print("giu", flush=True)
time.sleep(60)
"""


def test_second_program_is_told_the_file_is_open(tmp_path):
    db = tmp_path / "x.db"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "giu"
        with pytest.raises(DatabaseUnavailable, match="đang được mở trong một cửa sổ Dân vận khác"):
            DatabaseLock(db).acquire()
    finally:
        holder.kill()
        holder.wait()
    lock = DatabaseLock(db)
    lock.acquire()  # the killed program's lock went with it
    lock.release()
