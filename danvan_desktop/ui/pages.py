"""The list page of each record kind, the religion page (two tabs), and the frames for merge and reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.domain.kinds import kind as get_kind
from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.vnformat import fmt_date, fmt_int
from danvan_desktop.services.records import Record, RecordQuery
from danvan_desktop.ui.forms import RecordForm, confirm_and_delete
from danvan_desktop.ui.i18n import inform
from danvan_desktop.ui.list_filters import ListFilterBar, NoticeBar
from danvan_desktop.ui.models import TABLE_MODELS, RecordTableModel
from danvan_desktop.ui.permissions import can_edit, edit_refusal
from danvan_desktop.ui.widgets import DateField

NOUNS = {
    "meeting": "hội nghị",
    "petition": "ý kiến, kiến nghị",
    "monitoring": "cuộc giám sát, kiểm tra",
    "religious_site": "điểm nhóm, cơ sở tôn giáo",
    "religious_check": "cuộc kiểm tra tôn giáo",
    "model": "mô hình",
}

HEADING_STYLE = "font-size: 15pt; font-weight: bold;"


class PeriodPicker(QWidget):
    """Month, quarter, half-year, nine months, year, a range of days, or every period."""

    changed = Signal()
    KINDS = (("month", "Tháng"), ("quarter", "Quý"), ("half", "6 tháng"), ("nine_months", "9 tháng đầu năm"),
             ("year", "Năm"), ("range", "Khoảng thời gian"), ("all", "Tất cả các kỳ"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        today = QDate.currentDate()
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("Kỳ:"))
        self.kind = QComboBox()
        for key, label in self.KINDS:
            self.kind.addItem(label, key)
        self.part = QComboBox()
        self.year_label = QLabel("năm")
        self.year = QSpinBox()
        self.year.setRange(1990, 2100)
        self.year.setValue(today.year())
        self.from_label = QLabel("từ")
        self.start = DateField(optional=False, compact=True)
        self.to_label = QLabel("đến")
        self.end = DateField(optional=False, compact=True)
        self.start.set_value(dt.date(today.year(), 1, 1))
        self.end.set_value(dt.date.today())
        for w in (self.kind, self.part, self.year_label, self.year, self.from_label, self.start, self.to_label,
                  self.end):
            lay.addWidget(w)
        self.kind.setCurrentIndex(self.kind.findData("year"))
        self._month_default = today.month()
        self._update_parts()
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.part.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.year.valueChanged.connect(lambda _v: self.changed.emit())
        self.start.changed.connect(self.changed.emit)
        self.end.changed.connect(self.changed.emit)

    def _kind_changed(self) -> None:
        self._update_parts()
        self.changed.emit()

    def _update_parts(self) -> None:
        k = self.kind.currentData()
        self.part.blockSignals(True)
        self.part.clear()
        today = QDate.currentDate()
        if k == "month":
            for m in range(1, 13):
                self.part.addItem(f"Tháng {m}", m)
            self.part.setCurrentIndex(today.month() - 1)
        elif k == "quarter":
            for q, roman in enumerate(("I", "II", "III", "IV"), start=1):
                self.part.addItem(f"Quý {roman}", q)
            self.part.setCurrentIndex((today.month() - 1) // 3)
        elif k == "half":
            self.part.addItem("6 tháng đầu năm", 1)
            self.part.addItem("6 tháng cuối năm", 2)
            self.part.setCurrentIndex(0 if today.month() <= 6 else 1)
        self.part.blockSignals(False)
        self.part.setVisible(k in ("month", "quarter", "half"))
        yearly = k not in ("range", "all")
        self.year_label.setVisible(yearly)
        self.year.setVisible(yearly)
        for w in (self.from_label, self.start, self.to_label, self.end):
            w.setVisible(k == "range")

    def set_period(self, p: Period | None) -> None:
        """Show a period (None: every period)."""
        widgets = (self.kind, self.part, self.year, self.start, self.end)
        for w in widgets:
            w.blockSignals(True)
        key = "all" if p is None else p.kind
        self.kind.setCurrentIndex(self.kind.findData(key))
        self._update_parts()
        if p is not None:
            self.year.setValue(p.start.year)
            if p.kind == "month":
                self.part.setCurrentIndex(p.start.month - 1)
            elif p.kind == "quarter":
                self.part.setCurrentIndex((p.start.month - 1) // 3)
            elif p.kind == "half":
                self.part.setCurrentIndex(0 if p.start.month == 1 else 1)
            elif p.kind == "range":
                self.start.set_value(p.start)
                self.end.set_value(p.end)
        for w in widgets:
            w.blockSignals(False)
        self.changed.emit()

    def period(self) -> Period | None:
        """The chosen period (None: every period; a reversed range is read the right way round)."""
        k = self.kind.currentData()
        y = self.year.value()
        part = self.part.currentData()
        match k:
            case "month":
                return Period.month(y, int(part))
            case "quarter":
                return Period.quarter(y, int(part))
            case "half":
                return Period.half(y, int(part))
            case "nine_months":
                return Period.nine_months(y)
            case "year":
                return Period.year(y)
            case "range":
                a = self.start.value() or dt.date(y, 1, 1)  # a box left half-typed keeps its year's bounds
                b = self.end.value() or dt.date(y, 12, 31)
                return Period.range(min(a, b), max(a, b))
        return None


class RecordTableView(QTableView):
    """A record list: Enter opens the selected record, Delete deletes it."""

    openRequested = Signal()
    deleteRequested = Signal()

    def keyPressEvent(self, e: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Enter and Delete act on the selected row; other keys move as usual."""
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and e.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.openRequested.emit()
            return
        if e.key() == Qt.Key.Key_Delete and e.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.deleteRequested.emit()
            return
        super().keyPressEvent(e)


