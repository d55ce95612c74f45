"""The one summary computation (SPEC §4): a unit subtree's indicators for a period and a year before."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from danvan_desktop.domain import vocab as V
from danvan_desktop.domain.indicators import INDICATOR_KEYS, SENSITIVE_GROUPS, SENSITIVE_KEYS
from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.text import sort_key
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.units import UnitInfo, home, resolve_unit
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import RECORD_TABLES, Unit


@dataclass(frozen=True)
class Figures:
    """Indicators of one period: every key of SPEC §4 present, zeros included, except withheld groups.

    `withheld` names the indicator groups left out because the account lacks the right to see them (the
    religious figures without the religion right, SPEC §7); their keys are absent from `indicators`, so no
    output can print them by mistake.
    """

    period: Period
    indicators: dict[str, int]
    withheld: frozenset[str] = frozenset()

    def shown(self, key: str) -> bool:
        """Whether this account may see the indicator."""
        return key in self.indicators


def for_actor(actor: Actor, f: Figures) -> Figures:
    """The figures as this account may see them: without the religion right, no religious figure at all."""
    if actor.can(Action.RELIGION):
        return f
    return Figures(f.period, {k: v for k, v in f.indicators.items() if k not in SENSITIVE_KEYS},
                   f.withheld | SENSITIVE_GROUPS)


@dataclass(frozen=True)
class Summary:
    """A unit's figures for a period and for the same period one year earlier."""

    unit: UnitInfo
    current: Figures
    previous: Figures

    def change(self, key: str) -> int:
        """Current minus previous for one indicator."""
        return self.current.indicators[key] - self.previous.indicators[key]

    def as_json(self) -> dict[str, Any]:
        """The object `danvan summary --json` prints."""
        def part(f: Figures) -> dict[str, Any]:
            # Every key stays present (SPEC §8); a withheld figure is null, never a misleading zero.
            return {"period": f.period.code, "from": f.period.start.isoformat(), "to": f.period.end.isoformat(),
                    "indicators": {k: f.indicators.get(k) for k in INDICATOR_KEYS}}
        cur = part(self.current)
        out = {"unit": self.unit.code, "period": cur["period"], "from": cur["from"], "to": cur["to"],
               "indicators": cur["indicators"], "previous": part(self.previous)}
        if self.current.withheld:
            out["withheld"] = sorted(self.current.withheld)
        return out


def _scope(t: Any, root: Unit, home_root: Unit) -> list[Any]:
    # Every record of the file belongs to the home subtree, so the whole office needs no unit filter.
    if root.id == home_root.id:
        return []
    return [t.c.unit_id.in_(select(Unit.id).where(Unit.path.like(root.path + "%")))]


def _n(cond: Any) -> Any:
    """COUNT of rows meeting a condition, as a SUM so one scan of a table computes every figure."""
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _per_value(out_keys: list[str], cols: list[Any], prefix: str, vocab: V.Vocabulary, column: Any,
               extra: Any = None) -> None:
    for key in vocab.keys:
        cond = column == key if extra is None else and_(column == key, extra)
        out_keys.append(f"{prefix}.{key}")
        cols.append(_n(cond))


def _table_figures(s: Session, table: str, date_col: str | None, period: Period | None,
                   where: list[Any], build: Any, by_unit: bool) -> dict[int | None, dict[str, int]]:
    """One scan of a table computing its figures, for the whole scope (key None) or per unit_id."""
    t = RECORD_TABLES[table]
    keys: list[str] = []
    cols: list[Any] = []
    build(t, keys, cols)
    conds = [t.c.deleted.is_(False), *where]
    if date_col is not None and period is not None:
        conds += [t.c[date_col] >= period.start, t.c[date_col] <= period.end]
    if by_unit:
        stmt = select(t.c.unit_id, *cols).select_from(t).where(*conds).group_by(t.c.unit_id)
        return {row[0]: {k: int(v or 0) for k, v in zip(keys, row[1:], strict=True)} for row in s.execute(stmt)}
    row = s.execute(select(*cols).select_from(t).where(*conds)).one()
    return {None: {k: int(v or 0) for k, v in zip(keys, row, strict=True)}}


