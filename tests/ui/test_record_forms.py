"""Every record kind can be created, edited and deleted through its list page and form; rules show in the form."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from danvan_desktop.services.actor import SYSTEM
from danvan_desktop.services.records import RecordQuery, add_record, get_record, list_records
from danvan_desktop.ui.main_window import MainWindow
from tests.ui.helpers import fill, type_text, wait_idle

D = dt.date(2026, 3, 5)

# For each kind: the page to open, values to type for a new record, and one change for the edit.
CASES = {
    "meeting": ("meeting", {"kind": "Đối thoại với Nhân dân", "title": "Đối thoại về đền bù thủy điện Bản Bo",
                            "date": D, "location": "Nhà văn hóa thôn Nà Ản", "organizer": "Ủy ban MTTQ",
                            "chair": "Lò Văn Sáng", "participants": 120, "women": 45, "ethnic_minority": 100,
                            "unit": "Thôn Nà Ản"},
                ("location", "Hội trường xã")),
    "petition": ("petition", {"type": "Kiến nghị", "received_date": D,
                              "content": "Đề nghị sửa đường liên bản Nà Pồng – Nà Ản", "field": "Hạ tầng, giao thông",
                              "forwarded_to": "UBND xã", "deadline": dt.date(2026, 4, 5),
                              "status": "Mới tiếp nhận", "unit": "Bản Nà Pồng"},
                 ("response", "Đã đưa vào kế hoạch sửa chữa năm 2026")),
    "monitoring": ("monitoring", {"kind": "Giám sát", "topic": "Giám sát việc chi trả chế độ người có công",
                                  "lead_body": "Ủy ban MTTQ", "basis": "Quyết định 217-QĐ/TW", "start_date": D,
                                  "end_date": dt.date(2026, 3, 7), "targets": "Các hộ gia đình chính sách",
                                  "members": 5, "recommendations": 2, "follow_up": "Đang khắc phục"},
                   ("findings", "Chi trả đúng, đủ, kịp thời")),
    "religious_site": ("religion", {"name": "Điểm nhóm Tin lành Bản Nà Pồng", "religion": "Tin lành",
                                    "organization": "Tổng Liên hội Hội thánh Tin lành Việt Nam (miền Bắc)",
                                    "registration": "Đã đăng ký sinh hoạt tập trung", "leader": "Giàng A Páo",
                                    "followers": 150, "households": 32, "unit": "Bản Nà Pồng"},
                       ("leader", "Vàng A Dình")),
    "religious_check": ("religion", {"date": D, "checking_body": "Ban Chỉ đạo công tác tôn giáo",
                                     "content": "Kiểm tra sinh hoạt tôn giáo dịp lễ Phục sinh",
                                     "result": "Chấp hành tốt"},
                        ("measures", "Nhắc nhở giữ gìn trật tự")),
    "model": ("model", {"registrant_kind": "Tập thể", "registrant": "Chi hội Phụ nữ thôn Nà Ản",
                        "organization": "Hội LHPN xã Bản Bo", "name": "Mô hình “Phụ nữ giữ gìn bản sạch đẹp”",
                        "field": "Văn hóa - xã hội", "registered_date": D, "goals": "100% hộ phân loại rác",
                        "status": "Đang thực hiện", "replicated": True},
              ("results", "Rác được thu gom hằng tuần")),
}


def open_page(window: MainWindow, page_key: str, kind_key: str):
    window.show_page(page_key)
    if page_key == "religion":
        window.religion.tabs.setCurrentIndex(0 if kind_key == "religious_site" else 1)
    lp = window.list_page()
    assert lp is not None and lp.kind_key == kind_key
    return lp


@pytest.fixture
def window(qtbot, ctx):
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    # Every period: the test records are dated in 2026 whatever today's date is.
    w.period_picker.set_period(None)
    wait_idle(qtbot, ctx)
    return w


@pytest.mark.parametrize("kind_key", list(CASES))
def test_create_edit_and_delete_every_kind_through_the_form(qtbot, ctx, window, monkeypatch, kind_key):
    page_key, values, (edit_key, edit_value) = CASES[kind_key]
    lp = open_page(window, page_key, kind_key)
    wait_idle(qtbot, ctx)
    assert lp.model.total == 0

    # Create: Ctrl+N opens the empty form, values are typed, Lưu saves.
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = lp.last_dialog
    assert form is not None and form.isVisible() and form.record is None
    fill(qtbot, form, values)
    assert form.validate() == {}
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert form.result() == QDialog.DialogCode.Accepted

    rows = list_records(ctx.db, ctx.actor, kind_key).rows
    assert len(rows) == 1
    rec = rows[0]
    for key, v in values.items():
        if key == "unit":
            assert rec.unit_name == v
            continue
        stored = rec.values[key]
        f = form.kind.field(key)
        if f.vocab is not None:
            stored = f.vocab.label(stored)
        assert stored == v, key
    wait_idle(qtbot, ctx)
    assert lp.model.total == 1
    assert window.count_label.text().startswith("1 ")

    # Edit: select the row, Enter opens the form, one field changes, Enter saves.
    lp.view.setFocus()
    lp.view.selectRow(0)
    qtbot.keyClick(lp.view, Qt.Key.Key_Return)
    form = lp.last_dialog
    assert form.record is not None and form.record.id == rec.id
    fill(qtbot, form, {edit_key: edit_value})
    editor = form.editors[edit_key]
    editor.setFocus()
    if edit_key in ("location", "leader"):
        qtbot.keyClick(editor, Qt.Key.Key_Return)  # Enter in a one-line field saves
    else:
        qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Enter in a text box
    wait_idle(qtbot, ctx)
    assert form.result() == QDialog.DialogCode.Accepted
    again = get_record(ctx.db, ctx.actor, kind_key, rec.id)
    assert again.values[edit_key] == edit_value
    assert again.revision == 2

    # Delete: asked first; answering no keeps it, yes leaves a tombstone.
    wait_idle(qtbot, ctx)
    lp.view.selectRow(0)
    monkeypatch.setattr("danvan_desktop.ui.forms.ask", lambda *a, **k: False)
    lp.delete_selected()
    wait_idle(qtbot, ctx)
    assert not get_record(ctx.db, ctx.actor, kind_key, rec.id).deleted
    monkeypatch.setattr("danvan_desktop.ui.forms.ask", lambda *a, **k: True)
    lp.view.selectRow(0)
    qtbot.keyClick(lp.view, Qt.Key.Key_Delete)
    wait_idle(qtbot, ctx)
    gone = get_record(ctx.db, ctx.actor, kind_key, rec.id)
    assert gone.deleted and gone.revision == 3
    assert list_records(ctx.db, ctx.actor, kind_key).total == 0
    wait_idle(qtbot, ctx)
    assert lp.model.total == 0


def test_a_broken_rule_shows_its_message_beside_the_field_and_saves_nothing(qtbot, ctx, window):
    lp = open_page(window, "meeting", "meeting")
    form = lp.new_record()
    fill(qtbot, form, {"kind": "Tiếp xúc cử tri", "title": "Tiếp xúc cử tri", "date": D, "participants": 20,
                       "women": 35})
    assert form.error_message("women") == "Trong đó nữ không được lớn hơn Số người tham dự"
    assert form.error_labels["women"].isVisible()
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert form.isVisible() and not form.saving
    assert "còn 1 mục cần sửa" in form.problems.text()
    assert list_records(ctx.db, ctx.actor, "meeting").total == 0
    # Put right, it saves.
    fill(qtbot, form, {"women": 15})
    assert form.error_message("women") == ""
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert list_records(ctx.db, ctx.actor, "meeting").total == 1


def test_an_empty_required_field_is_refused_with_its_message(qtbot, ctx, window):
    lp = open_page(window, "meeting", "meeting")
    form = lp.new_record()
    assert form.error_message("title") == ""  # nothing shouted before the person typed anything
    qtbot.keyClick(form.editors["title"], Qt.Key.Key_Return)  # Enter tries to save
    wait_idle(qtbot, ctx)
    assert form.error_message("title") == "Nội dung không được để trống"
    assert form.isVisible()
    assert list_records(ctx.db, ctx.actor, "meeting").total == 0


def test_a_resolved_petition_needs_its_resolution_date(qtbot, ctx, window):
    lp = open_page(window, "petition", "petition")
    form = lp.new_record()
    fill(qtbot, form, {"type": "Kiến nghị", "received_date": D, "content": "Đề nghị kéo điện về bản",
                       "field": "Hạ tầng, giao thông", "status": "Đã giải quyết, trả lời"})
    assert form.error_message("resolved_date") == ("Ngày giải quyết không được để trống khi Tình trạng là "
                                                  "“Đã giải quyết, trả lời”")
    assert not form.save()
    fill(qtbot, form, {"resolved_date": dt.date.today()})
    assert form.save()
    wait_idle(qtbot, ctx)
    assert list_records(ctx.db, ctx.actor, "petition").rows[0].values["resolved_date"] == dt.date.today()


def test_a_deadline_before_the_receipt_is_refused(qtbot, ctx, window):
    lp = open_page(window, "petition", "petition")
    form = lp.new_record()
    fill(qtbot, form, {"content": "Đề nghị", "received_date": D, "deadline": dt.date(2026, 3, 1)})
    assert form.error_message("deadline") == "Hạn giải quyết không được trước Ngày tiếp nhận"
    assert not form.save()


def test_number_fields_refuse_letters(qtbot, ctx, window):
    lp = open_page(window, "meeting", "meeting")
    form = lp.new_record()
    qtbot.keyClicks(form.editors["participants"], "12a-3x")
    assert form.editors["participants"].text() == "123"
    assert form.editors["participants"].value() == 123


def test_dates_are_typed_day_month_year_and_optional_ones_may_stay_empty(qtbot, ctx, window):
    lp = open_page(window, "petition", "petition")
    form = lp.new_record()
    deadline = form.editors["deadline"]
    assert deadline.value() is None and deadline.text().strip() == ""
    received = form.editors["received_date"]
    received.setFocus()
    qtbot.keyClicks(received.edit, "05032026")
    assert received.value() == D
    deadline.setFocus()
    qtbot.keyClicks(deadline.edit, "1/4/26")
    assert deadline.value() == dt.date(2026, 4, 1)
    qtbot.keyClick(deadline.edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(deadline.edit, Qt.Key.Key_Delete)
    assert deadline.value() is None
    fill(qtbot, form, {"type": "Kiến nghị", "field": "Hạ tầng, giao thông", "status": "Mới tiếp nhận",
                       "content": "Hỏi về hỗ trợ giống cây"})
    assert form.save()
    wait_idle(qtbot, ctx)
    rec = list_records(ctx.db, ctx.actor, "petition").rows[0]
    assert rec.values["received_date"] == D and rec.values["deadline"] is None


def test_escape_cancels_a_form_without_saving(qtbot, ctx, window):
    lp = open_page(window, "monitoring", "monitoring")
    form = lp.new_record()
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert not form.isVisible() and form.result() == QDialog.DialogCode.Rejected
    assert list_records(ctx.db, ctx.actor, "monitoring").total == 0


def test_tab_follows_the_form(qtbot, ctx, window):
    lp = open_page(window, "meeting", "meeting")
    form = lp.new_record()
    form.activateWindow()
    order = []
    w = form.editors["kind"]
    for _ in range(4):
        order.append(w)
        w = w.nextInFocusChain()
        while not (w.focusPolicy() & Qt.FocusPolicy.TabFocus) or w not in form.findChildren(type(w)):
            w = w.nextInFocusChain()
    keys = {id(e): k for k, e in form.editors.items()}
    named = [keys.get(id(x)) for x in order]
    assert named[:3] == ["kind", "title", "date"]


def test_petitions_are_added_from_inside_their_meeting(qtbot, ctx, window):
    meeting = add_record(ctx.db, SYSTEM, "meeting", {"kind": "tiep_xuc_cu_tri", "title": "Tiếp xúc cử tri quý I",
                                                     "date": D}, unit="T01")
    lp = open_page(window, "meeting", "meeting")
    wait_idle(qtbot, ctx)
    lp.view.selectRow(0)
    form = lp.open_selected()
    section = form.petitions
    assert section.view.isVisibleTo(form)
    qtbot.mouseClick(section.add_button, Qt.MouseButton.LeftButton)
    pform = section.last_dialog
    wait_idle(qtbot, ctx)
    assert pform.editors["meeting_id"].value() == meeting.id
    assert pform.editors["received_date"].value() == D
    assert pform.editors["unit"].value() == "T01"
    fill(qtbot, pform, {"type": "Kiến nghị", "field": "Hạ tầng, giao thông", "status": "Mới tiếp nhận",
                        "content": "Cử tri đề nghị làm cầu treo qua suối Nậm Pắt"})
    qtbot.mouseClick(pform.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    pets = list_records(ctx.db, ctx.actor, "petition", RecordQuery(filters={"meeting_id": meeting.id})).rows
    assert [p.values["content"] for p in pets] == ["Cử tri đề nghị làm cầu treo qua suối Nậm Pắt"]
    assert section.model.total == 1


def test_a_new_meeting_is_saved_first_then_its_petition_is_added(qtbot, ctx, window):
    lp = open_page(window, "meeting", "meeting")
    form = lp.new_record()
    fill(qtbot, form, {"kind": "Đối thoại với Nhân dân", "title": "Đối thoại với thanh niên", "date": D})
    qtbot.mouseClick(form.petitions.add_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert form.record is not None and form.isVisible()
    assert form.heading.text() == "Sửa hội nghị"
    pform = form.petitions.last_dialog
    assert pform.editors["meeting_id"].value() == form.record.id


def test_vietnamese_typed_one_character_at_a_time_is_stored_composed(qtbot, ctx, window):
    lp = open_page(window, "meeting", "meeting")
    form = lp.new_record()
    form.editors["title"].setFocus()
    type_text(form.editors["title"], "Hội nghị Nhân dân Bản Nà Ản")
    fill(qtbot, form, {"kind": "Giao ban, sơ kết, tổng kết", "date": D})
    assert form.save()
    wait_idle(qtbot, ctx)
    assert list_records(ctx.db, ctx.actor, "meeting").rows[0].title == "Hội nghị Nhân dân Bản Nà Ản"
