"""Printing a report: a print preview and any installed printer, painting the pages of the very same PDF."""

from __future__ import annotations

from collections.abc import Sequence

import pypdfium2 as pdfium
from PySide6.QtCore import QMarginsF, QRectF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPaintEngine, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

__all__ = ["PREVIEW_DPI", "PRINT_DPI", "PrintError", "make_print_preview", "page_count", "prepare_printer",
           "print_pdf", "render_page", "show_print_preview"]

# Text prints crisply at 300 dpi; more only costs memory (an A4 page at 1200 dpi is 140 million pixels).
PRINT_DPI = 300
# The preview keeps every page as a picture in memory: screen resolution is enough there.
PREVIEW_DPI = 110


class PrintError(Exception):
    """Printing could not start; the message is Vietnamese and meant for the user."""


def page_count(pdf_bytes: bytes) -> int:
    """Number of pages of a PDF."""
    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        return len(doc)
    finally:
        doc.close()


def render_page(doc: pdfium.PdfDocument, index: int, dpi: float) -> QImage:
    """Rasterise one page at a resolution, in greyscale (the reports are black on white)."""
    page = doc[index]
    try:
        bitmap = page.render(scale=dpi / 72, grayscale=True, rev_byteorder=True, optimize_mode="print")
        try:
            fmt = {1: QImage.Format.Format_Grayscale8, 3: QImage.Format.Format_RGB888,
                   4: QImage.Format.Format_RGBX8888}[bitmap.n_channels]
            image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, fmt)
            # The QImage only borrows pdfium's buffer: copy it before the bitmap is freed.
            return image.copy()
        finally:
            bitmap.close()
    finally:
        page.close()


def _page_size(doc: pdfium.PdfDocument, index: int) -> tuple[float, float]:
    """Width and height of a page in points."""
    page = doc[index]
    try:
        width, height = page.get_size()
        return float(width), float(height)
    finally:
        page.close()


def prepare_printer(printer: QPrinter, title: str = "") -> None:
    """Set A4 portrait with no margins of its own: the PDF pages already carry the official margins."""
    printer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                      QMarginsF(0, 0, 0, 0)))
    printer.setFullPage(True)
    if title:
        printer.setDocName(title)


def _pages(printer: QPrinter, total: int) -> Sequence[int]:
    """Indexes of the pages to print: the range chosen in the print dialog, in the order asked for."""
    first, last = 0, total - 1
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        first = max(printer.fromPage() - 1, 0)
        last = min(printer.toPage() - 1 if printer.toPage() > 0 else last, total - 1)
    order = range(first, last + 1)
    if printer.pageOrder() == QPrinter.PageOrder.LastPageFirst:
        return list(reversed(order))
    return list(order)


def _target(page_w_pt: float, page_h_pt: float, printer: QPrinter, area: QRectF) -> QRectF:
    """Where a PDF page goes on the paper: true size if it fits, else scaled down; centred."""
    res = printer.resolution()
    w, h = page_w_pt / 72 * res, page_h_pt / 72 * res
    scale = min(1.0, area.width() / w, area.height() / h)  # e.g. A4 on Letter paper
    w, h = w * scale, h * scale
    return QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)


def print_pdf(printer: QPrinter, pdf_bytes: bytes) -> int:
    """Paint the PDF's pages on a printer (or on a print preview's printer); return the pages painted."""
    doc = pdfium.PdfDocument(pdf_bytes)
    painter = QPainter()
    try:
        if not painter.begin(printer):
            raise PrintError(f"Không mở được máy in “{printer.printerName() or printer.outputFileName()}”.")
        try:
            # The preview paints into pictures (QPaintEngine.Picture): spare memory there, print sharply on paper.
            engine = painter.paintEngine()
            preview = engine is not None and engine.type() == QPaintEngine.Type.Picture
            dpi = min(float(printer.resolution()), PREVIEW_DPI if preview else PRINT_DPI)
            area = QRectF(painter.viewport())
            painted = 0
            for index in _pages(printer, len(doc)):
                if painted and not printer.newPage():
                    raise PrintError("Máy in không nhận thêm trang.")
                painter.drawImage(_target(*_page_size(doc, index), printer, area), render_page(doc, index, dpi))
                painted += 1
            return painted
        finally:
            painter.end()
    finally:
        doc.close()


def make_print_preview(parent: QWidget | None, pdf_bytes: bytes, title: str) -> QPrintPreviewDialog:
    """Build (not show) the print preview dialog for a PDF; its printer lives as long as the dialog."""
    # PLATFORM-NOTES: QPrintPreviewDialog(QPrinter()) crashes once the temporary printer is collected.
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    prepare_printer(printer, title)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(f"Xem trước khi in – {title}" if title else "Xem trước khi in")
    dialog.printer_ref = printer  # type: ignore[attr-defined]  # keeps the printer alive with the dialog
    dialog.paintRequested.connect(lambda p: print_pdf(p, pdf_bytes))
    dialog.resize(900, 700)  # fits a 1366×768 screen
    return dialog


def show_print_preview(parent: QWidget | None, pdf_bytes: bytes, title: str) -> None:
    """Show the print preview of a PDF; the user prints from it to any installed printer."""
    dialog = make_print_preview(parent, pdf_bytes, title)
    try:
        dialog.exec()
    finally:
        dialog.deleteLater()
