"""Defect 6: roles shown, not just enforced — what an account cannot do is disabled with the reason, and a
can_bo at a district picks only the units it may edit."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from danvan_desktop.services.actor import SYSTEM, Actor
from danvan_desktop.services.records import add_record
from danvan_desktop.services.units import add_unit, list_units
from tests.ui.helpers import wait_idle
from tests.ui.test_roles_window import district, district_template, open_window  # noqa: F401 - fixtures

VAN_THU = Actor("vanthu", "van_thu", "Tòng Văn Hùng", False)
CAN_BO = Actor("canbo", "can_bo", "Lò Thị Mai", False)


def _open_meeting(qtbot, w, rec):
    w.show_page("meeting")
    lp = w.list_page()
    wait_idle(qtbot, w.ctx)
    lp.view.selectRow(lp.model.row_of(rec.id))
    form = lp.open_selected()
    wait_idle(qtbot, w.ctx)
    return form


def test_van_thu_sees_the_petition_buttons_of_a_meeting_disabled_with_the_reason(qtbot, db, open_window):  # noqa: F811
    m = add_record(db, SYSTEM, "meeting", {"kind": "khac", "title": "Họp bản", "date": dt.date.today()})
    add_record(db, SYSTEM, "petition", {"type": "y_kien", "content": "Hỏi về điện", "field": "ha_tang",
                                        "status": "moi", "received_date": dt.date.today(), "meeting_id": m.id})
    w = open_window(db, VAN_THU)
    form = _open_meeting(qtbot, w, m)
    section = form.petitions
    assert not section.add_button.isEnabled() and not section.delete_button.isEnabled()
    reason = "Tài khoản “vanthu” (Văn thư) không có quyền nhập, sửa dữ liệu."
    assert section.add_button.toolTip() == reason
    assert section.edit_button.text() == "Xem"
    section.view.selectRow(0)
    qtbot.mouseClick(section.edit_button, Qt.MouseButton.LeftButton)
    assert section.last_dialog.read_only
    assert not w.new_action.isEnabled() and w.new_action.toolTip() == f"Không thêm được: {reason}"
    assert not w.delete_action.isEnabled() and w.delete_action.toolTip() == f"Không xóa được: {reason}"


def test_can_bo_at_a_district_picks_only_its_own_units(qtbot, district, open_window):  # noqa: F811
    add_unit(district, SYSTEM, code="105-01", name="Tổ dân phố 1", level="thon", parent_code="105")
    w = open_window(district, CAN_BO)
    w.ctx.units = list_units(district)  # the unit was added after the window opened
    w.show_page("meeting")
    form = w.list_page().new_record()
    units = [form.editors["unit"].itemData(i) for i in range(form.editors["unit"].count())]
    assert units == ["105", "105-01"]  # not "X1", the commune whose records it may not enter


def test_the_admin_at_a_district_still_picks_every_unit(qtbot, district, open_window):  # noqa: F811
    w = open_window(district, Actor("admin", "admin", "Quản trị", True))
    w.show_page("meeting")
    form = w.list_page().new_record()
    units = [form.editors["unit"].itemData(i) for i in range(form.editors["unit"].count())]
    assert "X1" in units and "105" in units
