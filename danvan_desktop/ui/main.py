"""Entry point of the desktop window: `run_gui` shows the window's frame and the sign-in at once, opens the
office database behind them, then shows the window.

Only PySide6 and the light ui modules are imported here: the data layer (SQLAlchemy, Alembic, openpyxl,
reportlab) and the screens built on it are imported in the background while the sign-in is on screen, so
a person waits for nothing they can see (`python -X importtime -c "import danvan_desktop.ui.main"`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMainWindow, QWidget

from danvan_desktop.ui.gc_guard import GarbageCollector, shutdown_cleanly
from danvan_desktop.ui.i18n import APP_TITLE, install_vietnamese, show_failure
from danvan_desktop.ui.tasks import TaskFailure, TaskRunner

if TYPE_CHECKING:
    from danvan_desktop.services.actor import Actor
    from danvan_desktop.store.database import Database
    from danvan_desktop.store.lock import DatabaseLock
    from danvan_desktop.ui.backup_page import AutomaticBackups
    from danvan_desktop.ui.login import LoginDialog
    from danvan_desktop.ui.main_window import MainWindow

# Imported in the background while the sign-in is on screen: the data layer and the file formats.
DATA_LAYER = ("sqlalchemy", "sqlalchemy.orm", "danvan_desktop.services.summary", "danvan_desktop.services.records",
              "danvan_desktop.services.merge", "danvan_desktop.services.backup", "danvan_desktop.exchange.package",
              "danvan_desktop.exchange.report", "danvan_desktop.exchange.pdf_report")


def prepare_app(app: QCoreApplication) -> None:
    """Names, Vietnamese locale and the translator for Qt's own texts."""
    QCoreApplication.setApplicationName("Dân vận")
    QCoreApplication.setOrganizationName("DanVan")
    install_vietnamese(app)
    if not hasattr(app, "_danvan_gc"):
        app._danvan_gc = GarbageCollector(app)  # type: ignore[attr-defined]


def build_window(db: Database, actor: Actor, runner: TaskRunner) -> MainWindow:
    """The main window for a signed-in account (units are read once here; it is a short query)."""
    from danvan_desktop.services.units import list_units
    from danvan_desktop.ui.context import AppContext
    from danvan_desktop.ui.main_window import MainWindow

    units = list_units(db)
    ctx = AppContext(db, actor, runner, units)
    return MainWindow(ctx)


def window_frame() -> QMainWindow:
    """The window's frame, on screen at once: title and size of the main window, a word on what is coming."""
    frame = QMainWindow()
    frame.setWindowTitle(APP_TITLE)
    frame.resize(1366, 768)
    label = QLabel("Đang mở chương trình…")
    label.setContentsMargins(24, 24, 24, 24)
    frame.setCentralWidget(label)
    return frame


@dataclass(frozen=True)
class Opened:
    """The office database opened in the background: ready to sign in, or what must happen first."""

    db: Database | None  # None: the file is damaged (the recovery questions follow)
    office: str  # the home unit's name ("" before the first-run set-up)
    damaged: bool = False


def open_office(path: Path, locks: list[DatabaseLock]) -> Opened:
    """Take the file's lock, open and check the database, read the office's name, load the data layer.

    Runs on a worker thread while the sign-in is shown; the lock is appended to `locks` (the caller's to
    release).
    """
    import importlib

    from danvan_desktop.services.settings import read_setting
    from danvan_desktop.services.units import list_units
    from danvan_desktop.store.errors import DatabaseDamaged
    from danvan_desktop.ui.startup import open_checked, take_lock

    locks.append(take_lock(path))
    try:
        db = open_checked(path)
    except DatabaseDamaged:
        return Opened(None, "", damaged=True)
    office = ""
    if read_setting(db, "home_unit") is not None:
        units = list_units(db)
        office = units[0].name if units else ""
    for name in DATA_LAYER:  # while the person types: the window then opens without this wait
        importlib.import_module(name)
    return Opened(db, office)


def _sign_in_early(runner: TaskRunner, path: Path, frame: QWidget,
                   locks: list[DatabaseLock]) -> tuple[Database, Actor] | Opened | None:
    """The sign-in shown at once while the database opens behind it.

    Returns the signed-in account, None if the person quit, or what was found when the file needs the
    recovery questions or the first-run set-up (the caller goes on with them).
    """
    from danvan_desktop.ui.login import LoginDialog  # light: not ui.dialogs, whose wizard needs more

    login = LoginDialog(None, runner, "", parent=frame)
    found: dict[str, Opened | BaseException] = {}

    def opened(result: Opened) -> None:
        found["opened"] = result
        if result.db is not None and result.office:
            login.set_database(result.db, result.office)
        else:
            login.done(_NEEDS_MORE)

    def failed(f: TaskFailure) -> None:
        found["error"] = f.error
        login.done(_NEEDS_MORE)

    # Started from the sign-in's own event loop, once it is on screen: the imports hold Python's GIL.
    QTimer.singleShot(0, login, lambda: runner.run(lambda: open_office(path, locks), opened, failed, owner=login,
                                                   label="Đang mở cơ sở dữ liệu…"))
    answer = login.exec()
    return _after_login(login, answer, found)


