"""The check of the kept figures (`danvan check-figures`): recompute them from the records, report differences.

Two comparisons, both against the records themselves: every row of every count table against the live
records grouped by unit, month and value (added up along the unit tree here, in Python, not by the SQL of
the triggers); and, for each year holding records, the office's summary read from the count tables against
the same summary computed by scanning the records (services/summary.py `scan_compute`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import extract, func, literal, select, text
from sqlalchemy.orm import Session

from danvan_desktop.domain.indicators import INDICATOR_KEYS, LABELS
from danvan_desktop.domain.kinds import KIND_BY_KEY
from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.vnformat import fmt_int
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.summary import figures
from danvan_desktop.services.units import home
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import RECORD_TABLES, TALLIES, TALLY_TABLES, Tally, Unit

# What each count table counts, for the messages.
TALLY_LABELS: dict[str, str] = {
    "fig_meeting": "Hội nghị (theo tháng diễn ra)",
    "fig_petition": "Ý kiến, kiến nghị (theo tháng tiếp nhận)",
    "fig_petition_open": "Kiến nghị chưa trả lời (theo tháng đến hạn)",
    "fig_monitoring": "Giám sát, kiểm tra (theo tháng bắt đầu)",
    "fig_religious_check": "Kiểm tra tôn giáo (theo ngày kiểm tra)",
    "fig_model": "Mô hình “Dân vận khéo” (theo tháng đăng ký)",
    "fig_model_award": "Mô hình được khen thưởng (theo tháng khen thưởng)",
}
SUM_LABELS = {"n": "số bản ghi", "participants": "người tham dự", "women": "nữ", "ethnic_minority": "người DTTS"}

Key = tuple[Any, ...]  # (unit_id, month, dims...)


@dataclass(frozen=True)
class FiguresCheck:
    """What the check compared and every difference it found, each as one Vietnamese sentence."""

    rows_checked: int
    years_checked: tuple[int, ...]
    differences: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when the kept figures agree with the records everywhere."""
        return not self.differences


def _expected(s: Session, t: Tally, paths: dict[int, str]) -> dict[Key, tuple[int, ...]]:
    """The count table's rows as the live records say they should be, added up along the unit paths."""
    r = RECORD_TABLES[t.kind]
    dims = [func.coalesce(r.c[d], literal("")) for d in t.dims]
    year, month = extract("year", r.c[t.date]), extract("month", r.c[t.date])
    conds: list[Any] = [r.c.deleted.is_(False), r.c[t.date].is_not(None)]
    if t.only:
        conds.append(text(t.only.format(r=r.name)))
    stmt = (select(r.c.unit_id, year, month, *dims, func.count(), *(func.coalesce(func.sum(r.c[c]), 0) for c in t.sums))
            .where(*conds).group_by(r.c.unit_id, year, month, *dims))
    out: dict[Key, tuple[int, ...]] = {}
    for row in s.execute(stmt):
        unit_id, y, m = row[0], int(row[1]), int(row[2])
        dim_values = tuple(row[3:3 + len(t.dims)])
        values = tuple(int(v) for v in row[3 + len(t.dims):])
        ancestors = [int(x) for x in paths.get(unit_id, "").strip("/").split("/") if x]
        for a in ancestors:
            key = (a, f"{y:04d}-{m:02d}", *dim_values)
            old = out.get(key)
            out[key] = values if old is None else tuple(x + v for x, v in zip(old, values, strict=True))
    return out


def _kept(s: Session, t: Tally) -> dict[Key, tuple[int, ...]]:
    tab = TALLY_TABLES[t.table]
    key_cols = [tab.c.unit_id, tab.c.month, *(tab.c[d] for d in t.dims)]
    val_cols = [tab.c.n, *(tab.c[c] for c in t.sums)]
    nk = len(key_cols)
    return {tuple(row[:nk]): tuple(int(v) for v in row[nk:]) for row in s.execute(select(*key_cols, *val_cols))}


def _describe(t: Tally, key: Key, kept: tuple[int, ...], expected: tuple[int, ...], units: dict[int, str]) -> str:
    unit_id, month = key[0], key[1]
    kind = KIND_BY_KEY[t.kind]
    fields = {f.key: f for f in kind.fields}
    parts = []
    for d, v in zip(t.dims, key[2:], strict=True):
        f = fields[d]
        shown = (f.vocab.label(v) if f.vocab is not None and v else v) or "(trống)"
        parts.append(f"{f.label.lower()} “{shown}”")
    names = ["n", *t.sums]
    values = "; ".join(f"{SUM_LABELS[c]}: bảng ghi {fmt_int(k)}, tính lại từ hồ sơ được {fmt_int(e)}"
                       for c, k, e in zip(names, kept, expected, strict=True) if k != e)
    year, mon = month.split("-")
    where = f"{units.get(unit_id, f'đơn vị số {unit_id}')}, tháng {mon}/{year}"
    return f"{TALLY_LABELS[t.table]} — {where}" + (f", {', '.join(parts)}" if parts else "") + f": {values}."


def _compare_rows(s: Session, paths: dict[int, str], units: dict[int, str]) -> tuple[int, list[str]]:
    diffs: list[str] = []
    rows = 0
    for t in TALLIES:
        kept, expected = _kept(s, t), _expected(s, t, paths)
        zero = (0,) * (1 + len(t.sums))
        rows += len(kept)
        for key in sorted(set(kept) | set(expected), key=lambda k: tuple(str(x) for x in k)):
            k, e = kept.get(key, zero), expected.get(key, zero)
            if k != e:
                diffs.append(_describe(t, key, k, e, units))
    return rows, diffs


def _years(s: Session) -> list[int]:
    years: set[int] = set()
    for t in TALLIES:
        r = RECORD_TABLES[t.kind]
        lo, hi = s.execute(select(func.min(r.c[t.date]), func.max(r.c[t.date])).where(r.c.deleted.is_(False))).one()
        if lo is not None and hi is not None:
            years.update(range(lo.year, hi.year + 1))
    return sorted(years)


def _compare_summaries(s: Session, years: list[int], today: dt.date) -> list[str]:
    diffs: list[str] = []
    root = home(s)
    for y in years:
        period = Period.year(y)
        as_of = min(period.end, today)
        kept = figures(s, root, period, as_of).indicators
        scanned = figures(s, root, period, as_of, scan=True).indicators
        for k in INDICATOR_KEYS:
            if kept[k] != scanned[k]:
                diffs.append(f"Số liệu năm {y} của {root.name} — {LABELS[k]}: đọc từ bảng tổng hợp được "
                             f"{fmt_int(kept[k])}, tính lại từ hồ sơ được {fmt_int(scanned[k])}.")
    return diffs


def check_figures(db: Database, actor: Actor, *, today: dt.date | None = None) -> FiguresCheck:
    """Recompute the kept figures from the records and report every difference (read-only)."""
    actor.require(Action.VIEW)
    today = today or dt.date.today()
    with db.reader() as s:
        units = dict(s.execute(select(Unit.id, Unit.name)).all())
        paths = dict(s.execute(select(Unit.id, Unit.path)).all())
        rows, diffs = _compare_rows(s, paths, units)
        years = _years(s)
        diffs += _compare_summaries(s, years, today)
    return FiguresCheck(rows, tuple(years), tuple(diffs))
