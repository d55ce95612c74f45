"""The overview's data in three background reads, from the core services: the figures (the cards), the month
chart, and the two lists, so the cards show as soon as their own read is done."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.roles import Action
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.records import Record, models_waiting, overdue_petitions
from danvan_desktop.services.summary import Summary, as_of_day, month_activity, summarize
from danvan_desktop.store.database import Database


@dataclass(frozen=True)
class OverviewLists:
    """What waits: the kiến nghị overdue at D and the models waiting for evaluation (first rows and totals)."""

    overdue: list[Record]
    overdue_total: int
    waiting: list[Record]
    waiting_total: int


@dataclass(frozen=True)
class OverviewData:
    """Everything the overview page shows, once its three reads have all arrived."""

    summary: Summary
    months: list[tuple[int, int]]  # (year, month) of each chart column: the months of the period
    activity: dict[str, list[int]]
    overdue: list[Record]
    overdue_total: int
    waiting: list[Record]
    waiting_total: int


def overview_figures(db: Database, actor: Actor, period: Period, unit_code: str | None,
                     today: dt.date) -> Summary:
    """The cards' figures for a unit's subtree and period, with the comparison, as of day D (SPEC §4)."""
    return summarize(db, actor, period, unit_code, today=today)


def overview_chart(db: Database, actor: Actor, period: Period, unit_code: str | None,
                   today: dt.date) -> dict[str, list[int]]:
    """Records per month of the period, per kind the account may see (the chart)."""
    activity = month_activity(db, actor, period, unit_code, today=today)
    if not actor.can(Action.RELIGION):
        activity = {k: v for k, v in activity.items() if k != "religious_check"}
    return activity


def overview_lists(db: Database, actor: Actor, period: Period, unit_code: str | None,
                   today: dt.date) -> OverviewLists:
    """The kiến nghị overdue at the same day D as the cards, and the models waiting."""
    overdue = overdue_petitions(db, actor, as_of_day(period, None, today), unit_code)
    waiting = models_waiting(db, actor, unit_code)
    return OverviewLists(overdue.rows, overdue.total, waiting.rows, waiting.total)

