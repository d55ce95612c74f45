"""The unit's report text in its package: a "Báo cáo" sheet the checksum covers (SPEC §5.1, "travels").

Optional: a package without the sheet (older programs, no report written) stays valid. When present, the
metadata names it (``sheet.report``, ``count.report``) and its rows are hashed as section ``report``, after
the record sections. Long texts are cut into parts below Excel's 32,767 characters per cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from danvan_desktop.exchange.package_format import OPTIONAL_SECTIONS, Col, Column

REPORT_SHEET = "Báo cáo"
REPORT_COLUMNS: tuple[Column, ...] = (
    Column("key", "Mục", Col.TEXT, width=18),
    Column("part", "Phần", Col.INT, width=8),
    Column("heading", "Đề mục", Col.TEXT, width=40),
    Column("text", "Nội dung", Col.TEXT, width=120),
)
OPTIONAL_SECTIONS["report"] = REPORT_COLUMNS
_PART = 30_000  # characters per cell, under Excel's limit


def sheet_rows(texts: Sequence[tuple[str, str, str]]) -> list[list[Any]]:
    """(key, heading, text) per section -> the sheet's rows (key, part, heading, text)."""
    rows: list[list[Any]] = []
    for key, heading, text in texts:
        for i in range(0, max(len(text), 1), _PART):
            rows.append([key, i // _PART + 1, heading, text[i:i + _PART]])
    return rows


def meta_rows(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """The metadata rows naming the sheet (none when there is nothing to send)."""
    if not rows:
        return []
    return [["sheet.report", REPORT_SHEET, "Tên trang nội dung báo cáo của đơn vị"],
            ["count.report", len(rows), "Số dòng trang “Báo cáo”"]]


def write_sheet(wb: Any, h: Any, rows: Sequence[Sequence[Any]], sheet_writer: Any, simple_row: Any) -> None:
    """Write and hash the sheet (package.py passes its sheet writer and row writer)."""
    if not rows:
        return
    w = sheet_writer(wb, REPORT_SHEET, REPORT_COLUMNS)
    h.section("report")
    h.row([c.key for c in REPORT_COLUMNS])
    for r in rows:
        simple_row(w, h, list(r))
    w.finish()


def read_texts(reader: Any) -> list[tuple[str, str, str]]:
    """The sender's texts (key, heading, text), hashed as they are read; [] when the package has no sheet.

    Call after the records and before verify(): the checksum covers this section last.
    """
    title = reader.meta.sheets.get("report")
    if not title:
        return []
    parts: dict[str, tuple[str, list[tuple[int, str]]]] = {}
    count = 0
    for _rownum, cols, typed, _canon in reader._table("report", title):
        count += 1
        pos = {c.key: i for i, c in cols.items()}
        if not {"key", "text"} <= set(pos):
            continue
        key = str(typed[pos["key"]] or "")
        part = typed[pos["part"]] if "part" in pos and isinstance(typed[pos["part"]], int) else 1
        heading = str(typed[pos["heading"]] or "") if "heading" in pos else ""
        text = str(typed[pos["text"]] or "")
        if key:
            parts.setdefault(key, (heading, []))[1].append((part, text))
    if count != reader.meta.counts.get("report", 0):
        reader._problem(f"Số dòng trang “{title}” ({count}) khác số ghi trong trang “Thông tin”.")
    return [(k, heading, "".join(t for _, t in sorted(ps))) for k, (heading, ps) in parts.items()]
