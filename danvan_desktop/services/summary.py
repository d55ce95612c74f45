"""The one summary computation (SPEC §4): a unit subtree's indicators for a period and a year before."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from danvan_desktop.domain import vocab as V
from danvan_desktop.domain.indicators import INDICATOR_KEYS
from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.roles import Action
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.units import UnitInfo, home, resolve_unit
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import RECORD_TABLES, Unit


@dataclass(frozen=True)
class Figures:
    """Indicators of one period: every key of SPEC §4 present, zeros included."""

    period: Period
    indicators: dict[str, int]


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
            return {"period": f.period.code, "from": f.period.start.isoformat(), "to": f.period.end.isoformat(),
                    "indicators": dict(f.indicators)}
        cur = part(self.current)
        return {"unit": self.unit.code, "period": cur["period"], "from": cur["from"], "to": cur["to"],
                "indicators": cur["indicators"], "previous": part(self.previous)}


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
                   where: list[Any], build: Any) -> dict[str, int]:
    t = RECORD_TABLES[table]
    keys: list[str] = []
    cols: list[Any] = []
    build(t, keys, cols)
    conds = [t.c.deleted.is_(False), *where]
    if date_col is not None and period is not None:
        conds += [t.c[date_col] >= period.start, t.c[date_col] <= period.end]
    row = s.execute(select(*cols).select_from(t).where(*conds)).one()
    return {k: int(v or 0) for k, v in zip(keys, row, strict=True)}


def figures(s: Session, scope_root: Unit, period: Period) -> Figures:
    """Compute every indicator for a subtree and period: one scan per record table."""
    home_root = home(s)
    out: dict[str, int] = {}

    def meetings(t: Any, keys: list[str], cols: list[Any]) -> None:
        keys += ["meetings.total", "meetings.participants", "meetings.women", "meetings.ethnic_minority"]
        cols += [func.count(), func.sum(t.c.participants), func.sum(t.c.women), func.sum(t.c.ethnic_minority)]
        _per_value(keys, cols, "meetings.by_kind", V.MEETING_KIND, t.c.kind)

    out.update(_table_figures(s, "meeting", "date", period, _scope(RECORD_TABLES["meeting"], scope_root,
                                                                     home_root), meetings))

    def petitions(t: Any, keys: list[str], cols: list[Any]) -> None:
        keys.append("petitions.total")
        cols.append(func.count())
        _per_value(keys, cols, "petitions.by_type", V.PETITION_TYPE, t.c.type)
        _per_value(keys, cols, "petitions.by_status", V.PETITION_STATUS, t.c.status)
        _per_value(keys, cols, "petitions.by_field", V.PETITION_FIELD, t.c.field)

    p = RECORD_TABLES["petition"]
    p_scope = _scope(p, scope_root, home_root)
    out.update(_table_figures(s, "petition", "received_date", period, p_scope, petitions))
    # Overdue: received by the period's end, deadline before that end, and not resolved by then.
    not_resolved_by_end = or_(p.c.status != "da_giai_quyet", p.c.resolved_date.is_(None),
                              p.c.resolved_date > period.end)
    out["petitions.overdue"] = int(s.scalar(select(func.count()).select_from(p).where(
        p.c.deleted.is_(False), *p_scope, p.c.received_date <= period.end, p.c.deadline.is_not(None),
        p.c.deadline < period.end, not_resolved_by_end)) or 0)

    def monitoring(t: Any, keys: list[str], cols: list[Any]) -> None:
        keys.append("monitoring.total")
        cols.append(func.count())
        _per_value(keys, cols, "monitoring.by_kind", V.MONITORING_KIND, t.c.kind)
        _per_value(keys, cols, "monitoring.by_follow_up", V.FOLLOW_UP, t.c.follow_up)

    out.update(_table_figures(s, "monitoring", "start_date", period,
                              _scope(RECORD_TABLES["monitoring"], scope_root, home_root), monitoring))

    def sites(t: Any, keys: list[str], cols: list[Any]) -> None:
        keys += ["religious_sites.total", "religious_sites.followers"]
        cols += [func.count(), func.sum(t.c.followers)]
        _per_value(keys, cols, "religious_sites.by_registration", V.REGISTRATION, t.c.registration)

    # The registry counts as it stands, whatever the period (SPEC §4).
    out.update(_table_figures(s, "religious_site", None, None,
                              _scope(RECORD_TABLES["religious_site"], scope_root, home_root), sites))

    def checks(t: Any, keys: list[str], cols: list[Any]) -> None:
        keys.append("religious_checks.total")
        cols.append(func.count())
        _per_value(keys, cols, "religious_checks.by_result", V.CHECK_RESULT, t.c.result)

    out.update(_table_figures(s, "religious_check", "date", period,
                              _scope(RECORD_TABLES["religious_check"], scope_root, home_root), checks))

    md = RECORD_TABLES["model"]
    m_scope = _scope(md, scope_root, home_root)
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
    out.update(_table_figures(s, "model", None, None, [*m_scope, or_(in_period, awarded)], models))

    assert set(out) == set(INDICATOR_KEYS), set(out) ^ set(INDICATOR_KEYS)
    return Figures(period, {k: out[k] for k in INDICATOR_KEYS})


def summarize(db: Database, actor: Actor, period: Period, unit_code: str | None = None) -> Summary:
    """The summary of a unit's subtree (default: the whole office) with the previous-year comparison."""
    actor.require(Action.VIEW)
    with db.reader() as s:
        root = home(s)
        u = resolve_unit(s, root, unit_code) if unit_code else root
        parent = s.get(Unit, u.parent_id) if u.parent_id else None
        info = UnitInfo(u.code, u.name, u.level, parent.code if parent else None, u.scheme)
        return Summary(info, figures(s, u, period), figures(s, u, period.previous_year()))


def children_figures(db: Database, actor: Actor, period: Period,
                     unit_code: str | None = None) -> list[tuple[UnitInfo, Figures]]:
    """Figures of each unit directly below a unit (for the per-unit table of reports)."""
    actor.require(Action.VIEW)
    from danvan_desktop.domain.text import sort_key

    with db.reader() as s:
        root = home(s)
        u = resolve_unit(s, root, unit_code) if unit_code else root
        kids = sorted(s.scalars(select(Unit).where(Unit.parent_id == u.id)), key=lambda x: sort_key(x.name))
        return [(UnitInfo(c.code, c.name, c.level, u.code, c.scheme), figures(s, c, period)) for c in kids]


def month_activity(db: Database, actor: Actor, year: int) -> dict[str, list[int]]:
    """Records per month of a year for each dated kind (the overview chart), the office's whole subtree."""
    actor.require(Action.VIEW)
    out: dict[str, list[int]] = {}
    with db.reader() as s:
        root = home(s)
        for key, col in (("meeting", "date"), ("petition", "received_date"), ("monitoring", "start_date"),
                         ("model", "registered_date")):
            t = RECORD_TABLES[key]
            c = t.c[col]
            stmt = (select(func.strftime("%m", c), func.count()).join(Unit, Unit.id == t.c.unit_id)
                    .where(Unit.path.like(root.path + "%"), t.c.deleted.is_(False),
                           c >= dt.date(year, 1, 1), c <= dt.date(year, 12, 31)).group_by(func.strftime("%m", c)))
            months = [0] * 12
            for mm, n in s.execute(stmt):
                months[int(mm) - 1] = n
            out[key] = months
    return out