def period_like(p: Period | None, d: dt.date) -> Period:
    """The period of the same kind as p that holds day d (a year when p is a range or every period)."""
    kind = p.kind if p is not None else "year"
    match kind:
        case "month":
            return Period.month(d.year, d.month)
        case "quarter":
            return Period.quarter(d.year, (d.month - 1) // 3 + 1)
        case "half":
            return Period.half(d.year, 1 if d.month <= 6 else 2)
        case "nine_months" if d.month <= 9:
            return Period.nine_months(d.year)
    return Period.year(d.year)


def in_scope(ctx: Any, unit_code: str, scope: str | None) -> bool:
    """Whether a unit lies in the subtree of `scope` (None: the whole office)."""
    if scope is None:
        return True
    parents = {u.key: u.parent_key for u in ctx.units}
    code: str | None = unit_code
    while code is not None:
        if code == scope:
            return True
        code = parents.get(code)
    return False


class RecordListPage(QWidget):
    """The list of one record kind, with its count; double-click or Enter opens the form.

    After a save the record is selected; if the filters hide it, a notice says where it went and offers to
    show it (revealRequested: the window moves its period and unit filters).
    """

    countChanged = Signal(str)
    revealRequested = Signal(object)  # a Record the window should bring into view

    def __init__(self, ctx: Any, kind_key: str, parent: QWidget | None = None, *, heading: bool = True) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kind = get_kind(kind_key)
        self.kind_key = kind_key
        self.editable = can_edit(ctx.actor)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        if heading:
            title = QLabel(self.kind.plural)
            title.setStyleSheet(HEADING_STYLE)
            lay.addWidget(title)
        self.info = QLabel()
        self.info.setStyleSheet("color: #444;")
        lay.addWidget(self.info)
        self.filter_bar = ListFilterBar(self.kind)
        self.filter_bar.changed.connect(self._bar_changed)
        lay.addWidget(self.filter_bar)
        self.notice = NoticeBar()
        self.notice.actionRequested.connect(self._reveal_hidden)
        lay.addWidget(self.notice)
        self._hidden: Record | None = None
        self.model: RecordTableModel = TABLE_MODELS[kind_key](ctx, self)
        self.view = RecordTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        vh = self.view.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 10)
        hh = self.view.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(True)
        hh.setSortIndicatorShown(True)
        hh.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        for i, w in enumerate(self.model.WIDTHS):
            self.view.setColumnWidth(i, w)
        self.view.doubleClicked.connect(lambda _i: self.open_selected())
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.openRequested.connect(self.open_selected)
        self.view.deleteRequested.connect(self.delete_selected)
        lay.addWidget(self.view, 1)
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #555; font-size: 11pt; padding: 12px;")
        self.empty.setWordWrap(True)
        self.empty.setVisible(False)
        lay.addWidget(self.empty)
        self.model.totalChanged.connect(self._total_changed)
        self.ctx.recordsChanged.connect(self._records_changed)
        self._filters: tuple[str | None, Period | None, str] = (None, None, "")
        self.last_dialog: RecordForm | None = None

    # -- filters ------------------------------------------------------------------------------------------

    def apply_filters(self, unit_code: str | None, period: Period | None, search: str) -> None:
        """Show the records of a unit subtree, in a period, matching search words (marks optional)."""
        if self._filters == (unit_code, period, search) and self.model.is_loaded:
            return
        self._filters = (unit_code, period, search)
        self._requery()

    def query(self) -> RecordQuery:
        """What the list shows now: the window's unit, period and search, and this page's filter bar."""
        unit_code, period, search = self._filters
        q = self.model.query
        bar = self.filter_bar
        return RecordQuery(unit_code=unit_code, period=period, search=search, sort=q.sort if q else None,
                           descending=q.descending if q else False, filters=bar.filters(),
                           overdue_at=dt.date.today() if bar.overdue_only() else None)

    def _bar_changed(self) -> None:
        self._requery()

    def _requery(self) -> None:
        unit_code, period, search = self._filters
        self.model.set_query(self.query())
        scope = self.ctx.unit_name(unit_code) if unit_code else self.ctx.home.name
        if self.kind.event_field is None:
            when = "mọi thời gian (danh sách không phụ thuộc kỳ báo cáo)"
        else:
            when = period.label_vi if period else "tất cả các kỳ"
        narrowed = self.filter_bar.describe()
        self.info.setText(f"{scope} · {when}" + (f" · tìm “{search}”" if search else "")
                          + (f" · {narrowed}" if narrowed else ""))

    def show_filtered(self, filters: dict[str, Any], *, overdue: bool = False) -> None:
        """Narrow the list by its filter bar (the overview's cards open lists this way)."""
        self.filter_bar.set_filters(filters, overdue=overdue)

    def _records_changed(self, kind_key: str) -> None:
        if kind_key == self.kind_key and self.model.query is not None and self.model.is_loaded:
            self.model.reload()

    def _total_changed(self, total: int) -> None:
        self.empty.setVisible(total == 0)
        if total == 0:
            what = NOUNS[self.kind_key]
            if self.filter_bar.active():
                self.empty.setText(f"Không có {what} nào khớp bộ lọc ({self.filter_bar.describe()}). "
                                   "Nhấn “Bỏ lọc” để xem tất cả.")
            elif self._filters[2]:
                self.empty.setText(f"Không tìm thấy {what} nào có “{self._filters[2]}”. "
                                   "Hãy thử bớt từ tìm kiếm hoặc chọn kỳ khác.")
            elif self.editable:
                self.empty.setText(f"Chưa có {what} nào. Nhấn “Thêm mới” (Ctrl+N) để nhập.")
            else:
                self.empty.setText(f"Chưa có {what} nào.")
        self.countChanged.emit(self.count_text())

    def count_text(self) -> str:
        """"1.234 hội nghị" for the status bar."""
        if not self.model.is_loaded:
            return "Đang tải…"
        return f"{fmt_int(self.model.total)} {NOUNS[self.kind_key]}"

    # -- actions ------------------------------------------------------------------------------------------

    def selected_record(self) -> Record | None:
        """The record on the selected row (if loaded)."""
        idx = self.view.selectionModel().currentIndex()
        if not idx.isValid() or not self.view.selectionModel().isRowSelected(idx.row(), idx.parent()):
            return None
        return self.model.record(idx.row())

    def _forget_last_dialog(self) -> None:
        # Closed forms are kept only until the next one opens (tests read them), then freed.
        old = self.last_dialog
        if old is not None and not old.isVisible():
            old.deleteLater()
        self.last_dialog = None

    def new_record(self, preset: dict[str, Any] | None = None) -> RecordForm | None:
        """Open an empty form (unit: the one chosen in the unit filter)."""
        if not self.editable:
            return None
        self._forget_last_dialog()
        dlg = RecordForm(self.ctx, self.kind_key, None, self, preset=preset, unit_code=self._filters[0])
        dlg.saved.connect(self._select_saved)
        self.last_dialog = dlg
        dlg.open()
        return dlg

    def open_selected(self) -> RecordForm | None:
        """Open the selected record's form (read-only for accounts that may not edit)."""
        rec = self.selected_record()
        if rec is None:
            return None
        self._forget_last_dialog()
        dlg = RecordForm(self.ctx, self.kind_key, rec, self,
                         read_only=not self.editable or edit_refusal(self.ctx, rec) is not None)
        dlg.saved.connect(self._select_saved)
        self.last_dialog = dlg
        dlg.open()
        return dlg

    def delete_selected(self) -> None:
        """Delete the selected record after asking."""
        rec = self.selected_record()
        if rec is not None and self.editable:
            refusal = edit_refusal(self.ctx, rec)
            if refusal is not None:
                inform(self, refusal)
                return
            confirm_and_delete(self.ctx, self, rec)

    def show_history(self) -> QWidget | None:
        """Who changed the selected record, when, and which field from what to what."""
        from danvan_desktop.ui.audit_page import HistoryDialog

        rec = self.selected_record()
        if rec is None:
            return None
        self._forget_last_dialog()
        dlg = HistoryDialog(self.ctx, self.kind_key, rec.id, rec.title, self)
        dlg.open()
        self.history_dialog = dlg
        return dlg

    def _select_saved(self, rec: Record) -> None:
        """After a save: say so, and select the record; if the list's filters hide it, say where it went."""
        from danvan_desktop.services.records import list_records

        ctx, q = self.ctx, self.query()
        probe = RecordQuery(unit_code=q.unit_code, period=q.period, search=q.search,
                            filters={**q.filters, "id": rec.id}, overdue_at=q.overdue_at, limit=1)
        ctx.runner.run(lambda: list_records(ctx.db, ctx.actor, self.kind_key, probe).total,
                       lambda n: self._saved_shown(rec, n > 0), owner=self, label="Đang tải danh sách…")

    def _saved_shown(self, rec: Record, shown: bool) -> None:
        what = NOUNS[self.kind_key]
        title = rec.title if len(rec.title) <= 80 else rec.title[:79] + "…"
        when = rec.values.get(self.kind.event_field) if self.kind.event_field else None
        day = f" ngày {fmt_date(when)}" if isinstance(when, dt.date) else ""
        head = f"Đã lưu {what} “{title}”{day} ({rec.unit_name})."
        if shown:
            self._hidden = None
            self.notice.say(head)
            self.select_when_loaded(rec.id)
            return
        self._hidden = rec
        self.notice.say(f"{head} Bản ghi không hiện trong danh sách này vì {self._why_hidden(rec)}.",
                        "Hiện bản ghi vừa lưu", warning=True)

    def _why_hidden(self, rec: Record) -> str:
        unit_code, period, search = self._filters
        when = rec.values.get(self.kind.event_field) if self.kind.event_field else None
        reasons = []
        if period is not None and isinstance(when, dt.date) and not period.contains(when):
            reasons.append(f"ngày của nó nằm ngoài kỳ đang xem ({period.label_vi})")
        if unit_code and not in_scope(self.ctx, rec.unit_code, unit_code):
            reasons.append(f"nó thuộc “{rec.unit_name}”, ngoài đơn vị đang chọn ({self.ctx.unit_name(unit_code)})")
        if search:
            reasons.append(f"danh sách đang tìm “{search}”")
        if self.filter_bar.active():
            reasons.append(f"danh sách đang lọc ({self.filter_bar.describe()})")
        return "; ".join(reasons) or "bộ lọc của danh sách"

    def _reveal_hidden(self) -> None:
        if self._hidden is not None:
            rec = self._hidden
            self._hidden = None
            self.notice.hide()
            self.filter_bar.blockSignals(True)
            self.filter_bar.clear()
            self.filter_bar.blockSignals(False)
            self.revealRequested.emit(rec)

    def select_when_loaded(self, record_id: str) -> None:
        """Select a record's row as soon as the list shows it (now, or after the reload under way)."""
        def select(_total: int = 0) -> None:
            row = self.model.row_of(record_id)
            if row >= 0:
                self.view.selectRow(row)
                self.view.scrollTo(self.model.index(row, 0))

        if self.model.is_loaded and self.model.row_of(record_id) >= 0:
            select()
            return

        def once(total: int) -> None:
            self.model.totalChanged.disconnect(once)
            select(total)

        self.model.totalChanged.connect(once)

    def _menu(self, pos: Any) -> None:
        menu = QMenu(self)
        if self.editable:
            menu.addAction("Thêm mới…", self.new_record)
        rec = self.selected_record()
        if rec is not None:
            changeable = self.editable and edit_refusal(self.ctx, rec) is None
            menu.addAction("Sửa…" if changeable else "Xem…", self.open_selected)
            if changeable:
                menu.addAction("Xóa…", self.delete_selected)
            menu.addAction("Lịch sử thay đổi…", self.show_history)
        if not menu.isEmpty():
            menu.exec(self.view.viewport().mapToGlobal(pos))


