"""The one read-only table model over a list of Python objects, shared by the screens' small tables."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

Index = QModelIndex | QPersistentModelIndex


class RowsModel(QAbstractTableModel):
    """A read-only table of Python objects: `cells(item)` gives the texts of a row.

    `NUMERIC` columns are right-aligned, `CENTERED` ones centred; `foreground`/`background` may colour a cell;
    `tooltip` may explain it.
    """

    HEADERS: tuple[str, ...] = ()
    NUMERIC: frozenset[int] = frozenset()
    CENTERED: frozenset[int] = frozenset()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def set_rows(self, rows: list[Any]) -> None:
        """Show another list."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        """Every item shown."""
        return list(self._rows)

    def row(self, i: int) -> Any:
        """The item on a row (None outside)."""
        return self._rows[i] if 0 <= i < len(self._rows) else None

    def cells(self, item: Any) -> tuple[str, ...]:
        """The texts of one row."""
        raise NotImplementedError

    def tooltip(self, item: Any, column: int) -> str:
        """The tooltip of a cell (default: its whole text, for elided ones)."""
        return self.cells(item)[column]

    def foreground(self, item: Any, column: int) -> str | None:
        """A text colour for a cell, or None."""
        return None

    def background(self, item: Any, column: int) -> str | None:
        """A background colour for a cell, or None."""
        return None

    def header_tooltip(self, section: int) -> str | None:
        """A tooltip for a column header, or None."""
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt's API
        """One row per item."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        """Fixed columns."""
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Vietnamese column names."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.header_tooltip(section)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Texts, alignment, colours and tooltips of a cell."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows) or not 0 <= index.column() < len(
                self.HEADERS):
            return None
        item, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cells(item)[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(item, col) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in self.NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in self.CENTERED:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            c = self.foreground(item, col)
            return QBrush(QColor(c)) if c else None
        if role == Qt.ItemDataRole.BackgroundRole:
            c = self.background(item, col)
            return QBrush(QColor(c)) if c else None
        return None
