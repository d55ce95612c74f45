"""Tổng hợp dữ liệu: choose packages from the units below, preview them, merge the valid ones; with the open
conflicts, the import ledger and who has delivered (SPEC §6) in tabs of one screen.

Every service call runs in the background (ctx.runner); progress reported on the worker thread reaches the
widgets only through a queued signal (merge_common.WorkProgress).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from danvan_desktop.domain.kinds import kind as get_kind
from danvan_desktop.domain.roles import Action, denial_message
from danvan_desktop.services.changes import Changes
from danvan_desktop.services.merge import REFUSAL_TITLES, ImportResult, MergeCounts, PackagePreview
from danvan_desktop.ui.completeness_page import CompletenessPanel
from danvan_desktop.ui.conflicts import ConflictsPanel
from danvan_desktop.ui.i18n import ask, error_text, show_failure
from danvan_desktop.ui.merge_common import (
    FIT,
    GREEN,
    GREY,
    RED,
    RowsModel,
    StatusLine,
    WorkProgress,
    count,
    fmt_when,
    make_table,
    selected_row,
    show_progress,
)
from danvan_desktop.ui.merge_ledger import ImportLedgerPanel
from danvan_desktop.ui.tasks import TaskFailure
from danvan_desktop.ui.widgets import hidden_progress_bar

NOT_MERGED = "Không tổng hợp được"


def refusal_title(reason: str) -> str:
    """The short Vietnamese title of why a package is refused."""
    return REFUSAL_TITLES.get(reason, NOT_MERGED)


def is_result(p: PackagePreview) -> bool:
    """Whether a row is the outcome of a merge (not a preview)."""
    return isinstance(p, ImportResult) and p.import_id is not None


def status_text(p: PackagePreview) -> str:
    """"Hợp lệ", "Đã tổng hợp" or "Bị từ chối: <reason>"."""
    if not p.ok:
        return f"Bị từ chối: {refusal_title(p.reason)}"
    if is_result(p):
        return "Đã tổng hợp"
    if p.applied_before is not None:
        return f"Hợp lệ (đã tổng hợp lúc {fmt_when(p.applied_before)})"
    return "Hợp lệ"


def unit_text(p: PackagePreview) -> str:
    """"Xã Bản Bo (mã 03424)", or '' when the package could not be read."""
    return f"{p.unit_name} (mã {p.unit_code})" if p.unit_code else ""


def add_counts(items: Sequence[PackagePreview]) -> MergeCounts:
    """The counts of several packages added up."""
    return MergeCounts(sum(p.counts.added for p in items), sum(p.counts.replaced for p in items),
                       sum(p.counts.unchanged for p in items), sum(p.counts.conflicts for p in items))


class PackageTableModel(RowsModel):
    """One row per chosen package: its unit, period, whether it is valid, and what it adds, replaces, leaves."""

    # Two-line headers keep the count columns narrow enough for a 1366-pixel screen.
    HEADERS = ("Tệp", "Đơn vị gửi", "Kỳ", "Tình trạng", "Thêm\nmới", "Thay\nthế", "Không\nđổi", "Xung\nđột",
               "Đơn vị mới")
    COL_FILE, COL_UNIT, COL_PERIOD, COL_STATUS, COL_ADDED, COL_REPLACED, COL_UNCHANGED, COL_CONFLICTS, COL_NEW = (
        range(9))
    NUMERIC = frozenset({4, 5, 6, 7})

    def cells(self, p: PackagePreview) -> tuple[str, ...]:
        """File, unit, period, status, the four counts, the units new to the office."""
        period = p.period_label[:1].upper() + p.period_label[1:]
        if not p.ok:
            return (p.file_name, p.unit_name, period, status_text(p), "–", "–", "–", "–", "")
        c = p.counts
        return (p.file_name, p.unit_name, period, status_text(p), count(c.added), count(c.replaced),
                count(c.unchanged), count(c.conflicts), "; ".join(p.new_units))

    def tooltip(self, p: PackagePreview, column: int) -> str:
        """The refusal's whole message on the status cell; the full path on the file cell; the unit's code."""
        if column == self.COL_STATUS and not p.ok:
            return p.message
        if column == self.COL_FILE:
            return str(p.path)
        if column == self.COL_UNIT:
            return unit_text(p)
        return self.cells(p)[column]

    def foreground(self, p: PackagePreview, column: int) -> str | None:
        """Refusals in red, valid packages in green; a conflict count in red."""
        if column == self.COL_STATUS:
            return GREEN if p.ok else RED
        if column == self.COL_CONFLICTS and p.ok and p.counts.conflicts:
            return RED
        return None


def _esc(text: Any) -> str:
    return html.escape(str(text))


def package_details_html(p: PackagePreview, unit_name: Any = None, limit: int = 50) -> str:
    """The selected package in full: who sent it, what it brings kind by kind, the conflicts field by field."""
    name = _esc(p.file_name)
    if not p.ok:
        return (f"<p><b>{name}</b></p><p style='color:{RED}'><b>Bị từ chối: {_esc(refusal_title(p.reason))}</b>"
                f"</p><p>{_esc(p.message)}</p><p style='color:{GREY}'>Gói này không được tổng hợp; dữ liệu của "
                "đơn vị không thay đổi gì.</p>")
    out = [f"<p><b>{name}</b> — {_esc(status_text(p))}</p>",
           f"<p>Đơn vị gửi: <b>{_esc(unit_text(p))}</b> · Kỳ: <b>{_esc(p.period_label)}</b>"]
    if p.exported_at is not None:
        by = f" bởi tài khoản “{_esc(p.exported_by)}”" if p.exported_by else ""
        out.append(f"<br>Xuất gói lúc {_esc(fmt_when(p.exported_at))}{by}")
    out.append("</p>")
    if p.applied_before is not None and not is_result(p):
        out.append(f"<p style='color:{GREY}'>Tệp này đã được tổng hợp lúc {_esc(fmt_when(p.applied_before))}; "
                   "tổng hợp lại không làm thay đổi dữ liệu.</p>")
    rows = [(get_kind(k).plural, c) for k, c in p.by_kind.items() if c.total]
    if rows:
        head = "".join(f"<th align='right'>&nbsp;{h}&nbsp;</th>" for h in ("Thêm mới", "Thay thế", "Không đổi",
                                                                           "Xung đột"))
        body = "".join(f"<tr><td>{_esc(label)}&nbsp;&nbsp;</td>" + "".join(
            f"<td align='right'>{count(v)}</td>" for v in (c.added, c.replaced, c.unchanged, c.conflicts))
            + "</tr>" for label, c in rows)
        out.append(f"<table cellspacing='0' cellpadding='2'><tr><th align='left'>Loại bản ghi</th>{head}</tr>"
                   f"{body}</table>")
    else:
        out.append("<p>Gói không có bản ghi nào.</p>")
    if p.new_units:
        verb = "Đã thêm" if is_result(p) else "Sẽ thêm"
        out.append(f"<p>{verb} đơn vị mới vào cây đơn vị: {_esc('; '.join(p.new_units))}.</p>")
    if p.key_status == "new":
        out.append(f"<p>Lần đầu nhận gói ký bằng khóa này — dấu vân tay <b>{_esc(p.key_fingerprint)}</b>; hãy gọi "
                   "điện đối chiếu với đơn vị gửi.</p>")
    if p.refused_records:
        # SPEC §6: not the sender's to change; listed, the local copy untouched.
        out.append(f"<p style='color:{RED}'><b>{count(len(p.refused_records))} bản ghi bị từ chối</b>, bản tại chỗ "
                   "giữ nguyên:</p>")
        out += [f"<p>{_esc(r.describe())}</p>" for r in p.refused_records[:limit]]
    if p.conflicts:
        where = ("Hãy quyết định ở thẻ “Xung đột”." if is_result(p)
                 else "Khi tổng hợp, bản tại chỗ được giữ nguyên và xung đột được ghi lại để quyết định ở thẻ "
                      "“Xung đột”.")
        out.append(f"<p style='color:{RED}'><b>{count(len(p.conflicts))} xung đột</b> — {where}</p>")
        for c in p.conflicts[:limit]:
            unit = (unit_name(c.unit_code) if unit_name else "") or c.unit_code
            out.append(f"<p><b>{_esc(c.kind_label)} “{_esc(c.title)}”</b> ({_esc(unit)}): "
                       f"{_esc(c.reason_label)}</p>")
            diff = "".join(f"<tr><td>{_esc(f.label)}&nbsp;&nbsp;</td><td>{_esc(f.local)}&nbsp;&nbsp;</td>"
                           f"<td>{_esc(f.incoming)}</td></tr>" for f in c.fields)
            out.append("<table border='1' cellspacing='0' cellpadding='3' style='border-color:#bbb'>"
                       "<tr><th align='left'>Trường</th><th align='left'>Tại chỗ</th>"
                       f"<th align='left'>Nhận vào</th></tr>{diff}</table>")
        if len(p.conflicts) > limit:
            out.append(f"<p>… và {count(len(p.conflicts) - limit)} xung đột khác.</p>")
    return "".join(out)


class PackagesPanel(QWidget):
    """Choose files or a folder, preview every package, then merge the valid ones (backup first)."""

    merged = Signal(object)  # list[ImportResult], after a merge
    runningChanged = Signal(bool)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.running = False
        self.blocked = False
        self.previews: list[PackagePreview] = []
        self.results: list[ImportResult] | None = None
        self.folder: Path | None = None
        lay = QVBoxLayout(self)
        note = QLabel("Chọn các tệp gói dữ liệu (Excel) do đơn vị cấp dưới gửi lên, hoặc cả một thư mục. Chương "
                      "trình xem trước từng gói (thêm mới, thay thế, không đổi, xung đột) mà chưa ghi gì; gói "
                      "không hợp lệ bị từ chối kèm lý do. Nhấn “Tổng hợp” để ghi các gói hợp lệ.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #444;")
        lay.addWidget(note)
        row = QHBoxLayout()
        self.files_button = QPushButton("Chọn tệp…")
        self.files_button.setToolTip("Chọn một hoặc nhiều tệp gói dữ liệu (.xlsx)")
        self.folder_button = QPushButton("Chọn thư mục…")
        self.folder_button.setToolTip("Xem trước mọi tệp .xlsx nằm trong một thư mục (ví dụ ổ USB)")
        self.apply_button = QPushButton("Tổng hợp")
        self.apply_button.setToolTip("Ghi các gói hợp lệ vào dữ liệu của đơn vị (sao lưu trước)")
        self.apply_button.setEnabled(False)
        self.apply_button.setStyleSheet("font-weight: bold;")
        for b in (self.files_button, self.folder_button):
            row.addWidget(b)
        row.addSpacing(12)
        row.addWidget(self.apply_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.bar = hidden_progress_bar()
        lay.addWidget(self.bar)
        self.status = StatusLine()
        lay.addWidget(self.status)
        self.progress = WorkProgress(self)
        self.progress.moved.connect(self._moved, Qt.ConnectionType.QueuedConnection)
        self._verb = ""

        self.caption = QLabel("Chưa chọn gói dữ liệu nào.")
        self.caption.setStyleSheet("font-weight: bold;")
        lay.addWidget(self.caption)
        split = QSplitter(Qt.Orientation.Vertical)
        self.model = PackageTableModel(self)
        self.view = make_table(self.model, (232, 160, 125, 235, FIT, FIT, FIT, FIT),
                               elide_middle=(PackageTableModel.COL_FILE,))
        split.addWidget(self.view)
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.details.setPlaceholderText("Chọn một gói trong bảng để xem chi tiết.")
        split.addWidget(self.details)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        lay.addWidget(split, 1)

        self.files_button.clicked.connect(self.choose_files)
        self.folder_button.clicked.connect(self.choose_folder)
        self.apply_button.clicked.connect(self.apply)
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._show_selected())

    # -- choosing -----------------------------------------------------------------------------------------

    def _start_dir(self) -> str:
        from danvan_desktop.ui.export_dialog import default_folder

        return str(self.folder if self.folder is not None and self.folder.is_dir() else default_folder())

    def choose_files(self) -> None:
        """Pick one or more package files, then preview them."""
        if self.running or self.blocked:
            return
        chosen, _f = QFileDialog.getOpenFileNames(self, "Chọn gói dữ liệu", self._start_dir(),
                                                  "Gói dữ liệu Excel (*.xlsx);;Mọi tệp (*)")
        if chosen:
            self.folder = Path(chosen[0]).parent
            self.preview([Path(c) for c in chosen])

    def choose_folder(self) -> None:
        """Pick a folder: every .xlsx file directly inside it is previewed."""
        if self.running or self.blocked:
            return
        chosen = QFileDialog.getExistingDirectory(self, "Chọn thư mục chứa gói dữ liệu", self._start_dir())
        if chosen:
            self.folder = Path(chosen)
            self.preview([Path(chosen)])

    # -- running ------------------------------------------------------------------------------------------

    def set_blocked(self, blocked: bool) -> None:
        """Another part of the screen is writing: wait for it."""
        self.blocked = blocked
        self._update_buttons()

    def _update_buttons(self) -> None:
        free = not self.running and not self.blocked
        self.files_button.setEnabled(free)
        self.folder_button.setEnabled(free)
        self.apply_button.setEnabled(free and self.results is None and any(p.ok for p in self.previews))

    def _set_running(self, on: bool, text: str = "") -> None:
        self.running = on
        self.bar.setVisible(on)
        if on:
            self.bar.setRange(0, 0)
            self.status.say(text)
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()
        self._update_buttons()
        self.runningChanged.emit(on)

    def _moved(self, file: int, files: int, done: int, total: int) -> None:
        if not self.running:
            return
        show_progress(self.bar, file, files, done, total)
        records = f": {count(done)}/{count(total)} bản ghi" if total else ""
        self.status.say(f"{self._verb} gói {file}/{files}{records}…")

    def _failed(self, f: TaskFailure) -> None:
        self._set_running(False)
        text, bug = error_text(f.error)
        self.status.say(text, "error")
        if bug:
            show_failure(self, f)

    # -- preview ------------------------------------------------------------------------------------------

    def preview(self, paths: list[Path]) -> None:
        """Read and check the packages (files, or folders of them) in the background; nothing is written."""
        from danvan_desktop.services.errors import ServiceError
        from danvan_desktop.services.merge import find_packages, preview_package

        if self.running or self.blocked:
            return
        db, actor, progress = self.ctx.db, self.ctx.actor, self.progress

        def work() -> list[PackagePreview]:
            files = find_packages(paths)
            out: list[PackagePreview] = []
            for i, p in enumerate(files, start=1):
                progress.report(i, len(files))
                try:
                    out.append(preview_package(db, actor, p, partial(progress.report, i, len(files))))
                except ServiceError as e:  # e.g. religious records for an account without that right
                    out.append(PackagePreview(p, "", False, "permission", str(e)))
            return out

        self._verb = "Đang xem trước"
        self._set_running(True, "Đang đọc các gói dữ liệu…")
        self.ctx.runner.run(work, self._previewed, self._failed, owner=self, label="Đang xem trước gói dữ liệu…")

    def _previewed(self, previews: list[PackagePreview]) -> None:
        self.previews, self.results = previews, None
        self.model.set_rows(previews)
        self._set_running(False)
        if not previews:
            self.caption.setText("Chưa chọn gói dữ liệu nào.")
            self.details.clear()
            self.status.say("Không tìm thấy tệp gói dữ liệu (.xlsx) nào ở nơi đã chọn.", "error")
            return
        ok = [p for p in previews if p.ok]
        self.caption.setText(f"Xem trước {count(len(previews))} gói dữ liệu (chưa ghi gì vào dữ liệu)")
        refused = len(previews) - len(ok)
        text = f"Đã đọc {count(len(previews))} gói: {count(len(ok))} hợp lệ, {count(refused)} bị từ chối."
        if ok:
            text += " Xem lại từng gói rồi nhấn “Tổng hợp” để ghi các gói hợp lệ."
        else:
            text += " Không có gói nào để tổng hợp."
        self.status.say(text, "" if ok else "error")
        self.view.selectRow(0)
        self._show_selected()

    def selected(self) -> PackagePreview | None:
        """The package on the selected row."""
        r = selected_row(self.view)
        return self.model.row(r) if r >= 0 else None

    def _show_selected(self) -> None:
        p = self.selected()
        if p is None:
            self.details.clear()
            return
        self.details.setHtml(package_details_html(p, self.ctx.unit_name))

    # -- merge --------------------------------------------------------------------------------------------

    def confirm_text(self) -> str:
        """The question asked before merging: how many packages and records, and that a backup comes first."""
        ok = [p for p in self.previews if p.ok]
        c = add_counts(ok)
        refused = len(self.previews) - len(ok)
        text = (f"Tổng hợp {count(len(ok))} gói dữ liệu hợp lệ, gồm {count(c.total)} bản ghi?\n\n"
                f"• Thêm mới: {count(c.added)}\n• Thay thế: {count(c.replaced)}\n"
                f"• Không đổi: {count(c.unchanged)}\n• Xung đột: {count(c.conflicts)} (giữ bản tại chỗ, chờ "
                "quyết định)\n\n")
        if refused:
            text += f"{count(refused)} gói bị từ chối sẽ không được tổng hợp.\n\n"
        return text + ("Trước khi ghi, chương trình tự sao lưu dữ liệu hiện tại. Mỗi gói được ghi trọn vẹn hoặc "
                       "không ghi gì; có thể hoàn tác ở thẻ “Nhật ký tổng hợp”.")

    def apply(self) -> None:
        """Merge the valid packages (after asking), each in its own transaction, after one backup."""
        from danvan_desktop.services.merge import apply_packages

        ok = [p for p in self.previews if p.ok]
        if self.running or self.blocked or not ok or self.results is not None:
            return
        if not ask(self, self.confirm_text(), yes="Tổng hợp", no="Không", title="Tổng hợp dữ liệu"):
            return
        db, actor, progress = self.ctx.db, self.ctx.actor, self.progress
        self._verb = "Đang tổng hợp"
        self._set_running(True, "Đang sao lưu dữ liệu trước khi tổng hợp…")
        self.ctx.runner.write(lambda: apply_packages(db, actor, ok, progress.report), self._applied, self._failed,
                              owner=self, label="Đang tổng hợp dữ liệu…")

    def _applied(self, results: list[ImportResult]) -> None:
        self.results = results
        self.model.set_rows([*results, *(p for p in self.previews if not p.ok)])
        self._set_running(False)
        done = [r for r in results if r.ok]
        bad = len(results) - len(done)
        c = add_counts(done)
        self.caption.setText(f"Kết quả tổng hợp {count(len(results))} gói dữ liệu")
        text = (f"Đã tổng hợp {count(len(done))} gói: thêm mới {count(c.added)}, thay thế {count(c.replaced)}, "
                f"không đổi {count(c.unchanged)}, xung đột {count(c.conflicts)}.")
        if c.conflicts:
            text += f" Có {count(c.conflicts)} xung đột chờ quyết định ở thẻ “Xung đột”."
        if bad:
            text += (f" {count(bad)} gói bị từ chối khi tổng hợp (xem cột Tình trạng) và không làm thay đổi dữ "
                     "liệu.")
        self.status.say(text, "error" if bad else "ok")
        self.view.selectRow(0)
        self._show_selected()
        self.merged.emit(results)


class MergeScreen(QWidget):
    """The "Tổng hợp dữ liệu" page: packages, conflicts, import ledger, completeness (tabs)."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.can_merge = bool(ctx.actor.can(Action.MERGE))
        self._seen_period: Any = None
        self._opened = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.denied: QLabel | None = None
        if not self.can_merge:
            self.denied = QLabel(
                denial_message(ctx.actor.username, ctx.actor.role, Action.MERGE) + " Việc nhập gói dữ liệu của đơn "
                "vị cấp dưới và xử lý xung đột do tài khoản quản trị hoặc cán bộ tổng hợp thực hiện; tại đây bạn "
                "vẫn xem được tình hình nộp báo cáo và nhật ký tổng hợp.")
            self.denied.setWordWrap(True)
            self.denied.setStyleSheet("font-size: 11pt; padding: 8px; background: #fff4e5; color: #5d4037;")
            lay.addWidget(self.denied)
        self.tabs = QTabWidget()
        lay.addWidget(self.tabs, 1)
        self.packages: PackagesPanel | None = None
        self.conflicts: ConflictsPanel | None = None
        if self.can_merge:
            self.packages = PackagesPanel(ctx)
            self.conflicts = ConflictsPanel(ctx)
            self.tabs.addTab(self.packages, "Nhập gói dữ liệu")
            self.tabs.addTab(self.conflicts, "Xung đột")
        self.ledger = ImportLedgerPanel(ctx, can_undo=self.can_merge)
        self.completeness = CompletenessPanel(ctx)
        self.tabs.addTab(self.ledger, "Nhật ký tổng hợp")
        self.tabs.addTab(self.completeness, "Tình hình nộp báo cáo")

        writers: list[Any] = [self.ledger]
        if self.packages is not None and self.conflicts is not None:
            writers += [self.packages, self.conflicts]
            self.conflicts.countChanged.connect(self._conflict_count)
        self._writers = writers
        for w in writers:
            w.runningChanged.connect(self._running_changed)
        ctx.changed.connect(self._changed)  # the writer lane's broadcast refreshes the panels
        self.tabs.currentChanged.connect(self._tab_changed)

    # -- the window's filters -----------------------------------------------------------------------------

    def apply_filters(self, _unit: Any = None, period: Any = None, _search: str = "") -> None:
        """Opening the page (or changing the window's period): fresh lists; completeness follows the period."""
        if period is not None and period != self._seen_period:
            self._seen_period = period
            self.completeness.set_period(period)  # refreshes it
        elif not self._opened:
            self.completeness.refresh()
        if not self._opened and self.conflicts is not None:
            self.conflicts.refresh()  # the tab shows how many wait
        self._opened = True
        self._tab_changed(self.tabs.currentIndex())

    def _tab_changed(self, _i: int) -> None:
        w = self.tabs.currentWidget()
        if w is self.conflicts or w is self.ledger:
            w.refresh()  # type: ignore[union-attr]

    def show_tab(self, widget: QWidget) -> None:
        """Open one of the tabs."""
        self.tabs.setCurrentWidget(widget)

    # -- after writing ------------------------------------------------------------------------------------

    def _running_changed(self, _on: bool) -> None:
        busy = any(w.running for w in self._writers)
        for w in self._writers:
            if not w.running:
                w.set_blocked(busy)

    def _conflict_count(self, n: int) -> None:
        if self.conflicts is not None:
            i = self.tabs.indexOf(self.conflicts)
            self.tabs.setTabText(i, f"Xung đột ({count(n)})" if n else "Xung đột")

    def _changed(self, changes: Changes) -> None:
        """After any write of the window (a merge, an undo, a conflict decided, a record saved elsewhere)."""
        if changes.imports and self.conflicts is not None:
            self.conflicts.refresh()
        if changes.imports:
            self.ledger.refresh()  # an import whose record was decided can no longer be undone
        if changes.figures:
            self.completeness.refresh()