class ReligionPage(QWidget):
    """Religious sites and checks in two tabs (only for accounts allowed to see them)."""

    countChanged = Signal(str)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Công tác tôn giáo")
        title.setStyleSheet(HEADING_STYLE)
        lay.addWidget(title)
        note = QLabel("Thông tin về tín ngưỡng, tôn giáo là dữ liệu cá nhân nhạy cảm: chỉ tài khoản được cấp "
                      "quyền mới xem được.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #7a4b00;")
        lay.addWidget(note)
        self.tabs = QTabWidget()
        self.sites = RecordListPage(ctx, "religious_site", heading=False)
        self.checks = RecordListPage(ctx, "religious_check", heading=False)
        self.tabs.addTab(self.sites, "Điểm nhóm, cơ sở tôn giáo")
        self.tabs.addTab(self.checks, "Kiểm tra, nắm tình hình tôn giáo")
        lay.addWidget(self.tabs, 1)
        for p in (self.sites, self.checks):
            p.countChanged.connect(lambda _t: self.countChanged.emit(self.count_text()))
        self.tabs.currentChanged.connect(lambda _i: self.countChanged.emit(self.count_text()))

    def current(self) -> RecordListPage:
        """The list in the open tab."""
        w = self.tabs.currentWidget()
        assert isinstance(w, RecordListPage)
        return w

    def apply_filters(self, unit_code: str | None, period: Period | None, search: str) -> None:
        """Filter both lists."""
        self.sites.apply_filters(unit_code, period, search)
        self.checks.apply_filters(unit_code, period, search)

    def count_text(self) -> str:
        """Counts of the open tab."""
        return self.current().count_text()


