"""The one summary computation (SPEC §4): a unit subtree's indicators for a period and a year before."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from danvan_desktop.domain import vocab as V
from danvan_desktop.domain.indicators import INDICATOR_KEYS, SENSITIVE_GROUPS, SENSITIVE_KEYS
from danvan_desktop.domain.periods import Period, year_earlier
from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.text import sort_key
from danvan_desktop.domain.vnformat import fmt_date
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.completeness import covered_span
from danvan_desktop.services.errors import Refused
from danvan_desktop.services.figures_kept import Scope, kept_activity, kept_figures, subtree_condition, tally_of
from danvan_desktop.services.overdue import answered_condition, overdue_condition
from danvan_desktop.services.units import UnitInfo, home, resolve_unit
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import RECORD_TABLES, ImportLog, PackageImport, Unit

Span = tuple[dt.date, dt.date]  # first and last day, both counted


@dataclass(frozen=True)
class Figures:
    """Indicators of one period as of a day: every key of SPEC §4 present, zeros included, except withheld groups.

    Records count when their date lies between the period's start and `until` (the period's end or the as-of
    day, whichever comes first); overdue and answered petitions are judged at `as_of`. `has_data` tells
    whether the office holds any record dated in that span, or a delivered package covering part of it.
    `withheld` names the indicator groups left out because the account lacks the right to see them (the
    religious figures without the religion right, SPEC §7); their keys are absent from `indicators`, so no
    output can print them by mistake.
    """

    period: Period
    indicators: dict[str, int]
    as_of: dt.date
    has_data: bool
    withheld: frozenset[str] = frozenset()

    @property
    def until(self) -> dt.date:
        """The last day whose records count: the period's end, or the as-of day if earlier."""
        return min(self.period.end, self.as_of)

    def shown(self, key: str) -> bool:
        """Whether this account may see the indicator."""
        return key in self.indicators


def for_actor(actor: Actor, f: Figures) -> Figures:
    """The figures as this account may see them: without the religion right, no religious figure at all."""
    if actor.can(Action.RELIGION):
        return f
    return dataclasses.replace(f, indicators={k: v for k, v in f.indicators.items() if k not in SENSITIVE_KEYS},
                               withheld=f.withheld | SENSITIVE_GROUPS)


@dataclass(frozen=True)
class Summary:
    """A unit's figures for a period and for the same span one year earlier, cut at the same day."""

    unit: UnitInfo
    current: Figures
    previous: Figures

    @property
    def comparable(self) -> bool:
        """Whether there is anything to compare with: without it no increase or decrease may be stated."""
        return self.previous.has_data

    def change(self, key: str) -> int:
        """Current minus previous for one indicator."""
        return self.current.indicators[key] - self.previous.indicators[key]

    def as_json(self) -> dict[str, Any]:
        """The object `danvan summary --json` prints (SPEC §8, with the as-of day and `previous.has_data`).

        Every key stays present (SPEC §8); a withheld figure is null, never a misleading zero.
        """
        cur, prev = self.current, self.previous

        def values(f: Figures) -> dict[str, int | None]:
            return {k: f.indicators.get(k) for k in INDICATOR_KEYS}

        out: dict[str, Any] = {
            "unit": self.unit.code, "period": cur.period.code, "from": cur.period.start.isoformat(),
            "to": cur.period.end.isoformat(), "as_of": cur.as_of.isoformat(), "indicators": values(cur),
            "previous": {"period": prev.period.code, "from": prev.period.start.isoformat(),
                         "to": prev.period.end.isoformat(), "as_of": prev.as_of.isoformat(),
                         "has_data": prev.has_data, "indicators": values(prev)}}
        if cur.withheld:
            out["withheld"] = sorted(cur.withheld)
        return out


def as_of_day(period: Period, as_of: dt.date | None = None, today: dt.date | None = None) -> dt.date:
    """The day D figures are taken at (SPEC §4): the period's end or today, whichever is earlier, or a cut-off.

    A cut-off later than today is brought back to today: nobody can know who will be overdue tomorrow.
    """
    today = today or dt.date.today()
    return min(as_of if as_of is not None else period.end, today)