_NEEDS_MORE = 2  # the sign-in closed itself: the file needs recovery or set-up first


def _after_login(login: LoginDialog, answer: int, found: dict[str, Opened | BaseException]) -> (
        tuple[Database, Actor] | Opened | None):
    error = found.get("error")
    if isinstance(error, BaseException):
        raise error
    result = found.get("opened")
    if answer == QDialog.DialogCode.Accepted and login.actor is not None and login.db is not None:
        return login.db, login.actor
    if answer == _NEEDS_MORE and isinstance(result, Opened):
        return result
    if isinstance(result, Opened) and result.db is not None:
        result.db.close()
    return None


def _sign_in(runner: TaskRunner, db_path: Path | str | None, demo: bool,
             locks: list[DatabaseLock] | None = None, frame: QWidget | None = None) -> tuple[Database, Actor] | None:
    """Open the right database and return it with the signed-in account (None: the user quit).

    db_path: a file, a server's postgresql:// URL (str), or None for the server this PC remembers, else the
    office file in the data folder. A file's lock (one program per file) is taken first and appended to `locks`;
    the caller releases it. A server has no lock: several PCs work on it at once.
    """
    from danvan_desktop.app import DEMO_ADMIN, DEMO_PASSWORD, default_db_path, demo_db_path, remembered_server

    held = locks if locks is not None else []
    if demo:
        from danvan_desktop.app import open_demo
        from danvan_desktop.services.accounts import authenticate
        from danvan_desktop.ui.startup import take_lock

        held.append(take_lock(demo_db_path()))
        demo_db: Database = runner.call(open_demo, label="Đang chuẩn bị dữ liệu mẫu (lần đầu mất một lúc)…")
        return demo_db, runner.call(lambda: authenticate(demo_db, DEMO_ADMIN, DEMO_PASSWORD),
                                    label="Đang đăng nhập…")
    target = db_path if db_path is not None or demo else remembered_server()
    if isinstance(target, str):
        from danvan_desktop.app import remember_server
        from danvan_desktop.ui.server_start import sign_in_server

        signed = sign_in_server(runner, target)
        if signed != "local":
            return signed if isinstance(signed, tuple) else None
        remember_server(None)  # the person chose this PC's own file from now on
        target = None
    path = (target or default_db_path()).expanduser().resolve()
    if path.exists() and path.stat().st_size > 0 and frame is not None:
        early = _sign_in_early(runner, path, frame, held)  # takes the lock behind the sign-in
        if not isinstance(early, Opened):
            return early
        if early.db is not None:
            early.db.close()  # no home unit yet: the set-up below creates the office
    else:
        from danvan_desktop.ui.startup import take_lock

        held.append(take_lock(path))
    return _sign_in_in_steps(runner, path)


def _sign_in_in_steps(runner: TaskRunner, path: Path) -> tuple[Database, Actor] | None:
    """One step after the other: a damaged file's recovery, the first-run set-up, then the sign-in."""
    from danvan_desktop.services.settings import read_setting
    from danvan_desktop.services.units import list_units
    from danvan_desktop.ui.dialogs import LoginDialog, SetupWizard
    from danvan_desktop.ui.startup import open_or_recover

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
        if wizard.exec() != SetupWizard.DialogCode.Accepted:
            return None
        from danvan_desktop.ui.server_start import after_wizard

        return after_wizard(wizard, runner)  # a server chosen there is remembered
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
        from danvan_desktop.ui.backup_page import AutomaticBackups
        from danvan_desktop.ui.watch import watch_window

        window = build_window(self.db, self.actor, self.runner)
        if self.db.is_server:  # the title bar names the server the window works on
            window.setWindowTitle(f"{window.windowTitle()} – máy chủ {self.db.label}")
        window.ctx.databaseReplaced.connect(self._replace)
        # Other PCs on the server, or a command-line import beside the window: their changes refresh the screens.
        self.watcher = watch_window(window, window.ctx)
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


def run_gui(db_path: Path | str | None, demo: bool) -> int:
    """Open the desktop program on a file or a server's postgresql:// URL; returns the process exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    prepare_app(app)
    runner = TaskRunner()
    locks: list[DatabaseLock] = []
    frame = window_frame()
    frame.show()
    try:
        try:
            signed_in = _sign_in(runner, db_path, demo, locks, frame)
        except Exception as e:  # noqa: BLE001 - whatever went wrong, say it in Vietnamese and stop cleanly
            frame.close()
            show_failure(None, e)
            runner.shutdown()
            return 1
        if signed_in is None:
            frame.close()
            runner.shutdown()
            return 0
        db, actor = signed_in
        session = Session(db, actor, runner)
        session.window.setGeometry(frame.geometry())
        session.show()
        frame.close()
        frame.deleteLater()
        code = app.exec()
        session.close()
        del session
        shutdown_cleanly(app)
        return code
    finally:
        for lock in locks:
            lock.release()
