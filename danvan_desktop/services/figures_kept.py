"""SPEC §4 figures read from the kept count tables (store/schema.py TALLIES) instead of scanning the records.

Whole months come from the count tables' rows of the unit itself (they already hold its whole subtree). A
month the span cuts is read from the records of the days inside it, or, when fewer days lie outside, as the
month's row minus the records of those days. What depends on the as-of day beyond the span — answers given
after it, the overdue stock — comes from indexed queries on the records.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, text
from sqlalchemy.orm import Session

from danvan_desktop.domain.indicators import INDICATOR_KEYS
from danvan_desktop.services.overdue import ANSWERED_STATUSES, FOLLOWED_UP_TYPE
from danvan_desktop.store.schema import RECORD_TABLES, TALLIES, TALLY_TABLES, Tally, Unit

Span = tuple[dt.date, dt.date]
_KEYS = frozenset(INDICATOR_KEYS)
_DAY = dt.timedelta(days=1)
BEGINNING = dt.date(1900, 1, 1)  # before any record: the overdue stock counts every deadline up to D


def month_code(d: dt.date) -> str:
    """A month as the count tables key it: 'YYYY-MM'."""
    return f"{d.year:04d}-{d.month:02d}"


@dataclass(frozen=True)
class Plan:
    """How to read a span: whole months from the count tables, signed day ranges from the records."""

    months: tuple[tuple[str, str], ...]  # (first, last) month codes, both counted
    days: tuple[tuple[int, dt.date, dt.date], ...]  # (+1 or -1, first day, last day)


def plan(span: Span) -> Plan:
    """Split a span of days into whole months and the few days of the months it cuts."""
    a, b = span
    months: list[tuple[str, str]] = []
    days: list[tuple[int, dt.date, dt.date]] = []
    if a > b:
        return Plan((), ())
    first = a.replace(day=1)
    last = b.replace(day=calendar.monthrange(b.year, b.month)[1])
    edges = {first, b.replace(day=1)}
    for m in sorted(edges):
        m_end = m.replace(day=calendar.monthrange(m.year, m.month)[1])
        x, y = max(a, m), min(b, m_end)
        if x == m and y == m_end:
            continue  # a whole month: read with the others
        inside = (y - x).days + 1
        if inside <= (m_end - m).days + 1 - inside:
            days.append((1, x, y))
        else:
            months.append((month_code(m), month_code(m)))
            if x > m:
                days.append((-1, m, x - _DAY))
            if y < m_end:
                days.append((-1, y + _DAY, m_end))
    # The whole months between (and including) the edges that were not cut.
    lo = first if (a == first) else _next_month(first)
    hi = last if (b == last) else b.replace(day=1) - _DAY
    if lo <= hi:
        months.append((month_code(lo), month_code(hi)))
    return Plan(tuple(months), tuple(days))


def _joined(months: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Month ranges with touching ones joined: one range reads the count table as one stretch of its key,
    where an OR of two makes the database read every month of the unit."""
    out: list[tuple[str, str]] = []
    for lo, hi in sorted(months):
        if out and lo <= _month_after(out[-1][1]):
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return tuple(out)


def _month_after(code: str) -> str:
    y, m = int(code[:4]), int(code[5:7])
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


def _next_month(d: dt.date) -> dt.date:
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


# ---- turning a count row into indicators ------------------------------------------------------------------


def _meeting(dims: tuple[str, ...], n: int, sums: tuple[int, ...], out: dict[str, int]) -> None:
    kind, organizer = dims
    participants, women, ethnic = sums
    _add(out, "meetings.total", n)
    _add(out, "meetings.participants", participants)
    _add(out, "meetings.women", women)
    _add(out, "meetings.ethnic_minority", ethnic)
    _add(out, f"meetings.by_kind.{kind}", n)
    _add(out, f"meetings.by_organizer.{organizer}", n)
    _add(out, f"meetings.participants_by_kind.{kind}", participants)