def _check_as_of(period: Period, as_of: dt.date | None) -> None:
    if as_of is not None and as_of < period.start:
        raise Refused(f"Ngày chốt số liệu {fmt_date(as_of)} ở trước ngày bắt đầu kỳ {period.label_vi} "
                      f"({fmt_date(period.start)}).")


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


def _sum_per_value(out_keys: list[str], cols: list[Any], prefix: str, vocab: V.Vocabulary, column: Any,
                   amount: Any) -> None:
    for key in vocab.keys:
        out_keys.append(f"{prefix}.{key}")
        cols.append(func.coalesce(func.sum(case((column == key, amount), else_=0)), 0))


def _table_figures(s: Session, table: str, date_col: str | None, span: Span | None,
                   where: list[Any], build: Any, by_unit: bool) -> dict[int | None, dict[str, int]]:
    """One scan of a table computing its figures, for the whole scope (key None) or per unit_id."""
    t = RECORD_TABLES[table]
    keys: list[str] = []
    cols: list[Any] = []
    build(t, keys, cols)
    conds = [t.c.deleted.is_(False), *where]
    if date_col is not None and span is not None:
        conds += [t.c[date_col] >= span[0], t.c[date_col] <= span[1]]
    if by_unit:
        stmt = select(t.c.unit_id, *cols).select_from(t).where(*conds).group_by(t.c.unit_id)
        return {row[0]: {k: int(v or 0) for k, v in zip(keys, row[1:], strict=True)} for row in s.execute(stmt)}
    row = s.execute(select(*cols).select_from(t).where(*conds)).one()
    return {None: {k: int(v or 0) for k, v in zip(keys, row, strict=True)}}


