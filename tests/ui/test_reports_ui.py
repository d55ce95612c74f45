"""The Báo cáo page: print preview (Ctrl+P), the export dialog (package and PDF, with progress), report settings."""

from __future__ import annotations

import subprocess
import threading

import docx
import pypdfium2 as pdfium
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintPreviewDialog
from PySide6.QtWidgets import QProgressBar

from danvan_desktop.domain.periods import Period
from danvan_desktop.exchange.package import default_file_name
from danvan_desktop.exchange.report import report_settings
from danvan_desktop.services.records import add_record
from danvan_desktop.services.reports import save_section
from danvan_desktop.services.settings import read_setting
from danvan_desktop.ui import export_dialog
from danvan_desktop.ui.main_window import MainWindow
from danvan_desktop.ui.printing import page_count
from danvan_desktop.ui.progress import ProgressRelay
from danvan_desktop.ui.report_page import ReportPage
from tests.ui.conftest import ADMIN, CAN_BO, TODAY, VAN_THU, make_ctx
from tests.ui.helpers import type_text, wait_idle

YEAR = Period.year(TODAY.year)


def some_records(db) -> None:
    add_record(db, ADMIN, "meeting", {"kind": "doi_thoai", "title": "Đối thoại về đất đai", "date": TODAY,
                                      "participants": 120, "women": 50})
    add_record(db, ADMIN, "meeting", {"kind": "khac", "title": "=SUM(A1) họp bản", "date": TODAY}, unit="T01")


def report_page(qtbot, ctx) -> ReportPage:
    page = ReportPage(ctx)
    qtbot.addWidget(page)
    page.show()
    wait_idle(qtbot, ctx)
    page.period.set_period(YEAR)
    return page


def test_the_export_dialog_writes_a_package_with_progress_and_opens_its_folder(qtbot, ctx, tmp_path, monkeypatch):
    some_records(ctx.db)
    page = report_page(qtbot, ctx)
    dlg = page.export("xlsx")
    assert dlg.isVisible() and dlg.fmt() == "xlsx"
    assert dlg.dest.text().endswith(default_file_name(ctx.home.code, YEAR))  # a sensible name is proposed
    seen: list[tuple[int, int]] = []
    dlg.relay.progressed.connect(lambda d, t: seen.append((d, t)))
    dlg.set_destination(tmp_path / "goi.xlsx")
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    assert dlg.running and not dlg.close_button.isEnabled()
    qtbot.waitUntil(lambda: dlg.result_path is not None, timeout=15_000)
    wait_idle(qtbot, ctx)
    out = tmp_path / "goi.xlsx"
    assert out.is_file() and dlg.result_value.total == 2
    assert seen and seen[-1] == (2, 2)  # the last report reached the UI thread
    wb = load_workbook(out, read_only=True)
    assert len(wb.sheetnames) >= 4
    wb.close()
    assert "Đã xuất gói dữ liệu (2 bản ghi)" in dlg.status.text()
    opened = []
    monkeypatch.setattr(export_dialog, "open_folder", opened.append)
    assert dlg.open_folder_button.isVisible()
    qtbot.mouseClick(dlg.open_folder_button, Qt.MouseButton.LeftButton)
    assert opened == [tmp_path]
    dlg.reject()
    assert page.folder == tmp_path  # the next export starts there


def test_the_export_dialog_writes_the_pdf_report(qtbot, ctx, tmp_path):
    some_records(ctx.db)
    page = report_page(qtbot, ctx)
    dlg = page.export("pdf")
    assert dlg.dest.text().endswith(".pdf")
    dlg.format.setCurrentIndex(dlg.format.findData("xlsx"))
    assert dlg.dest.text().endswith(".xlsx")  # the proposed name follows the format
    dlg.format.setCurrentIndex(dlg.format.findData("pdf"))
    dlg.set_destination(tmp_path / "bao-cao")  # no suffix typed: ".pdf" is added
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.result_path is not None, timeout=15_000)
    out = tmp_path / "bao-cao.pdf"
    doc = pdfium.PdfDocument(out.read_bytes())
    assert len(doc) >= 1
    doc.close()
    # The composed report is issued (and listed), not a separate figures-only PDF.
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "BÁO CÁO" in text and "Đối thoại" in " ".join(text.split())
    assert "(lần 1)" in dlg.status.text()
    dlg.format.setCurrentIndex(dlg.format.findData("docx"))
    assert dlg.dest.text().endswith("bao-cao.docx")  # the typed name keeps, with the Word suffix
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.result_path == tmp_path / "bao-cao.docx", timeout=15_000)
    assert docx.Document(str(tmp_path / "bao-cao.docx")).paragraphs  # Word's own reader opens it
    assert "(lần 1)" in dlg.status.text()  # the same words in the other format: the same issue
    dlg.reject()


