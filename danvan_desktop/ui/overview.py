"""Tổng quan: this period's figures against the same period a year earlier, what needs attention, a chart."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.vnformat import fmt_date, fmt_int
from danvan_desktop.domain.vocab import MODEL_STATUS, PETITION_STATUS
from danvan_desktop.services.records import Record
from danvan_desktop.services.summary import Summary
from danvan_desktop.ui.models import IndicatorTableModel
from danvan_desktop.ui.pages import HEADING_STYLE
from danvan_desktop.ui.queries import OverviewData, OverviewLists, overview_chart, overview_figures, overview_lists

NO_COMPARISON = "chưa có số liệu cùng kỳ"

SERIES = (
    ("meeting", "Hội nghị", "#1f6fb2"),
    ("petition", "Ý kiến, kiến nghị", "#e08a1e"),
    ("monitoring", "Giám sát, kiểm tra", "#2e9e5b"),
    ("model", "Mô hình “Dân vận khéo”", "#b23a48"),
)


class ActivityChart(QWidget):
    """Records per month of the chosen period, one bar per kind, drawn with QPainter."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ""
        self.months: list[tuple[int, int]] = []
        self.data: dict[str, list[int]] = {}
        self.setMinimumSize(520, 240)

    def set_data(self, title: str, months: list[tuple[int, int]], data: dict[str, list[int]]) -> None:
        """Draw other months: one value per (year, month) of `months` in each series of `data`."""
        self.title, self.months, self.data = title, months, data
        self.update()

    def month_labels(self) -> list[str]:
        """"T5" for each month; "T12/25" when the months run over two years."""
        several_years = len({y for y, _ in self.months}) > 1
        return [f"T{m}/{y % 100:02d}" if several_years else f"T{m}" for y, m in self.months]

    def paintEvent(self, _e: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        """Axes, grid, bars, month labels and the legend."""
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        fm = p.fontMetrics()
        title_font = QFont(p.font())
        title_font.setBold(True)
        p.setFont(title_font)
        p.drawText(QRectF(8, 4, self.width() - 16, fm.height() + 4), Qt.AlignmentFlag.AlignLeft,
                   self.title)
        p.setFont(self.font())
        # Legend on one line under the title.
        x = 8.0
        ly = fm.height() + 10
        series = [s for s in SERIES if s[0] in self.data]
        for _key, label, color in series:
            if x > 8 and x + 16 + fm.horizontalAdvance(label) > self.width() - 8:
                x = 8.0  # wrap the legend rather than cut a label
                ly += fm.height() + 4
            p.fillRect(QRectF(x, ly + 3, 12, 12), QColor(color))
            p.setPen(QColor("#222"))
            p.drawText(QRectF(x + 16, ly, fm.horizontalAdvance(label) + 4, fm.height() + 4),
                       Qt.AlignmentFlag.AlignLeft, label)
            x += 16 + fm.horizontalAdvance(label) + 18
        top = ly + fm.height() + 14
        left = 8 + fm.horizontalAdvance("0000") + 8
        bottom = self.height() - fm.height() - 10
        right = self.width() - 10
        n = len(self.months)
        if bottom - top < 40 or not series or not n:
            return
        peak = max([1] + [v for _k, *_ in series for v in self.data.get(_k, [])])
        step = _nice_step(peak)
        top_value = step * ((peak + step - 1) // step)
        grid = QPen(QColor("#dddddd"))
        for v in range(0, top_value + 1, step):
            y = bottom - (bottom - top) * v / top_value
            p.setPen(grid)
            p.drawLine(int(left), int(y), int(right), int(y))
            p.setPen(QColor("#555"))
            p.drawText(QRectF(0, y - fm.height() / 2, left - 6, fm.height()),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, fmt_int(v))
        # At least 12 slots wide, so a month or quarter keeps bars of the year chart's width.
        group_w = (right - left) / max(n, 12)
        bar_w = max(2.0, (group_w - 8) / len(series))
        for m, text in enumerate(self.month_labels()):
            gx = left + m * group_w + 4
            for i, (key, _label, color) in enumerate(series):
                v = self.data.get(key, [0] * n)[m]
                h = (bottom - top) * v / top_value
                p.fillRect(QRectF(gx + i * bar_w, bottom - h, bar_w - 1, h), QColor(color))
            p.setPen(QColor("#333"))
            p.drawText(QRectF(left + m * group_w, bottom + 4, group_w, fm.height()),
                       Qt.AlignmentFlag.AlignHCenter, text)
        p.setPen(QPen(QColor("#888")))
        p.drawLine(int(left), int(bottom), int(right), int(bottom))
        p.end()


def _scope_line(summary: Summary) -> str:
    """"Số liệu năm 2026 đến ngày 24/11/2026, so với cùng kỳ năm 2025 (đến ngày 24/11/2025)."."""
    cur, prev = summary.current, summary.previous
    until = f" đến ngày {fmt_date(cur.until)}" if cur.until < cur.period.end else ""
    if not summary.comparable:
        return f"Số liệu {cur.period.label_vi}{until}; {NO_COMPARISON} ({prev.period.label_vi}) để so sánh."
    prev_until = f" (đến ngày {fmt_date(prev.until)})" if prev.until < prev.period.end else ""
    return f"Số liệu {cur.period.label_vi}{until}, so với cùng kỳ {prev.period.label_vi}{prev_until}."


def _nice_step(peak: int) -> int:
    """A round grid step giving about four lines."""
    for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000):
        if peak / s <= 5:
            return s
    return 100000


class FigureCard(QFrame):
    """One figure: big number, what it counts, and the comparison with the same period last year.

    A click (or Enter when it has the focus) opens the list behind the figure.
    """

    clicked = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setToolTip("Nhấn để xem danh sách")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("FigureCard { background: #f7f9fc; border: 1px solid #d5dde8; border-radius: 6px; }")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.setSpacing(1)
        self.title = QLabel(title)
        self.title.setWordWrap(True)
        self.title.setStyleSheet("color: #333;")
        self.value = QLabel("–")
        self.value.setStyleSheet("font-size: 20pt; font-weight: bold; color: #123;")
        self.compare = QLabel("")
        self.compare.setWordWrap(True)
        self.compare.setStyleSheet("color: #555;")
        lay.addWidget(self.title)
        lay.addWidget(self.value)
        lay.addWidget(self.compare)

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """A left click opens the list."""
        if e.button() == Qt.MouseButton.LeftButton and self.rect().contains(e.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(e)

    def keyPressEvent(self, e: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Enter or Space opens the list."""
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            return
        super().keyPressEvent(e)

    def set_figures(self, current: int, previous: int | None, extra: str = "", *, up_is_bad: bool = False,
                    comparable: bool = True) -> None:
        """Show a value and its change against last year (none when last year holds no data)."""
        self.value.setText(fmt_int(current))
        parts = []
        if previous is not None and not comparable:
            parts.append(f"<span style='color:#555'>{NO_COMPARISON}</span>")
        elif previous is not None:
            d = current - previous
            if d == 0:
                change = "bằng cùng kỳ"
            else:
                change = f"{'tăng' if d > 0 else 'giảm'} {fmt_int(abs(d))} so với cùng kỳ ({fmt_int(previous)})"
            color = "#555" if d == 0 else ("#b00020" if (d > 0) == up_is_bad else "#1b7a35")
            parts.append(f"<span style='color:{color}'>{change}</span>")
        if extra:
            parts.append(extra)
        self.compare.setText("<br>".join(parts))


# Each card opens this list: record kind, filter bar values, overdue only.
CARD_LISTS: dict[str, tuple[str, dict[str, str], bool]] = {
    "meetings": ("meeting", {}, False), "petitions": ("petition", {}, False), "overdue": ("petition", {}, True),
    "monitoring": ("monitoring", {}, False), "models": ("model", {}, False),
    "recognized": ("model", {"status": "cong_nhan"}, False), "checks": ("religious_check", {}, False),
    "sites": ("religious_site", {}, False),
}


class OverviewPage(QWidget):
    """The first screen: figures, what waits, a chart; refreshed when the unit or period changes, and after
    every write whose Changes touch the figures."""

    openList = Signal(str, object, bool)  # kind key, filters, overdue only

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        ctx.changed.connect(self._changed)
        self.religion = ctx.actor.can(Action.RELIGION)
        self.data: OverviewData | None = None
        self.is_loaded = False
        self._loading = False  # a refresh's reads are under way (the same scope asked again waits for them)
        self._generation = 0
        self._parts: dict[str, Any] = {}  # the reads of the current generation that have arrived
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel("Tổng quan")
        self.heading.setStyleSheet(HEADING_STYLE)
        self.heading.setWordWrap(True)
        lay.addWidget(self.heading)
        self.sub = QLabel("")
        self.sub.setStyleSheet("color: #444;")
        lay.addWidget(self.sub)

        grid = QGridLayout()
        grid.setSpacing(8)
        self.cards: dict[str, FigureCard] = {}
        specs = [("meetings", "Hội nghị, tiếp xúc, đối thoại"), ("petitions", "Ý kiến, kiến nghị tiếp nhận"),
                 ("overdue", "Kiến nghị quá hạn chưa giải quyết"), ("monitoring", "Cuộc giám sát, kiểm tra"),
                 ("models", "Mô hình “Dân vận khéo” đăng ký"), ("recognized", "Mô hình được công nhận điển hình")]
        if self.religion:
            specs += [("checks", "Cuộc kiểm tra tôn giáo"), ("sites", "Điểm nhóm, cơ sở tôn giáo")]
        per_row = 4
        for i, (key, title) in enumerate(specs):
            card = FigureCard(title)
            card.clicked.connect(lambda k=key: self.openList.emit(*CARD_LISTS[k]))
            self.cards[key] = card
            grid.addWidget(card, i // per_row, i % per_row)
        lay.addLayout(grid)

        lower = QHBoxLayout()
        self.chart = ActivityChart()
        lower.addWidget(self.chart, 3)
        self.tabs = QTabWidget()
        self.overdue = self._small_table(("Hạn giải quyết", "Nội dung", "Đơn vị", "Tình trạng"))
        self.waiting = self._small_table(("Ngày đăng ký", "Tên mô hình", "Đơn vị", "Tình trạng"))
        self.indicators = IndicatorTableModel(self)
        self.indicator_view = QTableView()
        self.indicator_view.setModel(self.indicators)
        self.indicator_view.verticalHeader().setVisible(False)
        self.indicator_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        ih = self.indicator_view.horizontalHeader()
        ih.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in (1, 2, 3):
            ih.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.tabs.addTab(self.overdue, "Kiến nghị quá hạn")
        self.tabs.addTab(self.waiting, "Mô hình chờ đánh giá")
        self.tabs.addTab(self.indicator_view, "Tất cả chỉ tiêu")
        lower.addWidget(self.tabs, 4)
        lay.addLayout(lower, 1)
        self._scope: tuple[str | None, Period | None] | None = None
        self._shown_scope: tuple[str | None, Period | None] | None = None  # what the chart and lists show

    def _small_table(self, headers: tuple[str, ...]) -> QTableWidget:
        t = QTableWidget(0, len(headers))
        t.setHorizontalHeaderLabels(list(headers))
        t.verticalHeader().setVisible(False)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setWordWrap(False)
        h = t.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        return t

    def apply_filters(self, unit_code: str | None, period: Period | None, _search: str = "") -> None:
        """Show a unit subtree and period (every period: this year)."""
        if self._scope == (unit_code, period) and (self.is_loaded or self._loading):
            return  # already shown, or on its way: the window asks twice while it is being built
        self._scope = (unit_code, period)
        self.refresh()

    def _changed(self, changes: Any) -> None:
        if not changes.figures:
            return
        if self.isVisible():
            self.refresh()
        else:
            # Fetched again when the page is next shown; a read under way may hold figures from before this
            # write, so its answers are dropped (a new generation) rather than shown as current.
            self._generation += 1
            self.is_loaded = self._loading = False

    def refresh(self) -> None:
        """Fetch the figures again in the background."""
        if self._scope is None:
            return
        unit_code, period = self._scope
        whole = period is None
        p = period or Period.year(dt.date.today().year)
        self._generation += 1
        gen = self._generation
        self.is_loaded = False
        self._loading = True
        ctx = self.ctx
        scope = ctx.unit_name(unit_code) if unit_code else ctx.home.name
        self.heading.setText(f"Tổng quan – {scope}")
        self.sub.setText(f"Số liệu {p.label_vi}" + (" (chọn “Tất cả các kỳ” nên hiển thị năm nay)" if whole else "")
                         + ". Đang tải…")
        today = dt.date.today()
        self._parts = {}
        if self._shown_scope != self._scope:
            # Another unit or period: the old chart and lists must not stand beside the new cards.
            self._shown_scope = self._scope
            self.chart.set_data(f"Hoạt động theo tháng, {p.label_vi} (đang tải…)", p.months(), {})
            self.overdue.setRowCount(0)
            self.waiting.setRowCount(0)
            self.tabs.setTabText(0, "Kiến nghị quá hạn (đang tải…)")
            self.tabs.setTabText(1, "Mô hình chờ đánh giá (đang tải…)")
        # Three reads, the cards' first: each part is shown as it arrives (the lists are the slowest).
        for part, read, label in (("figures", overview_figures, "Đang tính số liệu tổng quan…"),
                                  ("chart", overview_chart, "Đang vẽ biểu đồ theo tháng…"),
                                  ("lists", overview_lists, "Đang tải kiến nghị quá hạn, mô hình chờ đánh giá…")):
            ctx.runner.run(lambda read=read: read(ctx.db, ctx.actor, p, unit_code, today),
                           lambda d, part=part: self._arrived(gen, p, part, d),
                           lambda f: self._failed(gen, f), owner=self, label=label)

    def _failed(self, gen: int, failure: Any) -> None:
        if gen == self._generation:
            self._loading = False  # choosing the same unit and period again tries again
        self.ctx.runner.report(failure)  # the person is told, as for any failed read

    def _arrived(self, gen: int, p: Period, part: str, d: Any) -> None:
        if gen != self._generation:
            return  # an older scope's answer
        self._parts[part] = d
        if part == "figures":
            self._show_figures(d)
        elif part == "chart":
            self.chart.set_data(f"Hoạt động theo tháng, {p.label_vi}", p.months(), d)
        else:
            self._show_lists(d)
        if len(self._parts) == 3:
            s, lists = self._parts["figures"], self._parts["lists"]
            self.data = OverviewData(s, p.months(), self._parts["chart"], lists.overdue, lists.overdue_total,
                                     lists.waiting, lists.waiting_total)
            self.is_loaded = True
            self._loading = False

    def _show_figures(self, summary: Summary) -> None:
        cur, prev = summary.current.indicators, summary.previous.indicators
        ok = summary.comparable
        self.sub.setText(_scope_line(summary))

        def both(*keys: str) -> tuple[int, int]:
            return sum(cur[k] for k in keys), sum(prev[k] for k in keys)

        c = self.cards
        c["meetings"].set_figures(*both("meetings.total"), comparable=ok,
                                  extra=f"{fmt_int(cur['meetings.participants'])} lượt người tham dự")
        c["petitions"].set_figures(*both("petitions.total"), comparable=ok,
                                   extra=f"đã trả lời {fmt_int(cur['petitions.answered'])}")
        c["overdue"].set_figures(*both("petitions.overdue"), up_is_bad=True, comparable=ok,
                                 extra=f"tính đến ngày {fmt_date(summary.current.as_of)}")
        c["monitoring"].set_figures(*both("monitoring.total"), comparable=ok)
        c["models"].set_figures(*both("models.registered.tap_the", "models.registered.ca_nhan"), comparable=ok,
                                extra=f"{fmt_int(cur['models.registered.tap_the'])} tập thể, "
                                      f"{fmt_int(cur['models.registered.ca_nhan'])} cá nhân")
        c["recognized"].set_figures(*both("models.recognized.tap_the", "models.recognized.ca_nhan"),
                                    comparable=ok)
        if self.religion:
            c["checks"].set_figures(*both("religious_checks.total"), comparable=ok)
            c["sites"].set_figures(cur["religious_sites.total"], None,
                                   extra=f"{fmt_int(cur['religious_sites.followers'])} tín đồ")
        self.indicators.set_figures(cur, prev, religion=self.religion, comparable=ok)

    def _show_lists(self, d: OverviewLists) -> None:
        self._fill(self.overdue, d.overdue, lambda r: (fmt_date(r.values["deadline"]), r.title, r.unit_name,
                                                       PETITION_STATUS.label(str(r.values.get("status")))))
        self._fill(self.waiting, d.waiting, lambda r: (fmt_date(r.values["registered_date"]), r.title, r.unit_name,
                                                       MODEL_STATUS.label(str(r.values.get("status")))))
        self.tabs.setTabText(0, f"Kiến nghị quá hạn ({fmt_int(d.overdue_total)})")
        self.tabs.setTabText(1, f"Mô hình chờ đánh giá ({fmt_int(d.waiting_total)})")

    @staticmethod
    def _fill(table: QTableWidget, rows: list[Record], cells: Any) -> None:
        table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for j, text in enumerate(cells(r)):
                item = QTableWidgetItem(str(text))
                if j == 1:
                    item.setToolTip(str(text))
                table.setItem(i, j, item)
