"""The sign-in: the first thing a person sees, shown before the data layer is loaded.

Deliberately light (issue 14, start-up): PySide6's few widget classes it shows and the small ui modules
already loaded for the window's frame. Each PySide6 class imported into a module builds its Python enums
then (about half a millisecond each), and the first use of the `Qt` namespace builds all ~90 of its enums:
neither belongs on the way to the first screen. The services are imported where they are called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from danvan_desktop.ui.error_label import ErrorLabel
from danvan_desktop.ui.i18n import error_text

if TYPE_CHECKING:
    from danvan_desktop.services.actor import Actor
    from danvan_desktop.store.database import Database
    from danvan_desktop.ui.tasks import TaskFailure, TaskRunner


class LoginDialog(QDialog):
    """User name and password; the check runs in the background (it is slow on purpose).

    It may be shown before the database is open (db None): the person types meanwhile, and a sign-in asked
    for before `set_database` runs once the database is there.
    """

    def __init__(self, db: Database | None, runner: TaskRunner, office: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.runner = db, runner
        self.actor: Actor | None = None
        self._pending: tuple[str, str] | None = None
        self.setWindowTitle("Đăng nhập – Dân vận")
        lay = QVBoxLayout(self)
        self.head = head = QLabel()
        self.set_office(office)
        head.setStyleSheet("font-size: 14pt; font-weight: bold;")
        head.setWordWrap(True)
        lay.addWidget(head)
        form = QFormLayout()
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Tên đăng nhập", self.username)
        form.addRow("Mật khẩu", self.password)
        lay.addLayout(form)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch(1)
        self.ok = QPushButton("Đăng nhập")
        self.ok.setDefault(True)
        quit_b = QPushButton("Thoát")
        quit_b.setAutoDefault(False)
        row.addWidget(self.ok)
        row.addWidget(quit_b)
        lay.addLayout(row)
        self.ok.clicked.connect(self.submit)
        quit_b.clicked.connect(self.reject)
        self.setMinimumWidth(400)

    def set_office(self, office: str) -> None:
        """The heading: the program and the office's name (known once the database is open)."""
        self.head.setText(f"Dân vận – {office}" if office else "Dân vận")

    def set_database(self, db: Database, office: str) -> None:
        """The database is open: name the office, and check a password entered while it was opening."""
        self.db = db
        self.set_office(office)
        if self._pending is not None:
            user, pw = self._pending
            self._pending = None
            self._check(db, user, pw)

    def submit(self) -> None:
        """Check the password in the background (once the database is open)."""
        user, pw = self.username.text().strip(), self.password.text()
        if not user:
            self.error.show_message("Hãy nhập tên đăng nhập.")
            return
        self.ok.setEnabled(False)
        self.error.show_message("")
        if self.db is None:
            self.ok.setText("Đang mở dữ liệu…")
            self._pending = (user, pw)
            return
        self._check(self.db, user, pw)

    def _check(self, db: Database, user: str, pw: str) -> None:
        from danvan_desktop.services.accounts import authenticate

        self.ok.setText("Đang kiểm tra…")
        self.runner.run(lambda: authenticate(db, user, pw), self._done, self._failed, owner=self,
                        label="Đang đăng nhập…")

    def _done(self, actor: Actor) -> None:
        self.actor = actor
        self.accept()

    def _failed(self, f: TaskFailure) -> None:
        self.ok.setEnabled(True)
        self.ok.setText("Đăng nhập")
        self.error.show_message(error_text(f.error)[0])
        self.password.clear()
        self.password.setFocus()
