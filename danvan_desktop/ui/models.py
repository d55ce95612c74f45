"""Table models over service results: one `<Noun>TableModel` per record kind, accounts and indicators.

Record lists load lazily in pages of PAGE_SIZE rows through the background runner. The model reports
the whole list's length (the service counts it with the first page), so the scroll bar is true from the
start and jumping to the end loads only the last page; rows not loaded yet show "Đang tải…" until their
page arrives. Only the pages a view asks for are fetched, and far-away pages are forgotten again.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor

from danvan_desktop.domain.fields import FieldType
from danvan_desktop.domain.indicators import GROUPS, INDICATORS
from danvan_desktop.domain.kinds import ENVELOPE_LABELS, kind
from danvan_desktop.domain.vnformat import fmt_change, fmt_date, fmt_int
from danvan_desktop.services.accounts import AccountInfo
from danvan_desktop.services.records import Record, RecordPage, RecordQuery, list_records
from danvan_desktop.ui.table_models import RowsModel

PAGE_SIZE = 200
MAX_PAGES = 40  # pages kept in memory (8,000 rows); the view needs only the ones on screen
LOADING = "Đang tải…"

Index = QModelIndex | QPersistentModelIndex


def cell_text(kind_key: str, column: str, rec: Record) -> str:
    """A record's value for one column as the list shows it."""
    if column == "unit":
        return rec.unit_name
    f = kind(kind_key).field(column)
    v = rec.values.get(column)
    if v is None or v == "":
        return ""
    if f.type is FieldType.ENUM:
        assert f.vocab is not None
        return f.vocab.label(str(v))
    if f.type is FieldType.DATE and isinstance(v, dt.date):
        return fmt_date(v)
    if f.type is FieldType.INT and isinstance(v, int):
        return fmt_int(v)
    if f.type is FieldType.BOOL:
        return "Có" if v else "Không"
    text = str(v)
    first = text.split("\n", 1)[0]
    return first if len(first) <= 160 else first[:159] + "…"


