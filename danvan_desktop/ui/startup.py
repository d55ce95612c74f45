"""Opening the office database at start-up: one program per file, and a damaged file offered its latest good backup."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from danvan_desktop.store.errors import DatabaseDamaged
from danvan_desktop.store.lock import DatabaseLock
from danvan_desktop.ui.i18n import APP_TITLE, inform
from danvan_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:  # the data layer is imported where it is used: the sign-in shows before it is loaded
    from danvan_desktop.store.database import Database

MAX_CANDIDATES = 12  # each check reads the whole file: enough to skip a few bad ones, bounded on a full stick


def take_lock(path: Path) -> DatabaseLock:
    """Take the one-program-per-file lock (DatabaseUnavailable with a plain message if another window holds it)."""
    from danvan_desktop.store.errors import DatabaseUnavailable

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DatabaseUnavailable(f"Không tạo được thư mục “{path.parent}”: {e.strerror or e}.") from e
    lock = DatabaseLock(path)
    lock.acquire()
    return lock


def latest_good_backup(db_path: Path) -> Path | None:
    """The newest candidate that passes services.backup.check_backup_file (None if there is none)."""
    # The setting "backup_dir" cannot be read from a damaged file: look in the default folder beside it.
    from danvan_desktop.services.backup import backup_candidates, check_backup_file
    from danvan_desktop.services.errors import ServiceError

    for p in backup_candidates(db_path)[:MAX_CANDIDATES]:
        try:
            check_backup_file(p)
        except (ServiceError, OSError):
            continue
        return p
    return None


def _when(path: Path) -> str:
    return dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%H:%M ngày %d/%m/%Y")


def recovery_box(db_path: Path, problem: str, candidate: Path | None) -> QMessageBox:
    """The message about a damaged file, with its buttons (built, not shown)."""
    from danvan_desktop.services.backup import default_backup_dir

    text = (f"Tệp dữ liệu “{db_path.name}” bị hỏng, chương trình không mở được.\n\n{problem}\n\n")
    if candidate is not None:
        text += (f"Có bản sao lưu còn tốt lúc {_when(candidate)}:\n{candidate}\n\nKhôi phục từ bản sao lưu này? Những "
                 "gì nhập sau thời điểm đó sẽ không có. Tệp hỏng không bị xóa mà được đổi tên và giữ lại bên cạnh.")
    else:
        text += (f"Không tìm thấy bản sao lưu nào còn tốt trong thư mục “{default_backup_dir(db_path)}”. Nếu có bản "
                 "sao lưu ở nơi khác (ổ USB), hãy chọn tệp đó. Tệp hỏng không bị xóa.")
    box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE, text, QMessageBox.StandardButton.NoButton)
    restore = box.addButton("Khôi phục bản sao lưu này", QMessageBox.ButtonRole.AcceptRole) if candidate else None
    choose = box.addButton("Chọn tệp sao lưu khác…", QMessageBox.ButtonRole.ActionRole)
    quit_b = box.addButton("Thoát", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(restore or choose)
    box.setEscapeButton(quit_b)
    box.answers = {restore: "restore", choose: "choose", quit_b: "quit"}  # type: ignore[attr-defined]
    return box


def ask_recovery(db_path: Path, problem: str, candidate: Path | None) -> str:
    """Ask what to do with a damaged file: 'restore' (the candidate), 'choose' (another file) or 'quit'."""
    box = recovery_box(db_path, problem, candidate)
    box.exec()
    answer = box.answers.get(box.clickedButton(), "quit")  # type: ignore[attr-defined]
    box.deleteLater()
    return str(answer)


def choose_backup_file(start: Path) -> Path | None:
    """A file dialog for a backup anywhere (a USB stick)."""
    chosen, _f = QFileDialog.getOpenFileName(None, "Chọn tệp sao lưu", str(start), "Tệp dữ liệu Dân vận (*.db)")
    return Path(chosen) if chosen else None


def open_checked(path: Path) -> Database:
    """open_database plus a first read, so damage deeper in the file shows now (as DatabaseDamaged)."""
    import sqlite3

    from danvan_desktop.services.settings import read_setting
    from danvan_desktop.store.database import open_database

    db = open_database(path)
    try:
        read_setting(db, "home_unit")
    except Exception as e:
        db.close()
        orig = getattr(e, "orig", None)
        if isinstance(orig, sqlite3.DatabaseError) and not isinstance(orig, sqlite3.OperationalError):
            raise DatabaseDamaged(f"Tệp “{path.name}” bị hỏng: {orig}.") from e
        raise
    return db


def _open(runner: TaskRunner, path: Path) -> Database:
    return runner.call(functools.partial(open_checked, path), label="Đang mở cơ sở dữ liệu…")


def open_or_recover(runner: TaskRunner, path: Path, parent: QWidget | None = None) -> Database | None:
    """Open the database; if the file is damaged, offer its latest good backup. None: the user chose to quit."""
    from danvan_desktop.services.backup import default_backup_dir, replace_damaged
    from danvan_desktop.services.errors import ServiceError

    try:
        return _open(runner, path)
    except DatabaseDamaged as e:
        problem = str(e)
    while True:
        candidate = runner.call(lambda: latest_good_backup(path), label="Đang tìm bản sao lưu còn tốt…")
        answer = ask_recovery(path, problem, candidate)
        if answer == "quit":
            return None
        source = candidate if answer == "restore" else choose_backup_file(default_backup_dir(path))
        if source is None:
            continue
        chosen = source
        try:
            aside = runner.call(functools.partial(replace_damaged, path, chosen),
                                label="Đang khôi phục từ bản sao lưu…")
        except ServiceError as err:
            problem = str(err)  # e.g. the chosen file is not a sound backup: say so and ask again
            continue
        db = _open(runner, path)
        inform(parent, f"Đã khôi phục dữ liệu từ bản sao lưu “{chosen.name}”.\n\nTệp hỏng được giữ lại ở:\n{aside}")
        return db
