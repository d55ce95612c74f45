"""Composing the office's report (SPEC §5.1): drafts per unit and period, sections, issuing, texts from below.

Reads return a ComposedReport (domain/report_doc.py); every write is one transaction and returns Changes
(reports=True). Files are written by exchange/ (report_issue.py), which calls `record_issue` here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from danvan_desktop.domain.indicators import GROUPS, INDICATORS, LABELS
from danvan_desktop.domain.periods import Period, parse_period
from danvan_desktop.domain.report_doc import (
    MAX_SECTION_TEXT,
    RELIGION_SECTIONS,
    AppendixTable,
    ComposedReport,
    HeaderFields,
    ReportInputError,
    Section,
    SectionDef,
    check_field,
    default_structure,
    heading_text,
    stale_figures,
    structure_form,
    structure_from_data,
    unknown_section_message,
)
from danvan_desktop.domain.report_prose import ModelNote, ProseInput, generate, next_period_label
from danvan_desktop.domain.roles import Action
from danvan_desktop.domain.text import clean_text
from danvan_desktop.domain.vnformat import fmt_int
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.audit import write_audit
from danvan_desktop.services.changes import Changes
from danvan_desktop.services.errors import NotFound, PermissionDenied, Refused
from danvan_desktop.services.records import RecordQuery, list_records
from danvan_desktop.services.settings import get_setting
from danvan_desktop.services.summary import Figures, Summary, children_figures, summarize
from danvan_desktop.services.units import home, resolve_unit
from danvan_desktop.store.database import Database
from danvan_desktop.store.schema import ReportChildText, ReportDraft, ReportIssue, ReportSection, Unit, utcnow

REPORT_CHANGED = Changes(reports=True)
STRUCTURE_SETTING = "report_structure"  # {"full": [...], "short": [...]}: an office's own headings
TWO_DIGITS_SETTING = "report_two_digits"  # "02 cuộc": on unless the office turns it off
_AUDIT_QUIET = dt.timedelta(minutes=5)  # autosaves by the same person within this leave one audit line


@dataclass(frozen=True)
class IssueInfo:
    """One issued copy as the list of issued reports shows it."""

    id: int
    unit_code: str
    unit_name: str
    period: str
    issue_no: int
    number: str
    issued_on: dt.date | None
    issued_at: dt.datetime
    issued_by: str
    format: str
    file_name: str


@dataclass(frozen=True)
class ChildText:
    """A unit below's text for one section, as its package delivered it."""

    unit_code: str
    unit_name: str
    key: str
    heading: str
    text: str


# ---------------------------------------------------------------- scope and permissions


def _unit(s: Session, actor: Actor, unit_code: str | None) -> Unit:
    """The unit a report is for; `can_bo` composes only the home unit's report (SPEC §5.1)."""
    actor.require(Action.REPORT)
    root = home(s)
    u = resolve_unit(s, root, unit_code) if unit_code else root
    if actor.role == "can_bo" and u.id != root.id:
        raise PermissionDenied(f"Tài khoản “{actor.username}” (Cán bộ) chỉ lập báo cáo của {root.name}.")
    return u


def structure(db: Database, period: Period) -> tuple[SectionDef, ...]:
    """The sections of a report of this period: the office's own headings if it stored some, else the default."""
    stored = _read_setting(db, STRUCTURE_SETTING, {})
    items = stored.get(structure_form(period.kind)) if isinstance(stored, dict) else None
    if items:
        try:
            return structure_from_data(items)
        except ReportInputError:
            pass  # a damaged setting must not stop the clerk: fall back to the real report's structure
    return default_structure(period.kind)


def _read_setting(db: Database, key: str, default: Any) -> Any:
    with db.reader() as s:
        return get_setting(s, key, default)


# ---------------------------------------------------------------- figures and generated text


@dataclass(frozen=True)
class _Facts:
    """What the generated text and the tables are made from."""

    summary: Summary
    children: list[tuple[Any, Figures]]
    generated: dict[str, tuple[str, dict[str, int]]]
    appendices: tuple[AppendixTable, ...]


