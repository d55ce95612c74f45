"""The one reader of untrusted .xlsx files (packages and entry templates): python-calamine, after the guards.

calamine (Rust) reads any producer's cells — our own writer's inline strings, Excel's and LibreOffice's shared
strings, "_xHHHH_" escapes decoded as spreadsheet programs decode them — about 3× faster than the hand-written
parser it replaces and 10× faster than openpyxl (PLATFORM-NOTES). Before calamine opens a file, the zip-bomb
limits and the DTD/entity refusal of exchange/xlsx_safety.py run on the raw zip.

Rows come out as (row number, list of cell values: str, float, bool, date, datetime, time, None), without
trailing empty cells; rows with no value at all are skipped and "" counts as empty. Whole numbers come as
floats (120.0): readers type them (package_format.read_cell, domain/validation.parse_value).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from danvan_desktop.exchange.xlsx_safety import DEFAULT_LIMITS, UnsafeFile, ZipLimits, open_checked_zip, refuse_dtd

__all__ = ["XlsxBook", "CellValue"]

CellValue = Any  # str | float | bool | date | datetime | time | None

# Besides its own CalamineError family, calamine surfaces a few Python errors for broken files.
_BROKEN = (CalamineError, ValueError, OSError, IndexError, KeyError, TypeError)


def _trimmed(row: list[CellValue]) -> list[CellValue]:
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return row[:end] if end < len(row) else row


class XlsxBook:
    """An .xlsx opened for reading after the zip-bomb and entity checks: its sheet titles and their rows."""

    def __init__(self, path: Path | str, limits: ZipLimits = DEFAULT_LIMITS) -> None:
        """Check the file, then open it (UnsafeFile if it is not a sound .xlsx)."""
        self.path = Path(path)
        with open_checked_zip(self.path, limits) as zf:
            if "xl/workbook.xml" not in zf.namelist() and "xl/workbook.bin" not in zf.namelist():
                raise UnsafeFile("not_xlsx", f"Tệp “{self.path.name}” không phải tệp Excel (.xlsx).")
            refuse_dtd(zf, self.path.name)
        try:
            self._wb = CalamineWorkbook.from_path(str(self.path))
            names = list(self._wb.sheet_names)
        except _BROKEN as e:
            raise UnsafeFile("not_xlsx", f"Tệp “{self.path.name}” không phải tệp Excel hợp lệ.",
                             f"{type(e).__name__}: {e}") from e
        self.sheets: dict[str, str] = {n: n for n in names}  # title → title (kept as a mapping for callers)

    def __enter__(self) -> XlsxBook:
        """Use as a context manager."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the file."""
        self.close()

    def close(self) -> None:
        """Release the file."""
        try:
            self._wb.close()
        except CalamineError:
            pass  # already closed

    def rows(self, title: str) -> Iterator[tuple[int, list[CellValue]]]:
        """The non-empty rows of a sheet, in order; UnsafeFile("damaged") if the file breaks while reading."""
        try:
            sheet = self._wb.get_sheet_by_name(title)
            start = sheet.start or (0, 0)
            rows = sheet.iter_rows()
        except _BROKEN as e:
            # A bad CRC, a truncated member, a shared string that is not there: this file, not the program.
            raise UnsafeFile("damaged", f"Tệp “{self.path.name}” bị hỏng, không đọc được trang “{title}”.",
                             f"{type(e).__name__}: {e}") from e
        pad: list[CellValue] = [None] * start[1]
        for i, raw in enumerate(rows):
            row = _trimmed(pad + [None if v == "" else v for v in raw])
            if row:
                yield start[0] + i + 1, row
