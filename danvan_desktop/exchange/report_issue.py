"""Issuing the composed report: the same document model written as .docx or PDF, fixed as an issued copy.

`export --format docx|pdf` and the window's "Phát hành" call `issue_report`; the PDF is made from the same
ComposedReport as the Word file (pdf_report.py renders it), so both say the same words.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import os
from pathlib import Path
from typing import Any

from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.report_doc import ComposedReport, paragraphs
from danvan_desktop.exchange.pdf_report import Block, Heading, LayoutSettings, Para, ReportDocument, Table, render_pdf
from danvan_desktop.exchange.report import _write_atomically
from danvan_desktop.exchange.report_docx import DocxWriter, docx_bytes
from danvan_desktop.services.actor import Actor
from danvan_desktop.services.backup import check_output
from danvan_desktop.services.changes import Changes
from danvan_desktop.services.errors import Refused
from danvan_desktop.services.reports import IssueInfo, compose, next_issue, record_issue
from danvan_desktop.store.database import Database

FORMATS = ("docx", "pdf")
_SUPER = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_LAYOUT_FIELDS = {f.name for f in dataclasses.fields(LayoutSettings)}


def _settings(doc: ComposedReport) -> LayoutSettings:
    """The PDF renderer's settings: the office's layout with this report's number, place, signer, recipients."""
    values: dict[str, Any] = {k: v for k, v in doc.layout.items() if k in _LAYOUT_FIELDS}
    f = doc.fields
    values |= {"number": DocxWriter(doc).number_text(), "place": f.place, "signer_prefix": f.signer_prefix,
               "signer_title": f.signer_title, "signer_name": f.signer_name, "recipients": tuple(f.recipients)}
    return LayoutSettings(**values)


def pdf_document(doc: ComposedReport) -> ReportDocument:
    """The composed report as the PDF renderer's document: headings, paragraphs, notes, Phụ lục tables."""
    blocks: list[Block] = []
    notes: list[str] = []

    def text(t: str) -> None:
        for runs in paragraphs(t):
            words = []
            for r in runs:
                if r.footnote:
                    notes.append(r.text)
                    words.append(str(len(notes)).translate(_SUPER))
                else:
                    words.append(r.text)
            blocks.append(Para("".join(words)))

    for sec in doc.sections:
        if sec.level == 0:
            blocks.append(Para(sec.heading, bold=True, indent=False, align="center"))
        elif sec.level == 1:
            blocks.append(Heading(sec.heading))
        else:
            blocks.append(Para(sec.heading, bold=True, italic=True))
        text(sec.generated)
        text(sec.own)
    closing = f"Trên đây là báo cáo {doc.fields.title.strip() or 'công tác dân vận'}./."
    blocks.append(Para(closing))
    if notes:
        # A PDF has no page-foot notes here: they follow the text, numbered as in the Word file.
        blocks.append(Para("Ghi chú:", italic=True, indent=False))
        blocks += [Para(f"{str(i).translate(_SUPER)} {n}", indent=False) for i, n in enumerate(notes, 1)]
    appendix: list[Block] = []
    for t in doc.appendices:
        appendix.append(Table(headers=t.headers, rows=t.rows, col_widths=t.widths or None, numeric_cols=t.numeric_cols,
                            total_row=t.total_row, title=t.title))
    writer = DocxWriter(doc)
    return ReportDocument(settings=_settings(doc), issued_on=doc.fields.date or dt.date.today(), doc_type="BÁO CÁO",
                          subtitle=doc.fields.title, blocks=tuple(blocks), date_text=writer.date_text(),
                          appendix=tuple(appendix))


def render(doc: ComposedReport, fmt: str) -> bytes:
    """The report in one format as bytes."""
    if fmt == "docx":
        return docx_bytes(doc)
    if fmt == "pdf":
        buf = io.BytesIO()
        render_pdf(pdf_document(doc), buf)
        return buf.getvalue()
    raise Refused(f"Định dạng “{fmt}” không hợp lệ (chọn: {', '.join(FORMATS)}).")


def preview_pdf(db: Database, actor: Actor, period: Period, unit_code: str | None = None, *,
                today: dt.date | None = None) -> bytes:
    """The composed report as it stands, as PDF, for the print preview (Ctrl+P): nothing is issued."""
    return render(compose(db, actor, period, unit_code, today=today), "pdf")


def issue_report(db: Database, actor: Actor, period: Period, fmt: str, out: Path, unit_code: str | None = None, *,
                 today: dt.date | None = None) -> tuple[IssueInfo, Changes]:
    """Issue the report: write the file atomically and fix the copy (number, date, text, figures) with it."""
    if fmt not in FORMATS:
        raise Refused(f"Định dạng “{fmt}” không hợp lệ (chọn: {', '.join(FORMATS)}).")
    out = check_output(db, Path(out))  # never over the live database or a backup (issue 11 item 4)
    doc = next_issue(db, actor, period, unit_code, today=today)
    data = render(doc, fmt)
    tmp = _write_atomically(data, out)

    def move() -> None:
        try:
            os.replace(tmp, out)
        except OSError as e:  # Windows refuses to replace a file Word holds open
            raise Refused(f"Không ghi được tệp “{out.name}” (tệp có đang mở trong chương trình khác?): "
                          f"{e.strerror}.") from e

    try:
        return record_issue(db, actor, doc, fmt, out.name, hashlib.sha256(data).hexdigest(), move)
    finally:
        tmp.unlink(missing_ok=True)
