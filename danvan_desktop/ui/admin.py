"""Quản trị (admins only): accounts (add, role, lock, religion grant, password), the unit tree, signing keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.domain.vocab import ROLE, UNIT_LEVEL
from danvan_desktop.services.accounts import AccountInfo, add_account, list_accounts, update_account
from danvan_desktop.services.units import LEVEL_RANK, SCHEMES, UnitInfo, add_unit, rename_unit
from danvan_desktop.ui.i18n import ask, error_text
from danvan_desktop.ui.models import AccountTableModel
from danvan_desktop.ui.pages import HEADING_STYLE
from danvan_desktop.ui.tasks import TaskFailure
from danvan_desktop.ui.widgets import INDENT, ErrorLabel


class ActionDialog(QDialog):
    """A small form whose OK runs one service call in the background; its refusal shows in the dialog."""

    def __init__(self, ctx: Any, title: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        lay = QVBoxLayout(self)
        self.form = QFormLayout()
        lay.addLayout(self.form)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch(1)
        self.ok = QPushButton(ok_text)
        self.ok.setDefault(True)
        cancel = QPushButton("Hủy")
        cancel.setAutoDefault(False)
        row.addWidget(self.ok)
        row.addWidget(cancel)
        lay.addLayout(row)
        self.ok.clicked.connect(self.submit)
        cancel.clicked.connect(self.reject)
        self.result_value: Any = None
        self.running = False

    def work(self) -> Callable[[], Any] | None:
        """The service call to run, or None after showing why the input is refused."""
        raise NotImplementedError

    def submit(self) -> None:
        """Run the call; close on success, show the refusal otherwise."""
        fn = self.work()
        if fn is None:
            return
        self.ok.setEnabled(False)
        self.running = True
        self.error.show_message("")
        self.ctx.runner.write(fn, self._done, self._failed, owner=self, label="Đang lưu…")

    def _done(self, value: Any) -> None:
        self.running = False
        self.result_value = value
        self.accept()

    def _failed(self, f: TaskFailure) -> None:
        self.running = False
        self.ok.setEnabled(True)
        self.error.show_message(error_text(f.error)[0])

    def reject(self) -> None:
        """Esc or Hủy: close without doing anything; not while the write runs (its refusal must be seen)."""
        if not self.running:
            super().reject()


def _password_pair(dlg: ActionDialog) -> tuple[QLineEdit, QLineEdit]:
    a, b = QLineEdit(), QLineEdit()
    for e in (a, b):
        e.setEchoMode(QLineEdit.EchoMode.Password)
    return a, b


def _role_combo(current: str = "can_bo") -> QComboBox:
    c = QComboBox()
    for key, label in ROLE.items:
        c.addItem(label, key)
    c.setCurrentIndex(c.findData(current))
    return c


class NewAccountDialog(ActionDialog):
    """Add an account."""


    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Thêm tài khoản", "Thêm tài khoản", parent)
        self.username = QLineEdit()
        self.username.setPlaceholderText("chữ thường không dấu, ví dụ: nguyenvana")
        self.full_name = QLineEdit()
        self.role = _role_combo()
        self.password, self.password2 = _password_pair(self)
        self.religion = QCheckBox("Được xem dữ liệu tôn giáo")
        self.form.addRow("Tên đăng nhập", self.username)
        self.form.addRow("Họ và tên", self.full_name)
        self.form.addRow("Vai trò", self.role)
        self.form.addRow("Mật khẩu", self.password)
        self.form.addRow("Nhập lại mật khẩu", self.password2)
        self.form.addRow("", self.religion)

    def work(self) -> Callable[[], Any] | None:
        """add_account with the typed values."""
        if self.password.text() != self.password2.text():
            self.error.show_message("Hai lần nhập mật khẩu không giống nhau.")
            return None
        ctx = self.ctx
        u, pw, role, name = self.username.text().strip(), self.password.text(), self.role.currentData(), \
            self.full_name.text()
        rel = self.religion.isChecked()
        return lambda: add_account(ctx.db, ctx.actor, u, pw, role, full_name=name, religion_access=rel)


class EditAccountDialog(ActionDialog):
    """Change an account's name, role, religion grant or status."""


    def __init__(self, ctx: Any, account: AccountInfo, parent: QWidget | None = None) -> None:
        super().__init__(ctx, f"Sửa tài khoản “{account.username}”", "Lưu", parent)
        self.account = account
        self.full_name = QLineEdit(account.full_name)
        self.role = _role_combo(account.role)
        self.religion = QCheckBox("Được xem dữ liệu tôn giáo")
        self.religion.setChecked(account.religion_access)
        self.active = QCheckBox("Đang hoạt động (bỏ chọn để khóa tài khoản)")
        self.active.setChecked(account.active)
        self.form.addRow("Tên đăng nhập", QLabel(account.username))
        self.form.addRow("Họ và tên", self.full_name)
        self.form.addRow("Vai trò", self.role)
        self.form.addRow("", self.religion)
        self.form.addRow("", self.active)

    def work(self) -> Callable[[], Any] | None:
        """update_account with the changes."""
        ctx, name = self.ctx, self.account.username
        kw = {"full_name": self.full_name.text(), "role": self.role.currentData(),
              "religion_access": self.religion.isChecked(), "active": self.active.isChecked()}
        return lambda: update_account(ctx.db, ctx.actor, name, **kw)