def scan_compute(s: Session, scope_root: Unit, period: Period, as_of: dt.date,
                 by_unit: bool) -> dict[int | None, dict[str, int]]:
    """Every indicator from the records themselves, for the scope as a whole or per unit_id: one scan per table.

    The reference the kept count tables are checked against (`danvan check-figures`); the summary itself reads
    the count tables (services/figures_kept.py).
    """
    home_root = home(s)
    span: Span = (period.start, min(period.end, as_of))
    parts: list[dict[int | None, dict[str, int]]] = []

    def scope(table: str) -> list[Any]:
        return _scope(RECORD_TABLES[table], scope_root, home_root)

    def meetings(t: Any, keys: list[str], cols: list[Any]) -> None:
        keys += ["meetings.total", "meetings.participants", "meetings.women", "meetings.ethnic_minority"]
        cols += [func.count(), func.sum(t.c.participants), func.sum(t.c.women), func.sum(t.c.ethnic_minority)]
        _per_value(keys, cols, "meetings.by_kind", V.MEETING_KIND, t.c.kind)
        _per_value(keys, cols, "meetings.by_organizer", V.BODY, t.c.organizer)
        _sum_per_value(keys, cols, "meetings.participants_by_kind", V.MEETING_KIND, t.c.kind, t.c.participants)

    parts.append(_table_figures(s, "meeting", "date", span, scope("meeting"), meetings, by_unit))

    def petitions(t: Any, keys: list[str], cols: list[Any]) -> None:
        keys += ["petitions.total", "petitions.answered"]
        cols += [func.count(), _n(answered_condition(t, as_of))]
        _per_value(keys, cols, "petitions.by_type", V.PETITION_TYPE, t.c.type)
        _per_value(keys, cols, "petitions.by_status", V.PETITION_STATUS, t.c.status)
        _per_value(keys, cols, "petitions.by_field", V.PETITION_FIELD, t.c.field)

    parts.append(_table_figures(s, "petition", "received_date", span, scope("petition"), petitions, by_unit))
    p = RECORD_TABLES["petition"]

    def overdue(t: Any, keys: list[str], cols: list[Any]) -> None:
        keys.append("petitions.overdue")
        cols.append(func.count())

    # Overdue is a stock at D, not a flow of the period: every kiến nghị of the scope, whenever received.
    parts.append(_table_figures(s, "petition", None, None, [*scope("petition"), overdue_condition(p, as_of)],
                                overdue, by_unit))

    def monitoring(t: Any, keys: list[str], cols: list[Any]) -> None:
        keys.append("monitoring.total")
        cols.append(func.count())
        _per_value(keys, cols, "monitoring.by_kind", V.MONITORING_KIND, t.c.kind)
        _per_value(keys, cols, "monitoring.by_follow_up", V.FOLLOW_UP, t.c.follow_up)
        _per_value(keys, cols, "monitoring.by_lead_body", V.BODY, t.c.lead_body)

    parts.append(_table_figures(s, "monitoring", "start_date", span, scope("monitoring"), monitoring, by_unit))

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
        _per_value(keys, cols, "religious_checks.by_body", V.BODY, t.c.checking_body)

    parts.append(_table_figures(s, "religious_check", "date", span, scope("religious_check"), checks, by_unit))

    md = RECORD_TABLES["model"]
    in_period = and_(md.c.registered_date >= span[0], md.c.registered_date <= span[1])
    awarded = and_(md.c.award_date >= span[0], md.c.award_date <= span[1], md.c.award.is_not(None),
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


# A record dated in the span shows in one of these (religious sites are an undated registry).
_DATED_TOTALS = ("meetings.total", "petitions.total", "monitoring.total", "religious_checks.total",
                 "models.registered.tap_the", "models.registered.ca_nhan", "models.awarded.tap_the",
                 "models.awarded.ca_nhan")


def _delivered_spans(s: Session, scope_root: Unit) -> list[tuple[str, Span]]:
    """(unit path, days covered) of every applied package sent by a unit of the subtree."""
    rows = s.execute(
        select(Unit.path, ImportLog.period_start, ImportLog.period_end, PackageImport.exported_at)
        .join(PackageImport, PackageImport.id == ImportLog.id)
        .join(Unit, Unit.uid == ImportLog.unit_uid)  # by identity (SPEC §2), never a bare code
        .where(PackageImport.status == "applied", Unit.path.like(scope_root.path + "%"))).all()
    out = []
    for path, start, end, exported_at in rows:
        span = covered_span(start, end, exported_at)
        if span is not None:
            out.append((path, span))
    return out


def _has_data(values: dict[str, int], packages: list[tuple[str, Span]], path: str, span: Span) -> bool:
    if any(values.get(k, 0) for k in _DATED_TOTALS):
        return True
    return any(p.startswith(path) and a <= span[1] and b >= span[0] for p, (a, b) in packages)


def _complete(period: Period, as_of: dt.date, partial: dict[str, int], has_data: bool) -> Figures:
    """Every key present (units without records of a kind get zeros), in the official order."""
    return Figures(period, {k: partial.get(k, 0) for k in INDICATOR_KEYS}, as_of, has_data)


def _kept_whole(s: Session, scope_root: Unit, period: Period, as_of: dt.date) -> dict[str, int]:
    scope = Scope((scope_root.id,), subtree_condition(scope_root, home(s)))
    got = kept_figures(s, scope, (period.start, min(period.end, as_of)), as_of)[scope_root.id]
    return {k: got.get(k, 0) for k in INDICATOR_KEYS}


def figures(s: Session, scope_root: Unit, period: Period, as_of: dt.date | None = None, *,
            scan: bool = False) -> Figures:
    """Every indicator for a subtree and period as of a day (default: the period's end).

    Read from the kept count tables; `scan=True` recomputes them from the records (the reference).
    """
    d = period.end if as_of is None else as_of
    if scan:
        whole = scan_compute(s, scope_root, period, d, by_unit=False)[None]
    else:
        whole = _kept_whole(s, scope_root, period, d)
    assert set(whole) == set(INDICATOR_KEYS), set(whole) ^ set(INDICATOR_KEYS)
    has = _has_data(whole, _delivered_spans(s, scope_root), scope_root.path, (period.start, min(period.end, d)))
    return _complete(period, d, whole, has)


def both_figures(s: Session, scope_root: Unit, period: Period, as_of: dt.date) -> tuple[Figures, Figures]:
    """A period as of D and the same span one year earlier cut at the same day (SPEC §4 comparison)."""
    return figures(s, scope_root, period, as_of), figures(s, scope_root, period.previous_year(), year_earlier(as_of))


def _scope_unit(s: Session, unit_code: str | None) -> Unit:
    root = home(s)
    return resolve_unit(s, root, unit_code) if unit_code else root


def summarize(db: Database, actor: Actor, period: Period, unit_code: str | None = None, *,
              as_of: dt.date | None = None, today: dt.date | None = None) -> Summary:
    """The summary of a unit's subtree (default: the whole office) as of D, with the previous-year comparison.

    D is the period's end or today, whichever comes first, or the cut-off `as_of` (SPEC §4).
    """
    actor.require(Action.VIEW)
    _check_as_of(period, as_of)
    d = as_of_day(period, as_of, today)
    with db.reader() as s:
        u = _scope_unit(s, unit_code)
        parent = s.get(Unit, u.parent_id) if u.parent_id else None
        info = UnitInfo(u.code, u.name, u.level, parent.code if parent else None, u.scheme)
        current, previous = both_figures(s, u, period, d)
        return Summary(info, for_actor(actor, current), for_actor(actor, previous))


def children_figures(db: Database, actor: Actor, period: Period, unit_code: str | None = None, *,
                     as_of: dt.date | None = None, today: dt.date | None = None) -> list[tuple[UnitInfo, Figures]]:
    """Figures of each unit directly below a unit as of D (for the per-unit table of reports).

    Each child's own kept rows (they hold its subtree), read together: a province of 100 communes costs
    about what one summary costs, not a hundred of them.
    """
    actor.require(Action.VIEW)
    _check_as_of(period, as_of)
    d = as_of_day(period, as_of, today)
    with db.reader() as s:
        u = _scope_unit(s, unit_code)
        kids = sorted(s.scalars(select(Unit).where(Unit.parent_id == u.id)), key=lambda x: sort_key(x.name))
        packages = _delivered_spans(s, u)
        paths = dict(s.execute(select(Unit.id, Unit.path).where(Unit.path.like(u.path + "%"))).all())
        leaf_to_kid = {uid: c.id for c in kids for uid, path in paths.items() if path.startswith(c.path)}
        scope = Scope(tuple(c.id for c in kids), subtree_condition(u, home(s)), leaf_to_kid)
        span = (period.start, min(period.end, d))
        per_kid = kept_figures(s, scope, span, d) if kids else {}
        out = []
        for c in kids:
            total = per_kid.get(c.id, {})
            out.append((UnitInfo(c.code, c.name, c.level, u.code, c.scheme),
                        for_actor(actor, _complete(period, d, total, _has_data(total, packages, c.path, span)))))
        return out


ACTIVITY_KINDS: tuple[tuple[str, str], ...] = (("meeting", "date"), ("petition", "received_date"),
                                               ("monitoring", "start_date"), ("model", "registered_date"))


def month_activity(db: Database, actor: Actor, period: Period, unit_code: str | None = None, *,
                   as_of: dt.date | None = None, today: dt.date | None = None) -> dict[str, list[int]]:
    """Records per month of a period (the overview chart) for a unit's subtree, up to the as-of day.

    One list per dated kind, one number per month of `period.months()`, counted on the same span as the
    summary's figures.
    """
    actor.require(Action.VIEW)
    d = as_of_day(period, as_of, today)
    months = period.months()
    out: dict[str, list[int]] = {}
    with db.reader() as s:
        u = _scope_unit(s, unit_code)
        scope = Scope((u.id,), subtree_condition(u, home(s)))
        for key, col in ACTIVITY_KINDS:
            out[key] = kept_activity(s, tally_of(key, col), scope, (period.start, min(period.end, d)), months)
    return out
