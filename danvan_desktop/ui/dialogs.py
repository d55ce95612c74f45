"""The first-run wizard (home unit from the catalogue, admin account); the sign-in lives in ui/login.py.

The services are imported where they are called: the wizard shows before the data layer is loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.domain.text import fold
from danvan_desktop.ui.i18n import error_text
from danvan_desktop.ui.login import LoginDialog as LoginDialog  # tests and scripts import it from here
from danvan_desktop.ui.tasks import TaskFailure, TaskRunner
from danvan_desktop.ui.widgets import ErrorLabel

if TYPE_CHECKING:
    from danvan_desktop.services.actor import Actor
    from danvan_desktop.services.catalogue import CatalogueUnit
    from danvan_desktop.services.setup import UnitSpec
    from danvan_desktop.store.database import Database


class SetupWizard(QDialog):
    """First run: choose the office's unit (catalogue, searchable without marks, or typed), create the admin."""

    def __init__(self, path: Path | str, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path, self.runner = path, runner
        self.db: Database | None = None
        self.actor: Actor | None = None
        # The server chosen with "Máy chủ dữ liệu…" (its URL, no password); '' for the file on this PC. A server
        # whose database already holds an office ends the wizard with `db` set and no `actor`: sign in there.
        self.server = path if isinstance(path, str) else ""
        self.setWindowTitle("Khởi tạo Dân vận – lần đầu sử dụng")
        self.setMinimumSize(640, 520)
        lay = QVBoxLayout(self)
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setStyleSheet("color: #444;")
        lay.addWidget(self.where)
        self._show_where()
        self.stack = QStackedWidget()
        lay.addWidget(self.stack, 1)
        self.stack.addWidget(self._unit_page())
        self.stack.addWidget(self._admin_page())
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row = QHBoxLayout()
        self.back = QPushButton("Quay lại")
        self.back.setAutoDefault(False)
        self.next = QPushButton("Tiếp tục")
        self.next.setDefault(True)
        self.quit = QPushButton("Thoát")
        self.quit.setAutoDefault(False)
        self.server_button = QPushButton("Máy chủ dữ liệu…")
        self.server_button.setAutoDefault(False)
        self.server_button.setToolTip("Nhiều máy trong cơ quan dùng chung một cơ sở dữ liệu trên máy chủ PostgreSQL")
        self.server_button.clicked.connect(self.choose_server)
        row.addWidget(self.back)
        row.addWidget(self.server_button)
        row.addStretch(1)
        row.addWidget(self.next)
        row.addWidget(self.quit)
        lay.addLayout(row)
        self.back.clicked.connect(lambda: self._go(0))
        self.next.clicked.connect(self._next)
        self.quit.clicked.connect(self.reject)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._search)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.searching = False
        self._go(0)
        self._search()
        self._load_provinces()

    # -- where the data lives: this PC's file, or the office's server --------------------------------------

    def _show_where(self) -> None:
        if self.server:
            self.where.setText(f"Dữ liệu lưu trên máy chủ: <b>{self.server}</b> (nhiều máy dùng chung).")
        else:
            self.where.setText("Dữ liệu lưu trong tệp trên máy này. Cơ quan có máy chủ dữ liệu dùng chung: bấm "
                               "“Máy chủ dữ liệu…”.")

    def choose_server(self) -> None:
        """Ask for the server (address, database, user name), then go on there."""
        from danvan_desktop.ui.server_start import ServerDialog

        dlg = ServerDialog(self.runner, self)
        self.server_dialog = dlg
        dlg.finished.connect(lambda result: self._server_chosen(dlg, result))
        dlg.open()

    def _server_chosen(self, dlg: QDialog, result: int) -> None:
        from danvan_desktop.ui.server_start import ServerDialog

        assert isinstance(dlg, ServerDialog)
        if result != QDialog.DialogCode.Accepted or dlg.db is None:
            return
        self.server = self.path = dlg.url
        if dlg.office:  # the office already works on this server: this PC joins it and signs in
            self.db = dlg.db
            self.accept()
            return
        dlg.db.close()  # an empty database: the wizard creates the office there
        self._show_where()

    # -- page 1: the unit ---------------------------------------------------------------------------------

    def _unit_page(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        t = QLabel("Bước 1/2: Đơn vị của cơ quan")
        t.setStyleSheet("font-size: 14pt; font-weight: bold;")
        lay.addWidget(t)
        intro = QLabel("Chọn đơn vị mà cơ quan phụ trách (đơn vị gốc của dữ liệu). Các thôn, bản và đơn vị "
                       "trực thuộc thêm sau tại trang Quản trị.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.from_catalogue = QRadioButton("Chọn trong danh mục đơn vị hành chính (từ 01/7/2025)")
        self.typed = QRadioButton("Tự nhập đơn vị (đơn vị không có trong danh mục)")
        self.from_catalogue.setChecked(True)
        group = QButtonGroup(w)
        group.addButton(self.from_catalogue)
        group.addButton(self.typed)
        lay.addWidget(self.from_catalogue)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Gõ tên xã, phường hoặc tỉnh, không cần dấu (ví dụ: ban bo lai chau)")
        self.search.setClearButtonEnabled(True)
        lay.addWidget(self.search)
        self.results = QListWidget()
        lay.addWidget(self.results, 1)
        lay.addWidget(self.typed)
        self.manual = QWidget()
        form = QFormLayout(self.manual)
        self.code = QLineEdit()
        self.code.setPlaceholderText("mã đơn vị (mã thống kê nếu có)")
        self.name = QLineEdit()
        self.name.setPlaceholderText("ví dụ: Xã Bản Bo")
        self.level = QComboBox()
        self.level.addItem("Xã/Phường/Thị trấn/Đặc khu", "xa")
        self.level.addItem("Huyện/Quận/Thị xã", "huyen")
        self.level.addItem("Tỉnh/Thành phố", "tinh")
        self.province = QComboBox()
        self.province.addItem("— Không có —", None)
        form.addRow("Mã đơn vị", self.code)
        form.addRow("Tên đơn vị", self.name)
        form.addRow("Cấp", self.level)
        form.addRow("Thuộc tỉnh/thành phố", self.province)
        lay.addWidget(self.manual)
        self.from_catalogue.toggled.connect(self._mode)
        self._mode()
        return w

    def _mode(self) -> None:
        cat = self.from_catalogue.isChecked()
        self.search.setEnabled(cat)
        self.results.setEnabled(cat)
        self.manual.setEnabled(not cat)

    def _search(self) -> None:
        from danvan_desktop.services.catalogue import search_catalogue

        text = self.search.text()
        self.searching = True

        def done(units: list[CatalogueUnit]) -> None:
            if text != self.search.text():
                return
            # Units whose own name holds the words as typed come first ("ban bo": Xã Bản Bo before Lý Bôn).
            phrase = fold(text)
            units = sorted(units, key=lambda u: 0 if phrase and phrase in fold(u.name) else 1)
            self.results.clear()
            for u in units:
                item = QListWidgetItem(u.display)
                item.setData(Qt.ItemDataRole.UserRole, u)
                self.results.addItem(item)
            if units:
                self.results.setCurrentRow(0)
            self.searching = False

        self.runner.run(lambda: search_catalogue(text, limit=100), done, owner=self,
                        label="Đang tìm trong danh mục…")

    def _load_provinces(self) -> None:
        from danvan_desktop.services.catalogue import search_catalogue

        def done(units: list[CatalogueUnit]) -> None:
            for u in units:
                self.province.addItem(u.name, u)

        self.runner.run(lambda: search_catalogue("", limit=100, level="tinh"), done, owner=self)

    def chosen_unit(self) -> tuple[UnitSpec, list[UnitSpec]] | None:
        """The home unit and its ancestors (nearest first), or None with a message shown."""
        from danvan_desktop.services.setup import UnitSpec

        if self.from_catalogue.isChecked():
            item = self.results.currentItem()
            if item is None:
                self.error.show_message("Hãy chọn một đơn vị trong danh sách (gõ tên để tìm).")
                return None
            u: CatalogueUnit = item.data(Qt.ItemDataRole.UserRole)
            ancestors = [UnitSpec(u.parent_code, u.parent_name, "tinh", "2025")] if u.parent_code else []
            return UnitSpec(u.code, u.name, u.level, "2025"), ancestors
        code, name = self.code.text().strip(), self.name.text().strip()
        if not code or not name:
            self.error.show_message("Hãy nhập mã và tên đơn vị.")
            return None
        level = self.level.currentData()
        prov: CatalogueUnit | None = self.province.currentData()
        ancestors = [UnitSpec(prov.code, prov.name, "tinh", "2025")] if prov is not None and level != "tinh" else []
        return UnitSpec(code, name, level, "local"), ancestors

    # -- page 2: the admin --------------------------------------------------------------------------------

    def _admin_page(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        t = QLabel("Bước 2/2: Tài khoản quản trị")
        t.setStyleSheet("font-size: 14pt; font-weight: bold;")
        lay.addWidget(t)
        intro = QLabel("Tài khoản này quản lý các tài khoản khác, danh sách đơn vị và cài đặt. Hãy ghi nhớ mật "
                       "khẩu: chương trình chỉ lưu mật khẩu đã mã hóa, không xem lại được.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        self.username = QLineEdit("admin")
        self.full_name = QLineEdit()
        self.password = QLineEdit()
        self.password2 = QLineEdit()
        for e in (self.password, self.password2):
            e.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Tên đăng nhập", self.username)
        form.addRow("Họ và tên", self.full_name)
        form.addRow("Mật khẩu (ít nhất 6 ký tự)", self.password)
        form.addRow("Nhập lại mật khẩu", self.password2)
        lay.addLayout(form)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        lay.addStretch(1)
        return w

    # -- flow ---------------------------------------------------------------------------------------------

    def _go(self, page: int) -> None:
        self.stack.setCurrentIndex(page)
        self.back.setVisible(page == 1)
        self.next.setText("Hoàn tất" if page == 1 else "Tiếp tục")
        self.error.show_message("")
        if page == 1:
            chosen = self.chosen_unit()
            if chosen:
                self.summary.setText(f"Đơn vị: <b>{chosen[0].name}</b>" +
                                     (f" – {chosen[1][0].name}" if chosen[1] else ""))
            self.password.setFocus()

    def _next(self) -> None:
        if self.stack.currentIndex() == 0:
            if self.chosen_unit() is not None:
                self._go(1)
            return
        self.finish()

    def finish(self) -> None:
        """Create the database in the background, then sign the new admin in."""
        chosen = self.chosen_unit()
        if chosen is None:
            self._go(0)
            return
        if self.password.text() != self.password2.text():
            self.error.show_message("Hai lần nhập mật khẩu không giống nhau.")
            return
        home, ancestors = chosen
        path, user, pw, name = self.path, self.username.text().strip(), self.password.text(), self.full_name.text()

        def work() -> tuple[Database, Actor]:
            from danvan_desktop.services.accounts import authenticate
            from danvan_desktop.services.setup import init_office

            db = init_office(path, home, ancestors, user, pw, name)
            return db, authenticate(db, user, pw)

        self.next.setEnabled(False)
        self.next.setText("Đang khởi tạo…")
        self.runner.run(work, self._done, self._failed, owner=self, label="Đang khởi tạo cơ sở dữ liệu…")

    def _done(self, result: tuple[Database, Actor]) -> None:
        self.db, self.actor = result
        self.accept()

    def _failed(self, f: TaskFailure) -> None:
        self.next.setEnabled(True)
        self.next.setText("Hoàn tất")
        self.error.show_message(error_text(f.error)[0])
