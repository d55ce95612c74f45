"""Entry point of the desktop window: `run_gui` opens the office database, signs in, shows the window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

from danvan_desktop.services.actor import Actor
from danvan_desktop.services.units import list_units
from danvan_desktop.store.database import Database
from danvan_desktop.store.lock import DatabaseLock
from danvan_desktop.ui.backup_page import AutomaticBackups
from danvan_desktop.ui.context import AppContext
from danvan_desktop.ui.gc_guard import GarbageCollector, shutdown_cleanly
from danvan_desktop.ui.i18n import install_vietnamese, show_failure
from danvan_desktop.ui.main_window import MainWindow
from danvan_desktop.ui.tasks import TaskRunner


def prepare_app(app: QCoreApplication) -> None:
    """Names, Vietnamese locale and the translator for Qt's own texts."""
    QCoreApplication.setApplicationName("Dân vận")
    QCoreApplication.setOrganizationName("DanVan")
    install_vietnamese(app)
    if not hasattr(app, "_danvan_gc"):
        app._danvan_gc = GarbageCollector(app)  # type: ignore[attr-defined]


def build_window(db: Database, actor: Actor, runner: TaskRunner) -> MainWindow:
    """The main window for a signed-in account (units are read once here; it is a short query)."""
    units = list_units(db)
    ctx = AppContext(db, actor, runner, units)
    return MainWindow(ctx)


def _sign_in(runner: TaskRunner, db_path: Path | None, demo: bool,
             locks: list[DatabaseLock] | None = None) -> tuple[Database, Actor] | None:
    """Open the right database and return it with the signed-in account (None: the user quit).

    The file's lock (one program per file) is taken first and appended to `locks`; the caller releases it.
    """
    from danvan_desktop.app import DEMO_ADMIN, DEMO_PASSWORD, default_db_path, demo_db_path, open_demo
    from danvan_desktop.services.accounts import authenticate
    from danvan_desktop.services.settings import read_setting
    from danvan_desktop.ui.dialogs import LoginDialog, SetupWizard
    from danvan_desktop.ui.startup import open_or_recover, take_lock

    held = locks if locks is not None else []
    if demo:
        held.append(take_lock(demo_db_path()))
        demo_db: Database = runner.call(open_demo, label="Đang chuẩn bị dữ liệu mẫu (lần đầu mất một lúc)…")
        return demo_db, runner.call(lambda: authenticate(demo_db, DEMO_ADMIN, DEMO_PASSWORD),
                                    label="Đang đăng nhập…")
    path = (db_path or default_db_path()).expanduser().resolve()
    held.append(take_lock(path))
    home = None
    db: Database | None = None
    if path.exists() and path.stat().st_size > 0:
        db = open_or_recover(runner, path)
        if db is None:
            return None
        opened = db
        home = runner.call(lambda: read_setting(opened, "home_unit"), label="Đang mở cơ sở dữ liệu…")
    if home is None:
        if db is not None:
            db.close()
        wizard = SetupWizard(path, runner)
        if wizard.exec() != SetupWizard.DialogCode.Accepted or wizard.db is None or wizard.actor is None:
            return None
        return wizard.db, wizard.actor
    assert db is not None
    units = runner.call(lambda: list_units(db), label="Đang mở cơ sở dữ liệu…")
    login = LoginDialog(db, runner, units[0].name if units else "")
    if login.exec() != LoginDialog.DialogCode.Accepted or login.actor is None:
        db.close()
        return None
    return db, login.actor


class Session:
    """The signed-in account's window on its database; a restore rebuilds the window on the reopened file."""

    def __init__(self, db: Database, actor: Actor, runner: TaskRunner, *, automatic_backups: bool = True) -> None:
        self.db, self.actor, self.runner = db, actor, runner
        self.automatic_backups = automatic_backups
        self.backups: AutomaticBackups | None = None
        self.window = self._open()

    def _open(self) -> MainWindow:
        window = build_window(self.db, self.actor, self.runner)
        window.ctx.databaseReplaced.connect(self._replace)
        if self.automatic_backups:
            self.backups = AutomaticBackups(window)
        return window

    def show(self, *, daily_backup: bool = True) -> None:
        """Show the window; the daily backup starts in the background once it is on screen."""
        # Maximised: at 1366×768 a normal window of that size puts the status bar under the task bar.
        self.window.showMaximized()
        QTimer.singleShot(0, self.window, self.window.offer_drafts)  # forms left open by a crash
        if daily_backup and self.backups is not None:
            QTimer.singleShot(500, self.backups, self.backups.start_daily)

    def _replace(self, db: Database) -> None:
        """After a restore: a new window (new runner) on the reopened database, then the old one closes."""
        old, old_backups = self.window, self.backups
        self.db, self.runner = db, TaskRunner()
        self.window = self._open()
        self.window.setGeometry(old.geometry())
        self.show(daily_backup=False)
        if old_backups is not None:
            old_backups.disarm()
        old.close()
        old.deleteLater()

    def close(self) -> None:
        """Stop the background work and release the file (after the window has closed)."""
        self.runner.shutdown()
        self.db.close()


def run_gui(db_path: Path | None, demo: bool) -> int:
    """Open the desktop program; returns the process exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    prepare_app(app)
    runner = TaskRunner()
    locks: list[DatabaseLock] = []
    try:
        try:
            signed_in = _sign_in(runner, db_path, demo, locks)
        except Exception as e:  # noqa: BLE001 - whatever went wrong, say it in Vietnamese and stop cleanly
            show_failure(None, e)
            runner.shutdown()
            return 1
        if signed_in is None:
            runner.shutdown()
            return 0
        db, actor = signed_in
        session = Session(db, actor, runner)
        session.show()
        code = app.exec()
        session.close()
        del session
        shutdown_cleanly(app)
        return code
    finally:
        for lock in locks:
            lock.release()
