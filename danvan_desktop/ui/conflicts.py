"""Xung đột: records that differ between the office and a unit below, field by field, for a person to decide."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.services.merge import ConflictInfo, FieldDiff
from danvan_desktop.ui.i18n import error_text, show_failure
from danvan_desktop.ui.merge_common import RowsModel, StatusLine, count, fmt_when, make_table, selected_row
from danvan_desktop.ui.tasks import TaskFailure

CHOICES = {
    "keep_local": ("Giữ bản tại chỗ", "Đã giữ bản tại chỗ"),
    "take_incoming": ("Lấy bản nhận vào", "Đã lấy bản nhận vào"),
    "fields": ("Lấy các trường đã chọn từ bản nhận vào", "Đã lấy các trường đã chọn từ bản nhận vào"),
}


class ConflictTableModel(RowsModel):
    """The open conflicts, oldest first."""

    HEADERS = ("Loại", "Bản ghi", "Đơn vị", "Ghi nhận lúc", "Lý do")
    COL_KIND, COL_TITLE, COL_UNIT, COL_AT, COL_REASON = range(5)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.unit_names: dict[str, str] = {}

    def set_conflicts(self, rows: list[ConflictInfo], unit_names: dict[str, str]) -> None:
        """Show conflicts, naming units from the office's current unit list."""
        self.unit_names = dict(unit_names)
        self.set_rows(rows)

    def unit_text(self, c: ConflictInfo) -> str:
        """The unit's name (its code when the office does not know it)."""
        return self.unit_names.get(c.unit_code) or c.unit_code

    def cells(self, c: ConflictInfo) -> tuple[str, ...]:
        """Kind, title, unit, when, why."""
        reason = c.reason_label
        return (c.kind_label, c.title or "(không có tiêu đề)", self.unit_text(c), fmt_when(c.created_at),
                reason[:1].upper() + reason[1:])


class FieldDiffModel(RowsModel):
    """The fields of one conflict where the two copies differ, side by side."""

    HEADERS = ("Trường", "Tại chỗ", "Nhận vào")

    def cells(self, f: FieldDiff) -> tuple[str, ...]:
        """Field, local value, incoming value."""
        return (f.label, f.local, f.incoming)

    def foreground(self, f: FieldDiff, column: int) -> str | None:
        """Empty values in grey."""
        value = (f.label, f.local, f.incoming)[column]
        return "#777777" if column and value == "(trống)" else None


