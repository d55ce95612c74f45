"""Nhật ký: the audit log with filters and its integrity check; a record's history (who changed which field)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.domain.fields import FieldType
from danvan_desktop.domain.kinds import ENVELOPE_LABELS, KIND_BY_KEY, KINDS
from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.vnformat import fmt_date, fmt_int
from danvan_desktop.domain.vocab import ROLE
from danvan_desktop.services.audit import AuditRow
from danvan_desktop.services.history import ACTION_LABELS, Change
from danvan_desktop.ui.i18n import show_failure
from danvan_desktop.ui.pages import HEADING_STYLE
from danvan_desktop.ui.table_models import RowsModel
from danvan_desktop.ui.tasks import TaskFailure
from danvan_desktop.ui.widgets import DateField

Index = QModelIndex | QPersistentModelIndex

# Actions written by parts of the program that services.history.ACTION_LABELS does not name (yet).
MORE_ACTION_LABELS = {"conflict": "Xung đột khi tổng hợp", "undo_import": "Hoàn tác nhập gói",
                      "accept_key": "Chấp nhận khóa mới"}
OTHER_KINDS = {"account": "Tài khoản", "unit": "Đơn vị", "package": "Gói dữ liệu", "report": "Báo cáo",
               "template": "Mẫu nhập liệu"}
ACCOUNT_FIELDS = {"role": "vai trò", "active": "trạng thái", "religion_access": "quyền xem tôn giáo",
                  "password": "mật khẩu", "full_name": "họ tên"}
SETTING_NAMES = {"report": "mẫu báo cáo", "backup_dir": "thư mục sao lưu", "backup_keep": "số bản sao lưu giữ lại",
                 "home_unit": "đơn vị gốc"}
EMPTY = "(trống)"


def action_label(action: str) -> str:
    """Vietnamese name of an audit action."""
    return ACTION_LABELS.get(action) or MORE_ACTION_LABELS.get(action) or action


def kind_label(kind: str) -> str:
    """Vietnamese name of what an audit entry is about ('' for the whole database)."""
    k = KIND_BY_KEY.get(kind)
    return k.label if k is not None else OTHER_KINDS.get(kind, kind)


def local_time(at: dt.datetime) -> dt.datetime:
    """A stored time (naive UTC) in the computer's time zone."""
    return at.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)


def fmt_moment(at: dt.datetime) -> str:
    """"05/06/2026 14:03:21" in local time."""
    return local_time(at).strftime("%d/%m/%Y %H:%M:%S")


def _period_label(code: Any) -> str:
    from danvan_desktop.domain.periods import parse_period

    try:
        return parse_period(str(code)).label_vi
    except ValueError:
        return str(code)


def describe(row: AuditRow) -> str:
    """One line in Vietnamese saying what an audit entry did."""
    d, action = row.detail, row.action
    k = KIND_BY_KEY.get(row.kind)
    if k is not None:
        if action == "update" and isinstance(d.get("changes"), dict):
            return "Sửa: " + ", ".join(_field_label(k.key, key) for key in d["changes"])
        values = d.get("after") or d.get("before")
        if isinstance(values, dict):
            return str(values.get(k.title_field) or "")
        return ""
    if row.kind == "account":
        if action == "create":
            return f"Tài khoản “{row.record_id}”, vai trò {ROLE.label(str(d.get('role', '')))}"
        return f"Tài khoản “{row.record_id}”: đổi " + ", ".join(ACCOUNT_FIELDS.get(x, x) for x in d)
    if row.kind == "unit":
        if isinstance(d.get("name"), list):
            old, new = d["name"]
            return f"Đổi tên đơn vị: “{old}” thành “{new}”"
        return f"Đơn vị “{d.get('name', row.record_id)}”"
    parts: list[str] = []
    if action == "export" and row.kind == "report":
        parts.append(f"Báo cáo PDF {_period_label(d.get('period', ''))}")
    elif action == "export" and row.kind == "package":
        counts = d.get("counts") or {}
        total = sum(v for v in counts.values() if isinstance(v, int)) if isinstance(counts, dict) else 0
        parts.append(f"Gói dữ liệu {_period_label(d.get('period', ''))}, {fmt_int(total)} bản ghi")
    elif action == "settings":
        parts.append("Mục: " + ", ".join(SETTING_NAMES.get(x, x) for x in d.get("keys", [])))
    elif action == "restore":
        parts.append(f"Từ tệp “{d.get('from', '')}”; dữ liệu trước khi khôi phục giữ ở “{d.get('safety_copy', '')}”")
    if "file" in d:
        parts.append(f"tệp “{d['file']}”")
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def _field_label(kind_key: str, key: str) -> str:
    k = KIND_BY_KEY[kind_key]
    return k.field(key).label if key in k.keys else ENVELOPE_LABELS.get(key, key)


