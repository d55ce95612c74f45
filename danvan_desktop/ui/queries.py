"""The overview's data in one background call, from the core services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.roles import Action
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.records import Record, models_waiting, overdue_petitions
from danvan_desktop.services.summary import Summary, month_activity, summarize
from danvan_desktop.store.database import Database


@dataclass(frozen=True)
class OverviewData:
    """Everything the overview page shows, fetched in one background call."""

    summary: Summary
    months: list[tuple[int, int]]  # (year, month) of each chart column: the months of the period
    activity: dict[str, list[int]]
    overdue: list[Record]
    overdue_total: int
    waiting: list[Record]
    waiting_total: int


def overview_data(db: Database, actor: Actor, period: Period, unit_code: str | None,
                  today: dt.date) -> OverviewData:
    """The overview's figures for a unit's subtree and period, as of the same day D everywhere.

    Summary with comparison, activity by month of the period, the kiến nghị overdue at D, waiting models.
    """
    s = summarize(db, actor, period, unit_code, today=today)
    activity = month_activity(db, actor, period, unit_code, today=today)
    overdue = overdue_petitions(db, actor, s.current.as_of, unit_code)
    waiting = models_waiting(db, actor, unit_code)
    if not actor.can(Action.RELIGION):
        activity = {k: v for k, v in activity.items() if k != "religious_check"}
    return OverviewData(s, period.months(), activity, overdue.rows, overdue.total, waiting.rows, waiting.total)