def _models(db: Database, actor: Actor, period: Period,
            unit_code: str | None) -> tuple[list[ModelNote], list[ModelNote]]:
    """(recognised, awarded) models of the period, named with their award (read through the records service)."""
    # Every model: an award counts by its date whatever the status (as models.awarded does).
    page = list_records(db, actor, "model", RecordQuery(unit_code=unit_code, limit=None))
    recognized, awarded = [], []
    for r in page.rows:
        v = r.values
        award, when, registered = str(v.get("award") or ""), v.get("award_date"), v.get("registered_date")
        note = ModelNote(str(v.get("registrant") or ""), str(v.get("name") or ""), str(v.get("registrant_kind") or ""),
                         award, r.unit_name)
        if award and isinstance(when, dt.date) and period.contains(when):
            awarded.append(note)
        if v.get("status") == "cong_nhan" and isinstance(registered, dt.date) and period.contains(registered):
            recognized.append(note)
    return recognized, awarded


def _facts(db: Database, actor: Actor, period: Period, unit_code: str | None, cutoff: dt.date | None,
           today: dt.date | None) -> _Facts:
    """Summary, per-child figures, generated sections and Phụ lục tables for a report."""
    summary = summarize(db, actor, period, unit_code, as_of=cutoff, today=today)
    children = children_figures(db, actor, period, unit_code, as_of=cutoff, today=today)
    two = _read_setting(db, TWO_DIGITS_SETTING, True) is not False
    religion = actor.can(Action.RELIGION)
    # Models named as the figures count them: up to the report's as-of day.
    recognized, awarded = _models(db, actor, Period.range(period.start, summary.current.until), unit_code)
    data = ProseInput(period=summary.current.period, current=summary.current.indicators,
                      previous=summary.previous.indicators, comparable=summary.comparable,
                      children=[(info.name, f.indicators) for info, f in children], recognized=recognized,
                      awarded=awarded, two_digits=two, religion=religion)
    tables = [_indicator_table(summary, religion)]
    if children:
        tables.insert(0, _unit_table(summary, children))
    return _Facts(summary, children, generate(data), tuple(tables))


# Key figures of the per-unit Phụ lục: (indicator keys summed into the column, column heading).
UNIT_COLUMNS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("meetings.total",), "Hội nghị, tiếp xúc, đối thoại"),
    (("meetings.participants",), "Lượt người dự"),
    (("petitions.total",), "Ý kiến, kiến nghị"),
    (("petitions.answered",), "Đã trả lời"),
    (("monitoring.total",), "Giám sát, kiểm tra"),
    (("models.registered.tap_the",), "Mô hình: tập thể"),
    (("models.registered.ca_nhan",), "Mô hình: cá nhân"),
)


def _unit_table(summary: Summary, children: Sequence[tuple[Any, Figures]]) -> AppendixTable:
    """One row per unit below with any figure, a row for the unit's own records, and the total."""
    def values(f: Mapping[str, int]) -> list[int]:
        return [sum(int(f.get(k, 0)) for k in keys) for keys, _ in UNIT_COLUMNS]
    total = values(summary.current.indicators)
    sums = [0] * len(total)
    rows: list[tuple[str, ...]] = []
    n = 0
    for info, fig in children:
        v = values(fig.indicators)
        sums = [a + b for a, b in zip(sums, v, strict=True)]
        if any(v):  # rows that are all zero are left out (SPEC §5)
            n += 1
            rows.append((str(n), info.name, *(fmt_int(x) for x in v)))
    own = [t - x for t, x in zip(total, sums, strict=True)]
    if any(own):
        rows.insert(0, ("", f"Cấp {summary.unit.name.split(' ')[0].lower()}", *(fmt_int(x) for x in own)))
    rows.append(("", "Tổng cộng", *(fmt_int(x) for x in total)))
    return AppendixTable(
        title=f"Phụ lục 1. Kết quả chủ yếu theo đơn vị, {summary.current.period.label_vi}",
        headers=("TT", "Đơn vị", *(label for _, label in UNIT_COLUMNS)), rows=tuple(rows),
        numeric_cols=tuple(range(2, 2 + len(UNIT_COLUMNS))), total_row=True,
        widths=(1.1, 4.0, *(1.7,) * len(UNIT_COLUMNS)))


