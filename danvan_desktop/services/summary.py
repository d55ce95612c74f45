"""The one summary computation (SPEC §4): a unit subtree's indicators for a period and a year before."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
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


def _count_by(s: Session, table: str, column: str, where: list[Any], scope: Any) -> dict[str, int]:
    t = RECORD_TABLES[table]
    stmt = (select(t.c[column], func.count()).join(Unit, Unit.id == t.c.unit_id)
            .where(scope, t.c.deleted.is_(False), *where).group_by(t.c[column]))
    return {k: n for k, n in s.execute(stmt) if k is not None}


def _agg(s: Session, table: str, cols: list[Any], where: list[Any], scope: Any) -> tuple[int, ...]:
    t = RECORD_TABLES[table]
    stmt = select(*cols).select_from(t).join(Unit, Unit.id == t.c.unit_id).where(scope, t.c.deleted.is_(False),
                                                                                 *where)
    row = s.execute(stmt).one()
    return tuple(int(v or 0) for v in row)


def _put(out: dict[str, int], prefix: str, vocab: V.Vocabulary, counts: dict[str, int]) -> None:
    for key in vocab.keys:
        out[f"{prefix}.{key}"] = counts.get(key, 0)


def figures(s: Session, scope_root: Unit, period: Period) -> Figures:
    """Compute every indicator for a subtree and period inside an open session."""
    scope = Unit.path.like(scope_root.path + "%")
    out: dict[str, int] = {}

    def within(table: str, col: str) -> list[Any]:
        c = RECORD_TABLES[table].c[col]
        return [c >= period.start, c <= period.end]

    m = RECORD_TABLES["meeting"]
    w = within("meeting", "date")
    total, part, women, ethnic = _agg(s, "meeting", [func.count(), func.sum(m.c.participants),
                                                     func.sum(m.c.women), func.sum(m.c.ethnic_minority)], w, scope)
    out["meetings.total"] = total
    _put(out, "meetings.by_kind", V.MEETING_KIND, _count_by(s, "meeting", "kind", w, scope))
    out["meetings.participants"], out["meetings.women"], out["meetings.ethnic_minority"] = part, women, ethnic

    p = RECORD_TABLES["petition"]
    w = within("petition", "received_date")
    out["petitions.total"] = _agg(s, "petition", [func.count()], w, scope)[0]
    _put(out, "petitions.by_type", V.PETITION_TYPE, _count_by(s, "petition", "type", w, scope))
    _put(out, "petitions.by_status", V.PETITION_STATUS, _count_by(s, "petition", "status", w, scope))
    _put(out, "petitions.by_field", V.PETITION_FIELD, _count_by(s, "petition", "field", w, scope))
    # Overdue: received by the period's end, deadline before that end, and not resolved by then.
    not_resolved_by_end = or_(p.c.status != "da_giai_quyet", p.c.resolved_date.is_(None),
                              p.c.resolved_date > period.end)
    out["petitions.overdue"] = _agg(s, "petition", [func.count()], [
        p.c.received_date <= period.end, p.c.deadline.is_not(None), p.c.deadline < period.end,
        not_resolved_by_end], scope)[0]

    w = within("monitoring", "start_date")
    out["monitoring.total"] = _agg(s, "monitoring", [func.count()], w, scope)[0]
    _put(out, "monitoring.by_kind", V.MONITORING_KIND, _count_by(s, "monitoring", "kind", w, scope))
    _put(out, "monitoring.by_follow_up", V.FOLLOW_UP, _count_by(s, "monitoring", "follow_up", w, scope))

    rs = RECORD_TABLES["religious_site"]
    total, followers = _agg(s, "religious_site", [func.count(), func.sum(rs.c.followers)], [], scope)
    out["religious_sites.total"] = total
    _put(out, "religious_sites.by_registration", V.REGISTRATION,
         _count_by(s, "religious_site", "registration", [], scope))
    out["religious_sites.followers"] = followers

    w = within("religious_check", "date")
    out["religious_checks.total"] = _agg(s, "religious_check", [func.count()], w, scope)[0]
    _put(out, "religious_checks.by_result", V.CHECK_RESULT, _count_by(s, "religious_check", "result", w, scope))

    md = RECORD_TABLES["model"]
    w = within("model", "registered_date")
    _put(out, "models.registered", V.REGISTRANT_KIND, _count_by(s, "model", "registrant_kind", w, scope))
    _put(out, "models.by_field", V.MODEL_FIELD, _count_by(s, "model", "field", w, scope))
    _put(out, "models.recognized", V.REGISTRANT_KIND,
         _count_by(s, "model", "registrant_kind", [*w, md.c.status == "cong_nhan"], scope))
    _put(out, "models.awarded", V.REGISTRANT_KIND, _count_by(s, "model", "registrant_kind", [
        *within("model", "award_date"), md.c.award.is_not(None), md.c.award != ""], scope))

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
