"""What the merge screens share: a read-only table model, a table view, Vietnamese times and status lines."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QProgressBar,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from danvan_desktop.domain.vnformat import fmt_int
from danvan_desktop.ui.table_models import RowsModel  # noqa: F401 - screens import the shared base from here

Index = QModelIndex | QPersistentModelIndex

GREEN = "#1b5e20"
RED = "#b00020"
GREY = "#555555"
LATE_BACKGROUND = "#fde2e1"
OK_BACKGROUND = "#e3f1e4"


def local_time(at: dt.datetime) -> dt.datetime:
    """A stored time (naive UTC) in the computer's time zone."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone().replace(tzinfo=None)


def fmt_when(at: dt.datetime | None) -> str:
    """"05/06/2026 14:03" in local time ('' for none)."""
    return "" if at is None else local_time(at).strftime("%d/%m/%Y %H:%M")


def period_label(code: str) -> str:
    """"Quý I năm 2025" for "2025-Q1" (the code itself if it does not read as a period)."""
    from danvan_desktop.domain.periods import parse_period

    try:
        text = parse_period(code).label_vi
    except ValueError:
        return code
    return text[:1].upper() + text[1:]


def count(n: int) -> str:
    """A count with Vietnamese thousands dots."""
    return fmt_int(n)


class ElideMiddle(QStyledItemDelegate):
    """Shortens a cell in the middle ("goi-du-lieu_0…(ban sua).xlsx"): file names differ at their ends."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:  # noqa: N802 - Qt's name
        """The default look, elided in the middle."""
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


FIT = 0  # a column width that means "as wide as its header"


def make_table(model: QAbstractTableModel, widths: tuple[int, ...] = (), *, stretch_last: bool = True,
               elide_middle: tuple[int, ...] = (), parent: QWidget | None = None) -> QTableView:
    """A read-only table showing whole rows, one selected at a time, with column widths (FIT: the header's)."""
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    vh = view.verticalHeader()
    vh.setVisible(False)
    vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vh.setDefaultSectionSize(view.fontMetrics().height() + 10)
    hh = view.horizontalHeader()
    hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    hh.setStretchLastSection(stretch_last)
    hh.setHighlightSections(False)
    fit_columns(view, widths)
    if elide_middle:
        delegate = ElideMiddle(view)
        for c in elide_middle:
            view.setItemDelegateForColumn(c, delegate)
    return view


def fit_columns(view: QTableView, widths: tuple[int, ...]) -> None:
    """Set column widths; FIT makes a column just wide enough for its header text."""
    fm = view.horizontalHeader().fontMetrics()
    model = view.model()
    for i, w in enumerate(widths):
        if w == FIT:
            text = str(model.headerData(i, Qt.Orientation.Horizontal) or "")
            w = max(48, *(fm.horizontalAdvance(line) + 20 for line in text.split("\n")))
        view.setColumnWidth(i, w)


def selected_row(view: QTableView) -> int:
    """The selected row of a table (-1 for none)."""
    sm = view.selectionModel()
    if sm is None:
        return -1
    rows = sm.selectedRows()
    return rows[0].row() if rows else -1


class StatusLine(QLabel):
    """A line under a screen's buttons saying what happened: plain, done (green) or refused (red)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def say(self, text: str, tone: str = "") -> None:
        """Show a text; tone "ok" (green), "error" (red) or "" (plain)."""
        colour = {"ok": GREEN, "error": RED}.get(tone, "")
        self.setStyleSheet(f"color: {colour};" if colour else "")
        self.setText(text)


class WorkProgress(QObject):
    """Progress of a merge task, carried from the worker thread to the UI thread by a queued signal.

    The worker calls `report(file, files, done, total)`; whoever listens to `moved` updates widgets later, on
    the UI thread. (The window's ui/progress.py relay carries one count only; a merge also names the file.)
    """

    moved = Signal(int, int, int, int)

    def report(self, file: int, files: int, done: int = 0, total: int = 0) -> None:
        """Called from the worker thread."""
        try:
            self.moved.emit(int(file), int(files), int(done), int(total))
        except RuntimeError:
            pass  # the screen was closed meanwhile: the work goes on, nobody watches


def show_progress(bar: QProgressBar, file: int, files: int, done: int, total: int) -> None:
    """Put the share of the work done on a bar (files count equally; records inside a file move it on)."""
    if files <= 0:
        bar.setRange(0, 0)
        return
    inside = done / total if total > 0 else 0.0
    bar.setRange(0, 1000)
    bar.setValue(min(1000, round(1000 * ((file - 1) + inside) / files)))
