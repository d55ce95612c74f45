"""Progress of a background task, carried from the worker thread to a progress bar on the UI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressBar


class ProgressRelay(QObject):
    """Created on the UI thread; a worker calls `report(done, total)`, the bar is updated later on the UI thread.

    The worker never touches a widget: it only emits a queued signal (two ints, no bools: see tasks.py).
    """

    progressed = Signal(int, int)

    def __init__(self, bar: QProgressBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bar = bar
        self.progressed.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def report(self, done: int, total: int) -> None:
        """Called from the worker thread (the service's progress callback)."""
        try:
            self.progressed.emit(int(done), int(total))
        except RuntimeError:
            pass  # the dialog was closed meanwhile: the work goes on, nobody watches the bar

    def _show(self, done: int, total: int) -> None:
        if total <= 0:
            return
        # Some services count pages or records in the millions: scale to the bar's int range.
        self._bar.setRange(0, 1000)
        self._bar.setValue(min(1000, round(1000 * done / total)))

    def reset(self, busy_only: bool = True) -> None:
        """Start a new run: a moving bar until the first report arrives (or for work that reports nothing)."""
        self._bar.setRange(0, 0 if busy_only else 1000)
        self._bar.setValue(0)
