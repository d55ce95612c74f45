"""The "Soạn báo cáo" screen as a clerk uses it: typing is saved by itself, a kill loses only the last seconds,
the units' texts are beside the clerk's and can be taken, and "Phát hành" issues the Word file."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import docx
from PySide6.QtWidgets import QApplication

from danvan_desktop.domain.periods import parse_period
from danvan_desktop.services import reports
from danvan_desktop.services.units import unit_by_code
from danvan_desktop.store.database import Database
from danvan_desktop.ui.reports.composer import AUTOSAVE_MS, Composer
from tests.ui.conftest import ADMIN, VAN_THU, make_ctx
from tests.ui.helpers import type_text, wait_idle

YEAR = parse_period(f"{__import__('datetime').date.today().year}")
LONG = ("Năm nay, dưới sự lãnh đạo của Đảng ủy, sự phối hợp của Ủy ban Mặt trận Tổ quốc và các đoàn thể, công tác "
        "dân vận trên địa bàn xã Bản Bo đạt nhiều kết quả quan trọng; đồng bào Mông, Dao, Thái ở các thôn, bản "
        "vùng cao tích cực hiến đất làm đường giao thông nông thôn, xóa nhà tạm, nhà dột nát cho hộ nghèo.")


def open_composer(qtbot, ctx) -> Composer:  # noqa: ANN001
    """The composer on this year's report of the home unit, loaded."""
    w = Composer(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.period.set_period(YEAR)
    wait_idle(qtbot, ctx)
    return w


def stored(db: Database, actor=ADMIN):  # noqa: ANN001
    """The report as the service reads it from the file."""
    return reports.compose(db, actor, YEAR)


def test_typing_is_saved_by_itself_and_an_edited_generated_text_is_kept(qtbot, db: Database) -> None:  # noqa: ANN001
    ctx = make_ctx(db, VAN_THU)
    try:
        w = open_composer(qtbot, ctx)
        w.select_section("kho_khan")
        w.own.setFocus()
        type_text(w.own, "Giao thông đi lại khó khăn; mùa mưa lũ bị chia cắt.")
        qtbot.waitUntil(lambda: stored(db, VAN_THU).section("kho_khan").own ==
                        "Giao thông đi lại khó khăn; mùa mưa lũ bị chia cắt.", timeout=AUTOSAVE_MS * 5)
        w.select_section("cap_uy")
        w.generated.moveCursor(w.generated.textCursor().MoveOperation.End)
        type_text(w.generated, " Đã sửa tay.")
        assert w.edited_label.isVisibleTo(w)
        qtbot.waitUntil(lambda: stored(db, VAN_THU).section("cap_uy").edited, timeout=AUTOSAVE_MS * 5)
        assert stored(db, VAN_THU).section("cap_uy").generated.endswith(" Đã sửa tay.")
        # A clerk sets the number and the date: no admin needed.
        w.field_edits["number"].setFocus()
        w.field_edits["number"].clear()
        type_text(w.field_edits["number"], "05-BC/ĐU")
        type_text(w.field_edits["date"], "05/02/2027")
        qtbot.waitUntil(lambda: stored(db, VAN_THU).fields.number == "05-BC/ĐU" and
                        stored(db, VAN_THU).fields.date is not None, timeout=AUTOSAVE_MS * 5)
        wait_idle(qtbot, ctx)
    finally:
        ctx.runner.shutdown()


def test_units_texts_are_shown_beside_and_a_passage_is_taken_with_one_action(qtbot, db: Database) -> None:  # noqa: ANN001
    with db.transaction() as s:
        reports.store_child_texts(s, unit_by_code(s, "T01"), YEAR.code,
                                  [("kho_khan", "2. Khó khăn", "Thôn Nà Ản: đường vào thôn sạt lở sau mưa lũ.")], None)
    ctx = make_ctx(db, ADMIN)
    try:
        w = open_composer(qtbot, ctx)
        w.select_section("kho_khan")
        assert [w.child_list.item(i).text() for i in range(w.child_list.count())] == ["Thôn Nà Ản"]
        w.child_list.setCurrentRow(0)
        assert "sạt lở" in w.child_text.toPlainText()
        qtbot.mouseClick(w.take_button, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.MouseButton.LeftButton)
        wait_idle(qtbot, ctx)
        assert stored(db).section("kho_khan").own == "Thôn Nà Ản: đường vào thôn sạt lở sau mưa lũ."
    finally:
        ctx.runner.shutdown()


def test_phat_hanh_writes_the_word_file_and_lists_the_issue(qtbot, db: Database, tmp_path: Path) -> None:  # noqa: ANN001
    ctx = make_ctx(db, ADMIN)
    try:
        w = open_composer(qtbot, ctx)
        w.select_section("thuan_loi")
        type_text(w.own, LONG)
        out = tmp_path / "bao-cao.docx"
        w.issue(out)
        wait_idle(qtbot, ctx)
        qtbot.waitUntil(lambda: w.issues.count() == 1, timeout=10_000)
        assert LONG in [p.text for p in docx.Document(str(out)).paragraphs]
        assert w.issues.item(0).text().startswith("Lần 1:")
        shown: list[bytes] = []
        w.show_pdf = lambda data, title: shown.append(data)  # type: ignore[method-assign]
        w._open_issue(w.issues.item(0))
        wait_idle(qtbot, ctx)
        assert shown and shown[0].startswith(b"%PDF")
    finally:
        ctx.runner.shutdown()


_TYPIST = textwrap.dedent("""
    import os, signal, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from danvan_desktop.domain.periods import parse_period
    from danvan_desktop.services import reports
    from danvan_desktop.services.actor import Actor
    from danvan_desktop.services.units import list_units
    from danvan_desktop.store.database import open_database
    from danvan_desktop.ui.context import AppContext
    from danvan_desktop.ui.reports.composer import Composer
    from danvan_desktop.ui.tasks import TaskRunner

    app = QApplication([])
    db = open_database(sys.argv[1])
    actor = Actor("admin", "admin", "Quản trị", True)
    period = parse_period(sys.argv[2])
    ctx = AppContext(db, actor, TaskRunner(), list_units(db))
    w = Composer(ctx)
    w.show()
    w.period.set_period(period)
    def settle():
        while ctx.runner.busy:
            app.processEvents()
    settle()
    w.select_section("uu_diem")
    def type_(text):
        for ch in text:
            QTest.sendKeyEvent(QTest.KeyAction.Click, w.own, Qt.Key.Key_unknown, ch, Qt.KeyboardModifier.NoModifier)
    type_(sys.argv[3])
    # The clerk pauses longer than the autosave interval: the timer fires and the save lands.
    while reports.compose(db, actor, period).section("uu_diem").own != sys.argv[3]:
        app.processEvents()
    type_(sys.argv[4])  # then types on, and the power goes before the next autosave
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_a_kill_while_typing_loses_only_what_was_typed_since_the_last_autosave(db: Database, tmp_path: Path) -> None:
    first = "Ưu điểm: các cấp ủy quan tâm lãnh đạo; cán bộ bám sát cơ sở, gần dân, hiểu dân."
    then = " Chưa kịp lưu"
    path = db.path
    db.close()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-c", _TYPIST, str(path), YEAR.code, first, then], env=env,
                       capture_output=True, timeout=300)
    assert r.returncode == -9, r.stderr.decode()[-2000:]
    from danvan_desktop.store.database import open_database

    again = open_database(path)
    try:
        with again.engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert reports.compose(again, ADMIN, YEAR).section("uu_diem").own == first
    finally:
        again.close()
    QApplication.processEvents()


def test_figures_that_no_longer_match_are_marked_in_the_composer(qtbot, db: Database) -> None:  # noqa: ANN001
    from danvan_desktop.services.records import add_record

    today = __import__("datetime").date.today()
    reports.save_section(db, ADMIN, YEAR, "kho_khan", own="Bản nháp đầu tiên.")  # the draft fixes the figures
    add_record(db, ADMIN, "meeting", {"kind": "doi_thoai", "title": "Đối thoại với Nhân dân", "date": today,
                                      "organizer": "ubnd", "participants": 25})
    ctx = make_ctx(db, ADMIN)
    try:
        w = open_composer(qtbot, ctx)
        w.select_section("chinh_quyen")
        assert w.stale_label.isVisibleTo(w)
        assert "Hội nghị do cơ quan tổ chức: UBND: 0 trong văn bản, nay là 1" in w.stale_label.text()
        row = next(i for i in range(w.sections.count()) if w.sections.item(i).data(256) == "chinh_quyen")
        assert w.sections.item(row).text().endswith("⚠")
        qtbot.mouseClick(w.regen_button, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.MouseButton.LeftButton)
        wait_idle(qtbot, ctx)
        qtbot.waitUntil(lambda: not w.stale_label.isVisibleTo(w), timeout=10_000)
        assert "01 hội nghị" in w.generated.toPlainText()
    finally:
        ctx.runner.shutdown()
