"""The overdue stock at D counts kiến nghị answered only after D by walking either of two date ranges
(answers after D, or deadlines before D), whichever is shorter (issue 14); both walks give the figures of the
records themselves, at every as-of day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from danvan_desktop.domain.periods import Period
from danvan_desktop.services import figures_kept
from danvan_desktop.services.summary import figures
from danvan_desktop.services.units import home
from tests.integration.test_figures_as_of import build

DAYS = [date(2022, 6, 1) + timedelta(days=45 * i) for i in range(16)]  # 06/2022 … 08/2024, across every date


def _both(db, day: date) -> tuple[dict[str, int], dict[str, int]]:
    period = Period.year(day.year)
    with db.reader() as s:
        root = home(s)
        return (figures(s, root, period, day).indicators, figures(s, root, period, day, scan=True).indicators)


@pytest.mark.parametrize("walk_answers", [True, False])
def test_either_walk_gives_the_figures_of_the_records(district, monkeypatch, walk_answers):
    build(district)
    monkeypatch.setattr(figures_kept, "few_answered_after", lambda _s, _d: walk_answers)
    for day in DAYS:
        kept, scanned = _both(district, day)
        assert kept["petitions.overdue"] == scanned["petitions.overdue"], day
        assert kept["petitions.answered"] == scanned["petitions.answered"], day
        assert kept == scanned, day


def test_the_shorter_walk_is_chosen_from_the_dates_extent(district):
    build(district)  # answers 01/03/2023 and 15/08/2023; deadlines 10/02/2023 … 30/06/2023 and 05/06/2022
    with district.reader() as s:
        assert figures_kept.few_answered_after(s, date(2023, 8, 1)) is True  # 14 days of answers after D left
        assert figures_kept.few_answered_after(s, date(2022, 7, 1)) is False  # 26 days of deadlines before D