class FeaturePage(QWidget):
    """The frame of a screen whose function comes with another part of the program (merge, reports).

    `plug(widget)` puts the real screen in place of the note; the heading and frame stay.
    """

    def __init__(self, title: str, note: str, planned: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        heading = QLabel(title)
        heading.setStyleSheet(HEADING_STYLE)
        lay.addWidget(heading)
        self.body = QVBoxLayout()
        lay.addLayout(self.body, 1)
        self.placeholder = QFrame()
        self.placeholder.setFrameShape(QFrame.Shape.StyledPanel)
        pl = QVBoxLayout(self.placeholder)
        text = QLabel(note)
        text.setWordWrap(True)
        text.setStyleSheet("font-size: 11pt;")
        pl.addWidget(text)
        self.buttons: list[QPushButton] = []
        row = QHBoxLayout()
        for label in planned:
            b = QPushButton(label)
            b.setEnabled(False)
            b.setToolTip("Chức năng này sẽ có trong bản cập nhật tới.")
            row.addWidget(b)
            self.buttons.append(b)
        row.addStretch(1)
        pl.addLayout(row)
        pl.addStretch(1)
        self.body.addWidget(self.placeholder, 1)
        self.content: QWidget | None = None

    @property
    def plugged(self) -> bool:
        """Whether the real screen is in place."""
        return self.content is not None

    def apply_filters(self, unit_code: str | None, period: Period | None, search: str) -> None:
        """Pass the window's filters on to the real screen, if it takes them."""
        if self.content is not None and hasattr(self.content, "apply_filters"):
            self.content.apply_filters(unit_code, period, search)

    def plug(self, widget: QWidget) -> None:
        """Replace the note with the real screen."""
        if self.content is not None:
            self.body.removeWidget(self.content)
            self.content.deleteLater()
        self.placeholder.setVisible(False)
        self.content = widget
        self.body.addWidget(widget, 1)
