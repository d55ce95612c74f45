"""Nhật ký: filters by user, kind and date; the integrity check finds an edited entry; a record's history."""

from __future__ import annotations

import datetime as dt
import sqlite3

from PySide6.QtCore import Qt

from danvan_desktop.services.records import add_record, update_record
from danvan_desktop.ui.audit_page import AuditPage, AuditTableModel, HistoryTableModel
from danvan_desktop.ui.forms import RecordForm
from danvan_desktop.ui.pages import RecordListPage
from tests.ui.conftest import ADMIN, CAN_BO, TODAY
from tests.ui.helpers import wait_idle


def audit_page(qtbot, ctx) -> AuditPage:
    page = AuditPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.apply_filters()
    qtbot.waitUntil(lambda: page.is_loaded and not page.loading)
    return page


def column(page: AuditPage, col: int) -> list[str]:
    m = page.model
    return [m.index(r, col).data() for r in range(m.rowCount())]


def reload(qtbot, page: AuditPage) -> None:
    qtbot.waitUntil(lambda: not page.loading and not page.ctx.runner.busy)


def test_the_audit_page_filters_by_user_kind_and_date(qtbot, ctx, qtmodeltester):
    add_record(ctx.db, ADMIN, "meeting", {"kind": "khac", "title": "Họp của quản trị", "date": TODAY})
    add_record(ctx.db, CAN_BO, "meeting", {"kind": "khac", "title": "Họp của cán bộ", "date": TODAY})
    add_record(ctx.db, CAN_BO, "petition", {"content": "Đường bản hỏng", "received_date": TODAY, "type": "kien_nghi",
                                            "field": "ha_tang", "status": "moi"})
    page = audit_page(qtbot, ctx)
    qtmodeltester.check(page.model)
    users = set(column(page, AuditTableModel.COL_USER))
    assert {"admin", "canbo"} <= users
    assert page.user.findText("canbo") >= 0  # the users seen are offered in the filter
    page.set_user("canbo")
    reload(qtbot, page)
    assert set(column(page, AuditTableModel.COL_USER)) == {"canbo"}
    assert column(page, AuditTableModel.COL_ACTION) == ["Tạo mới", "Tạo mới"]
    assert column(page, AuditTableModel.COL_DETAIL) == ["Đường bản hỏng", "Họp của cán bộ"]  # newest first
    page.kind.setCurrentIndex(page.kind.findData("meeting"))
    reload(qtbot, page)
    assert column(page, AuditTableModel.COL_KIND) == ["Hội nghị"]
    page.date_from.set_value(TODAY + dt.timedelta(days=1))
    reload(qtbot, page)
    assert page.model.rowCount() == 0
    page.date_from.set_value(TODAY)
    page.date_to.set_value(TODAY)
    reload(qtbot, page)
    assert page.model.rowCount() == 1
    assert "1 mục khớp bộ lọc" in page.info.text()
    page.clear_filters()
    reload(qtbot, page)
    assert page.username() == "" and page.model.rowCount() >= 3
    # Every cell is Vietnamese text; the setup entries are named too.
    assert "Khởi tạo" in column(page, AuditTableModel.COL_ACTION)


def test_the_integrity_check_reports_an_edited_entry(qtbot, ctx):
    add_record(ctx.db, ADMIN, "meeting", {"kind": "khac", "title": "Họp", "date": TODAY})
    page = audit_page(qtbot, ctx)
    qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.check_button.isEnabled())
    assert page.integrity.text().startswith("Nhật ký toàn vẹn")
    # Someone edits the log behind the program's back.
    with sqlite3.connect(ctx.db.path) as c:
        c.execute("UPDATE audit_log SET username = 'ke_gian' WHERE id = 2")
    c.close()
    qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.check_button.isEnabled())
    text = page.integrity.text()
    assert "KHÔNG toàn vẹn" in text and "Mục nhật ký số 2 đã bị sửa" in text


def test_a_record_history_shows_who_changed_which_field_from_what_to_what(qtbot, ctx, qtmodeltester):
    rec = add_record(ctx.db, ADMIN, "meeting", {"kind": "khac", "title": "Họp bản cũ", "date": TODAY,
                                                 "participants": 20})
    rec = update_record(ctx.db, CAN_BO, "meeting", rec.id, {"title": "Họp bản mới", "kind": "doi_thoai",
                                                            "participants": 1500})
    form = RecordForm(ctx, "meeting", rec)
    qtbot.addWidget(form)
    form.show()
    assert form.history_button.isVisible()
    qtbot.mouseClick(form.history_button, Qt.MouseButton.LeftButton)
    dlg = form.history_dialog
    qtbot.waitUntil(lambda: dlg.is_loaded)
    m = dlg.model
    qtmodeltester.check(m)
    rows = [tuple(m.index(r, c).data() for c in range(m.columnCount())) for r in range(m.rowCount())]
    edits = {r[HistoryTableModel.COL_FIELD]: r for r in rows if r[HistoryTableModel.COL_ACTION] == "Sửa"}
    title = edits["Nội dung"]
    assert title[HistoryTableModel.COL_USER] == "canbo"
    assert (title[HistoryTableModel.COL_BEFORE], title[HistoryTableModel.COL_AFTER]) == ("Họp bản cũ", "Họp bản mới")
    assert edits["Số người tham dự"][HistoryTableModel.COL_AFTER] == "1.500"  # Vietnamese number format
    assert edits["Loại hội nghị"][HistoryTableModel.COL_AFTER] == "Đối thoại với Nhân dân"  # labels, not keys
    assert rows[0][HistoryTableModel.COL_ACTION] == "Tạo mới"
    assert "Họp bản mới" in dlg.head.text()
    dlg.close()
    # A new record has no history yet; the lists offer it on the selected row as well.
    new_form = RecordForm(ctx, "meeting")
    qtbot.addWidget(new_form)
    assert not new_form.history_button.isVisibleTo(new_form)
    lp = RecordListPage(ctx, "meeting")
    qtbot.addWidget(lp)
    lp.apply_filters(None, None, "")
    wait_idle(qtbot, ctx)
    lp.view.selectRow(0)
    dlg2 = lp.show_history()
    qtbot.waitUntil(lambda: dlg2.is_loaded)
    assert dlg2.model.rowCount() == len(rows)
    dlg2.close()


def test_a_double_click_in_the_log_opens_the_record_history(qtbot, ctx):
    rec = add_record(ctx.db, ADMIN, "meeting", {"kind": "khac", "title": "Họp bản", "date": TODAY})
    update_record(ctx.db, ADMIN, "meeting", rec.id, {"title": "Họp bản Nà Ản"})
    page = audit_page(qtbot, ctx)
    page.view.selectRow(0)  # the update, newest first
    assert column(page, AuditTableModel.COL_DETAIL)[0] == "Sửa: Nội dung"
    dlg = page.open_history()
    qtbot.waitUntil(lambda: dlg.is_loaded)
    assert "Họp bản Nà Ản" in dlg.head.text() and dlg.model.rowCount() == 2
    dlg.close()
