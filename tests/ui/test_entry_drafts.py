"""What is typed survives a crash: forms keep a draft file, and the next start offers to reopen them."""

from __future__ import annotations

import datetime as dt

from danvan_desktop.exchange.drafts import DraftStore, drafts_dir
from danvan_desktop.services.records import add_record, get_record, list_records
from danvan_desktop.ui.main_window import MainWindow
from tests.ui.helpers import fill, open_window, type_text, wait_idle


def _window(qtbot, ctx) -> MainWindow:
    return open_window(qtbot, ctx, every_period=True)


def test_a_form_left_by_a_crash_is_offered_again_and_saves(qtbot, ctx, monkeypatch):
    monkeypatch.setattr("danvan_desktop.ui.main_window.ask", lambda *_a, **_k: True)
    w = _window(qtbot, ctx)
    w.show_page("meeting")
    form = w.list_page().new_record()
    fill(qtbot, form, {"kind": "Đối thoại với Nhân dân", "date": dt.date(2025, 3, 5), "unit": "Thôn Nà Ản"})
    form.editors["title"].setFocus()
    type_text(form.editors["title"], "Đối thoại về nước sạch")
    store = DraftStore(ctx.db.path)
    qtbot.waitUntil(lambda: len(store.load(ctx.actor.username)) == 1)  # written a moment after typing stops
    # The power goes: nothing closes the form properly (no reject, no accept).
    form._draft_timer.stop()
    form.setParent(None)
    w2 = _window(qtbot, ctx)
    opened = w2.offer_drafts()
    assert len(opened) == 1
    again = opened[0]
    assert again.editors["title"].value() == "Đối thoại về nước sạch"
    assert again.editors["date"].value() == dt.date(2025, 3, 5)
    assert again.editors["unit"].value() == "T01" and again.editors["kind"].value() == "doi_thoai"
    assert again.save()
    wait_idle(qtbot, ctx)
    assert [r.title for r in list_records(ctx.db, ctx.actor, "meeting").rows] == ["Đối thoại về nước sạch"]
    assert store.load(ctx.actor.username) == []  # saved: the draft is gone


def test_an_edit_left_by_a_crash_reopens_on_its_record(qtbot, ctx, monkeypatch):
    monkeypatch.setattr("danvan_desktop.ui.main_window.ask", lambda *_a, **_k: True)
    rec = add_record(ctx.db, ctx.actor, "meeting", {"kind": "khac", "title": "Họp bản", "date": dt.date(2025, 1, 2)})
    DraftStore(ctx.db.path).save("k1", ctx.actor.username, "meeting", rec.id, "00001",
                                 {"title": "Họp bản (sửa dở)", "location": "Nhà văn hóa"})
    w = _window(qtbot, ctx)
    [form] = w.offer_drafts()
    assert form.record is not None and form.record.id == rec.id
    assert form.editors["title"].value() == "Họp bản (sửa dở)"
    assert form.save()
    wait_idle(qtbot, ctx)
    assert get_record(ctx.db, ctx.actor, "meeting", rec.id).values["location"] == "Nhà văn hóa"


def test_abandoning_a_form_on_purpose_removes_its_draft_and_others_drafts_are_not_offered(qtbot, ctx, monkeypatch):
    monkeypatch.setattr("danvan_desktop.ui.forms.ask", lambda *_a, **_k: True)  # "Bỏ, không lưu"
    asked = []
    monkeypatch.setattr("danvan_desktop.ui.main_window.ask", lambda *_a, **_k: asked.append(1) or True)
    DraftStore(ctx.db.path).save("other", "canbo", "meeting", None, None, {"title": "Của người khác"})
    w = _window(qtbot, ctx)
    w.show_page("meeting")
    form = w.list_page().new_record()
    form.editors["title"].setFocus()
    type_text(form.editors["title"], "Bỏ dở")
    form.write_draft()
    assert len(DraftStore(ctx.db.path).load(ctx.actor.username)) == 1
    form.reject()
    assert DraftStore(ctx.db.path).load(ctx.actor.username) == []
    assert w.offer_drafts() == [] and asked == []
    assert len(list(drafts_dir(ctx.db.path).glob("*.json"))) == 1  # canbo's draft is kept for canbo


def test_a_damaged_draft_file_is_skipped(ctx):
    folder = drafts_dir(ctx.db.path)
    folder.mkdir()
    (folder / "x.json").write_text("{khong phai json", encoding="utf-8")
    assert DraftStore(ctx.db.path).load(ctx.actor.username) == []