class PasswordDialog(ActionDialog):
    """Set a new password for an account."""


    def __init__(self, ctx: Any, account: AccountInfo, parent: QWidget | None = None) -> None:
        super().__init__(ctx, f"Đặt lại mật khẩu cho “{account.username}”", "Đặt mật khẩu", parent)
        self.account = account
        self.password, self.password2 = _password_pair(self)
        self.form.addRow("Mật khẩu mới", self.password)
        self.form.addRow("Nhập lại mật khẩu", self.password2)

    def work(self) -> Callable[[], Any] | None:
        """update_account(password=…)."""
        if self.password.text() != self.password2.text():
            self.error.show_message("Hai lần nhập mật khẩu không giống nhau.")
            return None
        ctx, name, pw = self.ctx, self.account.username, self.password.text()
        return lambda: update_account(ctx.db, ctx.actor, name, password=pw)


class NewUnitDialog(ActionDialog):
    """Add a unit below another."""


    def __init__(self, ctx: Any, parent_unit: UnitInfo, parent: QWidget | None = None) -> None:
        super().__init__(ctx, f"Thêm đơn vị trực thuộc “{parent_unit.name}”", "Thêm đơn vị", parent)
        self.parent_unit = parent_unit
        self.code = QLineEdit()
        self.code.setPlaceholderText("mã thống kê chính thức, hoặc mã tự đặt")
        self.name = QLineEdit()
        self.name.setPlaceholderText("ví dụ: Thôn Nà Ản")
        self.level = QComboBox()
        for key, label in UNIT_LEVEL.items:
            if LEVEL_RANK[key] > LEVEL_RANK[parent_unit.level]:
                self.level.addItem(label, key)
        self.scheme = QComboBox()
        for key, label in SCHEMES.items():
            self.scheme.addItem(label, key)
        self.scheme.setCurrentIndex(self.scheme.findData("local"))
        self.form.addRow("Trực thuộc", QLabel(parent_unit.name))
        self.form.addRow("Mã đơn vị", self.code)
        self.form.addRow("Tên đơn vị", self.name)
        self.form.addRow("Cấp", self.level)
        self.form.addRow("Loại mã", self.scheme)

    def work(self) -> Callable[[], Any] | None:
        """add_unit with the typed values."""
        if self.level.count() == 0:
            self.error.show_message("Đơn vị cấp thôn, bản không có đơn vị trực thuộc.")
            return None
        ctx = self.ctx
        kw = {"code": self.code.text(), "name": self.name.text(), "level": self.level.currentData(),
              "parent_code": self.parent_unit.code, "scheme": self.scheme.currentData()}
        return lambda: add_unit(ctx.db, ctx.actor, **kw)