def _petition(dims: tuple[str, ...], n: int, _sums: tuple[int, ...], out: dict[str, int]) -> None:
    type_, status, field = dims
    _add(out, "petitions.total", n)
    _add(out, f"petitions.by_type.{type_}", n)
    _add(out, f"petitions.by_status.{status}", n)
    _add(out, f"petitions.by_field.{field}", n)
    if status in ANSWERED_STATUSES:  # answered by the end of time; answers given after D are taken off later
        _add(out, "petitions.answered", n)


def _open(_dims: tuple[str, ...], n: int, _sums: tuple[int, ...], out: dict[str, int]) -> None:
    _add(out, "petitions.overdue", n)


def _monitoring(dims: tuple[str, ...], n: int, _sums: tuple[int, ...], out: dict[str, int]) -> None:
    kind, follow_up, lead_body = dims
    _add(out, "monitoring.total", n)
    _add(out, f"monitoring.by_kind.{kind}", n)
    _add(out, f"monitoring.by_follow_up.{follow_up}", n)
    _add(out, f"monitoring.by_lead_body.{lead_body}", n)


def _check(dims: tuple[str, ...], n: int, _sums: tuple[int, ...], out: dict[str, int]) -> None:
    result, body = dims
    _add(out, "religious_checks.total", n)
    _add(out, f"religious_checks.by_result.{result}", n)
    _add(out, f"religious_checks.by_body.{body}", n)


def _model(dims: tuple[str, ...], n: int, _sums: tuple[int, ...], out: dict[str, int]) -> None:
    registrant_kind, field, status = dims
    _add(out, f"models.registered.{registrant_kind}", n)
    _add(out, f"models.by_field.{field}", n)
    if status == "cong_nhan":
        _add(out, f"models.recognized.{registrant_kind}", n)


def _award(dims: tuple[str, ...], n: int, _sums: tuple[int, ...], out: dict[str, int]) -> None:
    _add(out, f"models.awarded.{dims[0]}", n)


def _add(out: dict[str, int], key: str, n: int) -> None:
    # Values outside the vocabularies (or empty) count in the totals only, as in the scan of the records.
    if key in _KEYS:
        out[key] = out.get(key, 0) + n


Reducer = Callable[[tuple[str, ...], int, tuple[int, ...], dict[str, int]], None]
REDUCERS: dict[str, Reducer] = {"fig_meeting": _meeting, "fig_petition": _petition, "fig_petition_open": _open,
                                "fig_monitoring": _monitoring, "fig_religious_check": _check, "fig_model": _model,
                                "fig_model_award": _award}


