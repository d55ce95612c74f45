"""Ctrl+Z undoes the last edit or delete, through the record's history; a later change by someone else wins."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from danvan_desktop.services.actor import SYSTEM
from danvan_desktop.services.errors import Refused
from danvan_desktop.services.history import check_audit, record_history
from danvan_desktop.services.records import add_record, get_record, update_record
from danvan_desktop.services.undo import undo_last_change
from tests.ui.conftest import ADMIN, CAN_BO
from tests.ui.helpers import fill, open_window, wait_idle


@pytest.fixture
def window(qtbot, ctx, monkeypatch):
    monkeypatch.setattr("danvan_desktop.ui.main_window.ask", lambda *_a, **_k: True)
    monkeypatch.setattr("danvan_desktop.ui.forms.ask", lambda *_a, **_k: True)
    return open_window(qtbot, ctx, every_period=True)


def press_ctrl_z(qtbot, window) -> None:
    """Ctrl+Z in the main window (active, as after closing a form)."""
    from PySide6.QtWidgets import QApplication

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def _meeting(ctx):
    return add_record(ctx.db, ctx.actor, "meeting", {"kind": "khac", "title": "Họp dân bản Nà Ản",
                                                     "date": dt.date(2025, 3, 5), "location": "Nhà văn hóa"})


def test_ctrl_z_undoes_the_last_edit_made_in_the_form(qtbot, ctx, window):
    rec = _meeting(ctx)
    window.show_page("meeting")
    lp = window.list_page()
    wait_idle(qtbot, ctx)
    lp.view.selectRow(0)
    form = lp.open_selected()
    fill(qtbot, form, {"location": "Hội trường xã", "date": dt.date(2025, 3, 6)})
    assert form.save()
    wait_idle(qtbot, ctx)
    assert get_record(ctx.db, ctx.actor, "meeting", rec.id).values["location"] == "Hội trường xã"
    press_ctrl_z(qtbot, window)
    wait_idle(qtbot, ctx)
    back = get_record(ctx.db, ctx.actor, "meeting", rec.id)
    assert back.values["location"] == "Nhà văn hóa" and back.values["date"] == dt.date(2025, 3, 5)
    assert back.revision == 3  # undo is a change of its own: it travels upward like any other
    assert [h.field for h in record_history(ctx.db, ctx.actor, "meeting", rec.id)][-2:] == ["Ngày", "Địa điểm"]
    assert window.statusBar().currentMessage().startswith("Đã hoàn tác lần lưu gần nhất của hội nghị")
    assert check_audit(ctx.db, ctx.actor) == []


def test_ctrl_z_brings_back_a_deleted_record(qtbot, ctx, window):
    rec = _meeting(ctx)
    window.show_page("meeting")
    lp = window.list_page()
    wait_idle(qtbot, ctx)
    lp.view.selectRow(0)
    qtbot.keyClick(lp.view, Qt.Key.Key_Delete)
    wait_idle(qtbot, ctx)
    assert lp.model.total == 0
    press_ctrl_z(qtbot, window)
    wait_idle(qtbot, ctx)
    assert not get_record(ctx.db, ctx.actor, "meeting", rec.id).deleted
    assert lp.model.total == 1  # the list refreshed from the undo's Changes


def test_an_undo_refuses_when_someone_changed_the_record_since(ctx):
    rec = _meeting(ctx)
    update_record(ctx.db, ADMIN, "meeting", rec.id, {"location": "Hội trường"})
    update_record(ctx.db, SYSTEM, "meeting", rec.id, {"chair": "Lò Văn Sáng"})
    with pytest.raises(Refused, match="chỉ hoàn tác được thay đổi của chính mình"):
        undo_last_change(ctx.db, ADMIN, "meeting", rec.id)


def test_an_undo_refuses_when_the_fields_changed_again(ctx):
    rec = _meeting(ctx)
    update_record(ctx.db, ADMIN, "meeting", rec.id, {"location": "Hội trường"})
    # The same account changes it again by another path (a second window): the undo no longer applies.
    from danvan_desktop.store.schema import RECORD_TABLES

    t = RECORD_TABLES["meeting"]
    with ctx.db.transaction() as s:
        s.execute(t.update().where(t.c.id == rec.id).values(location="Sân bóng"))
    with pytest.raises(Refused, match="đã thay đổi sau lần sửa đó"):
        undo_last_change(ctx.db, ADMIN, "meeting", rec.id)


def test_can_bo_cannot_undo_a_record_of_a_unit_it_may_not_edit(db):
    from danvan_desktop.services.errors import PermissionDenied

    rec = add_record(db, ADMIN, "meeting", {"kind": "khac", "title": "X", "date": dt.date(2025, 1, 1)})
    with pytest.raises((Refused, PermissionDenied)):
        undo_last_change(db, CAN_BO, "meeting", rec.id)
