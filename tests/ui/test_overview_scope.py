"""The overview follows the unit chosen in the tree and the period: every card, the chart, the indicator table."""

from __future__ import annotations

from PySide6.QtCore import Qt

from danvan_desktop.domain.periods import Period
from danvan_desktop.services.actor import SYSTEM
from danvan_desktop.services.records import add_record
from danvan_desktop.ui.main_window import MainWindow
from danvan_desktop.ui.models import IndicatorTableModel
from tests.ui.helpers import wait_idle


def meeting(db, day, unit, people=10):
    add_record(db, SYSTEM, "meeting", {"kind": "tiep_xuc_cu_tri", "title": "Tiếp xúc cử tri", "date": day,
                                       "participants": people}, unit=unit)


def seed(db):
    """2023 (a closed year, so the figures do not depend on today's date) and 2022 for one village only."""
    for day in ("05/02/2023", "06/02/2023", "10/05/2023"):
        meeting(db, day, "T01")  # Thôn Nà Ản: February 2, May 1
    meeting(db, "20/11/2023", "T02", people=70)  # Bản Nà Pồng: November 1
    meeting(db, "01/03/2023", None)  # the commune itself
    meeting(db, "05/02/2022", "T01")  # 2022: Thôn Nà Ản only
    add_record(db, SYSTEM, "petition", {"type": "kien_nghi", "content": "Sửa đường vào bản", "field": "ha_tang",
                                        "status": "moi", "received_date": "01/04/2023", "deadline": "01/05/2023"},
               unit="T02")


def click_unit(qtbot, w: MainWindow, name: str) -> None:
    """Click a unit in the tree as a person does."""
    model = w.unit_tree.model()
    hits = model.match(model.index(0, 0), Qt.ItemDataRole.DisplayRole, name, 1,
                       Qt.MatchFlag.MatchContains | Qt.MatchFlag.MatchRecursive)
    assert hits, name
    w.unit_tree.scrollTo(hits[0])
    qtbot.mouseClick(w.unit_tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=w.unit_tree.visualRect(hits[0]).center())


def test_cards_and_chart_follow_the_unit_chosen_in_the_tree(qtbot, ctx):
    seed(ctx.db)
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    wait_idle(qtbot, ctx)
    w.period_picker.set_period(Period.year(2023))
    wait_idle(qtbot, ctx)
    ov = w.overview
    assert ov.is_loaded
    c = ov.cards
    # The whole commune: 5 meetings in 2023 against 1 in 2022.
    assert c["meetings"].value.text() == "5"
    assert "tăng 4 so với cùng kỳ (1)" in c["meetings"].compare.text()
    assert ov.chart.month_labels() == [f"T{m}" for m in range(1, 13)]
    assert ov.chart.data["meeting"] == [0, 2, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0]
    assert c["overdue"].value.text() == "1" and "31/12/2023" in c["overdue"].compare.text()

    click_unit(qtbot, w, "Thôn Nà Ản")
    wait_idle(qtbot, ctx)
    assert w.unit_code() == "T01" and ov.heading.text() == "Tổng quan – Thôn Nà Ản"
    assert c["meetings"].value.text() == "3"
    assert "tăng 2 so với cùng kỳ (1)" in c["meetings"].compare.text()
    assert ov.chart.data["meeting"] == [0, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert c["petitions"].value.text() == "0" and c["overdue"].value.text() == "0"
    assert ov.tabs.tabText(0) == "Kiến nghị quá hạn (0)"

    click_unit(qtbot, w, "Bản Nà Pồng")  # nothing recorded there in 2022: no increase can be stated
    wait_idle(qtbot, ctx)
    assert c["meetings"].value.text() == "1" and "70 lượt người tham dự" in c["meetings"].compare.text()
    for card in c.values():
        assert "tăng" not in card.compare.text() and "giảm" not in card.compare.text()
    assert "chưa có số liệu cùng kỳ" in c["meetings"].compare.text()
    assert "chưa có số liệu cùng kỳ" in ov.sub.text()
    assert ov.chart.data["meeting"] == [0] * 10 + [1, 0]
    assert c["overdue"].value.text() == "1" and ov.overdue.item(0, 1).text() == "Sửa đường vào bản"
    row = next(r for r in range(ov.indicators.rowCount())
               if ov.indicators.index(r, 0).data() == "Tổng số hội nghị")
    assert ov.indicators.index(row, IndicatorTableModel.COL_CURRENT).data() == "1"
    assert ov.indicators.index(row, IndicatorTableModel.COL_PREVIOUS).data() == ""
    assert ov.indicators.index(row, IndicatorTableModel.COL_CHANGE).data() == ""

    # The period too: the fourth quarter has three months in the chart.
    w.period_picker.set_period(Period.quarter(2023, 4))
    wait_idle(qtbot, ctx)
    assert ov.chart.month_labels() == ["T10", "T11", "T12"] and ov.chart.data["meeting"] == [0, 1, 0]
    assert not ov.chart.grab().isNull()
