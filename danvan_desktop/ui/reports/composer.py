"""Màn hình "Soạn báo cáo": the clerk writes the report section by section, beside the generated text and the
units' texts, fills the header, previews the pages and issues the report (SPEC §5.1).

Layout lives in composer_view.py; this module wires it to the services. Every write goes through `_write`,
the one place to switch to the window's writer lane.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QListWidgetItem, QWidget

from danvan_desktop.domain.periods import Period
from danvan_desktop.domain.report_doc import FIELD_KEYS, ComposedReport, Section
from danvan_desktop.exchange.report_issue import issue_report, render
from danvan_desktop.services import reports
from danvan_desktop.services.errors import Refused
from danvan_desktop.ui.export_dialog import default_folder
from danvan_desktop.ui.i18n import error_text
from danvan_desktop.ui.printing import show_print_preview
from danvan_desktop.ui.reports.composer_view import ComposerView
from danvan_desktop.ui.tasks import TaskFailure

AUTOSAVE_MS = 2000  # a power cut loses at most what was typed in the last two seconds


class Composer(ComposerView):
    """The report composer wired to the report services."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(ctx.units, parent)
        self.ctx = ctx
        self.doc: ComposedReport | None = None
        self.key: str | None = None  # the section being edited
        self.texts_below: dict[str, list[reports.ChildText]] = {}
        self._loading = False
        self._dirty: dict[str, dict[str, str]] = {}  # section key -> {"own"/"generated": text} not yet saved
        self._dirty_fields: dict[str, str] = {}
        self._queue: list[tuple[Any, str, Any, Any]] = []  # work waiting its turn (see _write)
        self._running = False
        self.last_pdf: bytes | None = None
        self.autosave = QTimer(self)
        self.autosave.setSingleShot(True)
        self.autosave.setInterval(AUTOSAVE_MS)
        self.autosave.timeout.connect(self.save_now)
        self.period.changed.connect(self.load)
        self.unit.changed.connect(self.load)
        self.sections.currentItemChanged.connect(self._section_chosen)
        self.own.textChanged.connect(lambda: self._typed("own"))
        self.generated.textChanged.connect(lambda: self._typed("generated"))
        for name, w in self.field_edits.items():
            w.textChanged.connect(lambda *_a, n=name: self._field_typed(n))
        self.regen_button.clicked.connect(self.regenerate_section)
        self.preview_button.clicked.connect(self.preview)
        self.issue_button.clicked.connect(lambda: self.issue())
        self.take_button.clicked.connect(self.take_passage)
        self.child_list.currentRowChanged.connect(self._child_chosen)
        self.issues.itemDoubleClicked.connect(self._open_issue)
        # Another PC saved records or this report: compose again, but never under the person's typing cursor.
        self._stale_elsewhere = False
        ctx.changedElsewhere.connect(self._changed_elsewhere)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)
        self.load()

    # -- plumbing
    def chosen(self) -> tuple[Period, str | None]:
        """The period and unit on screen."""
        p = self.period.period()
        assert p is not None  # the report picker has no "every period"
        return p, self.unit.value()

    def _write(self, fn: Any, label: str, on_done: Any = None, on_error: Any = None) -> None:
        """Run work in the background, one task after another in the order asked.

        A save typed before "Phát hành" must land before the issue is composed: this queue keeps the order.
        The queue feeds the window's writer lane (ui/tasks.py).
        """
        def failed(f: TaskFailure) -> None:
            self.status.setText(error_text(f.error)[0])
        self._queue.append((fn, label, on_done or (lambda _v: None), on_error or failed))
        self._pump()

    def _pump(self) -> None:
        if self._running or not self._queue:
            return
        fn, label, done, failed = self._queue.pop(0)
        self._running = True

        def finish(handler: Any, value: Any) -> None:
            self._running = False
            try:
                handler(value)
            finally:
                self._pump()
        # The window's one writer lane: a save waits for a merge instead of failing; the Changes a report write
        # returns are broadcast to the other screens.
        self.ctx.runner.write(fn, lambda v: finish(done, v), lambda f: finish(failed, f), owner=self, label=label)

    # -- changes made on another PC
    def typing(self) -> bool:
        """Whether the keyboard is in one of the composer's text boxes."""
        w = QApplication.focusWidget()
        return w is not None and self.isAncestorOf(w) and (
            w in (self.own, self.generated) or w in self.field_edits.values())

    def _changed_elsewhere(self, changes: Any) -> None:
        if not (changes.figures or changes.reports):
            return
        if self.isVisible() and self.typing():
            self._stale_elsewhere = True
            self.status.setText("Dữ liệu vừa được thay đổi trên máy khác; báo cáo sẽ được lập lại khi bạn rời ô "
                                "đang gõ (những gì bạn gõ được giữ).")
            return
        self.load()

    def _focus_moved(self, _old: Any, _new: Any) -> None:
        if self._stale_elsewhere and not self.typing():
            self._stale_elsewhere = False
            self.load()

    # -- loading
    def load(self) -> None:
        """Compose the report of the chosen period and unit in the background and show it."""
        self.save_now()
        period, code = self.chosen()
        ctx = self.ctx
        self.status.setText("Đang lập báo cáo…")

        def work() -> tuple[ComposedReport, dict[str, list[reports.ChildText]], list[reports.IssueInfo]]:
            return (reports.compose(ctx.db, ctx.actor, period, code),
                    reports.child_texts(ctx.db, ctx.actor, period, code),
                    reports.list_issues(ctx.db, ctx.actor, period, code))

        self._write(work, "Đang lập báo cáo…", self._show)

    def _show(self, result: tuple[ComposedReport, dict[str, list[reports.ChildText]], list[reports.IssueInfo]]) -> None:
        doc, children, issues = result
        self.doc, self.texts_below = doc, children
        self._loading = True
        try:
            values = doc.fields.stored()
            for name in FIELD_KEYS:
                value = values[name]
                text = "\n".join(value) if isinstance(value, list) else str(value)
                w = self.field_edits[name]
                if hasattr(w, "setPlainText"):
                    w.setPlainText(text)
                else:
                    w.setText(text)
            keep = self.key
            self.sections.clear()
            for sec in doc.sections:
                item = QListWidgetItem(self.section_label(sec))
                item.setData(256, sec.key)
                self.sections.addItem(item)
            keys = [s.key for s in doc.sections if s.writable]
            self.select_section(keep if keep in keys else (keys[0] if keys else None))
            self.issues.clear()
            for i in issues:
                when = i.issued_on.strftime("%d/%m/%Y") if i.issued_on else "chưa ghi ngày"
                item = QListWidgetItem(f"Lần {i.issue_no}: số {i.number or '…'}, {when}, {i.format.upper()}, "
                                       f"{i.file_name} ({i.issued_by})")
                item.setData(256, i.id)
                self.issues.addItem(item)
        finally:
            self._loading = False
        stale = sum(len(s.stale) for s in doc.sections)
        self.status.setText("Bản nháp được lưu tự động khi gõ." + (
            f" Có {stale} số liệu trong văn bản không còn khớp với dữ liệu (đánh dấu ⚠)." if stale else ""))

    def section_label(self, sec: Section) -> str:
        """A section in the list: indented by level, ⚠ when its stated figures no longer match."""
        first = sec.heading.replace("\n", " — ")
        return ("    " * max(sec.level - 1, 0)) + first + (" ⚠" if sec.stale else "")

    def select_section(self, key: str | None) -> None:
        """Open a section for editing."""
        for i in range(self.sections.count()):
            if self.sections.item(i).data(256) == key:
                self.sections.setCurrentRow(i)
                return

    def _section_chosen(self, item: QListWidgetItem | None, _prev: Any = None) -> None:
        self.save_now()
        if item is None or self.doc is None:
            return
        sec = self.doc.section(item.data(256))
        self.key = sec.key
        self._loading = True
        try:
            self.heading.setText(sec.heading.replace("\n", " — "))
            self.generated.setPlainText(sec.generated)
            self.own.setPlainText(sec.own)
            for w in (self.generated, self.own, self.regen_button):
                w.setEnabled(sec.writable)
            # Sections the figures say nothing about (Thuận lợi, Khó khăn…) show only the clerk's text.
            has_generated = bool(sec.generated or sec.figures)
            for shown in (self.generated, self.regen_button, self.generated_caption):
                shown.setVisible(has_generated)
            self.stale_label.setText("\n".join("⚠ " + s.describe() for s in sec.stale))
            self.stale_label.setVisible(bool(sec.stale))
            self.edited_label.setVisible(sec.edited)
            self.child_list.clear()
            self.child_text.clear()
            for t in self.texts_below.get(sec.key, []):
                self.child_list.addItem(t.unit_name)
            self.child_text.setPlaceholderText(
                "Chọn một đơn vị ở trên để đọc nội dung mục này trong báo cáo của đơn vị." if self.child_list.count()
                else "Chưa có báo cáo của đơn vị cấp dưới cho mục này (nhận qua gói dữ liệu khi tổng hợp).")
            self.take_button.setEnabled(bool(self.texts_below.get(sec.key)))
        finally:
            self._loading = False

    # -- typing and saving
    def _typed(self, which: str) -> None:
        if self._loading or self.key is None:
            return
        editor = self.own if which == "own" else self.generated
        self._dirty.setdefault(self.key, {})[which] = editor.toPlainText()
        if which == "generated":
            self.edited_label.setVisible(True)
        self.saved_label.setText("Chưa lưu…")
        self.autosave.start()

    def _field_typed(self, name: str) -> None:
        if self._loading:
            return
        w = self.field_edits[name]
        self._dirty_fields[name] = w.toPlainText() if hasattr(w, "toPlainText") else w.text()
        self.saved_label.setText("Chưa lưu…")
        self.autosave.start()

    def save_now(self) -> None:
        """Save what was typed since the last save (also called when leaving a section or the screen)."""
        self.autosave.stop()
        if self.doc is None or not (self._dirty or self._dirty_fields):
            return
        period, code = self.chosen()
        dirty, fields = self._dirty, self._dirty_fields
        self._dirty, self._dirty_fields = {}, {}
        ctx = self.ctx

        def work() -> None:
            if fields:
                try:
                    reports.set_fields(ctx.db, ctx.actor, period, fields, unit_code=code)
                except Refused:
                    # A date half typed ("05/0"): keep the other fields; the date is saved once it is whole.
                    good = {k: v for k, v in fields.items() if k not in ("date", "cutoff")}
                    if good:
                        reports.set_fields(ctx.db, ctx.actor, period, good, unit_code=code)
            for key, texts in dirty.items():
                reports.save_section(ctx.db, ctx.actor, period, key, own=texts.get("own"),
                                     generated=texts.get("generated"), unit_code=code)

        def done(_v: Any) -> None:
            self.saved_label.setText(f"Đã lưu lúc {datetime.now():%H:%M:%S}")
            self._remember(dirty)

        def failed(f: TaskFailure) -> None:
            self.status.setText("Chưa lưu được bản nháp: " + error_text(f.error)[0])
            for key, texts in dirty.items():  # keep them to try again, unless typed over since
                self._dirty.setdefault(key, {}).update({k: v for k, v in texts.items() if k not in
                                                        self._dirty.get(key, {})})
        self._write(work, "Đang lưu bản nháp…", done, failed)

    def _remember(self, saved: dict[str, dict[str, str]]) -> None:
        """Keep the saved texts in the document on screen (no recomposing: that reads every figure again)."""
        if self.doc is None:
            return
        sections = []
        for sec in self.doc.sections:
            texts = saved.get(sec.key, {})
            if texts:
                generated = texts.get("generated", sec.generated)
                sec = dataclasses.replace(sec, own=texts.get("own", sec.own), generated=generated,
                                          edited=sec.edited or generated != sec.generated)
            sections.append(sec)
        self.doc = dataclasses.replace(self.doc, sections=tuple(sections))

    # -- actions
    def regenerate_section(self) -> None:
        """Write the open section's generated text again from today's figures (asked for: replaces an edit)."""
        if self.key is None:
            return
        self.save_now()
        period, code = self.chosen()
        key, ctx = self.key, self.ctx
        self._write(lambda: reports.regenerate(ctx.db, ctx.actor, period, [key], code), "Đang tạo lại số liệu…",
                    lambda _c: self.load())

    def take_passage(self) -> None:
        """Add the chosen unit's text (or the part of it selected) to this section's own text."""
        row = self.child_list.currentRow()
        texts = self.texts_below.get(self.key or "", [])
        if not texts or self.key is None:
            return
        chosen = texts[max(row, 0)]
        selected = self.child_text.textCursor().selectedText().replace("\u2029", "\n").strip()
        piece = selected or chosen.text
        current = self.own.toPlainText().rstrip()
        self.own.setPlainText(f"{current}\n{piece}" if current else piece)  # typed: autosaved like the clerk's text
        self.save_now()

    def _child_chosen(self, row: int) -> None:
        texts = self.texts_below.get(self.key or "", [])
        self.child_text.setPlainText(texts[row].text if 0 <= row < len(texts) else "")

    def preview(self) -> None:
        """Show the pages of the report as they would be issued now (the PDF of the same document)."""
        self.save_now()
        period, code = self.chosen()
        ctx = self.ctx

        def work() -> bytes:
            return render(reports.next_issue(ctx.db, ctx.actor, period, code), "pdf")

        self._write(work, "Đang dựng trang xem trước…", lambda data: self.show_pdf(data, f"Báo cáo {period.label_vi}"))

    def show_pdf(self, data: bytes, title: str) -> None:
        """The print preview of a PDF (overridden in tests)."""
        self.last_pdf = data
        show_print_preview(self, data, title)

    def issue(self, path: Path | None = None) -> None:
        """Phát hành: write the .docx (or .pdf) and fix the issued copy."""
        self.save_now()
        period, code = self.chosen()
        if path is None:
            name = f"bao-cao-{period.code}.docx"
            chosen, _f = QFileDialog.getSaveFileName(self, "Phát hành báo cáo", str(default_folder() / name),
                                                     "Tệp Word (*.docx);;Tệp PDF (*.pdf)")
            if not chosen:
                return
            path = Path(chosen)
        fmt = "pdf" if path.suffix.lower() == ".pdf" else "docx"
        if path.suffix.lower() not in (".pdf", ".docx"):
            path = path.with_suffix(".docx")
        ctx, out = self.ctx, path

        def done(result: tuple[reports.IssueInfo, Any]) -> None:
            info = result[0]
            self.status.setText(f"Đã phát hành lần {info.issue_no} ra tệp “{out}”.")
            self.load()
        self._write(lambda: issue_report(ctx.db, ctx.actor, period, fmt, out, code), "Đang phát hành báo cáo…", done)

    def _open_issue(self, item: QListWidgetItem) -> None:
        """Open an issued copy again: its pages exactly as issued."""
        ctx, issue_id = self.ctx, int(item.data(256))

        def work() -> bytes:
            return render(reports.open_issue(ctx.db, ctx.actor, issue_id), "pdf")
        title = item.text()
        self._write(work, "Đang mở bản đã phát hành…", lambda data: self.show_pdf(data, title))

    def apply_filters(self, unit_code: str | None, period: Period | None, _search: str = "") -> None:
        """Follow the window's unit and period when the clerk picks them on the left."""
        if unit_code:
            self.unit.set_value(unit_code)
        if period is not None:
            self.period.set_period(period)

    def hideEvent(self, e: Any) -> None:  # noqa: N802 - Qt's name
        """Leaving the screen saves what was typed."""
        self.save_now()
        super().hideEvent(e)
