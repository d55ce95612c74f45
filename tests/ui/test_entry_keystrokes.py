"""How many keystrokes one meeting with five petitions takes, typed with the keyboard alone (issue 13).

Every key goes through one counting helper: a chord (Ctrl+N, Alt+K, Ctrl+Shift+Enter) counts as one
keystroke, a character of text as one. The figure is asserted, so a change that adds keys shows here.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from danvan_desktop.services.records import RecordQuery, list_records
from danvan_desktop.ui.main_window import MainWindow
from tests.ui.helpers import wait_idle

TITLE = "Tiếp xúc cử tri quý I"
PETITIONS = [f"Kiến nghị số {i} về đường liên bản" for i in range(1, 6)]
CTRL, SHIFT, ALT = (Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier,
                    Qt.KeyboardModifier.AltModifier)


class Keyboard:
    """Sends keys to whatever has the focus, and counts them."""

    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot
        self.control = 0  # Tab, Enter, shortcuts, letters that pick from a list, date digits
        self.text = 0  # characters of free text

    def _target(self):
        w = QApplication.focusWidget()
        assert w is not None
        return w

    def key(self, key, mods=Qt.KeyboardModifier.NoModifier, n: int = 1) -> None:
        for _ in range(n):
            QTest.keyClick(self._target(), key, mods)
            self.control += 1

    def keys(self, ascii_text: str) -> None:
        """Control characters typed (a letter choosing from a list, the digits of a date or count)."""
        for ch in ascii_text:
            QTest.keyClick(self._target(), ch)
            self.control += 1

    def type(self, text: str) -> None:
        """Free text, Vietnamese included (one key event per character)."""
        for ch in text:
            QTest.sendKeyEvent(QTest.KeyAction.Click, self._target(), Qt.Key.Key_unknown, ch,
                               Qt.KeyboardModifier.NoModifier)
            self.text += 1

    @property
    def total(self) -> int:
        return self.control + self.text


def test_one_meeting_with_five_petitions_by_keyboard(qtbot, ctx):
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    w.period_picker.set_period(None)
    w.show_page("meeting")
    wait_idle(qtbot, ctx)
    w.activateWindow()
    w.list_page().view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    # A letter typed in a list picks the first label starting with it; Qt joins letters typed within the
    # keyboard interval into one search ("kk"), which a person's pauses never do: no interval here.
    interval = QApplication.keyboardInputInterval()
    QApplication.setKeyboardInputInterval(0)
    kb = Keyboard(qtbot)

    kb.key(Qt.Key.Key_N, CTRL)  # new meeting; the cursor is in "Loại hội nghị"
    form = w.list_page().last_dialog
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    kb.keys("t")  # Tiếp xúc cử tri
    kb.key(Qt.Key.Key_Tab)
    kb.type(TITLE)
    kb.key(Qt.Key.Key_Tab)
    kb.keys("050325")  # the date, digits only
    kb.key(Qt.Key.Key_Tab)  # → unit (the office, kept) …
    kb.key(Qt.Key.Key_Tab, n=4)  # … location, organizer, chair → participants
    kb.keys("120")
    kb.key(Qt.Key.Key_K, ALT)  # save the meeting and open its first petition
    wait_idle(qtbot, ctx)
    pform = form.petitions.last_dialog
    qtbot.waitUntil(lambda: QApplication.activeWindow() is pform)
    kb.key(Qt.Key.Key_Tab)  # the meeting is filled in: on to "Loại"
    for i, text in enumerate(PETITIONS):
        kb.keys("k")  # Kiến nghị
        kb.key(Qt.Key.Key_Tab, n=3)  # date (the meeting's), unit (the meeting's) → content
        kb.type(text)
        kb.key(Qt.Key.Key_Tab)
        kb.keys("h")  # Hạ tầng, giao thông
        kb.key(Qt.Key.Key_Tab, n=3)  # forwarded to, deadline → status
        kb.keys("m")  # Mới tiếp nhận
        last = i == len(PETITIONS) - 1
        kb.key(Qt.Key.Key_Return, CTRL if last else CTRL | SHIFT)  # save (and start the next)
        wait_idle(qtbot, ctx)
        if not last:
            assert pform.isVisible() and QApplication.focusWidget() is pform.editors["type"]
    assert not pform.isVisible()
    form.activateWindow()  # what the window manager does when a dialog closes (none runs offscreen)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    kb.key(Qt.Key.Key_Escape)  # close the meeting (nothing left unsaved)
    assert not form.isVisible()

    QApplication.setKeyboardInputInterval(interval)
    [m] = list_records(ctx.db, ctx.actor, "meeting").rows
    assert (m.title, m.values["kind"], m.values["date"], m.values["participants"]) == (
        TITLE, "tiep_xuc_cu_tri", dt.date(2025, 3, 5), 120)
    pets = list_records(ctx.db, ctx.actor, "petition", RecordQuery(filters={"meeting_id": m.id})).rows
    assert sorted(p.title for p in pets) == sorted(PETITIONS)
    assert {(p.values["type"], p.values["field"], p.values["status"], p.values["received_date"]) for p in pets} == {
        ("kien_nghi", "ha_tang", "moi", dt.date(2025, 3, 5))}
    text = len(TITLE) + sum(len(t) for t in PETITIONS)
    assert (kb.control, kb.text) == (76, text)
    print(f"\nPhím điều khiển: {kb.control}; ký tự văn bản: {kb.text}; tổng: {kb.total}")
