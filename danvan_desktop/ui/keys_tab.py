"""Quản trị › Khóa ký: this office's own fingerprint (read out by phone) and the keys it holds for the offices
below; an admin accepts a new key only after comparing its fingerprint with the sending office (SPEC §6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.services.merge import SignerInfo, accept_new_key, package_signer
from danvan_desktop.services.signing import own_fingerprint, trusted_keys
from danvan_desktop.ui.i18n import ask, error_text
from danvan_desktop.ui.tasks import TaskFailure
from danvan_desktop.ui.widgets import ErrorLabel

COL_UNIT, COL_CODE, COL_FINGERPRINT, COL_SINCE = range(4)


class KeysTab(QWidget):
    """The office's fingerprint, the pinned keys, and accepting a new key from a package."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        """Lay out the tab; figures load on refresh()."""
        super().__init__(parent)
        self.ctx = ctx
        lay = QVBoxLayout(self)
        self.own = QLabel("Dấu vân tay khóa ký của cơ quan: …")
        self.own.setWordWrap(True)
        lay.addWidget(self.own)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Đơn vị", "Mã", "Dấu vân tay khóa đã ghi nhận", "Ghi nhận lúc"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        lay.addWidget(self.table, 1)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row = QHBoxLayout()
        self.accept_button = QPushButton("Chấp nhận khóa mới từ một gói…")
        self.accept_button.clicked.connect(self.choose_package)
        row.addWidget(self.accept_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.refresh()

    def refresh(self) -> None:
        """Reload the fingerprint and the pinned keys in the background."""
        db = self.ctx.db
        self.ctx.runner.run(lambda: (own_fingerprint(db), trusted_keys(db)), self._show, owner=self,
                            label="Đang tải khóa ký…")

    def _show(self, value: tuple[str, dict[str, dict[str, Any]]]) -> None:
        fp, keys = value
        self.own.setText(f"Dấu vân tay khóa ký của cơ quan: {fp}\n(đọc cho cấp trên đối chiếu khi gửi gói lần đầu "
                         "hoặc sau khi cài lại chương trình)")
        rows = sorted(keys.values(), key=lambda e: (e.get("name") or "", e.get("code") or ""))
        self.table.setRowCount(len(rows))
        for r, e in enumerate(rows):
            for c, text in ((COL_UNIT, e.get("name") or ""), (COL_CODE, e.get("code") or ""),
                            (COL_FINGERPRINT, e["fingerprint"]), (COL_SINCE, str(e.get("pinned_at", "")))):
                self.table.setItem(r, c, QTableWidgetItem(text))

    def choose_package(self) -> None:
        """Pick a package signed with the new key, then compare and accept."""
        chosen, _f = QFileDialog.getOpenFileName(self, "Chọn gói dữ liệu ký bằng khóa mới", "",
                                                 "Gói dữ liệu (*.xlsx)")
        if chosen:
            self.check_package(Path(chosen))

    def check_package(self, path: Path) -> None:
        """Read who signed the package, then ask the admin to compare the fingerprint."""
        ctx = self.ctx
        self.error.show_message("")
        ctx.runner.run(lambda: package_signer(ctx.db, ctx.actor, path), lambda info: self._confirm(path, info),
                       self._failed, owner=self, label="Đang đọc gói…")

    def _confirm(self, path: Path, info: SignerInfo) -> None:
        if info.status == "pinned":
            self.error.show_message(f"Khóa của “{info.unit_name}” trong gói này đã được ghi nhận; không cần làm gì.")
            return
        old = f"\nKhóa đang ghi nhận: {info.pinned_fingerprint}" if info.pinned_fingerprint else ""
        text = (f"Gói “{path.name}” được ký bởi “{info.unit_name}” (mã {info.unit_code}).\n\n"
                f"Dấu vân tay khóa mới: {info.fingerprint}{old}\n\n"
                "Hãy gọi điện cho đơn vị đó và đọc đối chiếu từng nhóm ký tự. Chỉ chấp nhận khi trùng khớp.")
        if ask(self, text, yes="Đã đối chiếu, chấp nhận", no="Không chấp nhận", danger=True):
            ctx = self.ctx
            ctx.runner.write(lambda: accept_new_key(ctx.db, ctx.actor, path), lambda _fp: self.refresh(),
                             self._failed, owner=self, label="Đang ghi nhận khóa…")

    def _failed(self, f: TaskFailure) -> None:
        self.error.show_message(error_text(f.error)[0])
