"""Nhật ký tổng hợp: every package merged (when, which file, from whom, what it did) and undoing the last one."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from danvan_desktop.services.merge import ImportInfo
from danvan_desktop.ui.i18n import ask, error_text, show_failure
from danvan_desktop.ui.merge_common import (
    FIT,
    GREY,
    RowsModel,
    StatusLine,
    count,
    fmt_when,
    make_table,
    period_label,
    selected_row,
)
from danvan_desktop.ui.tasks import TaskFailure
from danvan_desktop.ui.widgets import hidden_progress_bar

HASH_CHARS = 8


def import_status(i: ImportInfo) -> str:
    """"Đã tổng hợp" or "Đã hoàn tác"."""
    return "Đã hoàn tác" if i.status == "undone" else "Đã tổng hợp"


class ImportLedgerModel(RowsModel):
    """The package ledger, newest first."""

    HEADERS = ("Thời gian", "Tệp", "Mã tệp", "Đơn vị gửi", "Kỳ", "Tài khoản", "Thêm\nmới", "Thay\nthế",
               "Không\nđổi", "Xung\nđột", "Trạng thái")
    COL_AT, COL_FILE, COL_HASH, COL_UNIT, COL_PERIOD, COL_USER, COL_ADDED, COL_REPLACED, COL_UNCHANGED, \
        COL_CONFLICTS, COL_STATUS = range(11)
    NUMERIC = frozenset({6, 7, 8, 9})

    def cells(self, i: ImportInfo) -> tuple[str, ...]:
        """Time, file, short hash, unit, period, user, counts, status."""
        c = i.counts
        return (fmt_when(i.at), i.file_name, i.file_hash[:HASH_CHARS], i.unit_name or i.unit_code,
                period_label(i.period), i.username,
                count(c.added), count(c.replaced), count(c.unchanged), count(c.conflicts), import_status(i))

    def tooltip(self, i: ImportInfo, column: int) -> str:
        """The whole hash; whether the line can be undone."""
        if column == self.COL_HASH:
            return f"Mã kiểm tra SHA-256 của tệp: {i.file_hash}"
        if column == self.COL_UNIT:
            return f"{i.unit_name} (mã {i.unit_code})"
        if column == self.COL_USER:
            return f"Tài khoản đã tổng hợp: {i.username}"
        if column == self.COL_STATUS and i.status == "undone":
            who = f" bởi tài khoản “{i.undone_by}”" if i.undone_by else ""
            return f"Đã hoàn tác lúc {fmt_when(i.undone_at)}{who}"
        if column == self.COL_STATUS and i.status == "applied":
            return ("Lần tổng hợp mới nhất của gói này: hoàn tác được" if i.can_undo
                    else "Đã có lần tổng hợp mới hơn của cùng đơn vị và kỳ: hãy hoàn tác lần đó trước")
        return self.cells(i)[column]

    def header_tooltip(self, section: int) -> str | None:
        """What the short hash is."""
        if section == self.COL_HASH:
            return f"{HASH_CHARS} ký tự đầu của mã kiểm tra SHA-256, để nhận ra cùng một tệp gửi nhiều lần"
        return None

    def foreground(self, i: ImportInfo, column: int) -> str | None:
        """Undone lines in grey."""
        return GREY if i.status == "undone" else None


class ImportLedgerPanel(QWidget):
    """The ledger of merged packages; "Hoàn tác…" undoes the selected one when it is the latest of its package."""

    undone = Signal()
    runningChanged = Signal(bool)

    def __init__(self, ctx: Any, can_undo: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.can_undo = can_undo
        self.running = False
        self.blocked = False
        self.is_loaded = False
        self._gen = 0
        lay = QVBoxLayout(self)
        note = QLabel("Mỗi lần tổng hợp một gói dữ liệu được ghi lại ở đây. Có thể hoàn tác lần tổng hợp mới nhất "
                      "của mỗi gói: bản ghi gói đó đã thêm bị gỡ bỏ, bản ghi bị thay thế được trả lại như trước.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #444;")
        lay.addWidget(note)
        row = QHBoxLayout()
        self.undo_button = QPushButton("Hoàn tác…")
        self.undo_button.setEnabled(False)
        self.undo_button.setVisible(can_undo)
        row.addWidget(self.undo_button)
        self.summary = QLabel("Đang tải…")
        row.addWidget(self.summary, 1)
        lay.addLayout(row)
        self.bar = hidden_progress_bar(indeterminate=True)
        lay.addWidget(self.bar)
        self.status = StatusLine()
        lay.addWidget(self.status)
        self.model = ImportLedgerModel(self)
        self.view = make_table(self.model, (122, 215, 80, 135, 125, FIT, FIT, FIT, FIT, FIT),
                               elide_middle=(ImportLedgerModel.COL_FILE,))
        lay.addWidget(self.view, 1)
        self.undo_button.clicked.connect(self.undo_selected)
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())

    def refresh(self) -> None:
        """Read the ledger again in the background."""
        from danvan_desktop.services.merge import list_imports

        self._gen += 1
        gen, db, actor = self._gen, self.ctx.db, self.ctx.actor
        self.ctx.runner.run(lambda: list_imports(db, actor), lambda rows: self._loaded(gen, rows),
                            lambda f: show_failure(self, f), owner=self, label="Đang tải nhật ký tổng hợp…")

    def _loaded(self, gen: int, rows: list[ImportInfo]) -> None:
        if gen != self._gen:
            return
        keep = self.selected()
        self.is_loaded = True
        self.model.set_rows(rows)
        applied = sum(1 for r in rows if r.status == "applied")
        self.summary.setText(f"{count(len(rows))} lần tổng hợp, {count(applied)} đang có hiệu lực" if rows
                             else "Chưa tổng hợp gói dữ liệu nào.")
        if keep is not None:
            for i, r in enumerate(rows):
                if r.id == keep.id:
                    self.view.selectRow(i)
        self._update_buttons()

    def selected(self) -> ImportInfo | None:
        """The ledger line on the selected row."""
        r = selected_row(self.view)
        return self.model.row(r) if r >= 0 else None

    def set_blocked(self, blocked: bool) -> None:
        """Another part of the screen is writing: wait for it."""
        self.blocked = blocked
        self._update_buttons()

    def _update_buttons(self) -> None:
        i = self.selected()
        ok = i is not None and i.can_undo and i.status == "applied"
        self.undo_button.setEnabled(ok and not self.running and not self.blocked)
        if i is None:
            tip = "Chọn một lần tổng hợp trong danh sách."
        elif i.status != "applied":
            tip = "Lần tổng hợp này đã được hoàn tác."
        elif not i.can_undo:
            tip = "Chỉ hoàn tác được lần tổng hợp mới nhất của cùng đơn vị và kỳ; hãy hoàn tác lần mới hơn trước."
        else:
            tip = "Hoàn tác lần tổng hợp này (có sao lưu trước)"
        self.undo_button.setToolTip(tip)

    def confirm_text(self, i: ImportInfo) -> str:
        """The question asked before undoing."""
        c = i.counts
        return (f"Hoàn tác lần tổng hợp lúc {fmt_when(i.at)}: tệp “{i.file_name}” của {i.unit_name or i.unit_code}, "
                f"{period_label(i.period).lower()}?\n\n"
                f"• {count(c.added)} bản ghi gói này đã thêm sẽ bị gỡ bỏ.\n"
                f"• {count(c.replaced)} bản ghi bị thay thế được trả lại như trước khi tổng hợp.\n"
                "• Các xung đột gói này tạo ra mà chưa quyết định sẽ được bỏ.\n\n"
                "Trước khi hoàn tác, chương trình tự sao lưu dữ liệu hiện tại. Nếu bản ghi nào đã được sửa sau lần "
                "tổng hợp này, việc hoàn tác bị từ chối và dữ liệu giữ nguyên.")

    def undo_selected(self) -> None:
        """Undo the selected import (after asking), in the background."""
        from danvan_desktop.services.merge import undo_import

        i = self.selected()
        if i is None or not i.can_undo or i.status != "applied" or self.running or self.blocked or not self.can_undo:
            return
        if not ask(self, self.confirm_text(i), yes="Hoàn tác", no="Không", title="Hoàn tác tổng hợp", danger=True):
            return
        db, actor, import_id = self.ctx.db, self.ctx.actor, i.id
        self._set_running(True)
        self.status.say(f"Đang hoàn tác lần tổng hợp tệp “{i.file_name}” (sao lưu trước)…")
        self.ctx.runner.write(lambda: undo_import(db, actor, import_id), self._undone, self._failed, owner=self,
                              label="Đang hoàn tác tổng hợp…")

    def _set_running(self, on: bool) -> None:
        self.running = on
        self.bar.setVisible(on)
        if on:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()
        self._update_buttons()
        self.runningChanged.emit(on)

    def _undone(self, info: ImportInfo) -> None:
        self._set_running(False)
        self.status.say(f"Đã hoàn tác lần tổng hợp tệp “{info.file_name}” của {info.unit_name or info.unit_code}.",
                        "ok")
        self.refresh()
        self.undone.emit()

    def _failed(self, f: TaskFailure) -> None:
        self._set_running(False)
        text, bug = error_text(f.error)
        self.status.say(text, "error")
        if bug:
            show_failure(self, f)
        self.refresh()
