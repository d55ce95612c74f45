"""Editors for each field type (dates, numbers, lists, units, links) and small shared widgets."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QRegularExpression, Qt, Signal
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator, QWheelEvent
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.domain.fields import Field, FieldType
from danvan_desktop.domain.vnformat import fmt_date, parse_date_typed, weekday_vn
from danvan_desktop.domain.vocab import Vocabulary
from danvan_desktop.ui.error_label import ErrorLabel as ErrorLabel  # the forms import it from here

if TYPE_CHECKING:  # the sign-in uses these widgets before the data layer is imported
    from danvan_desktop.services.units import UnitInfo

INDENT = "    "


def to_qdate(d: dt.date) -> QDate:
    """A Python date as a QDate."""
    return QDate(d.year, d.month, d.day)


def from_qdate(d: QDate) -> dt.date:
    """A QDate as a Python date."""
    return dt.date(d.year(), d.month(), d.day())


class BusyDialog(QDialog):
    """A small modal window with a moving bar while start-up work runs in the background."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Dialog | Qt.WindowType.CustomizeWindowHint
                         | Qt.WindowType.WindowTitleHint)
        self.setWindowTitle("Dân vận")
        self.setModal(True)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(text))
        bar = QProgressBar()
        bar.setRange(0, 0)
        bar.setTextVisible(False)
        lay.addWidget(bar)
        self.setMinimumWidth(360)

    def reject(self) -> None:
        """Esc does not close it: the work cannot be abandoned half-way."""


class DateField(QWidget):
    """A date typed as people type it (05/03/2025, 5/3/2025, 05032025, 5/3/25) or picked from a calendar.

    One box, so one Tab in and one Tab out (the calendar button takes no focus; Alt+Down or F4 opens it).
    Beside the box it says what it understood ("Thứ Tư, 05/03/2025"); an impossible date is reported by
    problem() in Vietnamese, and value() is then None. Leaving the box writes the date as dd/mm/yyyy.
    `changed` fires when the understood value changes and when the box is left.
    """

    changed = Signal()

    def __init__(self, optional: bool, parent: QWidget | None = None, *, compact: bool = False) -> None:
        super().__init__(parent)
        self._optional = optional
        self._last: tuple[dt.date | None, str] = (None, "")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.edit = _DateLineEdit(self)
        self.edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9/.\- ]{0,12}"), self.edit))
        self.edit.setPlaceholderText("ngày/tháng/năm")
        fm = self.edit.fontMetrics()
        self.edit.setFixedWidth(max(fm.horizontalAdvance("00/00/00000"), fm.horizontalAdvance("ngày/tháng/năm")) + 16)
        self.button = QToolButton(self)
        self.button.setText("▾")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.setToolTip("Chọn trên lịch (Alt+↓)")
        self.button.clicked.connect(self.open_calendar)
        self.understood = QLabel(self)
        self.understood.setStyleSheet("color: #555;")
        self.understood.setVisible(not compact)
        lay.addWidget(self.edit)
        lay.addWidget(self.button)
        lay.addWidget(self.understood, 1)
        self.setFocusProxy(self.edit)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        tip = "Nhập ngày/tháng/năm, ví dụ 05/03/2025, 5/3/25 hoặc 05032025; hoặc chọn trên lịch (Alt+↓)."
        self.setToolTip(tip + (" Để trống nếu chưa có." if optional else ""))
        self.edit.textChanged.connect(self._text_changed)
        self.edit.editingFinished.connect(self._finished)
        self.edit.calendarRequested.connect(self.open_calendar)
        self.popup: QCalendarWidget | None = None

    # -- reading and writing ------------------------------------------------------------------------------

    def text(self) -> str:
        """What the box holds, as typed."""
        return self.edit.text()

    def _parse(self) -> tuple[dt.date | None, str]:
        t = self.edit.text().strip()
        if not t:
            return None, ""
        try:
            d = parse_date_typed(t)
        except ValueError as e:
            return None, str(e)
        if not 1900 <= d.year <= 2999:
            return None, f"năm {d.year} không hợp lệ"
        return d, ""

    def is_empty(self) -> bool:
        """Whether nothing is typed."""
        return not self.edit.text().strip()

    def value(self) -> dt.date | None:
        """The date understood, or None (empty, unfinished or impossible: see problem())."""
        return self._parse()[0]

    def problem(self) -> str:
        """Why the text is not a date ('' when it is one or the box is empty)."""
        return self._parse()[1]

    def set_value(self, v: dt.date | None) -> None:
        """Show a date (None: empty)."""
        self.edit.setText("" if v is None else fmt_date(v))
        self._finished()

    def _text_changed(self, _t: str) -> None:
        d, _p = self._parse()
        self.understood.setText(f"{weekday_vn(d)}, {fmt_date(d)}" if d is not None else "")
        if d != self._last[0]:
            self._last = (d, self._last[1])
            self.changed.emit()

    def _finished(self) -> None:
        d, p = self._parse()
        if d is not None and self.edit.text() != fmt_date(d):
            self.edit.setText(fmt_date(d))  # show what was understood, in the one written form
        if (d, p) != self._last:
            self._last = (d, p)
        self.changed.emit()

    # -- calendar -----------------------------------------------------------------------------------------

    def open_calendar(self) -> QCalendarWidget:
        """The calendar under the box, on the date shown (or this month); a click or Enter picks a day."""
        cal = QCalendarWidget(self)
        cal.setWindowFlags(Qt.WindowType.Popup)
        cal.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        cal.setGridVisible(True)
        cal.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        d = self.value()
        cal.setSelectedDate(to_qdate(d) if d is not None else QDate.currentDate())
        cal.activated.connect(lambda q: self._picked(cal, q))
        cal.clicked.connect(lambda q: self._picked(cal, q))
        cal.move(self.edit.mapToGlobal(self.edit.rect().bottomLeft()))
        cal.show()
        cal.setFocus()
        self.popup = cal
        return cal

    def _picked(self, cal: QCalendarWidget, q: QDate) -> None:
        self.set_value(from_qdate(q))
        cal.close()
        self.popup = None
        self.edit.setFocus(Qt.FocusReason.PopupFocusReason)


