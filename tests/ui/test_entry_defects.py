"""Issue 13's wrong-data defects, each typed or clicked as a cadre does (each failed before the fix)."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMessageBox

from danvan_desktop.services.records import list_records
from danvan_desktop.ui.widgets import DateField
from tests.ui.helpers import fill, open_window, type_text, wait_idle

D = dt.date(2025, 3, 5)


@pytest.fixture
def window(qtbot, ctx):
    return open_window(qtbot, ctx, every_period=True)


def new_meeting(window, qtbot=None):
    """The new-meeting form, active, so Tab and focus behave as on a desktop."""
    window.show_page("meeting")
    form = window.list_page().new_record()
    form.show()
    form.activateWindow()
    if qtbot is not None:
        qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    return form


def focus(qtbot, widget) -> None:
    """Put the cursor in a field as a click would, and wait until it is there."""
    widget.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is (widget.focusProxy() or widget))


@pytest.mark.parametrize("typed", ["05/03/2025", "5/3/2025", "05032025", "5/3/25", "5.3.2025", "050325"])
def test_a_date_typed_as_the_form_asks_is_stored_as_typed(qtbot, ctx, window, typed):
    """Defect 1: "05/03/2025" became 05/11/2026 (only the day was kept)."""
    form = new_meeting(window, qtbot)
    fill(qtbot, form, {"kind": "Tiếp xúc cử tri", "title": "Tiếp xúc cử tri trước kỳ họp"})
    date = form.editors["date"]
    focus(qtbot, date)
    qtbot.keyClicks(date.edit, typed)
    qtbot.keyClick(date.edit, Qt.Key.Key_Tab)  # leaving the box shows the one written form
    assert date.text() == "05/03/2025"
    assert date.understood.text() == "Thứ Tư, 05/03/2025"
    assert form.save()
    wait_idle(qtbot, ctx)
    assert list_records(ctx.db, ctx.actor, "meeting").rows[0].values["date"] == D


def test_select_all_then_typing_replaces_the_date(qtbot, ctx, window):
    """Defect 1: select-all then typing was ignored."""
    form = new_meeting(window, qtbot)
    date = form.editors["date"]
    date.setFocus()
    qtbot.keyClicks(date.edit, "01/01/2024")
    qtbot.keyClick(date.edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(date.edit, "5/3/2025")
    assert date.value() == D


@pytest.mark.parametrize(("typed", "message"), [
    ("31/02/2025", "Ngày: không có ngày 31 tháng 2 năm 2025"),
    ("5/13/2025", "Ngày: không có tháng 13 (tháng từ 1 đến 12)"),
    ("5/3", "Ngày: “5/3” chưa phải là ngày: hãy nhập ngày/tháng/năm, ví dụ 05/03/2025 hoặc 05032025"),
])
def test_an_impossible_date_is_refused_in_vietnamese_and_nothing_is_saved(qtbot, ctx, window, typed, message):
    form = new_meeting(window, qtbot)
    fill(qtbot, form, {"kind": "Tiếp xúc cử tri", "title": "Tiếp xúc cử tri"})
    date = form.editors["date"]
    focus(qtbot, date)
    qtbot.keyClicks(date.edit, typed)
    qtbot.keyClick(date.edit, Qt.Key.Key_Tab)
    assert form.error_message("date") == message
    assert not form.save()
    wait_idle(qtbot, ctx)
    assert list_records(ctx.db, ctx.actor, "meeting").total == 0


def test_the_calendar_picks_a_day(qtbot, ctx, window):
    form = new_meeting(window, qtbot)
    date = form.editors["date"]
    date.setFocus()
    qtbot.keyClick(date.edit, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    cal = date.popup
    assert cal is not None and cal.isVisible()
    grid = cal.findChild(QAbstractItemView)
    qtbot.keyClick(grid, Qt.Key.Key_Left)  # the day before today
    qtbot.keyClick(grid, Qt.Key.Key_Return)  # Enter picks the highlighted day
    assert date.value() == dt.date.today() - dt.timedelta(days=1)


def test_one_tab_into_a_date_and_one_tab_out(qtbot, ctx, window):
    """Defect 7: Tab stepped through day, month and year."""
    form = new_meeting(window, qtbot)
    form.show()
    form.activateWindow()
    title = form.editors["title"]
    title.setFocus()
    qtbot.waitUntil(title.hasFocus)
    qtbot.keyClick(title, Qt.Key.Key_Tab)
    date = form.editors["date"]
    assert date.edit.hasFocus()
    qtbot.keyClicks(date.edit, "05032025")
    qtbot.keyClick(date.edit, Qt.Key.Key_Tab)
    assert form.editors["unit"].hasFocus()  # the unit comes after the event date (SPEC §3 order)


def test_tab_visits_every_field_of_the_meeting_form_in_order(qtbot, ctx, window):
    form = new_meeting(window, qtbot)
    form.show()
    form.activateWindow()
    first = form.editors["kind"]
    first.setFocus()
    qtbot.waitUntil(first.hasFocus)
    focus_of = {}
    for key, ed in form.editors.items():
        focus_of[id(ed.focusProxy() or ed)] = key
    seen = []
    for _ in range(len(form.editors)):
        w = QApplication.focusWidget()
        seen.append(focus_of.get(id(w), type(w).__name__))
        qtbot.keyClick(w, Qt.Key.Key_Tab)
    assert seen == ["kind", "title", "date", "unit", "location", "organizer", "chair", "participants", "women",
                    "ethnic_minority", "notes"]


def test_a_required_choice_left_untouched_is_named_not_saved_as_its_first_option(qtbot, ctx, window):
    """Defect 2: an untouched "Loại hội nghị" was saved as "Tiếp xúc cử tri"."""
    form = new_meeting(window, qtbot)
    assert form.editors["kind"].currentText() == "— Chọn —"
    form.editors["title"].setFocus()
    type_text(form.editors["title"], "Hội nghị tổng kết năm")
    fill(qtbot, form, {"date": D})
    assert not form.save()
    assert form.error_message("kind") == "Loại hội nghị không được để trống"
    wait_idle(qtbot, ctx)
    assert list_records(ctx.db, ctx.actor, "meeting").total == 0
    combo = form.editors["kind"]
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_G)  # typing a letter picks the first label starting with it
    assert combo.currentText() == "Giao ban, sơ kết, tổng kết"
    assert form.save()
    wait_idle(qtbot, ctx)
    assert list_records(ctx.db, ctx.actor, "meeting").rows[0].values["kind"] == "giao_ban"


def _wheel(widget, steps: int = -1) -> None:
    pos = QPointF(widget.rect().center())
    ev = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 120 * steps),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


def test_the_wheel_over_an_unfocused_drop_down_changes_nothing(qtbot, ctx, window):
    """Defect 3: the wheel over a long form changed drop-down values without a sign."""
    form = new_meeting(window, qtbot)
    form.show()
    fill(qtbot, form, {"kind": "Tiếp xúc cử tri", "organizer": "Ủy ban MTTQ"})
    form.editors["title"].setFocus()
    for key in ("kind", "organizer", "unit"):
        before = form.editors[key].currentIndex()
        _wheel(form.editors[key])
        _wheel(form.editors[key], 1)
        _wheel(form.editors[key])
        assert form.editors[key].currentIndex() == before, key
    assert not form.editors["kind"].hasFocus()  # nor does the wheel take the focus
    # Focused on purpose, the wheel still works as Qt users expect.
    focus(qtbot, form.editors["organizer"])
    _wheel(form.editors["organizer"])
    assert form.editors["organizer"].currentText() != "Ủy ban MTTQ"


def _answer_next_box(button_text: str | None, record: list) -> None:
    """Press Enter (None) or a named button in the message box that is about to open."""
    def act() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, act)
            return
        record.append(box.defaultButton().text() if box.defaultButton() else None)
        if button_text is None:
            QTest.keyClick(box, Qt.Key.Key_Return)
        else:
            next(b for b in box.buttons() if b.text() == button_text).click()
    QTimer.singleShot(0, act)


def test_enter_in_the_discard_question_keeps_the_work(qtbot, ctx, window):
    """Defect 7: "Bỏ, không lưu" was the default, so Enter threw the work away."""
    form = new_meeting(window, qtbot)
    form.show()
    form.editors["title"].setFocus()
    type_text(form.editors["title"], "Đối thoại")
    seen: list = []
    _answer_next_box(None, seen)
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert seen == ["Tiếp tục nhập"]
    assert form.isVisible()
    _answer_next_box("Bỏ, không lưu", seen)
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert not form.isVisible()


def test_the_window_opens_maximised(qtbot, db):
    """Defect 7: it opened at exactly 1366×768 with the status bar off screen."""
    from danvan_desktop.ui.main import Session
    from danvan_desktop.ui.tasks import TaskRunner
    from tests.ui.conftest import ADMIN

    runner = TaskRunner()
    session = Session(db, ADMIN, runner, automatic_backups=False)
    session.show(daily_backup=False)
    qtbot.addWidget(session.window)
    assert session.window.windowState() & Qt.WindowState.WindowMaximized
    runner.shutdown()


def test_a_date_field_on_its_own_says_what_it_understood(qtbot):
    f = DateField(optional=True)
    qtbot.addWidget(f)
    qtbot.keyClicks(f.edit, "1/1/26")
    assert f.value() == dt.date(2026, 1, 1) and f.understood.text() == "Thứ Năm, 01/01/2026"
    f.set_value(None)
    assert f.value() is None and f.problem() == "" and f.understood.text() == ""


def test_enter_in_the_delete_question_deletes_nothing(qtbot, ctx, window):
    from danvan_desktop.services.actor import SYSTEM
    from danvan_desktop.services.records import add_record, get_record

    rec = add_record(ctx.db, SYSTEM, "meeting", {"kind": "khac", "title": "Họp bản", "date": D})
    window.show_page("meeting")
    lp = window.list_page()
    wait_idle(qtbot, ctx)
    lp.view.selectRow(0)
    seen: list = []
    _answer_next_box(None, seen)
    qtbot.keyClick(lp.view, Qt.Key.Key_Delete)
    wait_idle(qtbot, ctx)
    assert seen == ["Không xóa"]
    assert not get_record(ctx.db, ctx.actor, "meeting", rec.id).deleted


def test_enter_in_the_duplicate_question_saves_nothing(qtbot, ctx, window):
    from danvan_desktop.services.actor import SYSTEM
    from danvan_desktop.services.records import add_record

    add_record(ctx.db, SYSTEM, "meeting", {"kind": "khac", "title": "Họp bản Nà Ản", "date": D})
    form = new_meeting(window, qtbot)
    fill(qtbot, form, {"kind": "Khác", "title": "Họp bản Nà Ản", "date": D})
    seen: list = []
    _answer_next_box(None, seen)
    qtbot.keyClick(form.editors["title"], Qt.Key.Key_Return)  # Enter: Lưu
    wait_idle(qtbot, ctx)
    assert seen == ["Không lưu, xem lại"]
    assert form.isVisible() and not form.saving
    assert list_records(ctx.db, ctx.actor, "meeting").total == 1
