"""The one background helper: reads on a small pool, writes in one lane, results delivered on the UI thread.

Like Anki's QueryOp and CollectionOp (qt/aqt/operations/): `run` is for reads and file work that does not
write the database; `write` queues every database write of the window on ONE worker, in order, and after
each committed write broadcasts what it changed (`changed`, like operation_did_execute) so every open
screen refreshes only if the change concerns it.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QEventLoop, QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:  # loaded with the first write: the sign-in shows before it
    from danvan_desktop.services.changes import Changes


@dataclass
class TaskFailure:
    """An exception raised by a background call, with its traceback text for the error report."""

    error: BaseException
    details: str


@dataclass
class _Pending:
    on_done: Callable[[Any], None] | None
    on_error: Callable[[TaskFailure], None] | None
    owner: QObject | None
    label: str
    changes: Changes | None = None  # a write: what to broadcast if its result does not say
    is_write: bool = False
    quiet: bool = False  # background upkeep (the change watcher): never shown as busy


def changes_of(result: Any) -> Changes | None:
    """What a write service's result says it changed: a Changes, a `.changes`, or those inside a tuple or list."""
    from danvan_desktop.services.changes import Changes

    if isinstance(result, Changes):
        return result
    attr = getattr(result, "changes", None)
    if isinstance(attr, Changes):
        return attr
    if isinstance(result, tuple | list):  # (info, Changes), or one result per package merged
        found = [c for c in (changes_of(x) for x in result) if c is not None]
        if found:
            out = found[0]
            for c in found[1:]:
                out = out | c
            return out
        return None
    return None


class _Relay(QObject):
    """Lives on the UI thread; workers emit through it so delivery is queued onto the UI thread."""

    # One Python object, not (int, bool, object): bool arguments of queued signals lost references to
    # True/False in PySide6 until the interpreter aborted at exit.
    finished = Signal(object)


def _work(task_id: int, fns: dict[int, Callable[[], Any]], relay: _Relay) -> None:
    """Runs on a worker thread: call the function and hand its outcome to the relay (never touch widgets).

    The function (whose closure may hold widgets) is owned by the runner on the UI thread and only borrowed
    here: a widget's last reference dropped on a worker thread crashes Qt, typically at garbage collection.
    """
    fn = fns[task_id]
    try:
        result: Any = fn()
        ok = True
    except BaseException as e:  # noqa: BLE001 - every failure must reach the UI, not kill the thread
        details = traceback.format_exc()
        traceback.clear_frames(e.__traceback__)  # frames would keep the closure's widgets alive here
        result, ok = TaskFailure(e, details), False
    del fn
    relay.finished.emit((task_id, ok, result))