class _DateLineEdit(QLineEdit):
    """The box of a DateField: Alt+Down or F4 asks for the calendar."""

    calendarRequested = Signal()

    def keyPressEvent(self, e: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Alt+Down and F4 open the calendar; other keys type."""
        alt_down = e.key() == Qt.Key.Key_Down and e.modifiers() & Qt.KeyboardModifier.AltModifier
        if alt_down or e.key() == Qt.Key.Key_F4:
            self.calendarRequested.emit()
            return
        super().keyPressEvent(e)


class IntField(QLineEdit):
    """A whole number ≥ 0; letters and signs are refused as they are typed."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9]{0,9}"), self))
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setMaximumWidth(160)
        self.textChanged.connect(lambda _t: self.changed.emit())

    def value(self) -> int | None:
        """The number, or None when empty."""
        t = self.text().strip()
        return int(t) if t else None

    def set_value(self, v: int | None) -> None:
        """Show a number (None: empty)."""
        self.setText("" if v is None else str(v))


class TextField(QLineEdit):
    """One line of text."""

    changed = Signal()

    def __init__(self, max_len: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMaxLength(max_len + 100)  # a little over, so the rule's message explains the limit
        self.textChanged.connect(lambda _t: self.changed.emit())

    def value(self) -> str:
        """The text as typed."""
        return self.text()

    def set_value(self, v: Any) -> None:
        """Show a text."""
        self.setText("" if v is None else str(v))


class LongTextField(QPlainTextEdit):
    """Several lines of text; Tab moves on to the next field, Ctrl+Enter asks the form to save."""

    changed = Signal()
    submitRequested = Signal()
    nextRequested = Signal()  # Ctrl+Shift+Enter: save and start the next record

    def keyPressEvent(self, e: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Enter starts a new line; Ctrl+Enter saves the form (Ctrl+Shift+Enter: and starts the next)."""
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and e.modifiers() & Qt.KeyboardModifier.ControlModifier:
            if e.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.nextRequested.emit()
            else:
                self.submitRequested.emit()
            return
        super().keyPressEvent(e)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        self.textChanged.connect(self.changed.emit)

    def value(self) -> str:
        """The text as typed."""
        return self.toPlainText()

    def set_value(self, v: Any) -> None:
        """Show a text."""
        self.setPlainText("" if v is None else str(v))


class QuietCombo(QComboBox):
    """A drop-down the mouse wheel cannot change unless it has the focus (the wheel then scrolls the form)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel does not take the focus either

    def wheelEvent(self, e: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        """Pass the wheel on to the scrolling form unless the person is working in this drop-down."""
        if self.hasFocus():
            super().wheelEvent(e)
        else:
            e.ignore()


CHOOSE = "— Chọn —"


class EnumField(QuietCombo):
    """A closed list shown by its Vietnamese labels; it starts empty, so nothing is chosen by default.

    A required list shows "— Chọn —" until a value is picked, and the form names it if it is left so.
    """

    changed = Signal()

    def __init__(self, vocab: Vocabulary, optional: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.addItem("" if optional else CHOOSE, None)
        for key, label in vocab.items:
            self.addItem(label, key)
        self.currentIndexChanged.connect(lambda _i: self.changed.emit())

    def value(self) -> str | None:
        """The chosen key (None: nothing chosen)."""
        return self.currentData()

    def set_value(self, key: str | None) -> None:
        """Choose by key (None or unknown: nothing chosen)."""
        i = self.findData(key) if key is not None else 0
        self.setCurrentIndex(i if i >= 0 else 0)

    def select_label(self, label: str) -> None:
        """Choose by the label a person reads (for tests and keyboard-free use)."""
        i = self.findText(label)
        if i < 0:
            raise KeyError(label)
        self.setCurrentIndex(i)


class BoolField(QCheckBox):
    """Yes or no."""

    changed = Signal()

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.toggled.connect(lambda _b: self.changed.emit())

    def value(self) -> bool:
        """Whether it is ticked."""
        return self.isChecked()

    def set_value(self, v: Any) -> None:
        """Tick or untick."""
        self.setChecked(bool(v))


class UnitField(QuietCombo):
    """One unit of the office's tree, indented by level."""

    changed = Signal()

    def __init__(self, units: list[UnitInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._key_of_uid = {u.uid: u.key for u in units if u.uid}
        for u in units:
            self.addItem(INDENT * u.depth + u.name, u.key)  # the key: villages of two communes may share a code
        self.currentIndexChanged.connect(lambda _i: self.changed.emit())

    def value(self) -> str | None:
        """The chosen unit's key (its code, or "PARENT/CODE" where another unit shares the code)."""
        return self.currentData()

    def set_value(self, code: str | None, uid: str = "") -> None:
        """Choose a unit by its identity if given, else by key or code (unknown: the first, the home unit)."""
        i = self.findData(self._key_of_uid.get(uid, code))
        self.setCurrentIndex(i if i >= 0 else 0)


class UnitsDialog(QDialog):
    """Tick several units of the tree."""

    def __init__(self, units: list[UnitInfo], chosen: tuple[str, ...], title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        lay = QVBoxLayout(self)
        self.list = QListWidget()
        for u in units:
            item = QListWidgetItem(INDENT * u.depth + u.name)
            item.setData(Qt.ItemDataRole.UserRole, u.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if u.code in chosen else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        lay.addWidget(self.list)
        row = QHBoxLayout()
        row.addStretch(1)
        ok = QPushButton("Chọn")
        ok.setDefault(True)
        cancel = QPushButton("Hủy")
        ok.clicked.connect(self.accept)
        cancel.clicked.connect(self.reject)
        row.addWidget(ok)
        row.addWidget(cancel)
        lay.addLayout(row)
        self.resize(420, 420)

    def chosen(self) -> tuple[str, ...]:
        """The ticked units' codes, in tree order."""
        out = []
        for i in range(self.list.count()):
            it = self.list.item(i)
            if it.checkState() == Qt.CheckState.Checked:
                out.append(it.data(Qt.ItemDataRole.UserRole))
        return tuple(out)


class UnitsField(QWidget):
    """Several units: their names in a box and a button to choose them."""

    changed = Signal()

    def __init__(self, units: list[UnitInfo], title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._units = units
        self._title = title
        self._codes: tuple[str, ...] = ()
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.summary = QLineEdit()
        self.summary.setReadOnly(True)
        self.summary.setPlaceholderText("Chưa chọn đơn vị nào")
        self.button = QPushButton("Chọn…")
        self.button.setAutoDefault(False)
        self.button.clicked.connect(self._choose)
        lay.addWidget(self.summary, 1)
        lay.addWidget(self.button)
        self.setFocusProxy(self.button)

    def _choose(self) -> None:
        dlg = UnitsDialog(self._units, self._codes, self._title, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.set_value(dlg.chosen())

    def value(self) -> tuple[str, ...]:
        """The chosen unit codes."""
        return self._codes

    def set_value(self, codes: Any) -> None:
        """Show chosen units by code."""
        self._codes = tuple(codes or ())
        names = {u.code: u.name for u in self._units}
        self.summary.setText("; ".join(names.get(c, c) for c in self._codes))
        self.changed.emit()


class LinkField(QuietCombo):
    """A link to a record of another kind (a petition's meeting, a check's site), newest first."""

    changed = Signal()
    loaded = Signal()
    LIMIT = 300

    def __init__(self, ctx: Any, f: Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from danvan_desktop.domain.kinds import kind

        assert f.ref_kind is not None
        self._ctx = ctx
        self._ref_kind = kind(f.ref_kind)
        self._wanted: str | None = None
        self.is_loaded = False
        self.addItem(f"— Không gắn với {self._ref_kind.label.lower()} nào —", None)
        self.setMinimumContentsLength(30)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self._load()

    @staticmethod
    def describe(rec: Any) -> str:
        """How a linked record reads in the list: date, title, unit."""
        from danvan_desktop.domain.kinds import kind
        from danvan_desktop.domain.vnformat import fmt_date  # Babel: not needed by the sign-in, so loaded here

        k = kind(rec.kind)
        title = rec.title if len(rec.title) <= 80 else rec.title[:79] + "…"
        when = rec.values.get(k.event_field) if k.event_field else None
        head = f"{fmt_date(when)} · " if isinstance(when, dt.date) else ""
        return f"{head}{title} ({rec.unit_name})"

    def _load(self) -> None:
        from danvan_desktop.services.records import RecordQuery, list_records

        ctx, key = self._ctx, self._ref_kind.key

        def fetch() -> Any:
            return list_records(ctx.db, ctx.actor, key, RecordQuery(limit=self.LIMIT)).rows

        def done(rows: list[Any]) -> None:
            keep = self._wanted if self._wanted is not None else self.currentData()
            self.blockSignals(True)
            for r in rows:
                if self.findData(r.id) < 0:
                    self.addItem(self.describe(r), r.id)
            self.blockSignals(False)
            self.is_loaded = True
            self._select(keep)
            self.loaded.emit()

        ctx.runner.run(fetch, done, owner=self, label="Đang tải danh sách…")

    def _select(self, rid: str | None) -> None:
        from danvan_desktop.services.records import get_record

        if rid is None:
            self.setCurrentIndex(0)
            return
        i = self.findData(rid)
        if i >= 0:
            self._wanted = None
            self.setCurrentIndex(i)
            return
        self._wanted = rid
        if not self.is_loaded:
            return
        ctx, key = self._ctx, self._ref_kind.key

        def done(rec: Any) -> None:
            if self.findData(rec.id) < 0:
                self.addItem(self.describe(rec), rec.id)
            self._select(rec.id)

        ctx.runner.run(lambda: get_record(ctx.db, ctx.actor, key, rid), done, lambda _f: None, owner=self)

    def value(self) -> str | None:
        """The linked record's id (None: no link)."""
        if self._wanted is not None:
            return self._wanted
        return self.currentData()

    def set_value(self, rid: Any) -> None:
        """Link to a record by id."""
        self._select(rid or None)


def make_editor(ctx: Any, f: Field) -> QWidget:
    """The editor widget for one field declaration (each has value(), set_value() and a `changed` signal)."""
    match f.type:
        case FieldType.TEXT:
            return TextField(f.max_len)
        case FieldType.LONGTEXT:
            return LongTextField()
        case FieldType.INT:
            return IntField()
        case FieldType.DATE:
            return DateField(optional=not f.required)
        case FieldType.ENUM:
            assert f.vocab is not None
            return EnumField(f.vocab, optional=not f.required)
        case FieldType.BOOL:
            return BoolField()
        case FieldType.REF:
            return LinkField(ctx, f)
        case FieldType.UNITS:
            return UnitsField(ctx.units, f.label)
    raise AssertionError(f.type)


def hidden_progress_bar(*, indeterminate: bool = False) -> QProgressBar:
    """The thin progress bar the work screens show under their buttons while something runs."""
    bar = QProgressBar()
    if indeterminate:
        bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.setMaximumHeight(16)
    bar.setVisible(False)
    return bar
