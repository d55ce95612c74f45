"""Tình hình nộp báo cáo: the units directly below the office against the months of a period (SPEC §6)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from danvan_desktop.domain.periods import Period
from danvan_desktop.services.completeness import UnitCompleteness
from danvan_desktop.ui.i18n import show_failure
from danvan_desktop.ui.merge_common import (
    GREEN,
    GREY,
    LATE_BACKGROUND,
    RED,
    RowsModel,
    count,
    fmt_when,
    make_table,
)

DELIVERED, MISSING = "✓", "✗"


def unit_status(u: UnitCompleteness) -> str:
    """"Đã nộp đủ", "Chậm nộp (thiếu 2 tháng)", "Còn thiếu 1 tháng", "Chưa nộp"."""
    if u.delivered:
        return "Đã nộp đủ"
    missing = sum(1 for m in u.months if not m.delivered)
    late = sum(1 for m in u.months if m.late)
    if late:
        return f"Chậm nộp (thiếu {count(late)} tháng)"
    if u.packages == 0:
        return "Chưa nộp (chưa đến hạn)"
    return f"Còn thiếu {count(missing)} tháng (chưa đến hạn)"


class CompletenessModel(RowsModel):
    """One row per unit below the office: a column per month of the period (✓ / ✗), last import, status."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.HEADERS = ("Đơn vị", "Lần nhận gói gần nhất", "Tình trạng")
        self.months: list[tuple[int, int]] = []
        self.CENTERED = frozenset()

    def set_data(self, period: Period, rows: list[UnitCompleteness]) -> None:
        """Show a period's units (the month columns follow the period)."""
        self.beginResetModel()
        self.months = period.months()
        one_year = len({y for y, _m in self.months}) == 1
        heads = tuple(f"T{m}" if one_year else f"{m:02d}/{y}" for y, m in self.months)
        self.HEADERS = ("Đơn vị", *heads, "Lần nhận gói gần nhất", "Tình trạng")
        self.CENTERED = frozenset(range(1, 1 + len(self.months)))
        self._rows = list(rows)
        self.endResetModel()

    def is_month(self, column: int) -> bool:
        """Whether a column is one of the months."""
        return 1 <= column <= len(self.months)

    def cells(self, u: UnitCompleteness) -> tuple[str, ...]:
        """Name, ✓/✗ per month, the last import, the status."""
        return (u.name, *(DELIVERED if m.delivered else MISSING for m in u.months),
                fmt_when(u.last_import) or "Chưa nhận gói nào", unit_status(u))

    def tooltip(self, u: UnitCompleteness, column: int) -> str:
        """A month cell in words."""
        if self.is_month(column):
            m = u.months[column - 1]
            what = "đã nộp" if m.delivered else ("chưa nộp, đã quá hạn" if m.late else "chưa nộp (chưa hết tháng)")
            return f"{u.name} – tháng {m.month} năm {m.year}: {what}"
        if column == 0:
            return f"{u.name} (mã {u.code})"
        return self.cells(u)[column]

    def header_tooltip(self, section: int) -> str | None:
        """The month's full name."""
        if self.is_month(section):
            y, m = self.months[section - 1]
            return f"Tháng {m} năm {y}"
        return None

    def foreground(self, u: UnitCompleteness, column: int) -> str | None:
        """✓ green, late ✗ red, a ✗ not yet due grey; the status likewise."""
        if self.is_month(column):
            m = u.months[column - 1]
            return GREEN if m.delivered else (RED if m.late else GREY)
        if column == len(self.HEADERS) - 1:
            return GREEN if u.delivered else (RED if u.late else GREY)
        return None

    def background(self, u: UnitCompleteness, column: int) -> str | None:
        """Late months (and a late unit's name and status) are highlighted."""
        if self.is_month(column):
            return LATE_BACKGROUND if u.months[column - 1].late else None
        if u.late and column in (0, len(self.HEADERS) - 1):
            return LATE_BACKGROUND
        return None


class CompletenessPanel(QWidget):
    """Choose a period; see which units below have delivered packages covering it, and who is late."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from danvan_desktop.ui.export_dialog import report_period_picker

        self.ctx = ctx
        self.is_loaded = False
        self._gen = 0
        self.rows: list[UnitCompleteness] = []
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.picker = report_period_picker()
        top.addWidget(self.picker, 1)
        lay.addLayout(top)
        self.summary = QLabel("Đang tải…")
        self.summary.setStyleSheet("font-size: 11pt; font-weight: bold;")
        lay.addWidget(self.summary)
        legend = QLabel(f"<span style='color:{GREEN}'>{DELIVERED}</span> đã nộp gói có số liệu của tháng · "
                        f"<span style='color:{RED}'>{MISSING}</span> chưa nộp, đã quá hạn (tô đỏ) · "
                        f"<span style='color:{GREY}'>{MISSING}</span> chưa nộp, tháng chưa kết thúc")
        legend.setWordWrap(True)
        lay.addWidget(legend)
        self.model = CompletenessModel(self)
        self.view = make_table(self.model)
        lay.addWidget(self.view, 1)
        self.picker.changed.connect(self.refresh)

    def period(self) -> Period:
        """The period chosen."""
        p = self.picker.period()
        assert p is not None  # the picker offers no "every period"
        return p

    def set_period(self, period: Period) -> None:
        """Show another period (reads again)."""
        self.picker.set_period(period)  # emits changed → refresh

    def refresh(self) -> None:
        """Read who has delivered in the background."""
        from danvan_desktop.services.completeness import completeness

        self._gen += 1
        gen, db, actor, period = self._gen, self.ctx.db, self.ctx.actor, self.period()
        self.ctx.runner.run(lambda: completeness(db, actor, period), lambda rows: self._loaded(gen, period, rows),
                            lambda f: show_failure(self, f), owner=self, label="Đang tải tình hình nộp báo cáo…")

    def _loaded(self, gen: int, period: Period, rows: list[UnitCompleteness]) -> None:
        if gen != self._gen:
            return
        self.is_loaded = True
        self.rows = rows
        self.model.set_data(period, rows)
        n = len(self.model.months)
        self.view.setColumnWidth(0, 210)
        for c in range(1, 1 + n):
            self.view.setColumnWidth(c, 44 if n > 6 else 64)
        self.view.setColumnWidth(1 + n, 165)
        if not rows:
            self.summary.setText(f"{self.ctx.home.name} chưa có đơn vị trực thuộc nào gửi gói dữ liệu.")
            return
        done = sum(1 for u in rows if u.delivered)
        late = sum(1 for u in rows if u.late)
        text = f"{count(done)}/{count(len(rows))} đơn vị đã nộp đủ số liệu {period.label_vi}"
        if late:
            text += f"; {count(late)} đơn vị chậm nộp"
        self.summary.setText(text)