def _compute(s: Session, scope_root: Unit, period: Period, by_unit: bool) -> dict[int | None, dict[str, int]]:
    """Every indicator, for the scope as a whole or per unit_id: one scan per record table."""
    home_root = home(s)
    parts: list[dict[int | None, dict[str, int]]] = []

    def scope(table: str) -> list[Any]:
        return _scope(RECORD_TABLES[table], scope_root, home_root)

    def meetings(t: Any, keys: list[str], cols: list[Any]) -> None:
        keys += ["meetings.total", "meetings.participants", "meetings.women", "meetings.ethnic_minority"]
        cols += [func.count(), func.sum(t.c.participants), func.sum(t.c.women), func.sum(t.c.ethnic_minority)]
        _per_value(keys, cols, "meetings.by_kind", V.MEETING_KIND, t.c.kind)

    parts.append(_table_figures(s, "meeting", "date", period, scope("meeting"), meetings, by_unit))

    def petitions(t: Any, keys: list[str], cols: list[Any]) -> None:
        keys.append("petitions.total")
        cols.append(func.count())
        _per_value(keys, cols, "petitions.by_type", V.PETITION_TYPE, t.c.type)
        _per_value(keys, cols, "petitions.by_status", V.PETITION_STATUS, t.c.status)
        _per_value(keys, cols, "petitions.by_field", V.PETITION_FIELD, t.c.field)

    parts.append(_table_figures(s, "petition", "received_date", period, scope("petition"), petitions, by_unit))
    p = RECORD_TABLES["petition"]

    def overdue(t: Any, keys: list[str], cols: list[Any]) -> None:
        keys.append("petitions.overdue")
        cols.append(func.count())

    # Overdue: received by the period's end, deadline before that end, and not resolved by then.
    not_resolved_by_end = or_(p.c.status != "da_giai_quyet", p.c.resolved_date.is_(None),
                              p.c.resolved_date > period.end)
    parts.append(_table_figures(s, "petition", None, None, [
        *scope("petition"), p.c.received_date <= period.end, p.c.deadline.is_not(None),
        p.c.deadline < period.end, not_resolved_by_end], overdue, by_unit))

    def monitoring(t: Any, keys: list[str], cols: list[Any]) -> None:
        keys.append("monitoring.total")
        cols.append(func.count())
        _per_value(keys, cols, "monitoring.by_kind", V.MONITORING_KIND, t.c.kind)
        _per_value(keys, cols, "monitoring.by_follow_up", V.FOLLOW_UP, t.c.follow_up)

    parts.append(_table_figures(s, "monitoring", "start_date", period, scope("monitoring"), monitoring, by_unit))

    def sites(t: Any, keys: list[str], cols: list[Any]) -> None:
        keys += ["religious_sites.total", "religious_sites.followers"]
        cols += [func.count(), func.sum(t.c.followers)]
        _per_value(keys, cols, "religious_sites.by_registration", V.REGISTRATION, t.c.registration)

    # The registry counts as it stands, whatever the period (SPEC §4).
    parts.append(_table_figures(s, "religious_site", None, None, scope("religious_site"), sites, by_unit))

    def checks(t: Any, keys: list[str], cols: list[Any]) -> None:
        keys.append("religious_checks.total")
        cols.append(func.count())
        _per_value(keys, cols, "religious_checks.by_result", V.CHECK_RESULT, t.c.result)

    parts.append(_table_figures(s, "religious_check", "date", period, scope("religious_check"), checks, by_unit))

    md = RECORD_TABLES["model"]
    in_period = and_(md.c.registered_date >= period.start, md.c.registered_date <= period.end)
    awarded = and_(md.c.award_date >= period.start, md.c.award_date <= period.end, md.c.award.is_not(None),
                   md.c.award != "")

    def models(t: Any, keys: list[str], cols: list[Any]) -> None:
        _per_value(keys, cols, "models.registered", V.REGISTRANT_KIND, t.c.registrant_kind, in_period)
        _per_value(keys, cols, "models.by_field", V.MODEL_FIELD, t.c.field, in_period)
        _per_value(keys, cols, "models.recognized", V.REGISTRANT_KIND, t.c.registrant_kind,
                   and_(in_period, t.c.status == "cong_nhan"))
        _per_value(keys, cols, "models.awarded", V.REGISTRANT_KIND, t.c.registrant_kind, awarded)

    # Models count by two dates (registration, award): scan the rows touching the period by either.
    parts.append(_table_figures(s, "model", None, None, [*scope("model"), or_(in_period, awarded)], models,
                                by_unit))
    out: dict[int | None, dict[str, int]] = {}
    for part in parts:
        for uid, values in part.items():
            out.setdefault(uid, {}).update(values)
    return out


