"""The overview shows its cards as soon as their figures are read, before the month chart and the lists."""

from __future__ import annotations

import threading

from danvan_desktop.domain.periods import Period
from danvan_desktop.ui import overview as overview_module
from danvan_desktop.ui.main_window import MainWindow
from tests.ui.helpers import wait_idle
from tests.ui.test_overview_scope import seed


def _held(read, gate: threading.Event):
    """The same read, which waits (on its worker thread) until the test lets it answer."""
    def held(*args):
        gate.wait(30)
        return read(*args)
    return held


def test_cards_are_filled_before_the_chart_and_lists_arrive(qtbot, ctx, monkeypatch):
    seed(ctx.db)
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    wait_idle(qtbot, ctx)
    ov = w.overview
    chart_gate, lists_gate = threading.Event(), threading.Event()
    monkeypatch.setattr(overview_module, "overview_chart", _held(overview_module.overview_chart, chart_gate))
    monkeypatch.setattr(overview_module, "overview_lists", _held(overview_module.overview_lists, lists_gate))
    try:
        w.period_picker.set_period(Period.year(2023))
        qtbot.waitUntil(lambda: ov.cards["meetings"].value.text() == "5")
        # The cards are filled while the chart and the lists are still being read.
        assert ov.cards["overdue"].value.text() == "1"
        assert not ov.is_loaded and ov.overdue.rowCount() == 0
        assert ov.chart.data.get("meeting") != [0, 2, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0]
        assert ov.tabs.tabText(0) == "Kiến nghị quá hạn (đang tải…)"  # not this year's list left standing
        lists_gate.set()
        qtbot.waitUntil(lambda: ov.overdue.rowCount() == 1)
        assert ov.overdue.item(0, 1).text() == "Sửa đường vào bản"
        assert ov.tabs.tabText(0) == "Kiến nghị quá hạn (1)"
        assert not ov.is_loaded  # the chart is still to come
        chart_gate.set()
        qtbot.waitUntil(lambda: ov.is_loaded)
        assert ov.chart.data["meeting"] == [0, 2, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0]
        assert ov.data is not None and ov.data.overdue_total == 1
    finally:
        chart_gate.set()
        lists_gate.set()
    wait_idle(qtbot, ctx)
