"""Read-only look-ups the overview needs, built on services.records until the core offers them directly."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.roles import Action
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.records import Record, RecordQuery, list_records
from danvan_desktop.services.summary import Summary, month_activity, summarize
from danvan_desktop.store.database import Database

OPEN_STATUSES = ("moi", "giai_trinh", "tiep_thu")
WAITING_MODEL_STATUSES = ("dang_ky", "dang_thuc_hien")


def overdue_petitions(db: Database, actor: Actor, unit_code: str | None, as_of: dt.date,
                      limit: int = 100) -> tuple[list[Record], int]:
    """Petitions past their deadline and not resolved as of a day, oldest deadline first; and how many."""
    rows: list[Record] = []
    for status in OPEN_STATUSES:
        q = RecordQuery(unit_code=unit_code, filters={"status": status}, sort="deadline", limit=None)
        rows += [r for r in list_records(db, actor, "petition", q).rows
                 if isinstance(r.values.get("deadline"), dt.date) and r.values["deadline"] < as_of]  # type: ignore[operator]
    rows.sort(key=lambda r: (r.values["deadline"], r.id))  # type: ignore[arg-type, return-value]
    return rows[:limit], len(rows)


def models_waiting(db: Database, actor: Actor, unit_code: str | None, limit: int = 100) -> tuple[list[Record], int]:
    """Models registered or under way and not evaluated yet, oldest registration first; and how many."""
    rows: list[Record] = []
    total = 0
    for status in WAITING_MODEL_STATUSES:
        page = list_records(db, actor, "model", RecordQuery(unit_code=unit_code, filters={"status": status},
                                                            sort="registered_date", limit=limit))
        rows += page.rows
        total += page.total
    rows.sort(key=lambda r: (r.values["registered_date"], r.id))  # type: ignore[arg-type, return-value]
    return rows[:limit], total


@dataclass(frozen=True)
class OverviewData:
    """Everything the overview page shows, fetched in one background call."""

    summary: Summary
    year: int
    activity: dict[str, list[int]]
    overdue: list[Record]
    overdue_total: int
    waiting: list[Record]
    waiting_total: int


def overview_data(db: Database, actor: Actor, period: Period, unit_code: str | None,
                  today: dt.date) -> OverviewData:
    """The overview's figures: summary with comparison, activity by month, overdue petitions, waiting models."""
    s = summarize(db, actor, period, unit_code)
    year = period.end.year
    activity = month_activity(db, actor, year)
    overdue, n_overdue = overdue_petitions(db, actor, unit_code, today)
    waiting, n_waiting = models_waiting(db, actor, unit_code)
    if not actor.can(Action.RELIGION):
        activity = {k: v for k, v in activity.items() if k != "religious_check"}
    return OverviewData(s, year, activity, overdue, n_overdue, waiting, n_waiting)
