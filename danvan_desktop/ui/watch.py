"""Screens refresh when another PC (or another program on this one) changes the database.

Every ~2 s the change mark is read off the UI thread (services/watch.py: one indexed read while nothing
changed); what changed elsewhere is broadcast through the runner's `changed`, the path the writer lane uses
for this window's own writes, so lists, the overview and the report composer refresh as after a local save.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMainWindow

from danvan_desktop.services.changes import Changes
from danvan_desktop.services.watch import Seen, change_mark, changes_since
from danvan_desktop.ui.context import AppContext
from danvan_desktop.ui.tasks import TaskFailure

INTERVAL_MS = 2000


class ChangeWatcher(QObject):
    """Looks for changes made elsewhere every INTERVAL_MS and broadcasts them; quiet while nothing changed.

    `trouble(text)` says the database stopped answering (text '' once it answers again): the window shows it
    in the status bar instead of a message box every two seconds.
    """

    trouble = Signal(str)
    seen = Signal(object)  # the Changes made elsewhere, after they were broadcast

    def __init__(self, ctx: AppContext, interval_ms: int = INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent or ctx)
        self.ctx = ctx
        self.mark: int | None = None
        self.looking = False
        self.problem = ""
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.look)

    def start(self) -> None:
        """Note where the log stands now, then look every interval."""
        self.looking = True
        db = self.ctx.db
        self.ctx.runner.run(lambda: change_mark(db), self._started, self._failed, owner=self,
                            label="Đang theo dõi thay đổi…", quiet=True)
        self._timer.start()

    def stop(self) -> None:
        """No more looking (the window closes or its database is replaced)."""
        self._timer.stop()

    def _started(self, mark: int) -> None:
        self.looking = False
        self.mark = mark

    def look(self) -> None:
        """One look in the background (skipped while the previous one is still out)."""
        if self.looking:
            return
        if self.mark is None:
            self.start()
            return
        self.looking = True
        db, mark = self.ctx.db, self.mark
        self.ctx.runner.run(lambda: changes_since(db, mark), self._seen, self._failed, owner=self,
                            label="Đang theo dõi thay đổi…", quiet=True)

    def _seen(self, result: Seen) -> None:
        self.looking = False
        self.mark = result.mark
        self._set_problem("")
        if result.changes is not None:
            self.announce(result.changes)

    def announce(self, changes: Changes) -> None:
        """Broadcast what changed elsewhere to every open screen."""
        self.ctx.runner.announce(changes)
        self.ctx.changedElsewhere.emit(changes)
        self.seen.emit(changes)

    def _failed(self, failure: TaskFailure) -> None:
        self.looking = False
        self._set_problem(str(failure.error))

    def _set_problem(self, text: str) -> None:
        if text != self.problem:
            self.problem = text
            self.trouble.emit(text)


def watch_window(window: QMainWindow, ctx: AppContext, interval_ms: int = INTERVAL_MS) -> ChangeWatcher:
    """Start watching for other PCs' changes on behalf of a window; trouble shows in its status bar."""
    watcher = ChangeWatcher(ctx, interval_ms, parent=window)
    note = QLabel("")
    note.setStyleSheet("color: #b00020;")
    note.setWordWrap(False)
    note.setVisible(False)
    window.statusBar().addWidget(note)

    def trouble(text: str) -> None:
        first = text.split(". ")[0] if text else ""
        note.setText(f"Mất kết nối: {first}. Đang thử lại…" if text else "")
        note.setToolTip(text)
        note.setVisible(bool(text))

    watcher.trouble.connect(trouble)
    watcher.note = note  # type: ignore[attr-defined]
    watcher.start()
    return watcher