class RenameUnitDialog(ActionDialog):
    """Correct a unit's name."""


    def __init__(self, ctx: Any, unit: UnitInfo, parent: QWidget | None = None) -> None:
        super().__init__(ctx, f"Đổi tên đơn vị “{unit.name}”", "Đổi tên", parent)
        self.unit = unit
        self.name = QLineEdit(unit.name)
        self.form.addRow("Mã đơn vị", QLabel(unit.code))
        self.form.addRow("Tên mới", self.name)

    def work(self) -> Callable[[], Any] | None:
        """rename_unit."""
        ctx, code, name = self.ctx, self.unit.code, self.name.text()
        return lambda: rename_unit(ctx.db, ctx.actor, code, name)


def unit_tree_model(units: list[UnitInfo], parent: Any = None, *, details: bool = False) -> QStandardItemModel:
    """The unit tree as a Qt item model (code in UserRole); with details: code, level and scheme columns."""
    model = QStandardItemModel(parent)
    model.setHorizontalHeaderLabels(["Đơn vị", "Mã", "Cấp", "Loại mã"] if details else ["Đơn vị"])
    items: dict[str, QStandardItem] = {}
    for u in units:
        it = QStandardItem(u.name)
        it.setData(u.key, Qt.ItemDataRole.UserRole)  # unambiguous even when villages share a code
        it.setEditable(False)
        row = [it]
        if details:
            for text in (u.code, u.level_label, SCHEMES.get(u.scheme, u.scheme)):
                cell = QStandardItem(text)
                cell.setEditable(False)
                row.append(cell)
        holder = items.get(u.parent_key or "")
        (holder if holder is not None else model.invisibleRootItem()).appendRow(row)
        items[u.key] = it
    return model


