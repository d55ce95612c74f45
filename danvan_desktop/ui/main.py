"""Entry point of the desktop window: `run_gui` opens the office database, signs in, shows the window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from danvan_desktop.services.actor import Actor
from danvan_desktop.services.units import list_units
from danvan_desktop.store.database import Database
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


def _sign_in(runner: TaskRunner, db_path: Path | None, demo: bool) -> tuple[Database, Actor] | None:
    """Open the right database and return it with the signed-in account (None: the user quit)."""
    from danvan_desktop.app import DEMO_ADMIN, DEMO_PASSWORD, default_db_path, open_demo
    from danvan_desktop.services.accounts import authenticate
    from danvan_desktop.services.settings import read_setting
    from danvan_desktop.store.database import open_database
    from danvan_desktop.ui.dialogs import LoginDialog, SetupWizard

    if demo:
        demo_db: Database = runner.call(open_demo, label="Đang chuẩn bị dữ liệu mẫu (lần đầu mất một lúc)…")
        return demo_db, runner.call(lambda: authenticate(demo_db, DEMO_ADMIN, DEMO_PASSWORD),
                                    label="Đang đăng nhập…")
    path = db_path or default_db_path()
    home = None
    db: Database | None = None
    if path.exists() and path.stat().st_size > 0:
        db = runner.call(lambda: open_database(path), label="Đang mở cơ sở dữ liệu…")
        home = runner.call(lambda: read_setting(db, "home_unit"), label="Đang mở cơ sở dữ liệu…")
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


def run_gui(db_path: Path | None, demo: bool) -> int:
    """Open the desktop program; returns the process exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    prepare_app(app)
    runner = TaskRunner()
    try:
        session = _sign_in(runner, db_path, demo)
    except Exception as e:  # noqa: BLE001 - whatever went wrong, say it in Vietnamese and stop cleanly
        show_failure(None, e)
        runner.shutdown()
        return 1
    if session is None:
        runner.shutdown()
        return 0
    db, actor = session
    window = build_window(db, actor, runner)
    window.show()
    code = app.exec()
    runner.shutdown()
    db.close()
    del window
    shutdown_cleanly(app)
    return code
