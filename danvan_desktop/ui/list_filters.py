"""The filter bar above a record list (status, field, body, "quá hạn") and the notice bar after a save."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QWidget

from danvan_desktop.domain.fields import FieldType, RecordKind
from danvan_desktop.ui.widgets import QuietCombo

# The closed lists a list can be narrowed by, in the order shown: what state it is in, what it is
# about, which body ran it.
FILTER_FIELDS = ("status", "follow_up", "registration", "result", "field", "religion", "organizer", "lead_body",
                 "checking_body")
ALL = "Tất cả"


class ListFilterBar(QWidget):
    """One drop-down per filterable closed list of the kind, and "Quá hạn" for petitions."""

    changed = Signal()

    def __init__(self, kind: RecordKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.combos: dict[str, QuietCombo] = {}
        self.labels: dict[str, str] = {}
        for key in FILTER_FIELDS:
            if key not in kind.keys:
                continue
            f = kind.field(key)
            if f.type is not FieldType.ENUM or f.vocab is None:
                continue
            lay.addWidget(QLabel(f.label + ":"))
            combo = QuietCombo()
            combo.addItem(ALL, None)
            for value, label in f.vocab.items:
                combo.addItem(label, value)
            combo.setAccessibleName(f"Lọc theo {f.label.lower()}")
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
            lay.addWidget(combo)
            self.combos[key] = combo
            self.labels[key] = f.label
        self.overdue: QCheckBox | None = None
        if kind.key == "petition":
            self.overdue = QCheckBox("Chỉ kiến nghị quá hạn")
            self.overdue.setToolTip("Đã quá hạn giải quyết mà chưa giải quyết xong (tính đến hôm nay)")
            self.overdue.toggled.connect(lambda _b: self.changed.emit())
            lay.addWidget(self.overdue)
        self.clear_button = QPushButton("Bỏ lọc")
        self.clear_button.setAutoDefault(False)
        self.clear_button.clicked.connect(self.clear)
        lay.addWidget(self.clear_button)
        lay.addStretch(1)
        self._sync()
        self.changed.connect(self._sync)

    def _sync(self) -> None:
        self.clear_button.setEnabled(self.active())

    def filters(self) -> dict[str, Any]:
        """Field key → chosen stored value, for RecordQuery.filters."""
        return {k: c.currentData() for k, c in self.combos.items() if c.currentData() is not None}

    def overdue_only(self) -> bool:
        """Whether "Chỉ kiến nghị quá hạn" is ticked."""
        return self.overdue is not None and self.overdue.isChecked()

    def active(self) -> bool:
        """Whether any filter narrows the list."""
        return bool(self.filters()) or self.overdue_only()

    def describe(self) -> str:
        """"Tình trạng: Mới tiếp nhận · quá hạn" for the line above the list."""
        parts = [f"{self._label(k)}: {c.currentText()}" for k, c in self.combos.items() if c.currentData()]
        if self.overdue_only():
            parts.append("quá hạn")
        return " · ".join(parts)

    def _label(self, key: str) -> str:
        return self.labels[key]

    def set_filters(self, values: dict[str, Any], *, overdue: bool = False) -> None:
        """Show exactly these filters (others cleared), with one `changed`."""
        self.blockSignals(True)
        for k, c in self.combos.items():
            i = c.findData(values.get(k)) if values.get(k) is not None else 0
            c.setCurrentIndex(max(i, 0))
        if self.overdue is not None:
            self.overdue.setChecked(overdue)
        self.blockSignals(False)
        self.changed.emit()

    def clear(self) -> None:
        """Every filter back to "Tất cả"."""
        self.set_filters({})


class NoticeBar(QWidget):
    """A line above the list after a save: "Đã lưu …", and where the record went if the list hides it."""

    actionRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        self.setAutoFillBackground(True)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.text, 1)
        self.action = QPushButton()
        self.action.setAutoDefault(False)
        self.action.clicked.connect(self.actionRequested.emit)
        lay.addWidget(self.action)
        close = QPushButton("Đóng")
        close.setAutoDefault(False)
        close.clicked.connect(self.hide)
        lay.addWidget(close)
        self.setVisible(False)

    def say(self, text: str, action: str = "", *, warning: bool = False) -> None:
        """Show a notice (an action button only when its label is given)."""
        self.setStyleSheet("NoticeBar { background: %s; }" % ("#fff4e5" if warning else "#e8f5e9"))
        self.text.setText(text)
        self.action.setText(action)
        self.action.setVisible(bool(action))
        self.setVisible(True)
