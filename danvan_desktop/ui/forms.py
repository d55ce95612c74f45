"""One form per record kind, generated from the kind's field declarations (domain/kinds.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.domain.fields import RecordKind
from danvan_desktop.domain.kinds import kind as get_kind
from danvan_desktop.domain.validation import ValidationError, check_record
from danvan_desktop.domain.vnformat import fmt_date
from danvan_desktop.exchange.drafts import DraftStore
from danvan_desktop.services.duplicates import possible_duplicates
from danvan_desktop.services.errors import StaleRecord
from danvan_desktop.services.records import Record, RecordQuery, add_record, delete_record, update_record
from danvan_desktop.ui.i18n import ask, show_failure
from danvan_desktop.ui.permissions import edit_denial, edit_refusal, editable_units
from danvan_desktop.ui.tasks import TaskFailure
from danvan_desktop.ui.widgets import DateField, ErrorLabel, IntField, LongTextField, UnitField, make_editor

UNIT_LABELS = {"religious_site": "Thôn/bản"}


def _unit_position(k: RecordKind) -> int:
    """Where the unit row goes: after the event date (SPEC §3 order), else after the third field."""
    if k.event_field:
        return k.keys.index(k.event_field) + 1
    return min(3, len(k.fields))


class RecordForm(QDialog):
    """Add or edit one record: Vietnamese labels, rule messages beside the fields, Save refused until valid.

    Enter saves (Ctrl+Enter inside a multi-line box), Esc cancels, Tab follows the form.
    """

    saved = Signal(object)  # the stored Record

    def __init__(self, ctx: Any, kind_key: str, record: Record | None = None, parent: QWidget | None = None, *,
                 preset: Mapping[str, Any] | None = None, unit_code: str | None = None,
                 read_only: bool = False, draft_key: str | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        # What is typed is kept in a draft file a second after each change, until saved or abandoned.
        self.drafts = DraftStore(ctx.db.place)
        self.draft_key = draft_key or DraftStore.new_key()
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(1000)
        self._draft_timer.timeout.connect(self.write_draft)
        self.read_only = read_only
        self.kind = get_kind(kind_key)
        self.record = record
        self.saving = False
        self._touched: set[str] = set()
        self._attempted = False
        self._errors: dict[str, str] = {}
        self._partners: dict[str, set[str]] = {}
        for r in self.kind.rules:
            self._partners.setdefault(r.a, set()).add(r.b)
            self._partners.setdefault(r.b, set()).add(r.a)
        self.editors: dict[str, Any] = {}
        self.error_labels: dict[str, ErrorLabel] = {}
        self.setMinimumWidth(720)

        outer = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 15pt; font-weight: bold;")
        outer.addWidget(self.heading)
        hint = QLabel("Mục có dấu * là bắt buộc. Ngày nhập theo dạng ngày/tháng/năm.")
        hint.setStyleSheet("color: #555;")
        outer.addWidget(hint)

        body = QWidget()
        body_lay = QVBoxLayout(body)
        body_lay.setContentsMargins(0, 0, 8, 0)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        body_lay.addLayout(self.form)

        order: list[QWidget] = []
        unit_at = _unit_position(self.kind)
        for i, f in enumerate(self.kind.fields):
            if i == unit_at:
                order.append(self._add_unit_row())
            ed = make_editor(ctx, f)
            self._add_row(f.key, f.label + (" *" if f.required else ""), ed, f.hint)
            order.append(ed)
        if unit_at >= len(self.kind.fields):
            order.append(self._add_unit_row())
        notes = LongTextField()
        self._add_row("notes", "Ghi chú", notes)
        order.append(notes)

        self.petitions: PetitionsSection | None = None
        if self.kind.key == "meeting":
            self.petitions = PetitionsSection(self)
            body_lay.addWidget(self.petitions)
        body_lay.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b00020; font-weight: bold;")
        self.problems.setVisible(False)
        outer.addWidget(self.problems)
        self.saved_note = QLabel()
        self.saved_note.setWordWrap(True)
        self.saved_note.setStyleSheet("color: #1b5e20;")
        self.saved_note.setVisible(False)
        outer.addWidget(self.saved_note)
        buttons = QHBoxLayout()
        self.history_button = QPushButton("Lịch sử thay đổi…")
        self.history_button.setAutoDefault(False)
        self.history_button.setToolTip("Ai đã sửa bản ghi này, khi nào, sửa mục nào từ gì thành gì")
        self.history_button.clicked.connect(self.show_history)
        buttons.addWidget(self.history_button)
        buttons.addStretch(1)
        self.save_button = QPushButton("Lưu")
        self.save_button.setDefault(True)
        self.save_button.setToolTip("Lưu (Enter)")
        self.cancel_button = QPushButton("Hủy")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setToolTip("Đóng, không lưu (Esc)")
        self.save_button.clicked.connect(lambda: self.save())
        self.cancel_button.clicked.connect(self.reject)
        self.next_button = QPushButton("Lưu và thêm tiếp")
        self.next_button.setAutoDefault(False)
        self.next_button.setToolTip("Lưu rồi nhập ngay bản ghi mới, giữ đơn vị, ngày và hội nghị (Ctrl+Shift+Enter)")
        self.next_button.clicked.connect(self.save_and_next)
        self.next_button.setVisible(record is None and not read_only)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        outer.addLayout(buttons)
        order += [self.next_button, self.save_button, self.cancel_button]
        for a, b in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(a, b)
        for ed in self.editors.values():
            if isinstance(ed, LongTextField):
                ed.submitRequested.connect(lambda: self.save())
                ed.nextRequested.connect(lambda: self.save_and_next() if self.next_button.isVisible() else self.save())

        self._fill(preset or {}, unit_code)
        for key, ed in self.editors.items():
            ed.changed.connect(lambda k=key: self._on_changed(k))
        # Said as soon as it happens, not only at Save: someone else saved this record meanwhile.
        ctx.changedElsewhere.connect(self._changed_elsewhere)
        self._initial = self.raw_values()
        if read_only:
            for ed in self.editors.values():
                ed.setEnabled(False)
            self.save_button.setVisible(False)
            self.cancel_button.setText("Đóng")
        self._refresh_title()
        self.validate()
        order[0].setFocus()
        screen = self.screen().availableGeometry() if self.screen() else None
        height = min(760, screen.height() - 60) if screen else 700
        self.resize(780, height)

    # -- building -----------------------------------------------------------------------------------------

    def _add_unit_row(self) -> QWidget:
        # Only the units this account may enter records for; a record it may only read shows its own unit.
        units = self.ctx.units if self.read_only else editable_units(self.ctx) or self.ctx.units
        ed = UnitField(units)
        self._add_row("unit", UNIT_LABELS.get(self.kind.key, "Đơn vị") + " *", ed)
        return ed

    def _add_row(self, key: str, label: str, editor: QWidget, hint: str = "") -> None:
        box = QWidget()
        # The row takes the form's whole width, so a message under a narrow editor (a drop-down, a date)
        # wraps across the row instead of being cut to the editor's width.
        box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        narrow = isinstance(editor, QComboBox | QCheckBox | DateField | IntField)
        lay.addWidget(editor, 0, Qt.AlignmentFlag.AlignLeft if narrow else Qt.AlignmentFlag(0))
        if hint:
            h = QLabel(hint)
            h.setWordWrap(True)
            h.setStyleSheet("color: #666;")
            lay.addWidget(h)
            if hasattr(editor, "setPlaceholderText") and key != "notes":
                editor.setPlaceholderText(hint.split(";")[0])
        err = ErrorLabel()
        lay.addWidget(err)
        lab = QLabel(label)
        lab.setBuddy(editor)
        self.form.addRow(lab, box)
        self.editors[key] = editor
        self.error_labels[key] = err

    def _fill(self, preset: Mapping[str, Any], unit_code: str | None) -> None:
        rec = self.record
        if rec is not None:
            for f in self.kind.fields:
                self.editors[f.key].set_value(rec.values.get(f.key))
            unit_editor = self.editors["unit"]
            assert isinstance(unit_editor, UnitField)
            unit_editor.set_value(rec.unit_code, rec.unit_uid)
            self.editors["notes"].set_value(rec.notes)
        else:
            self.editors["unit"].set_value(unit_code or self.ctx.home.code)
        for key, v in preset.items():
            if key in self.editors:
                self.editors[key].set_value(v)
        if self.petitions is not None:
            self.petitions.set_meeting(rec)

    def _refresh_title(self) -> None:
        label = self.kind.label
        low = label[0].lower() + label[1:]
        if self.record is None:
            text = f"Thêm {low}"
        elif self.read_only:
            text = f"Xem {low}"
        else:
            text = f"Sửa {low}"
        self.setWindowTitle(f"{text} – Dân vận")
        self.heading.setText(text)
        self.history_button.setVisible(self.record is not None)

    def show_history(self) -> QDialog | None:
        """The stored record's history (who, when, which field, from what to what)."""
        from danvan_desktop.ui.audit_page import HistoryDialog

        if self.record is None:
            return None
        dlg = HistoryDialog(self.ctx, self.kind.key, self.record.id, self.record.title, self)
        dlg.open()
        self.history_dialog = dlg
        return dlg

    # -- values and rules ---------------------------------------------------------------------------------

    def raw_values(self) -> dict[str, Any]:
        """What the editors hold now, by field key (plus "unit" and "notes")."""
        return {key: ed.value() for key, ed in self.editors.items()}

    def field_values(self) -> dict[str, Any]:
        """The kind's own field values (without unit and notes)."""
        raw = self.raw_values()
        return {f.key: raw[f.key] for f in self.kind.fields}

    def is_dirty(self) -> bool:
        """Whether anything changed since the form opened."""
        return self.raw_values() != self._initial

    def write_draft(self) -> None:
        """Keep what the form holds now in its draft file (nothing for a read-only or untouched form)."""
        self._draft_timer.stop()
        if self.read_only or not self.is_dirty():
            return
        rec = self.record
        self.drafts.save(self.draft_key, self.ctx.actor.username, self.kind.key, rec.id if rec else None,
                         self.editors["unit"].value(), self.raw_values())

    def discard_draft(self) -> None:
        """Forget the draft (saved, or abandoned on purpose)."""
        self._draft_timer.stop()
        self.drafts.discard(self.draft_key)

    def _on_changed(self, key: str) -> None:
        if not self.read_only:
            self._draft_timer.start()
        self._touched.add(key)
        self._touched.update(self._partners.get(key, ()))
        self.validate()

    def validate(self) -> dict[str, str]:
        """Check the values with the domain rules; show messages beside touched fields; return all problems."""
        errors: dict[str, str] = {}
        try:
            check_record(self.kind, self.field_values())
        except ValidationError as e:
            for fe in e.errors:
                errors.setdefault(fe.field, fe.message)
        for key, ed in self.editors.items():
            problem = ed.problem() if isinstance(ed, DateField) else ""
            if problem:  # the box's own reason beats "không được để trống"
                errors[key] = f"{self._label_of(key)}: {problem}"
        self._errors = errors
        self._show_errors()
        return errors

    def _label_of(self, key: str) -> str:
        if key in self.kind.keys:
            return self.kind.field(key).label
        return {"unit": "Đơn vị", "notes": "Ghi chú"}.get(key, key)

    def _show_errors(self, extra: Mapping[str, str] | None = None) -> None:
        errors = {**self._errors, **(extra or {})}
        reveal = self._attempted or self.record is not None
        for key, lab in self.error_labels.items():
            msg = errors.get(key, "")
            lab.show_message(msg if (reveal or key in self._touched or key in (extra or {})) else "")
        if self._attempted and errors:
            n = len(errors)
            self.problems.setText(f"Chưa lưu: còn {n} mục cần sửa (ghi màu đỏ ở trên).")
            self.problems.setVisible(True)
        else:
            self.problems.setVisible(False)

    def error_message(self, key: str) -> str:
        """The message shown beside a field ('' if none is shown)."""
        lab = self.error_labels[key]
        return lab.text() if not lab.isHidden() else ""

    # -- saving -------------------------------------------------------------------------------------------

    def save_and_next(self) -> bool:
        """Save, then start a new record of the same kind keeping its meeting, unit and date."""
        return self.save(next_record=True)

    def save(self, after: Callable[[Record], None] | None = None, *, next_record: bool = False) -> bool:
        """Save in the background if the values keep the rules; False (and messages shown) otherwise.

        A new record is first compared with what is stored (same unit, same day, similar words): a likely
        duplicate is shown and saving needs a yes.
        """
        if self.saving or self.read_only:
            return False
        self._attempted = True
        errors = self.validate()
        if errors:
            first = next((f.key for f in self.kind.fields if f.key in errors), next(iter(errors)))
            self.editors[first].setFocus()
            return False
        ctx, key, rec = self.ctx, self.kind.key, self.record
        values = self.field_values()
        unit = self.editors["unit"].value()
        notes = self.editors["notes"].value()
        if rec is None:
            def work() -> Record:
                return add_record(ctx.db, ctx.actor, key, values, unit=unit, notes=notes)
        else:
            rid, revision = rec.id, rec.revision

            def work() -> Record:
                return update_record(ctx.db, ctx.actor, key, rid, values, unit=unit, notes=notes,
                                     expected_revision=revision)
        self._set_saving(True)

        def write() -> None:
            ctx.runner.write(work, lambda r: self._saved(r, after, next_record), self._save_failed, owner=self,
                             label=f"Đang lưu {self.kind.label.lower()}…")

        if rec is not None:
            write()
            return True

        def found(dups: list[Record]) -> None:
            if dups and not self._confirm_duplicate(dups):
                self._set_saving(False)
                return
            write()

        ctx.runner.run(lambda: possible_duplicates(ctx.db, ctx.actor, key, unit, values), found,
                       self._save_failed, owner=self, label="Đang kiểm tra trùng…")
        return True

    def _confirm_duplicate(self, dups: list[Record]) -> bool:
        k = self.kind
        lines = []
        for d in dups[:5]:
            when = d.values.get(k.event_field) if k.event_field else None
            day = f"{fmt_date(when)} · " if isinstance(when, dt.date) else ""
            lines.append(f"• {day}{d.title} ({d.unit_name}, {d.created_by} nhập)")
        more = f"\n… và {len(dups) - 5} bản ghi khác" if len(dups) > 5 else ""
        noun = k.label[0].lower() + k.label[1:]
        return ask(self, f"Có thể {noun} này đã được nhập rồi (cùng đơn vị, cùng ngày, nội dung giống):\n\n"
                         + "\n".join(lines) + more + "\n\nVẫn lưu thêm bản ghi mới?",
                   yes="Vẫn lưu", no="Không lưu, xem lại", danger=True)

    def _set_saving(self, on: bool) -> None:
        self.saving = on
        self.save_button.setEnabled(not on)
        self.save_button.setText("Đang lưu…" if on else "Lưu")
        if on:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def _saved(self, rec: Record, after: Callable[[Record], None] | None, next_record: bool = False) -> None:
        self._set_saving(False)
        self.discard_draft()
        self.draft_key = DraftStore.new_key()
        self.ctx.undo_target = rec
        self.saved.emit(rec)
        if next_record:
            self._start_next(rec)
            return
        if after is not None:
            # Stay open on the stored record (a new meeting goes on to its petitions).
            self.next_button.setVisible(False)
            self.record = rec
            self._initial = self.raw_values()
            self._refresh_title()
            if self.petitions is not None:
                self.petitions.set_meeting(rec)
            after(rec)
            return
        self.accept()

    def _start_next(self, saved: Record) -> None:
        """An empty form again, keeping what the next record shares: meeting, unit, date."""
        keep: dict[str, Any] = {"unit": saved.unit_code}
        for key in ("meeting_id", self.kind.event_field):
            if key and key in self.editors:
                keep[key] = saved.values.get(key)
        self.record = None
        self._touched.clear()
        self._attempted = False
        for key, ed in self.editors.items():
            ed.blockSignals(True)
            ed.set_value(keep.get(key))
            ed.blockSignals(False)
        self._initial = self.raw_values()
        self._refresh_title()
        self.validate()
        title = saved.title if len(saved.title) <= 60 else saved.title[:59] + "…"
        self.saved_note.setText(f"Đã lưu “{title}”. Nhập tiếp bản ghi mới (giữ đơn vị và ngày).")
        self.saved_note.setVisible(True)
        first = next(ed for key, ed in self.editors.items() if key not in keep)
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    def _save_failed(self, failure: TaskFailure) -> None:
        self._set_saving(False)
        err = failure.error
        if isinstance(err, StaleRecord) and self.record is not None:
            self._show_stale(self.record)
            return
        if isinstance(err, ValidationError):
            extra: dict[str, str] = {}
            for fe in err.errors:
                extra.setdefault(fe.field if fe.field in self.editors else "unit", fe.message)
            self._errors.update(extra)
            self._show_errors(extra)
            return
        show_failure(self, failure)

    # -- someone else saved first ---------------------------------------------------------------------------

    def _changed_elsewhere(self, changes: Any) -> None:
        rec = self.record
        if rec is None or self.read_only or rec.id not in changes.record_ids:
            return
        self.saved_note.setText("Bản ghi này vừa được lưu ở máy khác. Khi bạn bấm Lưu, chương trình sẽ cho xem thay "
                                "đổi của họ bên cạnh phần bạn nhập; không mất gì.")
        self.saved_note.setVisible(True)

    def _show_stale(self, opened: Record) -> None:
        """The save was refused (the record changed since the form opened): fetch their change, then ask."""
        from danvan_desktop.services.stale import stale_edit

        ctx, kind_key, initial, yours = self.ctx, self.kind.key, dict(self._initial), self.raw_values()
        ctx.runner.run(lambda: stale_edit(ctx.db, ctx.actor, kind_key, opened.id, initial, yours),
                       lambda edit: self._ask_stale(edit, yours), lambda f: show_failure(self, f), owner=self,
                       label="Đang đọc bản vừa được lưu…")

    def _ask_stale(self, edit: Any, yours: dict[str, Any]) -> None:
        from danvan_desktop.ui.stale_dialog import StaleDialog

        dlg = StaleDialog(self.kind.key, edit, yours, self.ctx.unit_name, self)
        self.stale_dialog = dlg
        dlg.finished.connect(lambda _r: self._stale_answered(dlg, edit, yours))
        dlg.open()

    def _stale_answered(self, dlg: Any, edit: Any, yours: dict[str, Any]) -> None:
        """Take the stored copy into the form; with "merge" the fields the person changed are put back on it."""
        if dlg.choice not in ("merge", "reload"):
            return
        current: Record = edit.current
        mine_changed = {k for k, v in yours.items() if v != self._initial.get(k)}
        self.record = current
        for ed in self.editors.values():
            ed.blockSignals(True)
        try:
            self._fill({}, None)
            self._initial = self.raw_values()
            if dlg.choice == "merge":
                for key in mine_changed:  # UnitField takes its key ("PARENT/CODE" too) as a code
                    self.editors[key].set_value(yours[key])
        finally:
            for ed in self.editors.values():
                ed.blockSignals(False)
        self._touched.update(mine_changed)
        self.validate()
        who = edit.saved_by_name or edit.saved_by
        if dlg.choice == "merge":
            text = (f"Biểu mẫu đã lấy bản {who} vừa lưu (lần sửa {current.revision}) và giữ {len(mine_changed)} mục "
                    "bạn đã sửa. Xem lại rồi bấm Lưu.")
            self._draft_timer.start()
        else:
            text = (f"Biểu mẫu đang hiện bản {who} vừa lưu (lần sửa {current.revision}). Phần bạn nhập đã được chép "
                    "vào bộ nhớ tạm.")
        self.saved_note.setText(text)
        self.saved_note.setVisible(True)

    def keyPressEvent(self, e: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Ctrl+Enter saves from anywhere in the form (Enter alone presses the default button, Lưu);
        Ctrl+Shift+Enter saves and starts the next record."""
        mods = e.modifiers()
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and mods & Qt.KeyboardModifier.ControlModifier:
            if mods & Qt.KeyboardModifier.ShiftModifier and self.next_button.isVisible():
                self.save_and_next()
            else:
                self.save()
            return
        super().keyPressEvent(e)

    def reject(self) -> None:
        """Esc or Hủy: close, asking first if something was typed."""
        if self.saving:
            return
        # danger: "Tiếp tục nhập" is the default, so Enter never throws the work away.
        if self.is_dirty() and not ask(self, "Bỏ những gì vừa nhập, không lưu?", yes="Bỏ, không lưu",
                                       no="Tiếp tục nhập", danger=True):
            return
        self.discard_draft()
        super().reject()


class PetitionsSection(QGroupBox):
    """The petitions raised at a meeting, inside the meeting's form: add, edit, delete them there."""

    def __init__(self, form: RecordForm) -> None:
        super().__init__("Ý kiến, kiến nghị tại hội nghị")
        from danvan_desktop.ui.models import PetitionTableModel

        self.form = form
        self.ctx = form.ctx
        self.meeting: Record | None = None
        lay = QVBoxLayout(self)
        self.note = QLabel("Lưu hội nghị trước, sau đó thêm các ý kiến, kiến nghị của cử tri tại hội nghị.")
        self.note.setWordWrap(True)
        lay.addWidget(self.note)
        self.model = PetitionTableModel(self.ctx, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        for i, w in enumerate((110, 75, 250, 150, 110, 160, 105)):
            self.view.setColumnWidth(i, w)
        self.view.setColumnHidden(PetitionTableModel.COL_UNIT, True)
        self.view.setFixedHeight(170)
        self.view.doubleClicked.connect(lambda _i: self.edit_selected())
        lay.addWidget(self.view)
        row = QHBoxLayout()
        self.add_button = QPushButton("Thêm ý kiến, kiến nghị")
        self.add_button.setToolTip("Alt+K")
        self.edit_button = QPushButton("Sửa")
        self.delete_button = QPushButton("Xóa")
        for b in (self.add_button, self.edit_button, self.delete_button):
            b.setAutoDefault(False)
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        self.add_button.clicked.connect(self.add_petition)
        # Alt+K from anywhere in the meeting's form (a button's own mnemonic did not fire from every editor).
        self.add_shortcut = QShortcut(QKeySequence("Alt+K"), form)
        self.add_shortcut.activated.connect(self._add_by_key)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.ctx.recordsChanged.connect(self._changed)
        # Shown, not just enforced: an account that cannot change them sees the buttons disabled and why.
        self.refusal = edit_denial(self.ctx.actor) or (
            "Hội nghị này chỉ được xem, nên không thêm, sửa, xóa ý kiến, kiến nghị của nó được." if form.read_only
            else "")
        if self.refusal:
            for b in (self.add_button, self.delete_button):
                b.setEnabled(False)
                b.setToolTip(self.refusal)
            self.edit_button.setText("Xem")
            self.edit_button.setToolTip("Mở ý kiến, kiến nghị đang chọn để xem (không sửa được)")

    def set_meeting(self, meeting: Record | None) -> None:
        """Show the petitions of a stored meeting (None: a meeting not saved yet)."""
        self.meeting = meeting
        stored = meeting is not None
        self.view.setVisible(stored)
        self.edit_button.setVisible(stored)
        self.delete_button.setVisible(stored)
        self.note.setVisible(not stored)
        self.add_button.setText("Thêm ý kiến, kiến nghị" if stored else "Lưu hội nghị và thêm ý kiến, kiến nghị")
        if meeting is not None:
            self.model.set_query(RecordQuery(filters={"meeting_id": meeting.id}, sort="received_date"))

    def _changed(self, kind_key: str) -> None:
        if kind_key == "petition" and self.meeting is not None:
            self.model.reload()

    def _add_by_key(self) -> None:
        if self.add_button.isEnabled() and not self.form.saving:
            self.add_petition()

    def add_petition(self) -> None:
        """Open a petition form linked to this meeting (saving a new meeting first)."""
        if self.meeting is None:
            self.form.save(after=lambda _rec: self.add_petition())
            return
        m = self.meeting
        dlg = RecordForm(self.ctx, "petition", None, self.form,
                         preset={"meeting_id": m.id, "received_date": m.values.get("date")}, unit_code=m.unit_code)
        dlg.open()
        self.last_dialog = dlg

    def _selected(self) -> Record | None:
        idx = self.view.selectionModel().currentIndex()
        return self.model.record(idx.row()) if idx.isValid() else None

    def edit_selected(self) -> None:
        """Open the selected petition's form (read-only when the account may not change it)."""
        rec = self._selected()
        if rec is not None:
            dlg = RecordForm(self.ctx, "petition", rec, self.form,
                             read_only=bool(self.refusal) or edit_refusal(self.ctx, rec) is not None)
            dlg.open()
            self.last_dialog = dlg

    def delete_selected(self) -> None:
        """Delete the selected petition after asking."""
        rec = self._selected()
        if rec is not None and not self.refusal:
            confirm_and_delete(self.ctx, self, rec)


def confirm_and_delete(ctx: Any, parent: QWidget, rec: Record,
                       done: Callable[[Record], None] | None = None) -> None:
    """Ask, then delete a record (kept as a tombstone so the deletion reaches the district)."""
    k = get_kind(rec.kind)
    title = rec.title if len(rec.title) <= 120 else rec.title[:119] + "…"
    if not ask(parent, f"Xóa {k.label[0].lower() + k.label[1:]} “{title}”?\n\n"
                       "Bản ghi sẽ không còn trong danh sách và số liệu; việc xóa được ghi vào nhật ký và "
                       "chuyển lên cấp trên trong gói dữ liệu.", yes="Xóa", no="Không xóa", danger=True):
        return

    def finished(r: Record) -> None:
        ctx.undo_target = r
        if done is not None:
            done(r)

    ctx.runner.write(lambda: delete_record(ctx.db, ctx.actor, rec.kind, rec.id), finished,
                     lambda f: show_failure(parent, f), owner=parent, label="Đang xóa…")
