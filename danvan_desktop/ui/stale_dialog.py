"""Someone else saved the record while this form was open: their change beside yours, and what to do with yours.

Nothing is lost whatever the answer: "keep mine on theirs" puts the fields the person changed over the new
stored copy (to check and save again), "copy" puts what they typed on the clipboard, "take theirs" copies it
there first, then shows the stored copy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.domain.kinds import ENVELOPE_LABELS
from danvan_desktop.domain.kinds import kind as get_kind
from danvan_desktop.services.stale import StaleEdit, comparable
from danvan_desktop.ui.audit_page import local_time, value_text

ACTIONS = {"update": "sửa", "delete": "xóa", "undelete": "khôi phục", "conflict": "chọn bản khi tổng hợp",
           "create": "tạo"}


def field_label(kind_key: str, key: str) -> str:
    """A field's Vietnamese label (unit and notes included)."""
    k = get_kind(kind_key)
    if key in k.keys:
        return k.field(key).label
    return {"unit": ENVELOPE_LABELS.get("unit", "Đơn vị"), "notes": "Ghi chú"}.get(key, key)


def typed_text(kind_key: str, values: Mapping[str, Any], unit_name: Callable[[str], str]) -> str:
    """What the form holds, one "Label: value" line per filled field (for the clipboard)."""
    k = get_kind(kind_key)
    plain = comparable(kind_key, values)
    lines = [f"{k.label} (bản đang nhập, chưa lưu)"]
    for key in [*k.keys, "unit", "notes"]:
        v = plain.get(key)
        if v is not None:
            label = field_label(kind_key, key)
            lines.append(f"{label}: {value_text(kind_key, label, v, unit_name)}")
    return "\n".join(lines)


class StaleDialog(QDialog):
    """The other person's save beside the form; `choice` is "merge", "reload" or "" (closed, nothing done)."""

    def __init__(self, kind_key: str, edit: StaleEdit, yours: Mapping[str, Any], unit_name: Callable[[str], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind_key, self.edit, self.yours, self.unit_name = kind_key, edit, yours, unit_name
        self.choice = ""
        self.setWindowTitle("Bản ghi vừa được người khác lưu – Dân vận")
        self.setMinimumWidth(760)
        lay = QVBoxLayout(self)
        who = f"{edit.saved_by_name} ({edit.saved_by})" if edit.saved_by_name else edit.saved_by
        when = local_time(edit.saved_at)
        title = edit.current.title if len(edit.current.title) <= 80 else edit.current.title[:79] + "…"
        what = ACTIONS.get(edit.action, "lưu")
        self.heading = QLabel(f"Chưa lưu: “{title}” vừa được <b>{who}</b> {what} lúc {when:%H:%M} ngày "
                              f"{when:%d/%m/%Y} (lần sửa {edit.current.revision}), sau khi bạn mở biểu mẫu này.")
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-size: 11pt;")
        lay.addWidget(self.heading)
        both = edit.overlapping
        note = ("Những gì bạn nhập vẫn còn nguyên trong biểu mẫu, chưa mất gì. Các mục khác nhau giữa bản đã lưu "
                "và bản bạn đang nhập:")
        if both:
            note += f" {len(both)} mục cả hai người cùng sửa được đánh dấu “cả hai cùng sửa”."
        self.note = QLabel(note)
        self.note.setWordWrap(True)
        lay.addWidget(self.note)
        self.table = QTableWidget(len(edit.diffs), 3)
        self.table.setHorizontalHeaderLabels(["Mục", f"Bản đã lưu của {edit.saved_by}", "Bản bạn đang nhập"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        for row, d in enumerate(edit.diffs):
            label = field_label(kind_key, d.key)
            mark = " (cả hai cùng sửa)" if d.they_changed and d.you_changed else (
                " (họ sửa)" if d.they_changed else " (bạn sửa)")
            cells = [label + mark, value_text(kind_key, label, d.theirs, unit_name),
                     value_text(kind_key, label, d.yours, unit_name)]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        self.table.resizeRowsToContents()
        lay.addWidget(self.table, 1)
        self.copied = QLabel("")
        self.copied.setStyleSheet("color: #1b5e20;")
        self.copied.setVisible(False)
        lay.addWidget(self.copied)
        row_lay = QHBoxLayout()
        self.merge_button = QPushButton("Giữ phần tôi sửa, trên bản mới")
        self.merge_button.setToolTip("Biểu mẫu lấy bản vừa lưu của người kia, rồi đặt lại các mục bạn đã sửa; "
                                     "bạn xem lại và bấm Lưu")
        self.copy_button = QPushButton("Chép phần tôi nhập")
        self.copy_button.setToolTip("Chép toàn bộ nội dung bạn đang nhập vào bộ nhớ tạm (dán bằng Ctrl+V)")
        self.reload_button = QPushButton("Lấy bản của họ")
        self.reload_button.setToolTip("Biểu mẫu hiện bản vừa lưu; phần bạn nhập được chép vào bộ nhớ tạm trước")
        self.close_button = QPushButton("Đóng")
        self.close_button.setToolTip("Quay lại biểu mẫu, chưa làm gì (lưu vẫn bị từ chối)")
        for b in (self.merge_button, self.copy_button, self.reload_button, self.close_button):
            b.setAutoDefault(False)
            row_lay.addWidget(b)
        self.merge_button.setDefault(True)
        lay.addLayout(row_lay)
        self.merge_button.clicked.connect(lambda: self._choose("merge"))
        self.reload_button.clicked.connect(self._reload)
        self.copy_button.clicked.connect(self.copy_typing)
        self.close_button.clicked.connect(self.reject)
        self.merge_button.setFocus()

    def copy_typing(self) -> str:
        """Put what the person typed on the clipboard; returns the text."""
        text = typed_text(self.kind_key, self.yours, self.unit_name)
        QApplication.clipboard().setText(text)
        self.copied.setText("Đã chép phần bạn nhập vào bộ nhớ tạm (dán vào Word, Zalo… bằng Ctrl+V).")
        self.copied.setVisible(True)
        return text

    def _reload(self) -> None:
        self.copy_typing()
        self._choose("reload")

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()

