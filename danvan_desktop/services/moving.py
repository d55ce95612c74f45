"""Moving an office between stores: `danvan --db SRC copy-to DEST` (SQLite file ↔ PostgreSQL server).

The destination must not hold an office yet. The whole content is copied in one transaction on the
destination (store/copy.py), with the administrator's audit entry; then the copy is checked: row counts per
table equal on both, the kept figures of the destination agree with its records, the home unit's summary
of the current year is the same on both, and the destination's audit chain is whole.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from danvan_desktop.domain.periods import parse_period
from danvan_desktop.domain.roles import Action
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import verify_chain, write_audit
from danvan_desktop.services.changes import Changes
from danvan_desktop.services.errors import Refused
from danvan_desktop.services.figures_check import check_figures
from danvan_desktop.services.summary import summarize
from danvan_desktop.store.copy import Progress, copy_tables, row_counts, snapshot
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import Setting, Unit


@dataclass(frozen=True)
class CopyReport:
    """What a copy-to did and what its checks found (`problems` empty: the copy is whole)."""

    counts: tuple[tuple[str, int], ...]  # rows per table, as copied
    figures_rows: int  # kept-figure rows the destination's check compared
    year: int  # the year whose summary was compared
    problems: tuple[str, ...]
    changes: Changes = field(default_factory=Changes.everything, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return not self.problems

    @property
    def total(self) -> int:
        """Rows copied in all."""
        return sum(n for _t, n in self.counts)


def office_held(db: Database) -> str | None:
    """A Vietnamese description of the office (or any data) the database already holds; None when it is empty.

    A freshly created database holds only the settings its migrations wrote (its own office id).
    """
    with db.reader() as s:
        code_row = s.get(Setting, "home_unit")
        conn = s.connection()
        counts = {t: n for t, n in row_counts(conn).items() if n and t != "setting"}
        if code_row is not None:
            code = code_row.value.strip('"')
            unit = s.execute(select(Unit.name).where(Unit.code == code)).scalar()
            return f"dữ liệu của đơn vị “{unit or code}” (mã “{code}”)"
    if counts:
        table, n = next(iter(counts.items()))
        return f"dữ liệu ({n} dòng trong bảng “{table}”)"
    return None


def copy_office(src: Database, dest: Database, actor: Actor, progress: Progress | None = None, *,
                today: dt.date | None = None) -> CopyReport:
    """Copy the whole office from src into the empty dest in one transaction, then check the copy.

    Refused (nothing written) when dest is src or already holds an office. Needs an administrator of src.
    """
    actor.require(Action.ADMIN)
    if src.label == dest.label and src.place == dest.place:
        raise Refused(f"Nơi chép đến “{dest.label}” chính là cơ sở dữ liệu đang chép; hãy chọn nơi khác.")
    held = office_held(dest)
    if held is not None:
        raise Refused(f"Cơ sở dữ liệu đích “{dest.label}” đã có {held}; không chép đè lên. "
                      "Hãy chọn một cơ sở dữ liệu mới, trống.")
    with src.engine.connect() as raw:
        source = snapshot(raw)
        with dest.transaction() as s:
            copied = copy_tables(source, s.connection(), progress)
            write_audit(s, actor.username, "copy_to", "", "",
                        {"from": src.label, "to": dest.label, "rows": sum(copied.values())})
        source.rollback()
    return CopyReport(tuple(copied.items()), *_check(src, dest, actor, copied, today or dt.date.today()))


def _check(src: Database, dest: Database, actor: Actor, copied: dict[str, int],
           today: dt.date) -> tuple[int, int, tuple[str, ...]]:
    """(kept-figure rows compared, year compared, problems) of a finished copy."""
    problems: list[str] = []
    with src.reader() as s:
        before = row_counts(s.connection())
    with dest.reader() as s:
        after = row_counts(s.connection())
        problems += [f"Nhật ký nơi chép đến: {p}" for p in verify_chain(s)]
    for table, n in copied.items():
        # The destination holds one more audit entry (the copy's own) and the source may have grown since.
        want = n + (1 if table == "audit_log" else 0)
        if after.get(table) != want:
            problems.append(f"Bảng “{table}”: đã chép {n} dòng nhưng nơi chép đến có {after.get(table)} dòng.")
        if before.get(table, 0) < n:
            problems.append(f"Bảng “{table}”: nơi chép đi chỉ còn {before.get(table)} dòng, ít hơn {n} đã chép.")
    figures = check_figures(dest, actor, today=today)
    problems += [f"Số liệu tổng hợp nơi chép đến: {d}" for d in figures.differences]
    period = parse_period(str(today.year))
    a = summarize(src, actor, period, today=today).as_json()
    b = summarize(dest, actor, period, today=today).as_json()
    if a != b:
        keys = sorted(k for k in set(a["indicators"]) | set(b["indicators"])
                      if a["indicators"].get(k) != b["indicators"].get(k)) if "indicators" in a else []
        problems.append(f"Số liệu năm {today.year} của đơn vị khác nhau giữa hai nơi"
                        + (f" ({', '.join(keys[:5])})" if keys else "") + ".")
    return figures.rows_checked, today.year, tuple(problems)
