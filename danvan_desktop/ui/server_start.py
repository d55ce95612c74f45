"""The window on a database server (issue 15): choosing the server in the first-run wizard, opening it at start-up.

Several PCs share one PostgreSQL database, so there is no file lock and no damaged-file recovery here: a server
that does not answer gets the plain message of store/postgres.py and a "try again". The server's password is
never typed here nor stored: it comes from PGPASSWORD or libpq's pgpass file, as the dialog says.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.ui.i18n import APP_TITLE, error_text
from danvan_desktop.ui.tasks import TaskFailure, TaskRunner
from danvan_desktop.ui.widgets import ErrorLabel

if TYPE_CHECKING:
    from danvan_desktop.services.actor import Actor
    from danvan_desktop.store.database import Database
    from danvan_desktop.ui.dialogs import SetupWizard

PASSWORD_NOTE = ("Mật khẩu của máy chủ không nhập ở đây và chương trình không lưu: người quản trị đặt nó trên máy "
                 "này trong tệp mật khẩu của PostgreSQL (Windows: %APPDATA%\\postgresql\\pgpass.conf; Linux: "
                 "~/.pgpass) hoặc biến môi trường PGPASSWORD. Tài khoản đăng nhập Dân vận vẫn là tài khoản của "
                 "chương trình, như khi dùng tệp dữ liệu.")


def server_text(host: str, port: str, database: str, user: str) -> str:
    """The postgresql:// address of the fields as typed (no password)."""
    port_part = f":{port}" if port else ""
    return f"postgresql://{quote(user, safe='')}@{host}{port_part}/{quote(database, safe='')}"


def check_fields(host: str, port: str, database: str, user: str) -> str:
    """What is wrong with the typed fields, in Vietnamese ('' when nothing is)."""
    if not host:
        return "Hãy nhập địa chỉ máy chủ (tên máy hoặc địa chỉ IP, ví dụ 192.168.1.10)."
    if any(c in host for c in "/@: "):
        return f"Địa chỉ máy chủ “{host}” không đúng: chỉ gồm tên máy hoặc địa chỉ IP, không có dấu “/”, “@”, “:”."
    if port and not (port.isdigit() and 1 <= int(port) <= 65535):
        return f"Cổng “{port}” không đúng: phải là một số từ 1 đến 65535 (thường là 5432)."
    if not database:
        return "Hãy nhập tên cơ sở dữ liệu trên máy chủ (người quản trị máy chủ đã tạo, ví dụ danvan)."
    if not user:
        return "Hãy nhập tên đăng nhập máy chủ (người quản trị máy chủ cấp)."
    return ""


def office_name(db: Database) -> str:
    """The home unit's name ('' for a new, empty database)."""
    from danvan_desktop.services.settings import read_setting
    from danvan_desktop.services.units import list_units

    if read_setting(db, "home_unit") is None:
        return ""
    units = list_units(db)
    return units[0].name if units else ""


def open_and_name(url: str) -> tuple[Database, str]:
    """Open the server database (it must exist; migrated if needed) and read the office's name."""
    from danvan_desktop.store.database import open_database

    db = open_database(url, create=False)
    try:
        return db, office_name(db)
    except Exception:
        db.close()
        raise


