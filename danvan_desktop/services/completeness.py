"""Completeness (SPEC §6): which units directly below the office have delivered packages covering a period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.text import sort_key
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.units import home
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import ImportLog, PackageImport, Unit

__all__ = ["MonthStatus", "UnitCompleteness", "completeness", "completeness_json", "covered_span", "local_day"]

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class MonthStatus:
    """One month of the period for one unit: covered by delivered packages or not, and late or not."""

    year: int
    month: int
    delivered: bool
    late: bool

    @property
    def label(self) -> str:
        """The month as a column header, e.g. "05/2025"."""
        return f"{self.month:02d}/{self.year}"


@dataclass(frozen=True)
class UnitCompleteness:
    """A unit below the office against a period: delivered, when, late, and month by month."""

    code: str
    name: str
    level: str
    delivered: bool
    last_import: dt.datetime | None  # UTC; the latest import of a package of this unit overlapping the period
    late: bool  # the period (or a month of it) has ended without a package covering it
    months: tuple[MonthStatus, ...]
    packages: int  # applied packages of this unit overlapping the period

    def as_json(self) -> dict[str, Any]:
        """The object of `danvan completeness --json` for this unit."""
        return {"code": self.code, "name": self.name, "delivered": self.delivered,
                "last_import": None if self.last_import is None else self.last_import.isoformat(timespec="seconds")
                + "Z"}


def local_day(at: dt.datetime) -> dt.date:
    """The office's calendar day of a stored UTC time (records are dated by the office's calendar)."""
    return at.replace(tzinfo=dt.UTC).astimezone().date()


def covered_span(start: dt.date | None, end: dt.date | None,
                 exported_at: dt.datetime | None) -> tuple[dt.date, dt.date] | None:
    """The days a package speaks for: its period, but never past the day it was exported (None: no days).

    A year package exported on 24 November holds nothing of December: December is not delivered by it.
    """
    if start is None or end is None:
        return None
    if exported_at is not None:
        end = min(end, local_day(exported_at))
    return (start, end) if start <= end else None


def _covered(spans: Sequence[tuple[dt.date, dt.date]], start: dt.date, end: dt.date) -> bool:
    """Whether the union of day spans (both ends included) covers start..end."""
    reach = start - _DAY
    for a, b in sorted(spans):
        if a > reach + _DAY:
            break
        reach = max(reach, b)
        if reach >= end:
            return True
    return reach >= end


def completeness(db: Database, actor: Actor, period: Period, today: dt.date | None = None) -> list[UnitCompleteness]:
    """For each unit directly below the office (villages excepted: they send no packages), in name order."""
    actor.require(Action.VIEW)
    today = today or dt.date.today()
    with db.reader() as s:
        root = home(s)
        kids = sorted((u for u in s.scalars(select(Unit).where(Unit.parent_id == root.id)) if u.level != "thon"),
                      key=lambda u: sort_key(u.name))
        rows = s.execute(
            select(ImportLog.unit_uid, ImportLog.period_start, ImportLog.period_end, ImportLog.at,
                   PackageImport.exported_at)
            .join(PackageImport, PackageImport.id == ImportLog.id)
            .where(PackageImport.status == "applied", ImportLog.unit_uid.in_([u.uid for u in kids]),
                   ImportLog.period_start <= period.end, ImportLog.period_end >= period.start)).all()
    by_unit: dict[str, list[Any]] = {}
    for r in rows:
        by_unit.setdefault(r.unit_uid, []).append(r)  # by identity (SPEC §2), never by a bare code
    out = []
    for u in kids:
        mine = by_unit.get(u.uid, [])
        spans = [sp for r in mine if (sp := covered_span(r.period_start, r.period_end, r.exported_at)) is not None]
        months = []
        for y, m in period.months():
            first = max(dt.date(y, m, 1), period.start)
            last = min((dt.date(y + (m == 12), m % 12 + 1, 1) - _DAY), period.end)
            # A month still running is delivered as far as it has gone (packages never cover later days).
            got = _covered(spans, first, min(last, today) if first <= today else last)
            months.append(MonthStatus(y, m, got, not got and last < today))
        delivered = all(ms.delivered for ms in months)
        last_import = max((r.at for r in mine), default=None)
        out.append(UnitCompleteness(u.code, u.name, u.level, delivered, last_import,
                                    any(ms.late for ms in months), tuple(months), len(mine)))
    return out


def completeness_json(period: Period, units: Sequence[UnitCompleteness]) -> dict[str, Any]:
    """The object `danvan completeness --period P --json` prints (SPEC §8)."""
    return {"period": period.code, "units": [u.as_json() for u in units]}