class AdminPage(QWidget):
    """Accounts and units; every change runs through the services (which check the admin role again)."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.last_dialog: QDialog | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Quản trị")
        title.setStyleSheet(HEADING_STYLE)
        lay.addWidget(title)
        self.tabs = QTabWidget()
        lay.addWidget(self.tabs, 1)

        acc = QWidget()
        al = QVBoxLayout(acc)
        self.accounts = AccountTableModel(self)
        self.account_view = QTableView()
        self.account_view.setModel(self.accounts)
        self.account_view.verticalHeader().setVisible(False)
        self.account_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.account_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.account_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.account_view.doubleClicked.connect(lambda _i: self.edit_account())
        al.addWidget(self.account_view, 1)
        row = QHBoxLayout()
        self.add_account_button = QPushButton("Thêm tài khoản…")
        self.edit_account_button = QPushButton("Sửa vai trò, quyền…")
        self.lock_button = QPushButton("Khóa / mở khóa")
        self.religion_button = QPushButton("Cấp / thu quyền xem tôn giáo")
        self.password_button = QPushButton("Đặt lại mật khẩu…")
        for b, fn in ((self.add_account_button, self.new_account), (self.edit_account_button, self.edit_account),
                      (self.lock_button, self.toggle_lock), (self.religion_button, self.toggle_religion),
                      (self.password_button, self.reset_password)):
            b.clicked.connect(fn)
            row.addWidget(b)
        row.addStretch(1)
        al.addLayout(row)
        self.tabs.addTab(acc, "Tài khoản")

        un = QWidget()
        ul = QVBoxLayout(un)
        self.unit_view = QTreeView()
        self.unit_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        ul.addWidget(self.unit_view, 1)
        row2 = QHBoxLayout()
        self.add_unit_button = QPushButton("Thêm đơn vị trực thuộc…")
        self.rename_button = QPushButton("Đổi tên…")
        self.add_unit_button.clicked.connect(self.new_unit)
        self.rename_button.clicked.connect(self.rename)
        row2.addWidget(self.add_unit_button)
        row2.addWidget(self.rename_button)
        row2.addStretch(1)
        ul.addLayout(row2)
        self.tabs.addTab(un, "Đơn vị")
        from danvan_desktop.ui.keys_tab import KeysTab  # the office's key and the keys it holds (SPEC §6)

        self.keys_tab = KeysTab(ctx, self)
        self.tabs.addTab(self.keys_tab, "Khóa ký")
        self.show_units()
        ctx.unitsChanged.connect(self.show_units)
        self.is_loaded = False

    def refresh(self) -> None:
        """Load the accounts in the background."""
        ctx = self.ctx

        def done(rows: list[AccountInfo]) -> None:
            self.accounts.set_rows(rows)
            self.is_loaded = True

        ctx.runner.run(lambda: list_accounts(ctx.db, ctx.actor), done, owner=self, label="Đang tải tài khoản…")

    def show_units(self) -> None:
        """Draw the unit tree from the context's list."""
        model = unit_tree_model(self.ctx.units, self, details=True)
        old = self.unit_view.model()
        self.unit_view.setModel(model)
        if old is not None:
            old.deleteLater()
        self.unit_view.expandAll()
        self.unit_view.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in (1, 2, 3):
            self.unit_view.header().setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.unit_view.setCurrentIndex(model.index(0, 0))

    # -- accounts -----------------------------------------------------------------------------------------

    def selected_account(self) -> AccountInfo | None:
        """The account on the selected row."""
        idx = self.account_view.currentIndex()
        return self.accounts.account(idx.row()) if idx.isValid() else None

    def _run_dialog(self, dlg: QDialog, after: Callable[[], None]) -> None:
        old = self.last_dialog
        if old is not None and not old.isVisible():
            old.deleteLater()  # closed dialogs are freed when the next one opens
        self.last_dialog = dlg
        dlg.accepted.connect(after)
        dlg.open()

    def new_account(self) -> None:
        """Open the new-account dialog."""
        self._run_dialog(NewAccountDialog(self.ctx, self), self.refresh)

    def edit_account(self) -> None:
        """Open the selected account's dialog."""
        a = self.selected_account()
        if a is not None:
            self._run_dialog(EditAccountDialog(self.ctx, a, self), self.refresh)

    def reset_password(self) -> None:
        """Set a new password for the selected account."""
        a = self.selected_account()
        if a is not None:
            self._run_dialog(PasswordDialog(self.ctx, a, self), self.refresh)

    def _update(self, a: AccountInfo, **kw: Any) -> None:
        ctx = self.ctx
        ctx.runner.write(lambda: update_account(ctx.db, ctx.actor, a.username, **kw), lambda _r: self.refresh(),
                         lambda f: self._refused(f), owner=self, label="Đang lưu…")

    def _refused(self, f: TaskFailure) -> None:
        from danvan_desktop.ui.i18n import show_failure

        show_failure(self, f)

    def toggle_lock(self) -> None:
        """Lock an active account or unlock a locked one, after asking."""
        a = self.selected_account()
        if a is None:
            return
        verb = "Khóa" if a.active else "Mở khóa"
        if ask(self, f"{verb} tài khoản “{a.username}”?", yes=verb, no="Hủy", danger=a.active):
            self._update(a, active=not a.active)

    def toggle_religion(self) -> None:
        """Grant or withdraw the right to see religious-affairs records."""
        a = self.selected_account()
        if a is None:
            return
        text = ("Thu hồi quyền xem dữ liệu tôn giáo của" if a.religion_access else "Cấp quyền xem dữ liệu tôn giáo cho")
        if ask(self, f"{text} tài khoản “{a.username}”?", yes="Đồng ý", no="Hủy"):
            self._update(a, religion_access=not a.religion_access)

    # -- units --------------------------------------------------------------------------------------------

    def selected_unit(self) -> UnitInfo | None:
        """The unit selected in the tree."""
        idx = self.unit_view.currentIndex()
        if not idx.isValid():
            return None
        code = idx.siblingAtColumn(0).data(Qt.ItemDataRole.UserRole)
        return next((u for u in self.ctx.units if u.key == code), None)

    def new_unit(self) -> None:
        """Add a unit below the selected one."""
        u = self.selected_unit()
        if u is not None:
            self._run_dialog(NewUnitDialog(self.ctx, u, self), self.ctx.reload_units)

    def rename(self) -> None:
        """Rename the selected unit."""
        u = self.selected_unit()
        if u is not None:
            self._run_dialog(RenameUnitDialog(self.ctx, u, self), self.ctx.reload_units)


__all__ = ["AdminPage", "unit_tree_model", "INDENT"]
