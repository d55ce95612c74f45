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


