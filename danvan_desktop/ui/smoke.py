"""`danvan --smoke-test`: open the real main window (offscreen works), wait for its first data, close, exit.

Used to check a built program (PyInstaller) end to end without a person: the same start-up as `run_gui`
(prepare_app, the background runner, build_window), but signing in without dialogs and turning every
failure — an exception, a failed background task, a Qt critical message, a timeout — into a non-zero exit.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from danvan_desktop.services.actor import Actor
from danvan_desktop.store.database import Database
from danvan_desktop.ui.gc_guard import shutdown_cleanly
from danvan_desktop.ui.main import build_window, prepare_app
from danvan_desktop.ui.tasks import TaskFailure, TaskRunner

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_TIMEOUT_S = 120.0
# Said by the offscreen platform on every window; harmless (also ignored by the pytest-qt settings).
IGNORED_QT_MESSAGES = {"This plugin does not support propagateSizeHints()"}


class SmokeFailure(Exception):
    """The smoke test saw something go wrong."""


class _Watch:
    """Collects failures reported anywhere (background tasks, slots, Qt itself) while the window runs."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def task_failed(self, f: TaskFailure) -> None:
        self.failures.append(f"background task failed: {f.error!r}\n{f.details}")

    def excepthook(self, kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        self.failures.append("".join(traceback.format_exception(kind, value, tb)))

    def qt_message(self, kind: QtMsgType, _ctx: QMessageLogContext, message: str) -> None:
        if message in IGNORED_QT_MESSAGES:
            return
        print(f"Qt: {message}", file=sys.stderr)
        if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            self.failures.append(f"Qt critical message: {message}")

    def check(self) -> None:
        if self.failures:
            raise SmokeFailure("\n".join(self.failures))


def _wait_until(done: Callable[[], bool], watch: _Watch, deadline: float, what: str) -> None:
    """Run the event loop until done() holds; fail on a reported failure or the deadline."""
    while not done():
        watch.check()
        if time.monotonic() > deadline:
            raise SmokeFailure(f"timed out waiting for {what}")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)
    watch.check()


def _sign_in(runner: TaskRunner, db_path: Path | str | None, demo: bool, user: str | None) -> tuple[Database, Actor]:
    """Open the database and sign in without any dialog (demo account, or --user with DANVAN_PASSWORD)."""
    from danvan_desktop.app import DEMO_ADMIN, DEMO_PASSWORD, open_demo
    from danvan_desktop.services.accounts import authenticate
    from danvan_desktop.store.database import open_database

    if demo:
        db: Database = runner.call(open_demo, label="Đang chuẩn bị dữ liệu mẫu…")
        username, password = DEMO_ADMIN, DEMO_PASSWORD
    else:
        assert db_path is not None
        password = os.environ.get("DANVAN_PASSWORD", "")
        if not user or not password:
            raise SmokeFailure("--smoke-test with --db needs --user and the DANVAN_PASSWORD environment variable")
        username = user
        db = runner.call(lambda: open_database(db_path, create=False), label="Đang mở cơ sở dữ liệu…")
    try:
        actor: Actor = runner.call(lambda: authenticate(db, username, password), label="Đang đăng nhập…")
    except BaseException:
        db.close()
        raise
    return db, actor


def run_smoke(*, db_path: Path | str | None, demo: bool, user: str | None = None,
              timeout_s: float = DEFAULT_TIMEOUT_S) -> int:
    """Open the main window on the demo or a database, wait for its first data, close; returns the exit code."""
    if not demo and db_path is None:
        print("--smoke-test needs --demo or --db", file=sys.stderr)
        return EXIT_USAGE
    started = time.monotonic()
    deadline = started + timeout_s
    watch = _Watch()
    old_hook = sys.excepthook
    sys.excepthook = watch.excepthook  # exceptions raised in slots end up here, not in the event loop
    old_handler = qInstallMessageHandler(watch.qt_message)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    prepare_app(app)
    runner = TaskRunner()
    db: Database | None = None
    window: Any = None
    try:
        db, actor = _sign_in(runner, db_path, demo, user)
        window = build_window(db, actor, runner)
        # The window shows failures in a modal box, which would wait for a click forever: record them instead.
        runner.default_error = watch.task_failed
        window.show()
        _wait_until(lambda: window.isVisible() and window.overview.is_loaded and not runner.busy, watch,
                    deadline, "the overview's first figures")
        loaded = time.monotonic() - started
        # Visit every page once so each screen's first query runs in this build too.
        for key in list(window.pages):
            window.show_page(key)
            _wait_until(lambda: not runner.busy, watch, deadline, f"page “{key}”")
        if window.overview.data is None:
            raise SmokeFailure("the overview has no data after loading")
        print(f"Smoke test OK: “{window.windowTitle()}” as {actor.username}, overview loaded in {loaded:.2f} s, "
              f"{len(window.pages)} pages opened, platform {QApplication.platformName()}, "
              f"{time.monotonic() - started:.2f} s in all.")
        return EXIT_OK
    except Exception as e:  # noqa: BLE001 - any failure is the test's answer, printed in full
        traceback.print_exception(e)
        print(f"Smoke test FAILED: {e}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        # The same ending as run_gui: the window lets running work finish, then the database and Qt go.
        if window is not None:
            window.close()
        runner.shutdown()
        if db is not None:
            db.close()
        window = None
        shutdown_cleanly(app)
        qInstallMessageHandler(old_handler)
        sys.excepthook = old_hook