def _complete(period: Period, partial: dict[str, int]) -> Figures:
    """Every key present (units without records of a kind get zeros), in the official order."""
    return Figures(period, {k: partial.get(k, 0) for k in INDICATOR_KEYS})


def figures(s: Session, scope_root: Unit, period: Period) -> Figures:
    """Compute every indicator for a subtree and period: one scan per record table."""
    whole = _compute(s, scope_root, period, by_unit=False)[None]
    assert set(whole) == set(INDICATOR_KEYS), set(whole) ^ set(INDICATOR_KEYS)
    return _complete(period, whole)


def summarize(db: Database, actor: Actor, period: Period, unit_code: str | None = None) -> Summary:
    """The summary of a unit's subtree (default: the whole office) with the previous-year comparison."""
    actor.require(Action.VIEW)
    with db.reader() as s:
        root = home(s)
        u = resolve_unit(s, root, unit_code) if unit_code else root
        parent = s.get(Unit, u.parent_id) if u.parent_id else None
        info = UnitInfo(u.code, u.name, u.level, parent.code if parent else None, u.scheme)
        return Summary(info, for_actor(actor, figures(s, u, period)),
                       for_actor(actor, figures(s, u, period.previous_year())))


def children_figures(db: Database, actor: Actor, period: Period,
                     unit_code: str | None = None) -> list[tuple[UnitInfo, Figures]]:
    """Figures of each unit directly below a unit (for the per-unit table of reports).

    One grouped scan per table for the whole subtree, added up per child: a province of 100 communes costs
    about what one summary costs, not a hundred of them.
    """
    actor.require(Action.VIEW)
    with db.reader() as s:
        root = home(s)
        u = resolve_unit(s, root, unit_code) if unit_code else root
        kids = sorted(s.scalars(select(Unit).where(Unit.parent_id == u.id)), key=lambda x: sort_key(x.name))
        per_unit = _compute(s, u, period, by_unit=True)
        paths = dict(s.execute(select(Unit.id, Unit.path).where(Unit.path.like(u.path + "%"))).all())
        out = []
        for c in kids:
            total: dict[str, int] = {}
            for uid, values in per_unit.items():
                if uid is not None and paths.get(uid, "").startswith(c.path):
                    for k, v in values.items():
                        total[k] = total.get(k, 0) + v
            info = UnitInfo(c.code, c.name, c.level, u.code, c.scheme)
            out.append((info, for_actor(actor, _complete(period, total))))
        return out


def month_activity(db: Database, actor: Actor, year: int) -> dict[str, list[int]]:
    """Records per month of a year for each dated kind (the overview chart), the office's whole subtree."""
    actor.require(Action.VIEW)
    out: dict[str, list[int]] = {}
    with db.reader() as s:
        for key, col in (("meeting", "date"), ("petition", "received_date"), ("monitoring", "start_date"),
                         ("model", "registered_date")):
            t = RECORD_TABLES[key]
            c = t.c[col]
            # The whole office: every record of the file, so no unit join (it would touch each row).
            stmt = (select(func.strftime("%m", c), func.count()).select_from(t)
                    .where(t.c.deleted.is_(False), c >= dt.date(year, 1, 1), c <= dt.date(year, 12, 31))
                    .group_by(func.strftime("%m", c)))
            months = [0] * 12
            for mm, n in s.execute(stmt):
                months[int(mm) - 1] = n
            out[key] = months
    return out
