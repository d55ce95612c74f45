"""The "Báo cáo" page: the composer and the quick print / package / template page as two tabs."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QTabWidget, QWidget

from danvan_desktop.domain.periods import Period


class ReportTabs(QTabWidget):
    """Two tabs; the window's unit and period go to the print page (the composer keeps its own choice)."""

    def __init__(self, composer: QWidget, printing: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.composer, self.printing = composer, printing
        self.addTab(composer, "Soạn và phát hành báo cáo")
        self.addTab(printing, "In nhanh, xuất gói dữ liệu, mẫu nhập liệu")

    def apply_filters(self, unit_code: str | None, period: Period | None, search: str = "") -> None:
        """A report being written is not switched to another period by the window's filter."""
        self.printing.apply_filters(unit_code, period, search)
