"""Two people at once (issue 15): the window refreshes after another program saves; a stale edit is refused
with the other person's change shown, and the typing is kept."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from danvan_desktop.exchange.template import write_template
from danvan_desktop.services.records import add_record
from danvan_desktop.ui.models import MeetingTableModel
from danvan_desktop.ui.watch import ChangeWatcher, watch_window
from tests.ui.conftest import ADMIN, PASSWORD
from tests.ui.helpers import fill, open_window, wait_idle

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


_COLLEAGUE = r"""
import sys
from danvan_desktop.services.accounts import authenticate
from danvan_desktop.services.records import update_record
from danvan_desktop.store.database import open_database

db = open_database(sys.argv[1])
actor = authenticate(db, "canbo", sys.argv[3])
update_record(db, actor, "meeting", sys.argv[2],
              {"title": "Tiếp xúc cử tri sau kỳ họp thứ 9", "location": "Nhà văn hóa bản Nà Ản"})
db.close()
"""


def colleague_saves(db_path: Path, record_id: str) -> None:
    """Lò Thị Mai, at another PC, saves the same meeting: a new title and place."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYTHONIOENCODING="utf-8")
    r = subprocess.run([sys.executable, "-c", _COLLEAGUE, str(db_path), record_id, PASSWORD], env=env,
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr


@pytest.fixture
def opened_form(qtbot, ctx):  # noqa: ANN001, ANN201
    """A meeting stored, then opened for editing in the real form (revision 1)."""
    from danvan_desktop.ui.forms import RecordForm

    rec = add_record(ctx.db, ADMIN, "meeting", {"kind": "tiep_xuc_cu_tri", "title": "Tiếp xúc cử tri",
                                                "date": dt.date(2026, 3, 5), "participants": 80})
    form = RecordForm(ctx, "meeting", rec)  # closed below, not by qtbot: its Esc would ask about the typing
    form.show()
    yield form, rec
    dlg = getattr(form, "stale_dialog", None)
    if dlg is not None:
        dlg.close()
    form.discard_draft()
    form._initial = form.raw_values()  # closing a form with typing in it would ask first
    form.close()
    form.deleteLater()


def _type_mine(qtbot, form) -> None:  # noqa: ANN001
    """The admin changes the number of participants and writes a note, with key events."""
    fill(qtbot, form, {"participants": 95, "notes": "Cử tri phản ánh đường sạt lở"})


def test_a_save_over_another_pcs_change_is_refused_with_their_change_shown(qtbot, ctx, opened_form):  # noqa: ANN001
    form, rec = opened_form
    watcher = ChangeWatcher(ctx, NEVER)
    watcher.start()
    qtbot.waitUntil(lambda: watcher.mark is not None)
    colleague_saves(ctx.db.path, rec.id)  # while the form is open
    look(qtbot, watcher)
    assert "vừa được lưu ở máy khác" in form.saved_note.text()  # said at once, before any save
    _type_mine(qtbot, form)
    qtbot.keyClick(form.save_button, Qt.Key.Key_Return)  # Enter saves
    qtbot.waitUntil(lambda: getattr(form, "stale_dialog", None) is not None and form.stale_dialog.isVisible())
    dlg = form.stale_dialog
    heading = dlg.heading.text()
    assert "Lò Thị Mai (canbo)" in heading and "sửa lúc" in heading and "lần sửa 2" in heading
    rows = {dlg.table.item(r, 0).text(): (dlg.table.item(r, 1).text(), dlg.table.item(r, 2).text())
            for r in range(dlg.table.rowCount())}
    assert rows == {
        "Nội dung (họ sửa)": ("Tiếp xúc cử tri sau kỳ họp thứ 9", "Tiếp xúc cử tri"),
        "Địa điểm (họ sửa)": ("Nhà văn hóa bản Nà Ản", "(trống)"),
        "Số người tham dự (bạn sửa)": ("80", "95"),
        "Ghi chú (bạn sửa)": ("(trống)", "Cử tri phản ánh đường sạt lở"),
    }
    from danvan_desktop.services.records import get_record

    stored = get_record(ctx.db, ADMIN, "meeting", rec.id)
    assert (stored.revision, stored.values["participants"], stored.notes) == (2, 80, "")  # nothing overwritten
    # The typing is still in the form, and can be copied.
    assert form.editors["participants"].value() == 95
    copied = dlg.copy_typing()
    assert "Số người tham dự: 95" in copied and "Ghi chú: Cử tri phản ánh đường sạt lở" in copied
    from PySide6.QtWidgets import QApplication

    assert QApplication.clipboard().text() == copied
    # Keep mine on theirs, check, and save: both people's changes are stored, as revision 3.
    qtbot.mouseClick(dlg.merge_button, Qt.MouseButton.LeftButton)
    assert form.editors["title"].value() == "Tiếp xúc cử tri sau kỳ họp thứ 9"
    assert form.editors["location"].value() == "Nhà văn hóa bản Nà Ản"
    assert form.editors["participants"].value() == 95
    assert "giữ 2 mục bạn đã sửa" in form.saved_note.text()
    with qtbot.waitSignal(form.saved, timeout=10_000):
        qtbot.keyClick(form.save_button, Qt.Key.Key_Return)
    stored = get_record(ctx.db, ADMIN, "meeting", rec.id)
    assert stored.revision == 3
    assert (stored.values["title"], stored.values["location"], stored.values["participants"], stored.notes) == (
        "Tiếp xúc cử tri sau kỳ họp thứ 9", "Nhà văn hóa bản Nà Ản", 95, "Cử tri phản ánh đường sạt lở")


def test_taking_their_copy_shows_it_and_keeps_the_typing_on_the_clipboard(qtbot, ctx, opened_form):  # noqa: ANN001
    form, rec = opened_form
    colleague_saves(ctx.db.path, rec.id)
    _type_mine(qtbot, form)
    form.save()
    qtbot.waitUntil(lambda: getattr(form, "stale_dialog", None) is not None and form.stale_dialog.isVisible())
    qtbot.mouseClick(form.stale_dialog.reload_button, Qt.MouseButton.LeftButton)
    from PySide6.QtWidgets import QApplication

    assert "Số người tham dự: 95" in QApplication.clipboard().text()
    assert form.editors["title"].value() == "Tiếp xúc cử tri sau kỳ họp thứ 9"
    assert form.editors["participants"].value() == 80 and not form.is_dirty()
    assert form.record.revision == 2


def test_closing_the_question_changes_nothing_and_the_save_stays_refused(qtbot, ctx, opened_form):  # noqa: ANN001
    form, rec = opened_form
    colleague_saves(ctx.db.path, rec.id)
    _type_mine(qtbot, form)
    form.save()
    qtbot.waitUntil(lambda: getattr(form, "stale_dialog", None) is not None and form.stale_dialog.isVisible())
    qtbot.keyClick(form.stale_dialog, Qt.Key.Key_Escape)
    assert form.editors["participants"].value() == 95 and form.record.revision == 1
    form.stale_dialog = None
    form.save()
    qtbot.waitUntil(lambda: form.stale_dialog is not None and form.stale_dialog.isVisible())


def test_the_composer_recomposes_after_another_pc_saves_but_never_under_the_typing(qtbot, db):  # noqa: ANN001
    from danvan_desktop.store.database import open_database
    from tests.ui.conftest import make_ctx
    from tests.ui.helpers import type_text
    from tests.ui.test_composer import open_composer

    ctx = make_ctx(db, ADMIN)
    try:
        w = open_composer(qtbot, ctx)
        watcher = ChangeWatcher(ctx, NEVER)
        watcher.start()
        w.activateWindow()
        w.select_section("kho_khan")
        w.own.setFocus()
        type_text(w.own, "Mùa mưa lũ đường bị chia cắt")
        assert w.typing()
        first = w.doc
        elsewhere = open_database(db.path)
        try:
            add_record(elsewhere, ADMIN, "meeting", {"kind": "tiep_xuc_cu_tri", "title": "Ở máy khác",
                                                     "date": dt.date.today(), "participants": 12})
        finally:
            elsewhere.close()
        look(qtbot, watcher)
        wait_idle(qtbot, ctx)
        assert w.doc is first  # not under the cursor
        assert "thay đổi trên máy khác" in w.status.text()
        assert w.own.toPlainText() == "Mùa mưa lũ đường bị chia cắt"
        w.sections.setFocus()  # the clerk leaves the box: the report is composed again, the typing kept
        qtbot.waitUntil(lambda: w.doc is not first, timeout=10_000)
        wait_idle(qtbot, ctx)
        assert w.doc.section("kho_khan").own == "Mùa mưa lũ đường bị chia cắt"
    finally:
        ctx.runner.shutdown()