class TaskRunner(QObject):
    """Runs callables on a small thread pool; on_done/on_error are called later on the UI thread.

    `busyChanged(busy, text)` drives the window's progress indicator. A task whose `owner` widget has been
    destroyed in the meantime is dropped silently.
    """

    busyChanged = Signal(bool, str)
    changed = Signal(object)  # a Changes, on the UI thread, after each committed write (before its on_done)

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        # Plain Python threads, not QRunnable: a Python QRunnable freed while its C++ side still runs has
        # crashed the garbage collector; emitting a signal from a Python thread is safe and queued.
        self._pool = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="danvan")
        # The writer lane: one thread, so the window's writes never race each other for SQLite's lock.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="danvan-write")
        self._futures: dict[int, Future[None]] = {}
        self._fns: dict[int, Callable[[], Any]] = {}
        self._relay = _Relay(self)
        # Queued, since workers emit from their own threads (Qt's automatic choice for a receiver living on
        # another thread). Naming Qt.ConnectionType here would build all ~90 enums of the `Qt` namespace
        # before the sign-in shows (≈ 30 ms at start-up).
        self._relay.finished.connect(self._deliver)
        self._pending: dict[int, _Pending] = {}
        self._next_id = 0
        self._closed = False
        # Called for failures of tasks that gave no on_error (the window shows a message box).
        self.default_error: Callable[[TaskFailure], None] | None = None

    @property
    def busy(self) -> bool:
        """Whether any task a person asked for is running or waiting to be delivered."""
        return any(not p.quiet for p in self._pending.values())

    def busy_text(self) -> str:
        """The label of the most recent task still running ('' when idle); a queued write says what it waits for."""
        shown = [p for p in self._pending.values() if not p.quiet]
        if not shown:
            return ""
        writes = [p for p in shown if p.is_write]
        if len(writes) > 1:
            return f"{writes[-1].label.rstrip('…')} (chờ {writes[0].label.rstrip('…').lower()} xong)…"
        return shown[-1].label

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[TaskFailure], None] | None = None, *, owner: QObject | None = None,
            label: str = "Đang xử lý…", quiet: bool = False) -> int:
        """Start a read fn() in the background; returns a task id. (Database writes go through write().)

        `quiet`: upkeep nobody asked for (looking for other PCs' changes), left out of the busy indicator.
        """
        return self._submit(self._pool, fn, _Pending(on_done, on_error, owner, label, quiet=quiet))

    def announce(self, changes: Changes) -> None:
        """Broadcast changes made elsewhere (another PC, another program) as the writer lane does its own."""
        if not self._closed:
            self.changed.emit(changes)

    def write(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[TaskFailure], None] | None = None, *, owner: QObject | None = None,
              label: str = "Đang lưu…", changes: Changes | None = None) -> int:
        """Queue a database write in the one writer lane; after it commits, `changed` is emitted.

        The broadcast is what the result says it changed (changes_of), else `changes` given here. A write
        that waits for another (a merge running) shows its label in the busy indicator meanwhile.
        """
        return self._submit(self._writer, fn, _Pending(on_done, on_error, owner, label, changes, True))

    @property
    def writing(self) -> bool:
        """Whether a write is running or queued."""
        return any(p.is_write for p in self._pending.values())

    def _submit(self, pool: ThreadPoolExecutor, fn: Callable[[], Any], pending: _Pending) -> int:
        if self._closed:
            return -1
        self._next_id += 1
        tid = self._next_id
        was_busy = self.busy
        self._pending[tid] = pending
        self._fns[tid] = fn
        self._futures[tid] = pool.submit(_work, tid, self._fns, self._relay)
        if pending.quiet:
            return tid
        if not was_busy:
            self.busyChanged.emit(True, pending.label)
        else:
            self.busyChanged.emit(True, self.busy_text())
        return tid

    @Slot(object)
    def _deliver(self, outcome: tuple[int, bool, object]) -> None:
        task_id, ok, payload = outcome
        p = self._pending.pop(task_id, None)
        self._futures.pop(task_id, None)
        self._fns.pop(task_id, None)  # released here, on the UI thread
        try:
            if p is None or self._closed:
                return
            if ok and p.is_write:
                # Broadcast even when the asking widget is gone: other screens still show old figures.
                c = changes_of(payload) or p.changes
                if c is not None:
                    self.changed.emit(c)
            if p.owner is not None and not shiboken6.isValid(p.owner):
                return
            if ok:
                if p.on_done is not None:
                    p.on_done(payload)
            else:
                assert isinstance(payload, TaskFailure)
                if p.on_error is not None:
                    p.on_error(payload)
                else:
                    self.report(payload)
        finally:
            if p is not None and p.quiet:
                pass  # upkeep: the busy indicator never knew of it
            elif not self.busy:
                self.busyChanged.emit(False, "")
            else:
                self.busyChanged.emit(True, self.busy_text())

    def report(self, failure: TaskFailure) -> None:
        """Tell of a failed task as for any task without its own handler (default_error, else stderr)."""
        if self.default_error is not None:
            self.default_error(failure)
        else:
            traceback.print_exception(failure.error)

    def call(self, fn: Callable[[], Any], *, parent: QWidget | None = None, label: str = "Đang xử lý…") -> Any:
        """Run fn() in the background while the UI keeps running (a local event loop); return or raise its result.

        For start-up steps (open the database, sign in) where nothing else can happen until they end.
        """
        from danvan_desktop.ui.widgets import BusyDialog

        loop = QEventLoop()
        box: dict[str, Any] = {}

        def done(v: Any) -> None:
            box["ok"] = v
            loop.quit()

        def failed(f: TaskFailure) -> None:
            box["err"] = f.error
            loop.quit()

        dlg = BusyDialog(label, parent)
        self.run(fn, done, failed, label=label)
        if "ok" not in box and "err" not in box:
            dlg.show()
            loop.exec()
        dlg.close()
        dlg.deleteLater()
        if "err" in box:
            raise box["err"]
        return box["ok"]

    def wait_idle(self, timeout_ms: int = 10_000) -> bool:
        """Block until the workers are done (for closing the window); results are then dropped."""
        _done, not_done = wait(list(self._futures.values()), timeout=timeout_ms / 1000)
        return not not_done

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Stop delivering results and wait for running work to end."""
        self._closed = True
        for f in self._futures.values():
            f.cancel()  # not started yet: never start
        self.wait_idle(timeout_ms)
        self._pool.shutdown(wait=False)
        self._writer.shutdown(wait=False)
        self._pending.clear()
        self._futures.clear()
        self._fns.clear()