class ServerDialog(QDialog):
    """Address, database and user name of the office's server; "Kết nối" opens it in the background.

    After acceptance: `url`, `db` (open) and `office` (the home unit's name, '' for an empty database).
    """

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.url = ""
        self.db: Database | None = None
        self.office = ""
        self.setWindowTitle("Máy chủ dữ liệu – Dân vận")
        self.setMinimumWidth(560)
        lay = QVBoxLayout(self)
        intro = QLabel("Cơ quan có nhiều máy cùng làm việc trên một cơ sở dữ liệu đặt ở máy chủ PostgreSQL trong "
                       "mạng nội bộ. Nhập thông tin người quản trị máy chủ cung cấp:")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        self.host = QLineEdit()
        self.host.setPlaceholderText("ví dụ 192.168.1.10")
        self.port = QLineEdit("5432")
        self.database = QLineEdit("danvan")
        self.user = QLineEdit()
        self.user.setPlaceholderText("tên đăng nhập máy chủ")
        form.addRow("Địa chỉ máy chủ", self.host)
        form.addRow("Cổng", self.port)
        form.addRow("Tên cơ sở dữ liệu", self.database)
        form.addRow("Tên đăng nhập máy chủ", self.user)
        lay.addLayout(form)
        self.note = QLabel(PASSWORD_NOTE)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")
        lay.addWidget(self.note)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch(1)
        self.connect_button = QPushButton("Kết nối")
        self.connect_button.setDefault(True)
        cancel = QPushButton("Hủy")
        cancel.setAutoDefault(False)
        row.addWidget(self.connect_button)
        row.addWidget(cancel)
        lay.addLayout(row)
        self.connect_button.clicked.connect(self.try_connect)
        cancel.clicked.connect(self.reject)

    def fields(self) -> tuple[str, str, str, str]:
        """The four fields as typed, trimmed."""
        return (self.host.text().strip(), self.port.text().strip(), self.database.text().strip(),
                self.user.text().strip())

    def try_connect(self) -> None:
        """Check the fields, then open the database in the background."""
        problem = check_fields(*self.fields())
        if problem:
            self.error.show_message(problem)
            return
        url = server_text(*self.fields())
        self.error.show_message("")
        self.connect_button.setEnabled(False)
        self.connect_button.setText("Đang kết nối…")
        self.runner.run(functools.partial(open_and_name, url), lambda r: self._connected(url, r), self._failed,
                        owner=self, label="Đang kết nối máy chủ dữ liệu…")

    def _connected(self, url: str, result: tuple[Database, str]) -> None:
        self.url = url
        self.db, self.office = result
        self.accept()

    def _failed(self, f: TaskFailure) -> None:
        self.connect_button.setEnabled(True)
        self.connect_button.setText("Kết nối")
        self.error.show_message(error_text(f.error)[0])


def ask_retry(problem: str) -> str:
    """The server did not answer at start-up: 'retry', 'local' (this PC's own file from now on) or 'quit'."""
    box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE, problem, QMessageBox.StandardButton.NoButton)
    retry = box.addButton("Thử lại", QMessageBox.ButtonRole.AcceptRole)
    local = box.addButton("Dùng tệp dữ liệu trên máy này", QMessageBox.ButtonRole.ActionRole)
    quit_b = box.addButton("Thoát", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(retry)
    box.setEscapeButton(quit_b)
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    return "retry" if clicked is retry else "local" if clicked is local else "quit"


def open_server_office(runner: TaskRunner, url: str,
                       ask: Callable[[str], str] = ask_retry) -> tuple[Database, str] | str:
    """Open the server database at start-up, asking to try again while it does not answer.

    Returns the database and the office's name, or the person's other answer: 'local' or 'quit'.
    """
    from danvan_desktop.store.errors import StoreError

    while True:
        try:
            result: tuple[Database, str] = runner.call(functools.partial(open_and_name, url),
                                                        label="Đang kết nối máy chủ dữ liệu…")
            return result
        except StoreError as e:
            answer = ask(str(e))
            if answer != "retry":
                return answer


def after_wizard(wizard: SetupWizard, runner: TaskRunner) -> tuple[Database, Actor] | None:
    """The first-run wizard accepted: the new office signed in, or (a server that already holds the office) the
    sign-in there. A server chosen is remembered for the next start."""
    from danvan_desktop.app import remember_server
    from danvan_desktop.ui.dialogs import LoginDialog

    if wizard.db is None:
        return None
    if wizard.server:
        remember_server(wizard.server)
    if wizard.actor is not None:
        return wizard.db, wizard.actor
    db = wizard.db
    login = LoginDialog(db, runner, runner.call(functools.partial(office_name, db), label="Đang mở cơ sở dữ liệu…"))
    if login.exec() != QDialog.DialogCode.Accepted or login.actor is None:
        db.close()
        return None
    return db, login.actor


def sign_in_server(runner: TaskRunner, url: str) -> tuple[Database, Actor] | str | None:
    """Open the server database and sign in: (db, account), None if the person quit, or 'local' when they chose
    this PC's own file instead. An empty database gets the first-run wizard, creating the office there."""
    from danvan_desktop.app import remember_server
    from danvan_desktop.ui.dialogs import LoginDialog, SetupWizard

    opened = open_server_office(runner, url)
    if isinstance(opened, str):
        return None if opened == "quit" else "local"
    db, office = opened
    if not office:
        db.close()
        wizard = SetupWizard(url, runner)
        if wizard.exec() != QDialog.DialogCode.Accepted:
            return None
        return after_wizard(wizard, runner)
    login = LoginDialog(db, runner, office)
    if login.exec() != QDialog.DialogCode.Accepted or login.actor is None:
        db.close()
        return None
    remember_server(url)
    return db, login.actor