def _indicator_table(summary: Summary, religion: bool) -> AppendixTable:
    """Every indicator with a figure in either period, this period beside the same one a year before."""
    cur, prev = summary.current.indicators, summary.previous.indicators
    comparable = summary.comparable
    rows: list[tuple[str, ...]] = []
    group = ""
    for ind in INDICATORS:
        if ind.group.startswith("religious") and not religion:
            continue
        c, p = cur[ind.key], prev[ind.key]
        if not c and not p:
            continue
        if ind.group != group:
            group = ind.group
            rows.append(("", GROUPS[group], "", "", ""))
        d = c - p
        change = (f"+{fmt_int(d)}" if d > 0 else f"-{fmt_int(-d)}" if d < 0 else "0") if comparable else ""
        rows.append(("", ind.label, fmt_int(c), fmt_int(p) if comparable else "", change))
    numbered: list[tuple[str, ...]] = []
    n = 0
    for r in rows:
        if r[2]:  # a figure row; group rows carry no number
            n += 1
        numbered.append((str(n) if r[2] else "", *r[1:]))
    rows = numbered
    per = summary.current.period
    return AppendixTable(
        title=f"Phụ lục 2. Số liệu công tác dân vận {per.label_vi}",
        headers=("TT", "Chỉ tiêu", per.label_vi[:1].upper() + per.label_vi[1:],
                 "Cùng kỳ năm trước" if per.kind != "year" else f"Năm {per.start.year - 1}", "Tăng (+), giảm (-)"),
        rows=tuple(rows), numeric_cols=(2, 3, 4), widths=(1.1, 7.0, 2.2, 2.2, 2.2))


# ---------------------------------------------------------------- defaults of the header


def _default_fields(db: Database, period: Period, unit: Unit, is_home: bool) -> HeaderFields:
    """Header fields an office of this level would use, from the report settings (exchange/report.py)."""
    from danvan_desktop.exchange.report import prose_name, report_settings  # its settings; no cycle at import

    lay = report_settings(db)
    title = f"kết quả công tác dân vận {period.label_vi}"
    if not is_home:
        title += f" trên địa bàn {prose_name(unit.name)}"
    if lay.layout == "state":
        title = title[:1].upper() + title[1:]
    return HeaderFields(number=lay.number, place=lay.place, date=None, title=title, cutoff=None,
                        signer_prefix=lay.signer_prefix, signer_title=lay.signer_title, signer_name=lay.signer_name,
                        recipients=tuple(lay.recipients))


def _layout(db: Database) -> dict[str, Any]:
    from danvan_desktop.exchange.report import report_settings

    return dataclasses.asdict(report_settings(db))


# ---------------------------------------------------------------- reading


def _draft(s: Session, unit: Unit, period: Period) -> ReportDraft | None:
    return s.scalar(select(ReportDraft).where(ReportDraft.unit_id == unit.id, ReportDraft.period == period.code))


def _sections(s: Session, draft: ReportDraft) -> list[ReportSection]:
    return list(s.scalars(select(ReportSection).where(ReportSection.report_id == draft.id)
                          .order_by(ReportSection.position)))


def compose(db: Database, actor: Actor, period: Period, unit_code: str | None = None, *,
            today: dt.date | None = None) -> ComposedReport:
    """The report of a unit and period as it stands: the stored draft (or a fresh one), stale figures marked."""
    with db.reader() as s:
        unit = _unit(s, actor, unit_code)
        is_home = unit.id == home(s).id
        draft = _draft(s, unit, period)
        stored = ([(r.key, r.heading, r.level, r.writable, r.actor, r.generated, r.edited, json.loads(r.figures),
                    r.own) for r in _sections(s, draft)] if draft else None)
        fields = HeaderFields.from_stored(json.loads(draft.fields)) if draft else None
        revision = draft.revision if draft else 0
        code, name = unit.code, unit.name
    fields = fields or _default_fields(db, period, unit, is_home)
    facts = _facts(db, actor, period, code, fields.cutoff, today)
    now = facts.summary.current.indicators
    if stored is None:
        sections = tuple(_fresh_section(d, period, facts) for d in structure(db, period))
    else:
        sections = tuple(Section(k, h, lv, w, g, e, o, fig, stale_figures(fig, now, LABELS) if g else ())
                         for k, h, lv, w, _a, g, e, fig, o in stored)
    if not actor.can(Action.RELIGION):
        # Religious affairs are sensitive personal data: without the right, the section is shown empty and
        # cannot be written (a report stating them is issued by an account that has the right).
        sections = tuple(dataclasses.replace(s, generated="", own="", figures={}, stale=(), writable=False)
                         if s.key in RELIGION_SECTIONS else s for s in sections)
    return ComposedReport(code, name, period.code, period.label_vi, _layout(db), fields, sections, facts.appendices,
                          facts.summary.current.until, 0, revision)