class RecordTableModel(QAbstractTableModel):
    """The records of one kind matching a query, loaded page by page in the background."""

    KIND = ""
    COLUMNS: tuple[str, ...] = ()
    WIDTHS: tuple[int, ...] = ()

    totalChanged = Signal(int)  # the list's length, once known
    loadingChanged = Signal(bool)

    def __init__(self, ctx: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._kind = kind(self.KIND)
        self._query = RecordQuery(limit=PAGE_SIZE)
        self._pages: OrderedDict[int, list[Record]] = OrderedDict()
        self._total = 0
        self._generation = 0
        self._inflight: int | None = None
        self._wanted: list[int] = []
        self._started = False
        self.is_loaded = False  # the first page of the current query has arrived

    # -- query --------------------------------------------------------------------------------------------

    @property
    def query(self) -> RecordQuery:
        """The query the list shows."""
        return self._query

    @property
    def total(self) -> int:
        """How many records match (all pages)."""
        return self._total

    def set_query(self, q: RecordQuery) -> None:
        """Show another query (unit, period, search, order): the list starts again from its first page."""
        self._query = replace(q, offset=0, limit=PAGE_SIZE)
        self.reload()

    def reload(self) -> None:
        """Fetch the list again (after a save, or when a filter changed)."""
        self._generation += 1
        self._inflight = None
        self._wanted = [0]
        self._started = True
        self.is_loaded = False
        self.beginResetModel()
        self._pages.clear()
        self._total = 0
        self.endResetModel()
        self._pump()

    def _pump(self) -> None:
        if self._inflight is not None or not self._wanted:
            return
        page = self._wanted.pop()
        # Only the latest few asks matter: pages scrolled past meanwhile are asked for again if they come back.
        del self._wanted[:-2]
        if page in self._pages:
            return
        self._inflight = page
        gen = self._generation
        ctx, key = self._ctx, self.KIND
        q = replace(self._query, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
        self.loadingChanged.emit(True)
        ctx.runner.run(lambda: list_records(ctx.db, ctx.actor, key, q),
                       lambda result: self._arrived(gen, page, result),
                       lambda failure: self._failed(gen, failure),
                       owner=self, label=f"Đang tải {self._kind.plural.lower()}…")

    def _failed(self, gen: int, failure: Any) -> None:
        if gen != self._generation:
            return
        self._inflight = None
        self.loadingChanged.emit(False)
        self.is_loaded = True
        handler = self._ctx.runner.default_error
        if handler is not None:
            handler(failure)

    def _arrived(self, gen: int, page: int, result: RecordPage) -> None:
        if gen != self._generation:
            return
        self._inflight = None
        if result.total != self._total or not self.is_loaded:
            # First page, or the list changed length meanwhile: start the view afresh around this page.
            self.beginResetModel()
            self._pages.clear()
            self._pages[page] = result.rows
            self._total = result.total
            self.endResetModel()
            self.is_loaded = True
            self.totalChanged.emit(self._total)
        else:
            self._pages[page] = result.rows
            self._pages.move_to_end(page)
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
            first = page * PAGE_SIZE
            last = min(first + len(result.rows), self._total) - 1
            if last >= first:
                self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))
        self.loadingChanged.emit(bool(self._wanted))
        QTimer.singleShot(0, self._pump)

    def _want(self, page: int) -> None:
        if page == self._inflight or (self._wanted and self._wanted[-1] == page):
            return
        if page in self._wanted:
            self._wanted.remove(page)
        self._wanted.append(page)
        if self._inflight is None:
            QTimer.singleShot(0, self._pump)  # never emit signals from inside data()

    def record(self, row: int) -> Record | None:
        """The record on a row, if its page is loaded."""
        rows = self._pages.get(row // PAGE_SIZE)
        if rows is None:
            return None
        i = row % PAGE_SIZE
        return rows[i] if i < len(rows) else None

    def row_of(self, record_id: str) -> int:
        """The row of a loaded record (-1 if not loaded)."""
        for page, rows in self._pages.items():
            for i, r in enumerate(rows):
                if r.id == record_id:
                    return page * PAGE_SIZE + i
        return -1

    def loaded_rows(self) -> int:
        """How many rows are in memory."""
        return sum(len(r) for r in self._pages.values())

    # -- Qt model -----------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt's API
        """Rows of the whole list."""
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        """One column per listed field."""
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Vietnamese labels from the field declarations."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            key = self.COLUMNS[section]
            return ENVELOPE_LABELS["unit"] if key == "unit" else self._kind.field(key).label
        return None

    def _is_number(self, column: str) -> bool:
        return column != "unit" and self._kind.field(column).type is FieldType.INT

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, tooltip and alignment; rows not loaded yet ask for their page."""
        if not index.isValid() or index.row() >= self._total or index.column() >= len(self.COLUMNS):
            return None
        column = self.COLUMNS[index.column()]
        rec = self.record(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            if rec is None:
                self._want(index.row() // PAGE_SIZE)
                return LOADING if index.column() == 0 else ""
            return cell_text(self.KIND, column, rec)
        if role == Qt.ItemDataRole.ToolTipRole and rec is not None:
            if column != "unit" and self._kind.field(column).type is FieldType.LONGTEXT:
                v = rec.values.get(column)
                return str(v) if v else None
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and self._is_number(column):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and rec is None:
            return QBrush(QColor("#888888"))
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (the service orders texts the Vietnamese way); -1 = newest first."""
        if 0 <= column < len(self.COLUMNS):
            q = replace(self._query, sort=self.COLUMNS[column],
                        descending=order == Qt.SortOrder.DescendingOrder)
        else:
            q = replace(self._query, sort=None, descending=False)
        if q == self._query and self._started:
            return
        self._query = q
        if self._started:
            self.reload()


class MeetingTableModel(RecordTableModel):
    """Hội nghị, tiếp xúc, đối thoại."""

    KIND = "meeting"
    COLUMNS = ("date", "kind", "title", "unit", "location", "organizer", "participants")
    COL_DATE, COL_KIND, COL_TITLE, COL_UNIT, COL_LOCATION, COL_ORGANIZER, COL_PARTICIPANTS = range(7)
    WIDTHS = (90, 165, 300, 140, 130, 130, 130)


class PetitionTableModel(RecordTableModel):
    """Ý kiến, kiến nghị."""

    KIND = "petition"
    COLUMNS = ("received_date", "type", "content", "field", "unit", "status", "deadline")
    COL_RECEIVED, COL_TYPE, COL_CONTENT, COL_FIELD, COL_UNIT, COL_STATUS, COL_DEADLINE = range(7)
    WIDTHS = (105, 75, 330, 160, 130, 170, 100)


class MonitoringTableModel(RecordTableModel):
    """Giám sát, kiểm tra, khảo sát, nắm tình hình."""

    KIND = "monitoring"
    COLUMNS = ("start_date", "kind", "topic", "lead_body", "unit", "follow_up")
    COL_START, COL_KIND, COL_TOPIC, COL_LEAD_BODY, COL_UNIT, COL_FOLLOW_UP = range(6)
    WIDTHS = (90, 150, 380, 150, 150, 150)


class ReligiousSiteTableModel(RecordTableModel):
    """Điểm nhóm, cơ sở tôn giáo."""

    KIND = "religious_site"
    COLUMNS = ("name", "religion", "unit", "registration", "leader", "followers", "households")
    COL_NAME, COL_RELIGION, COL_UNIT, COL_REGISTRATION, COL_LEADER, COL_FOLLOWERS, COL_HOUSEHOLDS = range(7)
    WIDTHS = (250, 150, 140, 220, 150, 80, 70)


class ReligiousCheckTableModel(RecordTableModel):
    """Kiểm tra, nắm tình hình tôn giáo."""

    KIND = "religious_check"
    COLUMNS = ("date", "content", "checking_body", "unit", "result")
    COL_DATE, COL_CONTENT, COL_CHECKING_BODY, COL_UNIT, COL_RESULT = range(5)
    WIDTHS = (105, 420, 190, 150, 140)


class ExemplaryModelTableModel(RecordTableModel):
    """Mô hình, điển hình “Dân vận khéo”."""

    KIND = "model"
    COLUMNS = ("registered_date", "registrant_kind", "registrant", "name", "field", "unit", "status", "award")
    (COL_REGISTERED, COL_REGISTRANT_KIND, COL_REGISTRANT, COL_NAME, COL_FIELD, COL_UNIT, COL_STATUS,
     COL_AWARD) = range(8)
    WIDTHS = (100, 75, 160, 240, 140, 120, 170, 150)


TABLE_MODELS: dict[str, type[RecordTableModel]] = {
    m.KIND: m for m in (MeetingTableModel, PetitionTableModel, MonitoringTableModel, ReligiousSiteTableModel,
                        ReligiousCheckTableModel, ExemplaryModelTableModel)
}


class AccountTableModel(RowsModel):
    """The office's accounts (admin screen)."""

    HEADERS = ("Tên đăng nhập", "Họ và tên", "Vai trò", "Xem dữ liệu tôn giáo", "Trạng thái")
    COL_USERNAME, COL_FULL_NAME, COL_ROLE, COL_RELIGION, COL_ACTIVE = range(5)

    def account(self, row: int) -> AccountInfo | None:
        """The account on a row."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell texts."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        a = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (a.username, a.full_name, a.role_label, "Có" if a.religion_access else "Không",
                    "Đang hoạt động" if a.active else "Đã khóa")[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and not a.active:
            return QBrush(QColor("#888888"))
        return None


class IndicatorTableModel(RowsModel):
    """Every indicator of SPEC §4: this period, the same period a year earlier, and the change."""

    HEADERS = ("Chỉ tiêu", "Kỳ này", "Cùng kỳ năm trước", "Tăng, giảm")
    COL_LABEL, COL_CURRENT, COL_PREVIOUS, COL_CHANGE = range(4)
    comparable = True

    def set_figures(self, current: dict[str, int], previous: dict[str, int], *, religion: bool,
                    comparable: bool = True) -> None:
        """Show a summary's two columns; group titles become heading rows.

        Without data for the same period a year earlier (`comparable` false) the last two columns stay empty:
        an increase against nothing is not an increase.
        """
        self.comparable = comparable
        rows: list[tuple[str, str, int | None, int | None]] = []
        group = ""
        for ind in INDICATORS:
            if ind.group.startswith("religious") and not religion:
                continue
            if ind.group != group:
                group = ind.group
                rows.append(("", GROUPS[group], None, None))
            rows.append((ind.key, ind.label, current.get(ind.key, 0), previous.get(ind.key, 0)))
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Figures in Vietnamese number format."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        key, label, cur, prev = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_LABEL:
                return label
            if cur is None or prev is None:
                return ""
            if col == self.COL_CURRENT:
                return fmt_int(cur)
            if not self.comparable:
                return ""
            if col == self.COL_PREVIOUS:
                return fmt_int(prev)
            return fmt_change(cur - prev)
        if role == Qt.ItemDataRole.TextAlignmentRole and col != self.COL_LABEL:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and not key:
            from PySide6.QtGui import QFont

            f = QFont()
            f.setBold(True)
            return f
        return None
