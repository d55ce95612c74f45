"""After a save: the record is shown or its whereabouts said; every screen refreshes from the write's Changes;
writes queue in one lane; lists filter by status, field, body and "quá hạn"; overview cards open their list."""

from __future__ import annotations

import datetime as dt
import threading

from PySide6.QtCore import Qt

from danvan_desktop.domain.periods import Period
from danvan_desktop.services.actor import SYSTEM
from danvan_desktop.services.changes import Changes
from danvan_desktop.services.records import add_record, list_records
from tests.ui.helpers import fill, open_window, wait_idle

THIS_YEAR = dt.date.today().year


def meeting_values(day: dt.date, title: str = "Đối thoại về đất rừng") -> dict:
    return {"kind": "Đối thoại với Nhân dân", "title": title, "date": day}


def test_a_record_saved_outside_the_period_shown_is_announced_and_can_be_shown(qtbot, ctx):
    """Defect 4: it vanished — no "Đã lưu", the list said "Chưa có hội nghị nào"."""
    w = open_window(qtbot, ctx)
    w.period_picker.set_period(Period.year(THIS_YEAR))
    lp = w.show_page("meeting")
    wait_idle(qtbot, ctx)
    form = lp.new_record()
    fill(qtbot, form, meeting_values(dt.date(2019, 3, 5)))
    qtbot.keyClick(form.editors["title"], Qt.Key.Key_Return)
    wait_idle(qtbot, ctx)
    assert not form.isVisible()
    assert lp.notice.isVisible()
    text = lp.notice.text.text()
    assert text.startswith("Đã lưu hội nghị “Đối thoại về đất rừng” ngày 05/03/2019 (Xã Bản Bo).")
    assert f"ngày của nó nằm ngoài kỳ đang xem (năm {THIS_YEAR})" in text.lower()
    assert lp.notice.action.text() == "Hiện bản ghi vừa lưu"
    qtbot.mouseClick(lp.notice.action, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert w.period_picker.period() == Period.year(2019)
    rec = lp.selected_record()
    assert rec is not None and rec.title == "Đối thoại về đất rừng"


def test_a_record_saved_inside_the_list_is_said_saved_and_selected(qtbot, ctx):
    w = open_window(qtbot, ctx)
    w.period_picker.set_period(Period.year(THIS_YEAR))
    lp = w.show_page("meeting")
    wait_idle(qtbot, ctx)
    form = lp.new_record()
    fill(qtbot, form, meeting_values(dt.date(THIS_YEAR, 1, 2), "Tiếp xúc cử tri đầu năm"))
    assert form.save()
    wait_idle(qtbot, ctx)
    assert lp.notice.text.text().startswith("Đã lưu hội nghị “Tiếp xúc cử tri đầu năm”")
    assert not lp.notice.action.isVisible()
    assert lp.selected_record().title == "Tiếp xúc cử tri đầu năm"


def test_a_record_of_another_unit_than_the_one_chosen_says_so(qtbot, ctx):
    w = open_window(qtbot, ctx)
    w.period_picker.set_period(None)
    w.select_unit("T01")
    lp = w.show_page("meeting")
    wait_idle(qtbot, ctx)
    form = lp.new_record()
    fill(qtbot, form, {**meeting_values(dt.date(2025, 3, 5)), "unit": "Bản Nà Pồng"})
    assert form.save()
    wait_idle(qtbot, ctx)
    assert "nó thuộc “Bản Nà Pồng”, ngoài đơn vị đang chọn (Thôn Nà Ản)" in lp.notice.text.text()
    qtbot.mouseClick(lp.notice.action, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert w.unit_code() is None
    assert lp.selected_record().unit_code == "T02"


def test_the_overview_shows_new_figures_right_after_a_save(qtbot, ctx):
    """Defect 5: the overview kept old figures until the period was changed and changed back."""
    w = open_window(qtbot, ctx)
    w.period_picker.set_period(Period.year(THIS_YEAR))
    wait_idle(qtbot, ctx)
    assert w.overview.cards["meetings"].value.text() == "0"
    lp = w.show_page("meeting")
    form = lp.new_record()
    fill(qtbot, form, meeting_values(dt.date(THIS_YEAR, 1, 3)))
    assert form.save()
    wait_idle(qtbot, ctx)
    w.show_page("overview")
    wait_idle(qtbot, ctx)
    assert w.overview.cards["meetings"].value.text() == "1"


def test_the_open_overview_refreshes_after_a_write_made_elsewhere(qtbot, ctx):
    """A merge, or a form opened from another page, while the overview is on screen."""
    w = open_window(qtbot, ctx)
    w.period_picker.set_period(Period.year(THIS_YEAR))
    wait_idle(qtbot, ctx)
    assert w.overview.isVisible()

    def write():
        return add_record(ctx.db, ctx.actor, "petition", {
            "type": "kien_nghi", "received_date": dt.date(THIS_YEAR, 1, 4), "content": "Xin hỗ trợ giống lúa",
            "field": "san_xuat", "status": "moi"})

    ctx.runner.write(write)
    wait_idle(qtbot, ctx)
    assert w.overview.cards["petitions"].value.text() == "1"
    # Screens not concerned are left alone: a settings change does not refetch the figures.
    loads = []
    original = w.overview.refresh
    w.overview.refresh = lambda: loads.append(1) or original()
    ctx.runner.changed.emit(Changes(settings=True))
    assert loads == []
    ctx.runner.changed.emit(Changes.records("meeting", "x"))
    assert loads == [1]
    wait_idle(qtbot, ctx)


def test_a_save_during_a_merge_waits_with_the_busy_indicator_then_succeeds(qtbot, ctx):
    w = open_window(qtbot, ctx)
    w.period_picker.set_period(None)
    lp = w.show_page("meeting")
    wait_idle(qtbot, ctx)
    release = threading.Event()
    started = threading.Event()

    def long_merge():
        started.set()
        release.wait()
        return Changes(imports=True)

    ctx.runner.write(long_merge, label="Đang tổng hợp dữ liệu…")
    started.wait()
    form = lp.new_record()
    fill(qtbot, form, meeting_values(dt.date(2025, 6, 1), "Lưu trong lúc tổng hợp"))
    assert form.save()
    assert form.saving and form.save_button.text() == "Đang lưu…"
    # The duplicate check has run; the save is queued behind the merge, and the indicator says so.
    qtbot.waitUntil(lambda: "chờ" in w.busy_label.text())
    assert w.busy_bar.isVisible()
    assert w.busy_label.text() == "Đang lưu hội nghị (chờ đang tổng hợp dữ liệu xong)…"
    release.set()
    wait_idle(qtbot, ctx)
    assert not form.isVisible()
    assert [r.title for r in list_records(ctx.db, ctx.actor, "meeting").rows] == ["Lưu trong lúc tổng hợp"]
    assert not w.busy_bar.isVisible()


def test_lists_filter_by_status_field_and_overdue(qtbot, ctx):
    y = THIS_YEAR
    base = {"type": "kien_nghi", "received_date": dt.date(y - 1, 1, 4)}
    add_record(ctx.db, SYSTEM, "petition", {**base, "content": "Quá hạn", "field": "ha_tang", "status": "moi",
                                            "deadline": dt.date(y - 1, 2, 1)})
    add_record(ctx.db, SYSTEM, "petition", {**base, "content": "Đã xong", "field": "ha_tang",
                                            "status": "da_giai_quyet", "deadline": dt.date(y - 1, 2, 1),
                                            "resolved_date": dt.date(y - 1, 1, 20)})
    add_record(ctx.db, SYSTEM, "petition", {**base, "content": "Đất đai", "field": "dat_dai", "status": "moi"})
    w = open_window(qtbot, ctx)
    w.period_picker.set_period(None)
    lp = w.show_page("petition")
    wait_idle(qtbot, ctx)
    assert lp.model.total == 3
    bar = lp.filter_bar
    bar.combos["field"].setCurrentIndex(bar.combos["field"].findText("Hạ tầng, giao thông"))
    wait_idle(qtbot, ctx)
    assert sorted(lp.model.record(i).title for i in range(lp.model.total)) == ["Quá hạn", "Đã xong"]
    assert "Lĩnh vực: Hạ tầng, giao thông" in lp.info.text()
    qtbot.mouseClick(bar.overdue, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert [lp.model.record(i).title for i in range(lp.model.total)] == ["Quá hạn"]
    qtbot.mouseClick(bar.clear_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    assert lp.model.total == 3 and not bar.overdue.isChecked()


def test_an_overview_card_opens_its_filtered_list(qtbot, ctx):
    y = THIS_YEAR
    add_record(ctx.db, SYSTEM, "petition", {"type": "kien_nghi", "received_date": dt.date(y, 1, 4),
                                            "content": "Quá hạn năm nay", "field": "ha_tang", "status": "moi",
                                            "deadline": dt.date(y, 1, 5)})
    add_record(ctx.db, SYSTEM, "petition", {"type": "kien_nghi", "received_date": dt.date(y, 1, 4),
                                            "content": "Còn hạn", "field": "ha_tang", "status": "moi"})
    w = open_window(qtbot, ctx)
    w.period_picker.set_period(Period.year(y))
    wait_idle(qtbot, ctx)
    qtbot.mouseClick(w.overview.cards["overdue"], Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)
    lp = w.list_page()
    assert lp is not None and lp.kind_key == "petition"
    assert lp.filter_bar.overdue_only()
    assert [lp.model.record(i).title for i in range(lp.model.total)] == ["Quá hạn năm nay"]
    w.show_page("overview")
    w.overview.cards["meetings"].setFocus()
    qtbot.keyClick(w.overview.cards["meetings"], Qt.Key.Key_Return)
    assert w.list_page().kind_key == "meeting"