def _fresh_section(d: SectionDef, period: Period, facts: _Facts) -> Section:
    """A section as first written: its heading filled in, its generated text from the figures."""
    text, figures = facts.generated.get(d.actor, ("", {})) if d.actor else ("", {})
    return Section(d.key, heading_text(d.heading, period.label_vi, next_period_label(period)), d.level, d.writable,
                   text, False, "", figures)


# ---------------------------------------------------------------- writing


def _ensure(s: Session, db: Database, actor: Actor, period: Period, unit: Unit, doc: ComposedReport) -> ReportDraft:
    """The stored draft, created from a freshly composed report the first time something is saved."""
    draft = _draft(s, unit, period)
    if draft is not None:
        return draft
    draft = ReportDraft(unit_id=unit.id, period=period.code, fields=json.dumps(doc.fields.stored(),
                                                                                ensure_ascii=False),
                        revision=1, updated_by=actor.username)
    s.add(draft)
    s.flush()
    defs = {d.key: d for d in structure(db, period)}
    for i, sec in enumerate(doc.sections):
        # Writable as the structure says: the doc may come from an account that sees a section masked.
        writable = defs[sec.key].writable if sec.key in defs else sec.writable
        s.add(ReportSection(report_id=draft.id, key=sec.key, position=i, heading=sec.heading, level=sec.level,
                            writable=writable, actor=defs[sec.key].actor if sec.key in defs else "",
                            generated=sec.generated, edited=False, figures=json.dumps(dict(sec.figures)),
                            own=sec.own))
    write_audit(s, actor.username, "create", "report", f"{unit.code}:{period.code}", {"period": period.code})
    s.flush()
    return draft


def _existing_or_composed(db: Database, actor: Actor, period: Period, unit_code: str | None,
                          today: dt.date | None) -> tuple[str, ComposedReport | None]:
    """The unit's code, and a freshly composed report only when no draft is stored yet.

    Typing saves every few seconds: with a draft stored, a save touches only its rows, never the figures.
    """
    with db.reader() as s:
        unit = _unit(s, actor, unit_code)
        if _draft(s, unit, period) is not None:
            return unit.code, None
        code = unit.code
    return code, compose(db, actor, period, code, today=today)


def _draft_for_write(s: Session, db: Database, actor: Actor, period: Period, unit: Unit,
                     doc: ComposedReport | None) -> ReportDraft:
    """The stored draft inside a write transaction (created from `doc` the first time)."""
    draft = _draft(s, unit, period)
    if draft is not None:
        return draft
    if doc is None:  # deleted between the check and the write: nothing to build it from here
        raise Refused("Bản nháp báo cáo vừa thay đổi; hãy lưu lại.")
    return _ensure(s, db, actor, period, unit, doc)


def _writable_keys(s: Session, draft: ReportDraft, actor: Actor) -> list[str]:
    """The sections of a stored draft this account may write."""
    religion = actor.can(Action.RELIGION)
    return [r.key for r in _sections(s, draft) if r.writable and (religion or r.key not in RELIGION_SECTIONS)]


