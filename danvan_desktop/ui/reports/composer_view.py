"""Layout of the report composer: period and unit, header fields, sections, editors, units' texts, issues."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.domain.report_doc import FIELD_LABELS
from danvan_desktop.services.units import UnitInfo
from danvan_desktop.ui.export_dialog import report_period_picker
from danvan_desktop.ui.widgets import UnitField

_HINT = ("Gõ nội dung của đơn vị vào ô dưới; đoạn số liệu tự động có thể sửa (khi đó chương trình giữ nguyên "
         "đoạn đã sửa). Ghi chú chân trang: viết trong [[ … ]].")


class ComposerView(QWidget):
    """The widgets of the composer, without behaviour (Composer wires them)."""

    def __init__(self, units: list[UnitInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        self.period = report_period_picker()
        top.addWidget(self.period)
        top.addWidget(QLabel("Đơn vị:"))
        self.unit = UnitField(units)
        self.unit.setMinimumContentsLength(18)
        top.addWidget(self.unit)
        top.addStretch(1)
        self.saved_label = QLabel("")
        self.saved_label.setStyleSheet("color: #555;")
        top.addWidget(self.saved_label)
        self.preview_button = QPushButton("Xem trước các trang")
        self.issue_button = QPushButton("Phát hành…")
        self.issue_button.setStyleSheet("font-weight: bold;")
        top.addWidget(self.preview_button)
        top.addWidget(self.issue_button)
        lay.addLayout(top)

        split = QSplitter(Qt.Orientation.Horizontal)
        # Left: the sections, and the issued copies below them.
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel("Các mục của báo cáo:"))
        self.sections = QListWidget()
        self.sections.setWordWrap(True)
        ll.addWidget(self.sections, 3)
        ll.addWidget(QLabel("Đã phát hành (nhấp đúp để mở lại):"))
        self.issues = QListWidget()
        self.issues.setWordWrap(True)
        ll.addWidget(self.issues, 1)
        split.addWidget(left)

        # Centre: tabs for the section's text and for the header fields.
        tabs = QTabWidget()
        page = QWidget()
        cl = QVBoxLayout(page)
        cl.setContentsMargins(4, 4, 4, 4)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-weight: bold; font-size: 11pt;")
        cl.addWidget(self.heading)
        hint = QLabel(_HINT)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        cl.addWidget(hint)
        gen_row = QHBoxLayout()
        self.generated_caption = QLabel("Số liệu tự động:")
        gen_row.addWidget(self.generated_caption)
        self.edited_label = QLabel("(đã sửa tay — giữ nguyên khi tạo lại)")
        self.edited_label.setStyleSheet("color: #7a4b00;")
        gen_row.addWidget(self.edited_label)
        gen_row.addStretch(1)
        self.regen_button = QPushButton("Tạo lại từ số liệu hiện tại")
        gen_row.addWidget(self.regen_button)
        cl.addLayout(gen_row)
        self.generated = QPlainTextEdit()
        cl.addWidget(self.generated, 2)
        self.stale_label = QLabel()
        self.stale_label.setWordWrap(True)
        self.stale_label.setStyleSheet("color: #a00000;")
        cl.addWidget(self.stale_label)
        cl.addWidget(QLabel("Nội dung của đơn vị:"))
        self.own = QPlainTextEdit()
        cl.addWidget(self.own, 3)
        tabs.addTab(page, "Nội dung")
        fields = QWidget()
        form = QFormLayout(fields)
        self.field_edits: dict[str, QLineEdit | QPlainTextEdit] = {}
        for name, label in FIELD_LABELS.items():
            w: QLineEdit | QPlainTextEdit
            if name == "recipients":
                w = QPlainTextEdit()
                w.setFixedHeight(90)
            else:
                w = QLineEdit()
                if name in ("date", "cutoff"):
                    w.setPlaceholderText("dd/mm/yyyy — để trống: “ngày … tháng … năm …”"
                                         if name == "date" else "dd/mm/yyyy — để trống: hết kỳ hoặc hôm nay")
            self.field_edits[name] = w
            form.addRow(label + ":", w)
        tabs.addTab(fields, "Số, ngày, người ký, nơi nhận")
        split.addWidget(tabs)

        # Right: the units' texts of this section.
        right = QGroupBox("Báo cáo của các đơn vị cấp dưới (mục này)")
        rl = QVBoxLayout(right)
        self.child_list = QListWidget()
        rl.addWidget(self.child_list, 1)
        self.child_text = QPlainTextEdit()
        self.child_text.setReadOnly(True)
        rl.addWidget(self.child_text, 3)
        self.take_button = QPushButton("Lấy đoạn này vào báo cáo")
        self.take_button.setToolTip("Lấy đoạn đang bôi đen (hoặc cả nội dung) vào cuối nội dung của mục")
        rl.addWidget(self.take_button)
        split.addWidget(right)
        split.setSizes([260, 700, 380])
        lay.addWidget(split, 1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
