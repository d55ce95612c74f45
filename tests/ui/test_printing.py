"""Printing the report: the same PDF painted on a printer (here a PDF-file printer) and in the print preview."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewWidget

from danvan_desktop.domain.periods import parse_period
from danvan_desktop.exchange.report import report_pdf_bytes
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.records import add_record
from danvan_desktop.services.setup import UnitSpec, init_office
from danvan_desktop.ui import printing
from danvan_desktop.ui.printing import PREVIEW_DPI, make_print_preview, page_count, prepare_printer, print_pdf

ADMIN = Actor("admin", "admin", "Quản trị", religion_access=True)

needs_poppler = pytest.mark.skipif(not shutil.which("pdfinfo"), reason="needs poppler-utils (pdfinfo)")


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A commune's monthly report as the window gets it for printing."""
    db = init_office(tmp_path_factory.mktemp("in") / "banbo.db", UnitSpec("03424", "Xã Bản Bo", "xa", "2025"),
                     [UnitSpec("12", "Tỉnh Lai Châu", "tinh", "2025")], "admin", "matkhau123")
    add_record(db, ADMIN, "meeting", {"kind": "doi_thoai", "title": "Đối thoại với Nhân dân về đất đai",
                                      "date": date(2026, 5, 6), "participants": 120, "women": 50})
    data = report_pdf_bytes(db, ADMIN, parse_period("2026-05"), issued_on=date(2026, 6, 5))
    db.close()
    return data


def file_printer(path: Path) -> QPrinter:
    """A printer that writes a PDF file, set up as the preview dialog sets up a real one."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    prepare_printer(printer, "Báo cáo tháng 5 năm 2026")
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def pdfinfo(path: Path) -> str:
    """What poppler's pdfinfo says about a file."""
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout


def greys(data: bytes, index: int) -> list[int]:
    """A page as 150×212 grey levels, for comparing where the ink is."""
    doc = pdfium.PdfDocument(data)
    try:
        image = printing.render_page(doc, index, 40).scaled(150, 212)  # both A4, rounded a pixel apart
    finally:
        doc.close()
    image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    return [image.pixelColor(x, y).value() for y in range(image.height()) for x in range(image.width())]


def ink_box(pixels: list[int], width: int = 150) -> tuple[int, int, int, int] | None:
    """Left, top, right, bottom of the dark pixels of a page image."""
    dark = [i for i, v in enumerate(pixels) if v < 128]
    if not dark:
        return None
    xs, ys = [i % width for i in dark], [i // width for i in dark]
    return min(xs), min(ys), max(xs), max(ys)


@needs_poppler
def test_printing_paints_every_page_in_place_on_a4(qtbot, report_pdf: bytes, tmp_path: Path) -> None:
    out = tmp_path / "printed.pdf"
    printer = file_printer(out)
    painted = print_pdf(printer, report_pdf)
    info = pdfinfo(out)
    assert painted == page_count(report_pdf) >= 3
    assert re.search(r"^Pages:\s+(\d+)", info, re.M).group(1) == str(painted)  # type: ignore[union-attr]
    assert "(A4)" in info
    # The printed page carries the same ink in the same places as the report (not shifted or shrunk).
    original, printed = greys(report_pdf, 0), greys(out.read_bytes(), 0)
    assert ink_box(printed) is not None  # there is text on it
    # Thin table rules rasterised twice may land a pixel or so apart; a misplaced page is off by tens.
    for a, b in zip(ink_box(original), ink_box(printed), strict=True):  # type: ignore[arg-type]
        assert abs(a - b) <= 4
    # Rasterised twice, the edges differ a little; the ink itself must match.
    assert sum(abs(a - b) for a, b in zip(original, printed, strict=True)) / len(original) < 10


@needs_poppler
def test_printing_honours_the_chosen_page_range(qtbot, report_pdf: bytes, tmp_path: Path) -> None:
    out = tmp_path / "pages-2-3.pdf"
    printer = file_printer(out)
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    printer.setFromTo(2, 3)
    assert print_pdf(printer, report_pdf) == 2
    assert re.search(r"^Pages:\s+2$", pdfinfo(out), re.M)


def test_preview_opens_with_every_page_and_closes(qtbot, report_pdf: bytes,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    resolutions: list[float] = []
    render = printing.render_page

    def spy(doc, index, dpi):  # noqa: ANN001, ANN202
        resolutions.append(dpi)
        return render(doc, index, dpi)

    monkeypatch.setattr(printing, "render_page", spy)
    dialog = make_print_preview(None, report_pdf, "Báo cáo tháng 5 năm 2026")
    qtbot.addWidget(dialog)
    assert isinstance(getattr(dialog, "printer_ref", None), QPrinter)  # the printer lives as long as the dialog
    assert "Báo cáo tháng 5 năm 2026" in dialog.windowTitle()
    dialog.show()  # not exec(): a modal loop would block the test
    preview = dialog.findChild(QPrintPreviewWidget)
    assert preview is not None
    qtbot.waitUntil(lambda: preview.pageCount() == page_count(report_pdf), timeout=10_000)
    # The preview draws at screen resolution: every page held as a picture must stay small.
    assert resolutions and set(resolutions) == {PREVIEW_DPI}
    dialog.close()
    assert not dialog.isVisible()