def set_fields(db: Database, actor: Actor, period: Period, values: Mapping[str, Any], unit_code: str | None = None,
               *, today: dt.date | None = None) -> Changes:
    """Set header fields (number, date, signer…): all checked first, then stored together, or nothing."""
    try:
        checked = {k: check_field(k, clean_text(v) if isinstance(v, str) else v) for k, v in values.items()}
    except ReportInputError as e:
        raise Refused(str(e)) from e
    code, doc = _existing_or_composed(db, actor, period, unit_code, today)
    with db.transaction() as s:
        unit = _unit(s, actor, code)
        draft = _draft_for_write(s, db, actor, period, unit, doc)
        fields = json.loads(draft.fields) | checked
        draft.fields = json.dumps(fields, ensure_ascii=False)
        draft.revision += 1
        draft.updated_at, draft.updated_by = utcnow(), actor.username
        write_audit(s, actor.username, "update", "report", f"{unit.code}:{period.code}", {"fields": checked})
    return REPORT_CHANGED


def _section_row(s: Session, draft: ReportDraft, key: str, writable_only: bool = True) -> ReportSection:
    rows = _sections(s, draft)
    valid = [r.key for r in rows if r.writable or not writable_only]
    for r in rows:
        if r.key == key and r.key in valid:
            return r
    raise Refused(unknown_section_message(key, valid))


def section_keys(db: Database, actor: Actor, period: Period, unit_code: str | None = None) -> list[str]:
    """The keys of the sections text may be written under."""
    return [s.key for s in compose(db, actor, period, unit_code).sections if s.writable]


def save_section(db: Database, actor: Actor, period: Period, key: str, *, own: str | None = None,
                 generated: str | None = None, unit_code: str | None = None, today: dt.date | None = None) -> Changes:
    """Store the clerk's text of one section (own text, or an edit of the generated one: then it stays edited)."""
    texts = {k: clean_text(v) if v is not None else None for k, v in (("own", own),
                                                                                      ("generated", generated))}
    for v in texts.values():
        if v is not None and len(v) > MAX_SECTION_TEXT:
            raise Refused(f"Nội dung mục “{key}” dài quá {fmt_int(MAX_SECTION_TEXT)} ký tự.")
    code, doc = _existing_or_composed(db, actor, period, unit_code, today)
    if doc is not None:
        valid = [sec.key for sec in doc.sections if sec.writable]
        if key not in valid:
            raise Refused(unknown_section_message(key, valid))  # checked before the draft is created
    with db.transaction() as s:
        unit = _unit(s, actor, code)
        draft = _draft_for_write(s, db, actor, period, unit, doc)
        valid = _writable_keys(s, draft, actor)
        if key not in valid:
            raise Refused(unknown_section_message(key, valid))
        row = _section_row(s, draft, key)
        quiet = (draft.updated_by == actor.username and row.updated_at is not None
                 and utcnow() - row.updated_at < _AUDIT_QUIET)
        if texts["own"] is not None:
            row.own = texts["own"]
        if texts["generated"] is not None and texts["generated"] != row.generated:
            row.generated, row.edited = texts["generated"], True
        row.updated_at = utcnow()
        draft.revision += 1
        draft.updated_at, draft.updated_by = row.updated_at, actor.username
        if not quiet:  # typing saves every few seconds: one audit line per stretch of work, not per keystroke
            write_audit(s, actor.username, "update", "report", f"{unit.code}:{period.code}", {"section": key})
    return REPORT_CHANGED


def regenerate(db: Database, actor: Actor, period: Period, keys: Sequence[str] | None = None,
               unit_code: str | None = None, *, today: dt.date | None = None) -> Changes:
    """Write the generated text again from today's figures.

    Without keys: every section the clerk has not edited. With keys: those sections, edited or not (asked for).
    """
    doc = compose(db, actor, period, unit_code, today=today)
    code = doc.unit_code
    facts = _facts(db, actor, period, code, doc.fields.cutoff, today)
    defs = {d.key: d for d in structure(db, period)}
    with db.transaction() as s:
        unit = _unit(s, actor, code)
        draft = _ensure(s, db, actor, period, unit, doc)
        rows = _sections(s, draft)
        if keys is not None:
            valid = [r.key for r in rows if r.writable]
            bad = [k for k in keys if k not in valid]
            if bad:
                raise Refused(unknown_section_message(bad[0], valid))
        religion = actor.can(Action.RELIGION)
        for r in rows:
            if r.key in RELIGION_SECTIONS and not religion:
                continue  # never overwritten by an account that cannot see it
            actor_key = r.actor or (defs[r.key].actor if r.key in defs else "")
            if not actor_key or (keys is None and r.edited) or (keys is not None and r.key not in keys):
                continue
            text, figures = facts.generated.get(actor_key, ("", {}))
            r.generated, r.figures, r.edited, r.updated_at = text, json.dumps(figures), False, utcnow()
        draft.revision += 1
        draft.updated_at, draft.updated_by = utcnow(), actor.username
        write_audit(s, actor.username, "update", "report", f"{unit.code}:{period.code}",
                    {"regenerated": list(keys) if keys is not None else "all"})
    return REPORT_CHANGED