# ---- reading ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose figures: target units (each read from its own count rows) and how a record's unit maps to one.

    `leaf_to_target` maps a record's unit_id to the target it counts for; None when there is one target and
    every record of `where` belongs to it.
    """

    targets: tuple[int, ...]
    where: Callable[[Any], list[Any]]  # conditions limiting a record table to the scope
    leaf_to_target: dict[int, int] | None = None

    def target_of(self, unit_id: int) -> int | None:
        """The target a record of this unit counts for."""
        if self.leaf_to_target is None:
            return self.targets[0]
        return self.leaf_to_target.get(unit_id)


def _kept_rows(s: Session, t: Tally, scope: Scope, months: Iterable[tuple[str, str]]) -> Iterable[Any]:
    tab = TALLY_TABLES[t.table]
    ranges = [tab.c.month.between(lo, hi) for lo, hi in _joined(months)]
    if not ranges:
        return []
    dims = [tab.c[d] for d in t.dims]
    unit_cond = tab.c.unit_id == scope.targets[0] if len(scope.targets) == 1 else tab.c.unit_id.in_(scope.targets)
    stmt = (select(tab.c.unit_id, *dims, func.sum(tab.c.n), *(func.sum(tab.c[c]) for c in t.sums))
            .where(unit_cond, or_(*ranges)).group_by(tab.c.unit_id, *dims))
    return s.execute(stmt)


def _per_target(r: Any, scope: Scope) -> tuple[Any, list[Any]]:
    """The unit column of a grouped read of records, and its GROUP BY part.

    With one target every row counts for it: grouping by each record's unit would return a row per commune
    for the same sums (a province's day edges: thousands of rows instead of dozens).
    """
    if scope.leaf_to_target is None:
        return literal(scope.targets[0]), []
    return r.c.unit_id, [r.c.unit_id]


def _record_rows(s: Session, t: Tally, scope: Scope, a: dt.date, b: dt.date) -> Iterable[Any]:
    r = RECORD_TABLES[t.kind]
    dims = [func.coalesce(r.c[d], literal("")) for d in t.dims]
    conds = [r.c.deleted.is_(False), r.c[t.date] >= a, r.c[t.date] <= b, *scope.where(r)]
    if t.only:
        conds.append(text(t.only.format(r=r.name)))
    unit, by_unit = _per_target(r, scope)
    stmt = (select(unit, *dims, func.count(), *(func.coalesce(func.sum(r.c[c]), 0) for c in t.sums))
            .where(*conds))
    if by_unit or dims:
        stmt = stmt.group_by(*by_unit, *dims)
    return s.execute(stmt)


def tally_figures(s: Session, t: Tally, scope: Scope, span: Span, out: dict[int, dict[str, int]]) -> None:
    """Add one count table's indicators over a span to each target's figures."""
    p = plan(span)
    reduce = REDUCERS[t.table]
    nd = len(t.dims)
    for row in _kept_rows(s, t, scope, p.months):
        reduce(tuple(row[1:1 + nd]), int(row[1 + nd] or 0), tuple(int(v or 0) for v in row[2 + nd:]),
               out.setdefault(row[0], {}))
    for sign, a, b in p.days:
        for row in _record_rows(s, t, scope, a, b):
            target = scope.target_of(row[0])
            if target is None:
                continue
            reduce(tuple(row[1:1 + nd]), sign * int(row[1 + nd]), tuple(sign * int(v or 0) for v in row[2 + nd:]),
                   out.setdefault(target, {}))


def _grouped_count(s: Session, scope: Scope, stmt_of: Callable[[Any, Any], Any], key: str,
                   out: dict[int, dict[str, int]], sign: int = 1) -> None:
    """Add an indexed count of petitions, grouped by unit, to each target's figures."""
    r = RECORD_TABLES["petition"]
    unit, by_unit = _per_target(r, scope)
    stmt = stmt_of(r, unit).where(*scope.where(r))
    for unit_id, n in s.execute(stmt.group_by(*by_unit) if by_unit else stmt):
        if not n:
            continue  # one target and nothing found: a count of 0
        target = scope.target_of(unit_id)
        if target is not None:
            d = out.setdefault(target, {})
            d[key] = d.get(key, 0) + sign * int(n)


def _answered_late(r: Any, unit: Any, span: Span, as_of: dt.date) -> Any:
    """Petitions of the span explained or settled only after D: not yet answered at D."""
    return (select(unit, func.count())
            .where(r.c.deleted.is_(False), r.c.resolved_date > as_of, r.c.status.in_(ANSWERED_STATUSES),
                   r.c.received_date >= span[0], r.c.received_date <= span[1]))


def few_answered_after(s: Session, as_of: dt.date) -> bool:
    """Whether the petitions answered after D are likely fewer than the kiến nghị due before D.

    Judged from the dates' extent (two index look-ups), records being spread about evenly over time. D near
    today (the usual summary and its year-earlier comparison): few answers came later; D long ago: few
    deadlines came before it.
    """
    r = RECORD_TABLES["petition"]
    last_answer = select(func.max(r.c.resolved_date)).where(r.c.deleted.is_(False)).scalar_subquery()
    first_due = (select(func.min(r.c.deadline))
                 .where(r.c.deleted.is_(False), r.c.type == FOLLOWED_UP_TYPE).scalar_subquery())
    last, first = s.execute(select(last_answer, first_due)).one()
    if last is None or first is None:
        return True  # nothing on one side: either walk is empty
    return (last - as_of).days < (as_of - first).days


def _overdue_late(r: Any, unit: Any, as_of: dt.date, walk_answers: bool) -> Any:
    """Kiến nghị due before D that were answered, but only after D: still overdue at D (SPEC §4).

    Two ranges, each with its covering index: answers after D (ix_petition_live_resolved) or deadlines before
    D (ix_petition_live_overdue). Without statistics of date spreads a planner takes the second, whose
    leading equalities look narrower, even when it walks every kiến nghị of five years to find none; so the
    type is written through coalesce (the same rows: 'kien_nghi' is never empty) when the answers are the
    shorter walk, which leaves that index nothing to start from.
    """
    type_ = func.coalesce(r.c.type, literal("")) if walk_answers else r.c.type
    return (select(unit, func.count())
            .where(r.c.deleted.is_(False), r.c.resolved_date > as_of,
                   or_(r.c.status.in_(ANSWERED_STATUSES), r.c.status.is_(None)),
                   type_ == FOLLOWED_UP_TYPE, r.c.deadline < as_of))


def _registry(s: Session, scope: Scope, out: dict[int, dict[str, int]]) -> None:
    """The religious-site registry as it stands (SPEC §4), from its covering index."""
    r = RECORD_TABLES["religious_site"]
    stmt = (select(r.c.unit_id, r.c.registration, func.count(), func.coalesce(func.sum(r.c.followers), 0))
            .where(r.c.deleted.is_(False), *scope.where(r)).group_by(r.c.unit_id, r.c.registration))
    for unit_id, registration, n, followers in s.execute(stmt):
        target = scope.target_of(unit_id)
        if target is None:
            continue
        d = out.setdefault(target, {})
        _add(d, "religious_sites.total", int(n))
        _add(d, "religious_sites.followers", int(followers))
        _add(d, f"religious_sites.by_registration.{registration}", int(n))


def kept_figures(s: Session, scope: Scope, span: Span, as_of: dt.date) -> dict[int, dict[str, int]]:
    """Every SPEC §4 indicator of each target unit for a span of days, judged at the as-of day D."""
    out: dict[int, dict[str, int]] = {u: {} for u in scope.targets}
    for t in TALLIES:
        if t.table == "fig_petition_open":
            # Kiến nghị not answered (now) whose deadline lies before D, whenever received.
            tally_figures(s, t, scope, (BEGINNING, as_of - _DAY), out)
        else:
            tally_figures(s, t, scope, span, out)
    _grouped_count(s, scope, lambda r, unit: _answered_late(r, unit, span, as_of), "petitions.answered", out, -1)
    walk_answers = few_answered_after(s, as_of)
    _grouped_count(s, scope, lambda r, unit: _overdue_late(r, unit, as_of, walk_answers), "petitions.overdue", out)
    _registry(s, scope, out)
    return out


def kept_activity(s: Session, t: Tally, scope: Scope, span: Span, months: list[tuple[int, int]]) -> list[int]:
    """Live records of a count table per month of `months` over a span (the overview chart), one target."""
    counts: dict[str, int] = {}
    p = plan(span)
    tab = TALLY_TABLES[t.table]
    ranges = [tab.c.month.between(lo, hi) for lo, hi in _joined(p.months)]
    if ranges:
        stmt = (select(tab.c.month, func.sum(tab.c.n)).where(tab.c.unit_id == scope.targets[0], or_(*ranges))
                .group_by(tab.c.month))
        for month, n in s.execute(stmt):
            counts[month] = counts.get(month, 0) + int(n)
    r = RECORD_TABLES[t.kind]
    for sign, a, b in p.days:
        n = s.scalar(select(func.count()).select_from(r).where(
            and_(r.c.deleted.is_(False), r.c[t.date] >= a, r.c[t.date] <= b, *scope.where(r))))
        counts[month_code(a)] = counts.get(month_code(a), 0) + sign * int(n or 0)
    return [counts.get(f"{y:04d}-{m:02d}", 0) for y, m in months]


def subtree_condition(root: Unit, home_root: Unit) -> Callable[[Any], list[Any]]:
    """Conditions limiting a record table to a unit's subtree (none for the whole office)."""
    if root.id == home_root.id:
        return lambda _t: []
    return lambda t: [t.c.unit_id.in_(select(Unit.id).where(Unit.path.like(root.path + "%")))]


def tally_of(kind: str, date: str) -> Tally:
    """The count table keeping a record kind by a date."""
    return next(t for t in TALLIES if t.kind == kind and t.date == date and not t.only)