class ConflictsPanel(QWidget):
    """Each open conflict with its differing fields; "Giữ bản tại chỗ" / "Lấy bản nhận vào" decide it."""

    countChanged = Signal(int)
    resolved = Signal(str)  # the kind key of the decided record
    runningChanged = Signal(bool)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.running = False
        self.blocked = False
        self.is_loaded = False
        self._gen = 0
        self._keep_row = 0
        lay = QVBoxLayout(self)
        note = QLabel("Khi tổng hợp, bản ghi bị xung đột vẫn giữ bản tại chỗ. Xem các trường khác nhau giữa bản "
                      "tại chỗ và bản nhận vào, rồi chọn bản đúng cho từng bản ghi.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #444;")
        lay.addWidget(note)
        self.summary = QLabel("Đang tải…")
        self.summary.setStyleSheet("font-weight: bold;")
        lay.addWidget(self.summary)
        split = QSplitter(Qt.Orientation.Vertical)
        self.model = ConflictTableModel(self)
        self.view = make_table(self.model, (150, 300, 170, 125))
        split.addWidget(self.view)
        lower = QWidget()
        ll = QVBoxLayout(lower)
        ll.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        ll.addWidget(self.heading)
        self.diff_model = FieldDiffModel(self)
        self.diff_view = make_table(self.diff_model, (180, 380))
        self.diff_view.setWordWrap(True)
        # Several fields can be chosen: taken from the incoming copy, the others kept (field by field).
        self.diff_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.diff_view.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.diff_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        ll.addWidget(self.diff_view, 1)
        row = QHBoxLayout()
        self.keep_button = QPushButton(CHOICES["keep_local"][0])
        self.keep_button.setToolTip("Bản của đơn vị này được giữ và trở thành bản mới nhất (được gửi lên cấp trên "
                                    "trong gói dữ liệu sau)")
        self.take_button = QPushButton(CHOICES["take_incoming"][0])
        self.take_button.setToolTip("Thay bản tại chỗ bằng bản do đơn vị cấp dưới gửi lên")
        self.fields_button = QPushButton(CHOICES["fields"][0])
        self.fields_button.setToolTip("Chọn một hay nhiều dòng ở bảng trên (Ctrl+nhấp), lấy các trường đó từ bản "
                                      "nhận vào và giữ các trường khác của bản tại chỗ")
        row.addWidget(self.keep_button)
        row.addWidget(self.take_button)
        row.addWidget(self.fields_button)
        row.addStretch(1)
        ll.addLayout(row)
        split.addWidget(lower)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        lay.addWidget(split, 1)
        self.status = StatusLine()
        lay.addWidget(self.status)
        self.keep_button.clicked.connect(lambda: self.resolve("keep_local"))
        self.take_button.clicked.connect(lambda: self.resolve("take_incoming"))
        self.fields_button.clicked.connect(lambda: self.resolve("fields"))
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._show_selected())
        self._show_selected()

    # -- list ---------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the open conflicts again in the background."""
        from danvan_desktop.services.merge import list_conflicts
        from danvan_desktop.services.units import list_units

        self._gen += 1
        gen, db, actor = self._gen, self.ctx.db, self.ctx.actor

        def work() -> tuple[list[ConflictInfo], dict[str, str]]:
            # The unit names are read too: a merge may just have added the units the conflicts name.
            return list_conflicts(db, actor), {u.code: u.name for u in list_units(db)}

        self.ctx.runner.run(work, lambda result: self._loaded(gen, *result), lambda f: show_failure(self, f),
                            owner=self, label="Đang tải danh sách xung đột…")

    def _loaded(self, gen: int, rows: list[ConflictInfo], unit_names: dict[str, str]) -> None:
        if gen != self._gen:
            return  # a newer read is on its way
        self.is_loaded = True
        self.model.set_conflicts(rows, unit_names)
        if rows:
            self.summary.setText(f"{count(len(rows))} xung đột chờ quyết định")
            self.view.selectRow(min(self._keep_row, len(rows) - 1))
        else:
            self.summary.setText("Không có xung đột nào chờ quyết định.")
        self._show_selected()
        self.countChanged.emit(len(rows))

    def selected(self) -> ConflictInfo | None:
        """The conflict on the selected row."""
        r = selected_row(self.view)
        return self.model.row(r) if r >= 0 else None

    def _show_selected(self) -> None:
        c = self.selected()
        if c is None:
            self.heading.setText("Chọn một xung đột trong danh sách để xem các trường khác nhau.")
            self.diff_model.set_rows([])
        else:
            revisions = f"tại chỗ: lần sửa {c.local_revision}; nhận vào: lần sửa {c.incoming_revision}"
            self.heading.setText(f"<b>{html.escape(c.kind_label)} “{html.escape(c.title)}”</b> – "
                                 f"{html.escape(self.model.unit_text(c))} ({revisions})")
            self.diff_model.set_rows(list(c.fields))
        self._update_buttons()

    # -- deciding -----------------------------------------------------------------------------------------

    def set_blocked(self, blocked: bool) -> None:
        """Another part of the screen is writing: wait for it."""
        self.blocked = blocked
        self._update_buttons()

    def _update_buttons(self) -> None:
        can = self.selected() is not None and not self.running and not self.blocked
        self.keep_button.setEnabled(can)
        self.take_button.setEnabled(can)
        self.fields_button.setEnabled(can and bool(self.chosen_fields()))

    def chosen_fields(self) -> list[str]:
        """The keys of the fields selected in the table of differences."""
        rows = sorted({i.row() for i in self.diff_view.selectionModel().selectedRows()})
        return [self.diff_model.row(r).key for r in rows if 0 <= r < self.diff_model.rowCount()]

    def resolve(self, choice: str) -> None:
        """Decide the selected conflict in the background; the list is read again afterwards."""
        from danvan_desktop.services.conflict_fields import resolve_conflict_fields
        from danvan_desktop.services.merge import resolve_conflict

        c = self.selected()
        if c is None or c.id is None or self.running or self.blocked:
            return
        self._keep_row = selected_row(self.view)
        db, actor, cid = self.ctx.db, self.ctx.actor, c.id
        fields = self.chosen_fields()
        if choice == "fields" and not fields:
            return
        self.running = True
        self._update_buttons()
        self.runningChanged.emit(True)
        self.status.say(f"Đang xử lý xung đột của {c.kind_label.lower()} “{c.title}”…")
        def work() -> Any:
            if choice == "fields":
                return resolve_conflict_fields(db, actor, cid, fields)
            return resolve_conflict(db, actor, cid, choice)

        self.ctx.runner.write(work, lambda result: self._resolved(choice, result), self._failed, owner=self,
                              label="Đang xử lý xung đột…")

    def _stop(self) -> None:
        self.running = False
        self._update_buttons()
        self.runningChanged.emit(False)

    def _resolved(self, choice: str, result: Any) -> None:
        info: ConflictInfo = result[0] if isinstance(result, tuple) else result
        self._stop()
        self.status.say(f"{CHOICES[choice][1]} cho {info.kind_label.lower()} “{info.title}”.", "ok")
        self.resolved.emit(info.kind)
        self.refresh()

    def _failed(self, f: TaskFailure) -> None:
        self._stop()
        text, bug = error_text(f.error)
        self.status.say(text, "error")
        if bug:
            show_failure(self, f)
        self.refresh()
