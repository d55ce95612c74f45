"""Defect 8: the window imports a filled entry template; bad rows are shown as a table, nothing is imported."""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook
from PySide6.QtCore import Qt

from danvan_desktop.exchange.template import write_template
from danvan_desktop.services.records import count_by_kind, list_records
from danvan_desktop.ui.main_window import MainWindow
from tests.ui.conftest import VAN_THU, make_ctx
from tests.ui.helpers import open_window, wait_idle


def put(ws, row, values):
    for col, v in enumerate(values, start=1):
        ws.cell(row, col, v)


def _window(qtbot, ctx) -> MainWindow:
    return open_window(qtbot, ctx, every_period=True)


def _table(dlg) -> list[list[str]]:
    t = dlg.errors
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def test_bad_rows_are_listed_sheet_row_column_and_nothing_is_imported(qtbot, ctx, tmp_path):
    path = tmp_path / "mau.xlsx"
    write_template(path)
    wb = load_workbook(path)
    ws = wb["Hội nghị"]
    put(ws, 3, ["", "Tiếp xúc cử tri", "Hội nghị tốt", "01/02/2023", "", "", "", 10, 5, 5])
    put(ws, 4, ["", "Tiếp xúc cử tri", "Hội nghị sai ngày", "31/02/2023"])
    put(ws, 5, ["", "Tiếp xúc cử tri", "Nữ nhiều hơn", "01/02/2023", "", "", "", 10, 11, 0])
    wb.save(path)
    w = _window(qtbot, ctx)
    qtbot.keyClick(w, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    dlg = w.import_dialog
    qtbot.keyClicks(dlg.path, str(path))
    qtbot.keyClick(dlg.path, Qt.Key.Key_Return)  # Enter presses "Nhập"
    wait_idle(qtbot, ctx)
    assert dlg.errors.isVisible()
    assert _table(dlg) == [
        ["Hội nghị", "4", "D", "Ngày không phải là ngày hợp lệ: “31/02/2023” (nhập theo dạng ngày/tháng/năm, "
                               "ví dụ 05/02/2026)"],
        ["Hội nghị", "5", "I", "Trong đó nữ không được lớn hơn Số người tham dự"],
    ]
    assert "có 2 lỗi; chưa nhập dòng nào" in dlg.status.text()
    assert sum(count_by_kind(ctx.db, ctx.actor).values()) == 0


def test_a_good_file_is_imported_and_the_lists_refresh(qtbot, ctx, tmp_path):
    path = tmp_path / "mau.xlsx"
    write_template(path)
    wb = load_workbook(path)
    put(wb["Hội nghị"], 3, ["Thôn Nà Ản", "Tiếp xúc cử tri", "Tiếp xúc cử tri quý I", dt.datetime(2023, 3, 2)])
    wb.save(path)
    w = _window(qtbot, ctx)
    lp = w.show_page("meeting")
    wait_idle(qtbot, ctx)
    assert lp.model.total == 0
    dlg = w.import_template()
    assert dlg.start(path)
    wait_idle(qtbot, ctx)
    assert dlg.status.text() == "Đã nhập 1 bản ghi từ “mau.xlsx” (Hội nghị: 1)."
    assert not dlg.errors.isVisible()
    assert lp.model.total == 1  # refreshed from the write's Changes
    assert list_records(ctx.db, ctx.actor, "meeting").rows[0].unit_code == "T01"
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert not dlg.isVisible()


def test_an_account_without_the_right_sees_the_action_disabled_with_the_reason(qtbot, db):
    ctx = make_ctx(db, VAN_THU)
    try:
        w = _window(qtbot, ctx)
        assert not w.import_action.isEnabled()
        assert w.import_action.toolTip() == "Tài khoản “vanthu” (Văn thư) không có quyền nhập dữ liệu từ mẫu Excel."
    finally:
        ctx.runner.shutdown()
