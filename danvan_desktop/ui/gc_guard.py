"""Python's cycle collector run only from the UI thread's event loop, never at a random moment.

Left automatic, a collection can start on a worker thread or inside a nested event loop and free Qt
objects there, which crashes the program (the test suite saw exactly that). Reference counting still frees
almost everything at once; only cycles wait for the timer. (Pattern from Fabio Zadrozny's Qt/Python
GarbageCollector recipe.)
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer


class GarbageCollector(QObject):
    """Disables automatic collection and collects from a timer on the UI thread."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._threshold = gc.get_threshold()
        gc.disable()
        self._timer.start(interval_ms)

    def check(self) -> None:
        """Collect each generation whose allocation count passed its usual threshold."""
        c0, c1, c2 = gc.get_count()
        if c0 > self._threshold[0]:
            gc.collect(0)
            if c1 > self._threshold[1]:
                gc.collect(1)
                if c2 > self._threshold[2]:
                    gc.collect(2)

    def stop(self) -> None:
        """Give collection back to Python (when the window closes)."""
        self._timer.stop()
        gc.enable()


def shutdown_cleanly(app: QCoreApplication) -> None:
    """Free every window and collect cycles while Qt is still alive, so exiting cannot crash."""
    from PySide6.QtCore import QEvent  # here, not at start-up: importing it builds its ~180-member Type enum
    from PySide6.QtWidgets import QApplication

    if isinstance(app, QApplication):
        for w in app.topLevelWidgets():
            w.close()
            w.deleteLater()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()
    gc.collect()
    guard = getattr(app, "_danvan_gc", None)
    if isinstance(guard, GarbageCollector):
        guard.stop()
