"""Helpers for the window tests: waiting for background work, typing Vietnamese."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from danvan_desktop.ui.context import AppContext


def wait_idle(qtbot, ctx: AppContext, timeout: int = 10_000) -> None:  # noqa: ANN001
    """Wait until every background task has delivered its result."""
    qtbot.waitUntil(lambda: not ctx.runner.busy, timeout=timeout)
    QApplication.processEvents()


def type_text(widget: QWidget, text: str) -> None:
    """Type any text, Vietnamese included, one key event per character (keyClicks aborts on non-ASCII)."""
    for ch in text:
        QTest.sendKeyEvent(QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, ch, Qt.KeyboardModifier.NoModifier)




def type_date(qtbot, field, d) -> None:  # noqa: ANN001
    """Type a date (or any text) into a date box as a person does: select what is there, type over it."""
    text = d if isinstance(d, str) else ("" if d is None else f"{d.day:02d}/{d.month:02d}/{d.year}")
    box = field.edit
    box.setFocus()
    qtbot.keyClick(box, "a", Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(box, Qt.Key.Key_Delete)
    if text:
        qtbot.keyClicks(box, text)
    box.editingFinished.emit()


def fill(qtbot, form, values: dict) -> None:  # noqa: ANN001
    """Enter values into a record form the way a person does: type text, pick labels, tick boxes."""
    from PySide6.QtCore import Qt as _Qt

    from danvan_desktop.ui.widgets import (
        BoolField,
        DateField,
        EnumField,
        IntField,
        LinkField,
        LongTextField,
        TextField,
        UnitField,
        UnitsField,
    )

    for key, v in values.items():
        ed = form.editors[key]
        if isinstance(ed, TextField | LongTextField):
            ed.setFocus()
            if isinstance(ed, TextField):
                ed.selectAll()
                ed.del_()
            else:
                ed.selectAll()
                ed.textCursor().removeSelectedText()
            type_text(ed, v)
        elif isinstance(ed, IntField):
            ed.selectAll()
            ed.del_()
            qtbot.keyClicks(ed, str(v))
        elif isinstance(ed, DateField):
            type_date(qtbot, ed, v)
        elif isinstance(ed, EnumField):
            ed.select_label(v)
        elif isinstance(ed, BoolField):
            if ed.isChecked() != bool(v):
                qtbot.mouseClick(ed, _Qt.MouseButton.LeftButton)
        elif isinstance(ed, LinkField):
            qtbot.waitUntil(lambda e=ed: e.is_loaded)
            i = ed.findData(v)
            assert i >= 0, v
            ed.setCurrentIndex(i)
        elif isinstance(ed, UnitField):
            i = ed.findText(v, _Qt.MatchFlag.MatchContains)
            assert i >= 0, v
            ed.setCurrentIndex(i)
        elif isinstance(ed, UnitsField):
            ed.set_value(v)
        else:
            raise AssertionError(type(ed))


def open_window(qtbot, ctx: AppContext, *, every_period: bool = False):  # noqa: ANN001, ANN201
    """The main window shown and idle; every_period: the lists show records of every period."""
    from danvan_desktop.ui.main_window import MainWindow

    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    if every_period:
        w.period_picker.set_period(None)
    wait_idle(qtbot, ctx)
    return w
