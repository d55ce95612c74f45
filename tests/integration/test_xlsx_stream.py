"""The streaming .xlsx reader (exchange/xlsx_rows.py) reads the values python-calamine reads, from files
written by openpyxl, by our package writer and by LibreOffice, and holds memory bounded by a row, not a sheet.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from danvan_desktop.exchange.package import export_package
from danvan_desktop.exchange.xlsx_rows import XlsxBook
from danvan_desktop.exchange.xlsx_safety import UnsafeFile
from tests.integration.test_package_support import ADMIN, Q1, commune, libreoffice_resave, needs_soffice, seed

ROOT = Path(__file__).resolve().parents[2]


def calamine_rows(path: Path, title: str) -> list[tuple[int, list[Any]]]:
    """The reference: python-calamine's values, as the reader before this one gave them."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    try:
        sheet = wb.get_sheet_by_name(title)
        pad: list[Any] = [None] * (sheet.start or (0, 0))[1]  # rows come from row 1, columns from the first used
        out = []
        for i, raw in enumerate(sheet.iter_rows()):
            row = pad + [None if v == "" else v for v in raw]
            while row and row[-1] is None:
                row.pop()
            if row:
                out.append((i + 1, row))
        return out
    finally:
        wb.close()


def assert_same_as_calamine(path: Path) -> int:
    with XlsxBook(path) as book:
        titles = list(book.sheets)
        n = 0
        for title in titles:
            ours = list(book.rows(title))
            assert ours == calamine_rows(path, title), title
            n += len(ours)
    return n


def odd_workbook(path: Path) -> None:
    """Every kind of cell a person's spreadsheet may hold (openpyxl writes inline strings; LibreOffice, re-saving
    it below, shared strings)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Một"
    ws.append(["Chữ có dấu", 1, 1.5, -2.25e-7, True, False, dt.date(2025, 3, 1), dt.datetime(2025, 3, 1, 8, 9, 10),
               dt.time(7, 30), dt.timedelta(hours=30), "=1+1", "#N/A", "", None, "a_x0041_b", "  cách  "])
    ws.append([None, None, "sau hai ô trống"])
    ws["D5"] = dt.datetime(1900, 1, 15, 12, 0)
    ws["A6"] = dt.datetime(1900, 2, 28)
    for ref, value, fmt in [("E6", 0.25, "hh:mm"), ("F7", 45000, "[$-42A]dd/mm/yyyy"), ("G8", 45000, '"Ngày" 0'),
                            ("H9", 45000.5, "yyyy-mm-dd h:mm AM/PM"), ("A10", 45000, "[h]:mm"),
                            ("B11", 12, "0.00;[Red]-0.00"), ("C12", 30, "mm:ss"), ("D13", 3, "0%"),
                            ("E14", 45000, r"d\-m\-yyyy"), ("F15", 45000, "@")]:
        ws[ref] = value
        ws[ref].number_format = fmt
    ws["A16"] = CellRichText(["Đậm ", TextBlock(InlineFont(b=True), "và thường")])
    wb.create_sheet("Hai")["C3"] = "không bắt đầu ở A1"
    wb["Hai"]["D4"] = 2
    wb.save(path)


def test_the_reader_reads_what_calamine_reads_from_a_persons_spreadsheet(tmp_path):
    path = tmp_path / "odd.xlsx"
    odd_workbook(path)
    assert assert_same_as_calamine(path) == 16
    with XlsxBook(path) as book:
        first = dict(book.rows("Một"))[1]
        assert first[6:10] == [dt.date(2025, 3, 1), dt.datetime(2025, 3, 1, 8, 9, 10), dt.time(7, 30),
                               dt.timedelta(hours=30)]
        assert first[11] is None and first[12] is None and first[14] == "aAb"
        assert dict(book.rows("Hai")) == {3: [None, None, "không bắt đầu ở A1"], 4: [None, None, None, 2.0]}


@needs_soffice
def test_the_reader_reads_what_calamine_reads_from_libreoffice_files(tmp_path):
    path = tmp_path / "odd.xlsx"
    odd_workbook(path)
    again = libreoffice_resave(path, tmp_path / "lo-out", tmp_path / "lo")
    assert assert_same_as_calamine(again) == 16


def test_the_reader_reads_what_calamine_reads_from_a_package(tmp_path):
    src = commune(tmp_path, "X1")
    seed(src, "X1", scale=3)
    out = tmp_path / "x1.xlsx"
    export_package(src, ADMIN, Q1, out)
    assert assert_same_as_calamine(out) > 20


def _sheet_of(rows: int) -> str:
    cells = "".join(f'<c r="{c}{{r}}" t="inlineStr"><is><t>Đề nghị sửa đường liên bản số {{r}} cột {c}</t></is></c>'
                    for c in "ABCDEFGHIJ")
    body = "".join(f'<row r="{r}">' + cells.format(r=r) + "</row>" for r in range(1, rows + 1))
    return ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            f"{body}</sheetData></worksheet>")


def _book_with_rows(path: Path, rows: int) -> None:
    wb = Workbook()
    wb.active.title = "T"
    wb.active["A1"] = "x"
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = _sheet_of(rows).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)


_PEAK = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[2])
    from scripts.bench_memory import peak_rss_mb
    from danvan_desktop.exchange.xlsx_rows import XlsxBook
    base = peak_rss_mb()
    with XlsxBook(sys.argv[1]) as book:
        n = sum(1 for _ in book.rows("T"))
    print(n, peak_rss_mb() - base)
""")


def _growth(path: Path) -> tuple[int, float]:
    out = subprocess.run([sys.executable, "-c", _PEAK, str(path), str(ROOT)], capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0]), float(out[1])


def test_memory_is_bounded_by_a_row_not_by_the_sheet(tmp_path):
    small, big = tmp_path / "small.xlsx", tmp_path / "big.xlsx"
    _book_with_rows(small, 2_000)
    _book_with_rows(big, 60_000)  # ~60 MB of sheet XML; a whole-sheet reader holds ~40 MB more than for 2,000
    n_small, small_mb = _growth(small)
    n_big, big_mb = _growth(big)
    assert (n_small, n_big) == (2_000, 60_000)
    assert big_mb - small_mb < 15, (small_mb, big_mb)


def test_a_shared_string_that_is_not_there_is_damage(tmp_path):
    path = tmp_path / "s.xlsx"
    odd_workbook(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = re.sub(rb't="inlineStr"><is><t[^>]*>[^<]*</t></is>', b't="s"><v>999</v>',
                                               sheet, count=1)
    assert parts["xl/worksheets/sheet1.xml"] != sheet
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    with XlsxBook(path) as book, pytest.raises(UnsafeFile) as e:
        list(book.rows("Một"))
    assert e.value.reason == "damaged" and "bị hỏng" in str(e.value)