def test_the_export_dialog_refuses_a_missing_folder(qtbot, ctx, tmp_path):
    page = report_page(qtbot, ctx)
    dlg = page.export("pdf")
    dlg.set_destination(tmp_path / "khong-co" / "x.pdf")
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    assert not dlg.running and "không tồn tại" in dlg.error.text()
    dlg.reject()


def test_progress_from_a_worker_thread_reaches_the_bar_on_the_ui_thread(qtbot):
    bar = QProgressBar()
    qtbot.addWidget(bar)
    relay = ProgressRelay(bar)
    relay.reset()
    t = threading.Thread(target=lambda: relay.report(250, 1000))
    t.start()
    t.join()
    assert bar.maximum() == 0  # nothing touched the widget from the worker
    qtbot.waitUntil(lambda: bar.value() == 250)


def test_ctrl_p_opens_the_print_preview_of_the_window_period(qtbot, ctx, tmp_path):
    some_records(ctx.db)
    # What the clerk wrote in the composer is what gets printed (the monthly report is the composed report).
    save_section(ctx.db, ADMIN, Period.month(TODAY.year, TODAY.month), "ton_tai",
                 own="Một số thôn chưa gửi biên bản họp dân đúng hạn.")
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    wait_idle(qtbot, ctx)
    w.period_picker.set_period(Period.month(TODAY.year, TODAY.month))
    w.print_action.trigger()  # Ctrl+P
    page = w.report_view
    assert w.page_key() == "reports"
    assert page.period.period() == Period.month(TODAY.year, TODAY.month)  # the page follows the window
    qtbot.waitUntil(lambda: page.preview_dialog is not None and page.preview_dialog.isVisible(), timeout=15_000)
    dlg = page.preview_dialog
    assert isinstance(dlg, QPrintPreviewDialog)
    assert dlg.windowTitle() == f"Xem trước khi in – Báo cáo tháng {TODAY.month} năm {TODAY.year} – Xã Bản Bo"
    assert page_count(page.last_pdf) >= 1
    pdf = tmp_path / "xem-truoc.pdf"
    pdf.write_bytes(page.last_pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Một số thôn chưa gửi biên bản họp dân đúng hạn." in " ".join(text.split())
    assert "BÁO CÁO" in text
    dlg.close()
    wait_idle(qtbot, ctx)


def test_the_admin_edits_the_report_settings(qtbot, ctx):
    page = report_page(qtbot, ctx)
    assert page.settings_button.isVisible()
    dlg = page.edit_settings()
    qtbot.waitUntil(lambda: dlg.loaded)
    assert dlg.layout_key() == "party" and dlg.fields["organ_name"].text() == "Đảng ủy Xã Bản Bo"
    dlg.layout_combo.setCurrentIndex(dlg.layout_combo.findData("state"))
    assert "Ủy ban nhân dân" in dlg.fields["organ_name"].text()  # the state layout's own header
    dlg.fields["signer_name"].setFocus()
    type_text(dlg.fields["signer_name"], "Lò Văn Minh")
    dlg.recipients.setPlainText("UBND Tỉnh Lai Châu\nLưu: VT")
    qtbot.mouseClick(dlg.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=10_000)
    wait_idle(qtbot, ctx)
    s = report_settings(ctx.db)
    assert (s.layout, s.signer_name, s.recipients) == ("state", "Lò Văn Minh", ("UBND Tỉnh Lai Châu", "Lưu: VT"))
    # Only what differs from the defaults is stored, so a renamed unit still shows in the header.
    assert set(read_setting(ctx.db, "report")) == {"layout", "signer_name", "recipients"}
    assert page.settings_labels["signer"].text().endswith("Lò Văn Minh")


def test_other_roles_see_what_they_may_do(qtbot, db):
    for actor, package in ((CAN_BO, True), (VAN_THU, False)):
        c = make_ctx(db, actor)
        try:
            page = report_page(qtbot, c)
            assert not page.settings_button.isVisible()
            assert page.package_button.isEnabled() is package
            dlg = page.export("pdf")
            assert (dlg.format.findData("xlsx") >= 0) is package
            dlg.reject()
        finally:
            c.runner.shutdown()
