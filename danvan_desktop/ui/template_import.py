"""Importing a filled entry template from the window: every bad cell listed in a table, nothing stored if any."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.ui.tasks import TaskFailure
from danvan_desktop.ui.widgets import hidden_progress_bar

# The template reader words each problem "Trang “…”, dòng N, cột C: message" (exchange/template.py).
_WHERE = re.compile(r"^Trang “(?P<sheet>[^”]*)”, dòng (?P<row>\d+), cột (?P<col>[^:]*): (?P<msg>.*)$", re.S)
HEADERS = ("Trang", "Dòng", "Cột", "Lỗi")


def split_problem(text: str) -> tuple[str, str, str, str]:
    """(sheet, row, column, message) of one problem; a problem of the whole file has only a message."""
    m = _WHERE.match(text)
    if m is None:
        return "", "", "", text
    return m["sheet"], m["row"], m["col"].strip(), m["msg"]


class TemplateImportDialog(QDialog):
    """Choose a filled template, import it all or nothing, see every refused cell (sheet, row, column)."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.running = False
        self.setWindowTitle("Nhập dữ liệu từ mẫu Excel – Dân vận")
        lay = QVBoxLayout(self)
        intro = QLabel("Chọn tệp mẫu nhập liệu đã điền (tải mẫu tại trang “Báo cáo”). Chỉ khi mọi dòng đều hợp lệ "
                       "thì dữ liệu mới được nhập; nếu có lỗi, không dòng nào được nhập và các lỗi hiện ở bảng dưới.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setPlaceholderText("Đường dẫn tệp .xlsx")
        self.choose = QPushButton("Chọn tệp…")
        self.choose.setAutoDefault(False)
        self.choose.clicked.connect(self.choose_file)
        row.addWidget(self.path, 1)
        row.addWidget(self.choose)
        lay.addLayout(row)
        self.bar = hidden_progress_bar(indeterminate=True)
        lay.addWidget(self.bar)
        self.status = QLabel()
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.errors = QTableWidget(0, len(HEADERS))
        self.errors.setHorizontalHeaderLabels(list(HEADERS))
        self.errors.verticalHeader().setVisible(False)
        self.errors.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.errors.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.errors.setWordWrap(True)
        h = self.errors.horizontalHeader()
        for c in (0, 1, 2):
            h.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.errors.setVisible(False)
        lay.addWidget(self.errors, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.ok = QPushButton("Nhập")
        self.ok.setDefault(True)
        self.ok.clicked.connect(self.start)
        self.close_button = QPushButton("Đóng")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.ok)
        buttons.addWidget(self.close_button)
        lay.addLayout(buttons)
        self.resize(860, 520)

    def choose_file(self) -> None:
        """Qt's (Vietnamese) file dialog for the template."""
        chosen, _f = QFileDialog.getOpenFileName(self, "Chọn tệp mẫu nhập liệu", str(Path.home()),
                                                 "Tệp Excel (*.xlsx)")
        if chosen:
            self.path.setText(chosen)

    def start(self, path: Path | None = None) -> bool:
        """Import the chosen file in the writer lane; False if no file is named."""
        from danvan_desktop.exchange.template import import_template

        if self.running:
            return False
        target = path or (Path(self.path.text().strip()) if self.path.text().strip() else None)
        if target is None:
            self.status.setText("Hãy chọn tệp mẫu nhập liệu trước.")
            return False
        ctx = self.ctx
        self._set_running(True)
        self.status.setText(f"Đang nhập “{target.name}”…")
        self.errors.setVisible(False)
        ctx.runner.write(lambda: import_template(ctx.db, ctx.actor, target), lambda r: self._done(target, r),
                         self._failed, owner=self, label="Đang nhập mẫu Excel…")
        return True

    def _set_running(self, on: bool) -> None:
        self.running = on
        self.bar.setVisible(on)
        for w in (self.ok, self.choose, self.path, self.close_button):
            w.setEnabled(not on)

    def _done(self, path: Path, result: Any) -> None:
        self._set_running(False)
        total = sum(result.counts.values())
        detail = ", ".join(f"{label}: {n}" for label, n in result.labelled_counts() if n)
        self.status.setStyleSheet("color: #1b5e20;")
        self.status.setText(f"Đã nhập {total} bản ghi từ “{path.name}” ({detail or 'không có dòng dữ liệu'}).")

    def _failed(self, failure: TaskFailure) -> None:
        from danvan_desktop.exchange.template import TemplateRejected
        from danvan_desktop.ui.i18n import error_text

        self._set_running(False)
        self.status.setStyleSheet("color: #b00020; font-weight: bold;")
        err = failure.error
        self.status.setText(str(err) if isinstance(err, TemplateRejected) else error_text(err)[0])
        problems = err.errors if isinstance(err, TemplateRejected) else []
        self.errors.setRowCount(len(problems))
        for i, text in enumerate(problems):
            for j, cell in enumerate(split_problem(text)):
                item = QTableWidgetItem(cell)
                if j == 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if j == 3:
                    item.setToolTip(cell)
                self.errors.setItem(i, j, item)
        self.errors.resizeRowsToContents()
        self.errors.setVisible(bool(problems))

    def reject(self) -> None:
        """Esc or Đóng (not while the import runs: it cannot be abandoned half-way)."""
        if not self.running:
            super().reject()