def value_text(kind_key: str, field_label: str, value: Any, unit_name: Any = None) -> str:
    """A value of a record's history as the form shows it (labels for lists, dd/mm/yyyy dates, Có/Không)."""
    if value is None or value == "":
        return EMPTY
    k = KIND_BY_KEY.get(kind_key)
    f = next((f for f in k.fields if f.label == field_label), None) if k is not None else None
    if f is None:
        if field_label == ENVELOPE_LABELS["unit"] and unit_name is not None:
            return unit_name(str(value)) or str(value)
        return str(value)
    if f.type == FieldType.ENUM and f.vocab is not None:
        return f.vocab.label(str(value))
    if f.type == FieldType.BOOL:
        return "Có" if value else "Không"
    if f.type == FieldType.DATE:
        try:
            return fmt_date(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if f.type == FieldType.UNITS and unit_name is not None:
        return "; ".join(unit_name(c) or c for c in str(value).split(";") if c)
    if f.type == FieldType.INT and isinstance(value, int):
        return fmt_int(value)
    return str(value)


RowsTableModel = RowsModel  # the shared base (ui/table_models.py)


class AuditTableModel(RowsTableModel):
    """Audit entries, newest first."""

    HEADERS = ("Thời gian", "Người dùng", "Thao tác", "Đối tượng", "Nội dung")
    COL_AT, COL_USER, COL_ACTION, COL_KIND, COL_DETAIL = range(5)

    def cells(self, r: AuditRow) -> tuple[str, ...]:
        """Time, user, action, kind and what was done."""
        return (fmt_moment(r.at), r.username, action_label(r.action), kind_label(r.kind), describe(r))


class HistoryTableModel(RowsTableModel):
    """A record's changes, oldest first, one row per changed field."""

    HEADERS = ("Thời gian", "Người thực hiện", "Thao tác", "Mục", "Giá trị cũ", "Giá trị mới")
    COL_AT, COL_USER, COL_ACTION, COL_FIELD, COL_BEFORE, COL_AFTER = range(6)

    def __init__(self, kind_key: str, unit_name: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.kind_key = kind_key
        self.unit_name = unit_name

    def cells(self, c: Change) -> tuple[str, ...]:
        """Time, who, action, field, before and after."""
        if not c.field:
            return (fmt_moment(c.at), c.username, action_label(c.action), "(cả bản ghi)", "", "")
        return (fmt_moment(c.at), c.username, action_label(c.action), c.field,
                value_text(self.kind_key, c.field, c.before, self.unit_name),
                value_text(self.kind_key, c.field, c.after, self.unit_name))


def make_table(model: QAbstractTableModel, widths: tuple[int, ...]) -> QTableView:
    """A read-only list view: whole rows selected, long texts elided, the last column stretched."""
    view = QTableView()
    view.setModel(model)
    view.verticalHeader().setVisible(False)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    hh = view.horizontalHeader()
    hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    hh.setStretchLastSection(True)
    for i, w in enumerate(widths):
        view.setColumnWidth(i, w)
    return view


class HistoryDialog(QDialog):
    """Lịch sử thay đổi of one record: who, when, which field, from what to what."""

    def __init__(self, ctx: Any, kind_key: str, record_id: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.is_loaded = False
        k = KIND_BY_KEY[kind_key]
        self.setWindowTitle(f"Lịch sử thay đổi – {k.label}")
        lay = QVBoxLayout(self)
        self._what = k.label[0].lower() + k.label[1:]
        self.head = QLabel(f"Lịch sử thay đổi: {self._what} “{title}”" if title else
                           f"Lịch sử thay đổi: {self._what}")
        self.head.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.head.setWordWrap(True)
        lay.addWidget(self.head)
        self.info = QLabel("Đang tải…")
        self.info.setStyleSheet("color: #444;")
        lay.addWidget(self.info)
        self.model = HistoryTableModel(kind_key, ctx.unit_name, self)
        self.view = make_table(self.model, (150, 130, 80, 170, 200, 200))
        lay.addWidget(self.view, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        close = QPushButton("Đóng")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        row.addWidget(close)
        lay.addLayout(row)
        self.resize(1000, 480)
        from danvan_desktop.services.history import record_history
        from danvan_desktop.services.records import get_record

        def fetch() -> tuple[list[Change], str]:
            changes = record_history(ctx.db, ctx.actor, kind_key, record_id)
            name = title
            if not name:
                try:
                    name = get_record(ctx.db, ctx.actor, kind_key, record_id).title
                except Exception:  # noqa: BLE001 - only the heading's name; the history is what matters
                    name = ""
            return changes, name

        ctx.runner.run(fetch, self._loaded, self._failed, owner=self, label="Đang tải lịch sử…")

    def _loaded(self, result: tuple[list[Change], str]) -> None:
        changes, name = result
        if name:
            self.head.setText(f"Lịch sử thay đổi: {self._what} “{name}”")
        self.model.set_rows(changes)
        self.is_loaded = True
        edits = sum(1 for c in changes if c.field)
        self.info.setText(f"{fmt_int(len(changes))} dòng, trong đó {fmt_int(edits)} lần sửa một mục. Thời gian theo "
                          "giờ của máy tính." if changes else "Chưa có thay đổi nào được ghi lại.")

    def _failed(self, f: TaskFailure) -> None:
        self.info.setText("Không tải được lịch sử.")
        show_failure(self, f)


class AuditPage(QWidget):
    """Nhật ký: every create, update, delete, import, export, backup and setting change, filtered; chain check."""

    countChanged = Signal(str)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.is_loaded = False
        self.loading = False
        self.last_dialog: QDialog | None = None
        self._users: set[str] = set()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Nhật ký")
        title.setStyleSheet(HEADING_STYLE)
        lay.addWidget(title)
        note = QLabel("Mọi thao tác tạo, sửa, xóa, nhập, xuất, sao lưu và đổi cài đặt đều được ghi lại; mỗi mục nối "
                      "với mục trước bằng mã băm nên việc sửa hay xóa nhật ký đều bị phát hiện.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #444;")
        lay.addWidget(note)

        filters = QHBoxLayout()
        filters.addWidget(QLabel("Người dùng:"))
        self.user = QComboBox()
        self.user.setEditable(True)
        self.user.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)  # a typed name filters; it is not kept
        self.user.addItem("Tất cả", "")
        self.user.setMinimumContentsLength(14)
        filters.addWidget(self.user)
        filters.addWidget(QLabel("Đối tượng:"))
        self.kind = QComboBox()
        self.kind.addItem("Tất cả", "")
        for k in KINDS:
            if not k.sensitive or ctx.actor.can(Action.RELIGION):
                self.kind.addItem(k.label, k.key)
        for key, label in OTHER_KINDS.items():
            self.kind.addItem(label, key)
        filters.addWidget(self.kind)
        filters.addWidget(QLabel("Từ ngày:"))
        self.date_from = DateField(optional=True)
        filters.addWidget(self.date_from)
        filters.addWidget(QLabel("đến ngày:"))
        self.date_to = DateField(optional=True)
        filters.addWidget(self.date_to)
        self.filter_button = QPushButton("Lọc")
        self.clear_button = QPushButton("Bỏ lọc")
        filters.addWidget(self.filter_button)
        filters.addWidget(self.clear_button)
        filters.addStretch(1)
        lay.addLayout(filters)

        self.info = QLabel()
        self.info.setStyleSheet("color: #444;")
        lay.addWidget(self.info)
        self.model = AuditTableModel(self)
        self.view = make_table(self.model, (150, 120, 120, 190))
        self.view.doubleClicked.connect(lambda _i: self.open_history())
        lay.addWidget(self.view, 1)

        bottom = QHBoxLayout()
        self.check_button = QPushButton("Kiểm tra tính toàn vẹn")
        self.check_button.setToolTip("Tính lại chuỗi mã băm của toàn bộ nhật ký để phát hiện mục bị sửa hoặc bị xóa")
        self.history_button = QPushButton("Lịch sử bản ghi…")
        self.history_button.setToolTip("Xem các lần sửa của bản ghi trên dòng đang chọn (hoặc nhấn đúp vào dòng)")
        bottom.addWidget(self.check_button)
        bottom.addWidget(self.history_button)
        self.integrity = QLabel()
        self.integrity.setWordWrap(True)
        self.integrity.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bottom.addWidget(self.integrity, 1)
        lay.addLayout(bottom)

        self.filter_button.clicked.connect(self.refresh)
        self.clear_button.clicked.connect(self.clear_filters)
        self.user.activated.connect(lambda _i: self.refresh())
        typed = self.user.lineEdit()
        if typed is not None:
            typed.returnPressed.connect(self.refresh)
        self.kind.currentIndexChanged.connect(lambda _i: self.refresh())
        self.date_from.changed.connect(self.refresh)
        self.date_to.changed.connect(self.refresh)
        self.check_button.clicked.connect(self.check)
        self.history_button.clicked.connect(self.open_history)
        ctx.changed.connect(self._changed)

    def _changed(self, changes: Any) -> None:
        # A write left an audit entry: show it now if the page is open (opening it refreshes anyway).
        if changes.audit and self.isVisible():
            self.refresh()

    # -- loading ------------------------------------------------------------------------------------------

    def apply_filters(self, _unit: Any = None, _period: Any = None, _search: str = "") -> None:
        """Opening the page shows the newest entries (the window's unit and period do not apply here)."""
        self.refresh()

    def username(self) -> str:
        """The user filter ('' for everyone)."""
        text = self.user.currentText().strip()
        return "" if text in ("", "Tất cả") else text

    def set_user(self, username: str) -> None:
        """Filter by a user name (as choosing it in the list does)."""
        i = self.user.findText(username)
        if i < 0:
            self.user.addItem(username, username)
            i = self.user.findText(username)
        self.user.setCurrentIndex(i)
        self.refresh()

    def clear_filters(self) -> None:
        """Every user, every kind, every date."""
        for w in (self.user, self.kind, self.date_from, self.date_to):
            w.blockSignals(True)
        self.user.setCurrentIndex(0)
        self.kind.setCurrentIndex(0)
        self.date_from.set_value(None)
        self.date_to.set_value(None)
        for w in (self.user, self.kind, self.date_from, self.date_to):
            w.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        """Load the entries matching the filters in the background."""
        from danvan_desktop.services.history import list_audit

        ctx = self.ctx
        user, kind = self.username(), str(self.kind.currentData() or "")
        first, last = self.date_from.value(), self.date_to.value()
        if first and last and first > last:
            first, last = last, first
        # The log keeps UTC; ask a day wider on each side and keep the entries whose local date is in range.
        query_from = first - dt.timedelta(days=1) if first else None
        query_to = last + dt.timedelta(days=1) if last else None

        def fetch() -> list[AuditRow]:
            rows = list_audit(ctx.db, ctx.actor, username=user or None, kind=kind or None, date_from=query_from,
                              date_to=query_to)
            return [r for r in rows if (first is None or local_time(r.at).date() >= first)
                    and (last is None or local_time(r.at).date() <= last)]

        self.loading = True
        ctx.runner.run(fetch, self._loaded, self._failed, owner=self, label="Đang tải nhật ký…")

    def _loaded(self, rows: list[AuditRow]) -> None:
        self.loading = False
        self.is_loaded = True
        self.model.set_rows(rows)
        new_users = sorted({r.username for r in rows} - self._users)
        for u in new_users:
            self._users.add(u)
            if self.user.findText(u) < 0:
                self.user.addItem(u, u)
        filtered = bool(self.username() or self.kind.currentData() or self.date_from.value() or self.date_to.value())
        self.info.setText(f"{fmt_int(len(rows))} mục" + (" khớp bộ lọc" if filtered else "") +
                          (" (hiện 1.000 mục mới nhất)" if len(rows) >= 1000 else "") +
                          ", mới nhất ở trên; thời gian theo giờ của máy tính.")
        self.countChanged.emit(self.count_text())

    def _failed(self, f: TaskFailure) -> None:
        self.loading = False
        show_failure(self, f)

    def count_text(self) -> str:
        """"123 mục nhật ký" for the status bar."""
        return f"{fmt_int(self.model.rowCount())} mục nhật ký" if self.is_loaded else "Đang tải…"

    # -- actions ------------------------------------------------------------------------------------------

    def check(self) -> None:
        """Recompute the hash chain in the background and say whether the log is intact."""
        from danvan_desktop.services.history import check_audit

        ctx = self.ctx
        self.check_button.setEnabled(False)
        self.integrity.setStyleSheet("")
        self.integrity.setText("Đang kiểm tra…")
        ctx.runner.run(lambda: check_audit(ctx.db, ctx.actor), self._checked, self._check_failed, owner=self,
                       label="Đang kiểm tra nhật ký…")

    def _checked(self, problems: list[str]) -> None:
        self.check_button.setEnabled(True)
        now = dt.datetime.now().strftime("%H:%M %d/%m/%Y")
        if not problems:
            self.integrity.setStyleSheet("color: #1b5e20; font-weight: bold;")
            self.integrity.setText(f"Nhật ký toàn vẹn: không mục nào bị sửa hay bị xóa, không bản ghi nào bị sửa ngoài "
                                   f"chương trình (kiểm tra lúc {now}).")
            return
        self.integrity.setStyleSheet("color: #b00020; font-weight: bold;")
        shown = problems[:8]
        more = f"\n… và {fmt_int(len(problems) - len(shown))} vấn đề khác." if len(problems) > len(shown) else ""
        self.integrity.setText("Nhật ký KHÔNG toàn vẹn – có dấu hiệu bị sửa hoặc xóa ngoài chương trình:\n• "
                               + "\n• ".join(shown) + more)

    def _check_failed(self, f: TaskFailure) -> None:
        self.check_button.setEnabled(True)
        self.integrity.setText("")
        show_failure(self, f)

    def selected_entry(self) -> AuditRow | None:
        """The entry on the selected row."""
        idx = self.view.currentIndex()
        return self.model.row(idx.row()) if idx.isValid() else None

    def open_history(self) -> HistoryDialog | None:
        """The history of the record on the selected row (entries about records only)."""
        r = self.selected_entry()
        if r is None or r.kind not in KIND_BY_KEY or not r.record_id:
            self.integrity.setStyleSheet("")
            self.integrity.setText("Hãy chọn một dòng về bản ghi (hội nghị, ý kiến, …) để xem lịch sử của nó.")
            return None
        k = KIND_BY_KEY[r.kind]
        values = r.detail.get("after") or r.detail.get("before") or {}
        title = str(values.get(k.title_field) or "") if isinstance(values, dict) else ""
        old = self.last_dialog
        if old is not None and not old.isVisible():
            old.deleteLater()
        dlg = HistoryDialog(self.ctx, r.kind, r.record_id, title, self)
        self.last_dialog = dlg
        dlg.open()
        return dlg