# ---------------------------------------------------------------- issuing


def next_issue(db: Database, actor: Actor, period: Period, unit_code: str | None = None, *,
               today: dt.date | None = None) -> ComposedReport:
    """The report as it would be issued now: the draft with the next issue number."""
    doc = compose(db, actor, period, unit_code, today=today)
    with db.reader() as s:
        unit = _unit(s, actor, doc.unit_code)
        draft = _draft(s, unit, period)
        last = s.scalar(select(ReportIssue).where(ReportIssue.report_id == draft.id)
                        .order_by(ReportIssue.issue_no.desc(), ReportIssue.id.desc()).limit(1)) if draft else None
        if last is None:
            return dataclasses.replace(doc, issue_no=1)
        # The same words issued again (the .pdf beside the .docx): the same issue, not a correction.
        if _same_document(json.loads(last.document), dataclasses.replace(doc, issue_no=last.issue_no)):
            return dataclasses.replace(doc, issue_no=last.issue_no)
        return dataclasses.replace(doc, issue_no=last.issue_no + 1)


def _same_document(stored: Mapping[str, Any], doc: ComposedReport) -> bool:
    """Whether an issued copy says exactly what doc says (JSON round trip so types compare alike)."""
    return json.loads(json.dumps(doc.frozen_json(), ensure_ascii=False)) == stored


def record_issue(db: Database, actor: Actor, doc: ComposedReport, fmt: str, file_name: str, sha256: str,
                 commit: Callable[[], None]) -> tuple[IssueInfo, Changes]:
    """Fix an issued copy (one transaction); `commit` moves the written file into place inside it."""
    period = parse_period(doc.period)
    with db.transaction() as s:
        unit = _unit(s, actor, doc.unit_code)
        draft = _ensure(s, db, actor, period, unit, doc)
        same = s.scalars(select(ReportIssue).where(ReportIssue.report_id == draft.id,
                                                   ReportIssue.issue_no == doc.issue_no)).all()
        if any(r.format == fmt or not _same_document(json.loads(r.document), doc) for r in same):
            raise Refused(f"Báo cáo này vừa được phát hành lần {doc.issue_no} (có người khác phát hành cùng lúc). "
                          "Hãy phát hành lại.")
        row = ReportIssue(report_id=draft.id, issue_no=doc.issue_no, number=doc.fields.number,
                          issued_on=doc.fields.date, issued_by=actor.username, format=fmt, file_name=file_name,
                          sha256=sha256, document=json.dumps(doc.frozen_json(), ensure_ascii=False))
        s.add(row)
        s.flush()
        write_audit(s, actor.username, "export", "report", f"{unit.code}:{period.code}", {
            "format": fmt, "period": period.code, "unit": unit.code, "file": file_name, "issue": doc.issue_no,
            "sha256": sha256})
        commit()  # inside the transaction: no file, no issue
        info = _issue_info(row, unit)
    return info, REPORT_CHANGED


def _issue_info(row: ReportIssue, unit: Unit) -> IssueInfo:
    return IssueInfo(row.id, unit.code, unit.name, json.loads(row.document)["period"], row.issue_no, row.number,
                     row.issued_on, row.issued_at, row.issued_by, row.format, row.file_name)


