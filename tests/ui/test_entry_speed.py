"""Entering many records fast and safely: "Lưu và thêm tiếp" keeps the meeting, unit and date; a probable
duplicate is shown before saving, and saving it needs a yes."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from danvan_desktop.domain.duplicates import similar_text
from danvan_desktop.services.actor import SYSTEM
from danvan_desktop.services.records import RecordQuery, add_record, list_records
from tests.ui.helpers import fill, open_window, type_text, wait_idle

D = dt.date(2025, 3, 5)


@pytest.fixture
def window(qtbot, ctx):
    return open_window(qtbot, ctx, every_period=True)


@pytest.fixture
def asked(monkeypatch):
    """Questions the forms ask, answered by a queue of replies (default: the safe answer, no)."""
    class Log(list):
        replies: list[bool]

    log = Log()
    replies: list[bool] = []

    def ask(_parent, text, **_kw):
        log.append(text)
        return replies.pop(0) if replies else False

    monkeypatch.setattr("danvan_desktop.ui.forms.ask", ask)
    log.replies = replies
    return log


def test_save_and_next_keeps_meeting_unit_and_date_for_five_petitions(qtbot, ctx, window, asked):
    meeting = add_record(ctx.db, SYSTEM, "meeting", {"kind": "tiep_xuc_cu_tri", "title": "Tiếp xúc cử tri",
                                                     "date": D}, unit="T01")
    window.show_page("meeting")
    lp = window.list_page()
    wait_idle(qtbot, ctx)
    lp.view.selectRow(0)
    form = lp.open_selected()
    qtbot.mouseClick(form.petitions.add_button, Qt.MouseButton.LeftButton)
    pform = form.petitions.last_dialog
    wait_idle(qtbot, ctx)
    assert pform.next_button.isVisible()
    for i in range(5):
        assert pform.editors["meeting_id"].value() == meeting.id
        assert pform.editors["received_date"].value() == D
        assert pform.editors["unit"].value() == "T01"
        fill(qtbot, pform, {"type": "Kiến nghị", "field": "Hạ tầng, giao thông", "status": "Mới tiếp nhận"})
        content = pform.editors["content"]
        content.setFocus()
        type_text(content, f"Kiến nghị số {i + 1} về đường liên bản")
        qtbot.keyClick(content, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
                       | Qt.KeyboardModifier.ShiftModifier)
        wait_idle(qtbot, ctx)
        assert pform.isVisible() and pform.record is None
        assert pform.saved_note.text().startswith(f"Đã lưu “Kiến nghị số {i + 1}")
        assert pform.editors["content"].value() == "" and pform.editors["type"].value() is None
    rows = list_records(ctx.db, ctx.actor, "petition", RecordQuery(filters={"meeting_id": meeting.id})).rows
    assert len(rows) == 5
    assert {(r.unit_code, r.values["received_date"]) for r in rows} == {("T01", D)}
    assert form.petitions.model.total == 5  # the meeting's table refreshed from the writes' Changes
    assert asked == []  # five different petitions: no duplicate question


def test_a_probable_duplicate_is_shown_and_not_saved_unless_confirmed(qtbot, ctx, window, asked):
    add_record(ctx.db, SYSTEM, "meeting", {"kind": "doi_thoai", "title": "Đối thoại với Nhân dân bản Nà Ản",
                                           "date": D}, unit="T01")
    window.show_page("meeting")
    form = window.list_page().new_record()
    fill(qtbot, form, {"kind": "Đối thoại với Nhân dân", "title": "doi thoai voi nhan dan ban Na An", "date": D,
                       "unit": "Thôn Nà Ản"})
    assert form.save()
    wait_idle(qtbot, ctx)
    assert len(asked) == 1
    assert asked[0].startswith("Có thể hội nghị này đã được nhập rồi (cùng đơn vị, cùng ngày, nội dung giống):")
    assert "• 05/03/2025 · Đối thoại với Nhân dân bản Nà Ản (Thôn Nà Ản, he_thong nhập)" in asked[0]
    assert form.isVisible() and not form.saving
    assert list_records(ctx.db, ctx.actor, "meeting").total == 1
    asked.replies.append(True)  # "Vẫn lưu"
    assert form.save()
    wait_idle(qtbot, ctx)
    assert list_records(ctx.db, ctx.actor, "meeting").total == 2


def test_another_day_or_unit_is_not_a_duplicate(qtbot, ctx, window, asked):
    add_record(ctx.db, SYSTEM, "meeting", {"kind": "doi_thoai", "title": "Đối thoại", "date": D}, unit="T01")
    window.show_page("meeting")
    form = window.list_page().new_record()
    fill(qtbot, form, {"kind": "Đối thoại với Nhân dân", "title": "Đối thoại", "date": D, "unit": "Bản Nà Pồng"})
    assert form.save()
    wait_idle(qtbot, ctx)
    assert asked == [] and list_records(ctx.db, ctx.actor, "meeting").total == 2


@pytest.mark.parametrize(("a", "b", "same"), [
    ("Tiếp xúc cử tri xã Bản Bo", "tiep xuc cu tri  xa ban bo", True),
    ("Đề nghị sửa đường liên bản", "Đề nghị sửa đường liên bản.", True),
    ("Hoà giải ở cơ sở", "Hòa giải ở cơ sở", True),
    ("Đối thoại", "Đối thoại về đất đai", False),
    ("Sửa cầu treo", "Làm đường bê tông", False),
    ("", "", False),
    ("Kiến nghị số 1 về đường liên bản", "Kiến nghị số 2 về đường liên bản", False),
])
def test_similar_titles_are_compared_folded(a, b, same):
    assert similar_text(a, b) is same
