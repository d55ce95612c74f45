"""Lists: diacritic-free search, Vietnamese sorting, unit and period filters, lazy pages, model checks."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from danvan_desktop.domain.periods import Period
from danvan_desktop.services.actor import SYSTEM
from danvan_desktop.services.records import add_record
from danvan_desktop.store.schema import RECORD_TABLES, Unit, utcnow
from danvan_desktop.ui.models import (
    PAGE_SIZE,
    TABLE_MODELS,
    AccountTableModel,
    IndicatorTableModel,
    MeetingTableModel,
)
from tests.ui.helpers import open_window, type_text, wait_idle

TITLES = ["Ăn Tết vui khỏe", "Bảo vệ rừng đầu nguồn", "Đối thoại về đất đai", "Dân vận khéo", "An toàn giao thông",
          "Ấm no bản làng"]


def meeting(ctx, title: str, day: dt.date, unit: str | None = None):
    return add_record(ctx.db, SYSTEM, "meeting", {"kind": "doi_thoai", "title": title, "date": day}, unit=unit)


@pytest.fixture
def window(qtbot, ctx):
    return open_window(qtbot, ctx, every_period=True)


def titles(model) -> list[str]:
    return [model.index(r, MeetingTableModel.COL_TITLE).data() for r in range(model.rowCount())]


def test_search_without_diacritics_finds_the_record(qtbot, ctx, window):
    for i, t in enumerate(TITLES):
        meeting(ctx, t, dt.date(2026, 1, 1 + i), unit="T01" if i == 2 else None)
    window.show_page("meeting")
    lp = window.list_page()
    wait_idle(qtbot, ctx)
    assert lp.model.total == len(TITLES)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.search, "doi thoai dat dai")
    qtbot.waitUntil(lambda: lp.model.query.search == "doi thoai dat dai")
    wait_idle(qtbot, ctx)
    assert titles(lp.model) == ["Đối thoại về đất đai"]
    assert window.count_label.text() == "1 hội nghị"
    # Typed with marks, one character at a time, and by the unit's name.
    window.search.clear()
    type_text(window.search, "Nà Ản")
    window.apply_filters()
    wait_idle(qtbot, ctx)
    assert titles(lp.model) == ["Đối thoại về đất đai"]
    window.search.clear()
    qtbot.keyClicks(window.search, "khong co gi")
    window.apply_filters()
    wait_idle(qtbot, ctx)
    assert lp.model.total == 0 and "Không tìm thấy hội nghị nào" in lp.empty.text()


def test_clicking_a_header_sorts_in_vietnamese_order(qtbot, ctx, window):
    for i, t in enumerate(TITLES):
        meeting(ctx, t, dt.date(2026, 1, 1 + i))
    window.show_page("meeting")
    lp = window.list_page()
    wait_idle(qtbot, ctx)
    assert titles(lp.model)[0] == "Ấm no bản làng"  # newest first by default
    header = lp.view.horizontalHeader()
    x = header.sectionViewportPosition(MeetingTableModel.COL_TITLE) + 10
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=header.rect().center().__class__(x, 5))
    wait_idle(qtbot, ctx)
    assert lp.model.query.sort == "title"
    expected = ["An toàn giao thông", "Ăn Tết vui khỏe", "Ấm no bản làng", "Bảo vệ rừng đầu nguồn", "Dân vận khéo",
                "Đối thoại về đất đai"]
    got = titles(lp.model)
    assert got in (expected, expected[::-1])
    lp.model.sort(MeetingTableModel.COL_TITLE, Qt.SortOrder.AscendingOrder)
    wait_idle(qtbot, ctx)
    assert titles(lp.model) == expected


def test_unit_and_period_filters(qtbot, ctx, window):
    meeting(ctx, "Ở xã", dt.date(2026, 1, 10))
    meeting(ctx, "Ở thôn Nà Ản", dt.date(2026, 2, 10), unit="T01")
    meeting(ctx, "Năm trước", dt.date(2025, 2, 10), unit="T01")
    window.show_page("meeting")
    lp = window.list_page()
    wait_idle(qtbot, ctx)
    assert lp.model.total == 3
    window.select_unit("T01")
    wait_idle(qtbot, ctx)
    assert sorted(titles(lp.model)) == ["Năm trước", "Ở thôn Nà Ản"]
    window.period_picker.set_period(Period.month(2026, 2))
    wait_idle(qtbot, ctx)
    assert titles(lp.model) == ["Ở thôn Nà Ản"]
    assert "tháng 2 năm 2026" in lp.info.text()
    window.select_unit(None)
    window.period_picker.set_period(Period.quarter(2026, 1))
    wait_idle(qtbot, ctx)
    assert lp.model.total == 2


def test_period_picker_builds_every_kind_of_period(qtbot):
    from danvan_desktop.ui.pages import PeriodPicker

    p = PeriodPicker()
    qtbot.addWidget(p)
    for period in (Period.month(2025, 5), Period.quarter(2025, 2), Period.half(2025, 2), Period.nine_months(2025),
                   Period.year(2024), Period.range(dt.date(2025, 1, 3), dt.date(2025, 6, 15))):
        p.set_period(period)
        assert p.period() == period
    p.set_period(None)
    assert p.period() is None


def _bulk_meetings(db, n: int) -> None:
    t = RECORD_TABLES["meeting"]
    now = utcnow()
    with db.transaction() as s:
        unit_id = s.query(Unit.id).filter(Unit.code == "00001").scalar()
        s.execute(t.insert(), [
            {"id": f"{i:08d}-0000-4000-8000-000000000000", "unit_id": unit_id, "created_at": now, "updated_at": now,
             "created_by": "t", "updated_by": "t", "revision": 1, "deleted": False, "notes": "",
             "search_text": f"hoi nghi so {i}", "kind": "khac", "title": f"Hội nghị số {i:05d}",
             "date": dt.date(2026, 1, 1) + dt.timedelta(days=i % 300)} for i in range(n)])


def test_long_lists_load_lazily_page_by_page(qtbot, ctx, window):
    _bulk_meetings(ctx.db, 2 * PAGE_SIZE + 50)
    window.show_page("meeting")
    lp = window.list_page()
    wait_idle(qtbot, ctx)
    m = lp.model
    assert m.rowCount() == 2 * PAGE_SIZE + 50
    assert m.loaded_rows() == PAGE_SIZE
    assert window.count_label.text() == "450 hội nghị"
    lp.view.scrollToBottom()
    qtbot.waitUntil(lambda: m.record(m.rowCount() - 1) is not None)
    assert m.index(m.rowCount() - 1, 0).data() != "Đang tải…"
    assert m.record(PAGE_SIZE + 10) is None or m.loaded_rows() <= 3 * PAGE_SIZE


@pytest.mark.parametrize("kind_key", list(TABLE_MODELS))
def test_every_record_table_model_passes_the_model_tester(qtbot, qtmodeltester, ctx, kind_key):
    from tests.ui.test_record_forms import CASES

    values = {k: v for k, v in CASES[kind_key][1].items() if k != "unit"}
    from danvan_desktop.domain.kinds import kind

    k = kind(kind_key)
    raw = {}
    for key, v in values.items():
        f = k.field(key)
        raw[key] = f.vocab.lookup(v) if f.vocab is not None else v
    for i in range(3):
        add_record(ctx.db, SYSTEM, kind_key, raw, notes=f"bản {i}")
    model = TABLE_MODELS[kind_key](ctx)
    model.set_query(model.query)
    wait_idle(qtbot, ctx)
    assert model.rowCount() == 3
    qtmodeltester.check(model, force_py=True)


def test_account_and_indicator_models_pass_the_model_tester(qtbot, qtmodeltester, ctx):
    from danvan_desktop.services.accounts import list_accounts
    from danvan_desktop.services.summary import summarize

    accounts = AccountTableModel()
    accounts.set_rows(list_accounts(ctx.db, ctx.actor))
    assert accounts.rowCount() == 3
    qtmodeltester.check(accounts, force_py=True)
    ind = IndicatorTableModel()
    s = summarize(ctx.db, ctx.actor, Period.year(2026))
    ind.set_figures(s.current.indicators, s.previous.indicators, religion=True)
    qtmodeltester.check(ind, force_py=True)


def test_sorting_by_the_unit_column(qtbot, ctx, window):
    meeting(ctx, "Ở thôn", dt.date(2026, 1, 2), unit="T01")
    meeting(ctx, "Ở bản", dt.date(2026, 1, 3), unit="T02")
    window.show_page("meeting")
    lp = window.list_page()
    wait_idle(qtbot, ctx)
    errors = []
    ctx.runner.default_error = errors.append
    lp.model.sort(MeetingTableModel.COL_UNIT, Qt.SortOrder.AscendingOrder)
    wait_idle(qtbot, ctx)
    assert errors == []
    assert [lp.model.index(r, MeetingTableModel.COL_UNIT).data() for r in range(2)] == ["Bản Nà Pồng", "Thôn Nà Ản"]