def list_issues(db: Database, actor: Actor, period: Period | None = None,
                unit_code: str | None = None) -> list[IssueInfo]:
    """Issued copies, newest first (of one unit and period when given)."""
    with db.reader() as s:
        unit = _unit(s, actor, unit_code)
        stmt = (select(ReportIssue, ReportDraft, Unit).join(ReportDraft, ReportIssue.report_id == ReportDraft.id)
                .join(Unit, ReportDraft.unit_id == Unit.id).where(ReportDraft.unit_id == unit.id)
                .order_by(ReportIssue.issued_at.desc(), ReportIssue.id.desc()))
        if period is not None:
            stmt = stmt.where(ReportDraft.period == period.code)
        return [_issue_info(i, u) for i, _d, u in s.execute(stmt)]


def open_issue(db: Database, actor: Actor, issue_id: int) -> ComposedReport:
    """An issued copy exactly as it was fixed."""
    actor.require(Action.REPORT)
    with db.reader() as s:
        row = s.get(ReportIssue, issue_id)
        if row is None:
            raise NotFound(f"Không tìm thấy bản báo cáo đã phát hành số {issue_id}.")
        return ComposedReport.from_frozen(json.loads(row.document))


# ---------------------------------------------------------------- texts from the units below


def store_child_texts(s: Session, unit: Unit, period: str, sections: Sequence[tuple[str, str, str]],
                      import_id: int | None) -> None:
    """Keep a unit below's report text for a period (inside the merge's transaction); newer replaces older."""
    for key, heading, text in sections:
        row = s.scalar(select(ReportChildText).where(ReportChildText.unit_id == unit.id,
                                                     ReportChildText.period == period, ReportChildText.key == key))
        if row is None:
            s.add(ReportChildText(unit_id=unit.id, period=period, key=key, heading=heading, text=text,
                                  import_id=import_id))
        else:
            row.heading, row.text, row.import_id, row.received_at = heading, text, import_id, utcnow()


def child_texts(db: Database, actor: Actor, period: Period, unit_code: str | None = None) -> dict[str, list[ChildText]]:
    """Each section's texts from the units below (their packages), by section key, in the units' order."""
    with db.reader() as s:
        unit = _unit(s, actor, unit_code)
        rows = s.execute(select(ReportChildText, Unit).join(Unit, ReportChildText.unit_id == Unit.id)
                         .where(Unit.path.like(unit.path + "%"), Unit.id != unit.id,
                                ReportChildText.period == period.code)
                         .order_by(Unit.name_folded, ReportChildText.id)).all()
        out: dict[str, list[ChildText]] = {}
        for r, u in rows:
            if r.key in RELIGION_SECTIONS and not actor.can(Action.RELIGION):
                continue
            if r.text.strip():
                out.setdefault(r.key, []).append(ChildText(u.code, u.name, r.key, r.heading, r.text))
        return out


def take_passage(db: Database, actor: Actor, period: Period, key: str, child_code: str, passage: str | None = None,
                 unit_code: str | None = None, *, today: dt.date | None = None) -> Changes:
    """Add a unit below's text of a section (or a passage of it) to the end of this report's own text."""
    texts = child_texts(db, actor, period, unit_code).get(key, [])
    found = next((t for t in texts if t.unit_code == child_code), None)
    if found is None:
        raise Refused(f"Đơn vị “{child_code}” không có nội dung mục “{key}” trong báo cáo {period.label_vi}.")
    piece = (passage if passage is not None else found.text).strip()
    current = compose(db, actor, period, unit_code, today=today).section(key).own
    joined = f"{current.rstrip()}\n{piece}" if current.strip() else piece
    return save_section(db, actor, period, key, own=joined, unit_code=unit_code, today=today)


def own_texts_for_package(db: Database, actor: Actor, period: Period,
                          unit_code: str | None = None) -> list[tuple[str, str, str]]:
    """(key, heading, text) of each section with text, for the package going up (empty if no draft)."""
    with db.reader() as s:
        unit = _unit(s, actor, unit_code)
        draft = _draft(s, unit, period)
        if draft is None:
            return []
        out = []
        for r in _sections(s, draft):
            if r.key in RELIGION_SECTIONS and not actor.can(Action.RELIGION):
                continue  # the package of an account without the right carries no religious text
            text = "\n".join(x for x in (r.generated, r.own) if x.strip())
            if text.strip():
                out.append((r.key, r.heading, text))
        return out
